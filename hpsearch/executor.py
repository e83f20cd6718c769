"""Executors run trials and stream back, as events, what happens to each one as it happens.

The contract every backend keeps (tests/test_executor.py runs one suite over all of them):
- `run(specs)` yields exactly one `TrialFinished` per spec, preceded by at least one
  `TrialStarted` for it (more than one when it had to start again on a new worker);
- a trial function that raises gives a FAILED result, never an exception in the driver;
- with `trial_timeout`, each trial gets `deadline = start + trial_timeout` (a `time.monotonic()`
  value) and should stop itself as TIMED_OUT; one still running `grace_s` later is stopped and
  recorded as TIMED_OUT by the executor;
- `stop()` stops launching, kills the running trials and returns the numbers of the trials
  started and not finished (the driver marks them interrupted); `close()` also frees resources.
"""

from __future__ import annotations

import signal
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Self

from hpsearch.errors import ConfigError
from hpsearch.trial import TrialResult, TrialSpec, TrialState
from hpsearch.worker import TrialFn, call_trial, unfinished, worker_id

DEFAULT_GRACE_S = 10.0  # a well-behaved trial checks its deadline every mini-batch: ample
MAX_DEATHS = 3  # a trial whose worker died this many times while running it is FAILED
TRIAL_THREADS = 1  # BLAS threads per trial, everywhere: see one_blas_thread
THREAD_VARIABLES = (  # what BLAS and OpenMP read, when loaded, for their number of threads
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@dataclass(frozen=True)
class TrialStarted:
    """`worker` (`host:pid` locally) began running `spec`."""

    spec: TrialSpec
    worker: str


@dataclass(frozen=True)
class TrialFinished:
    """The trial's outcome; `attempts` counts the worker processes that died running it."""

    result: TrialResult
    attempts: int = 0


TrialEvent = TrialStarted | TrialFinished


class Executor(ABC):
    """Runs trials on some backend; use it as a context manager so its workers always go away."""

    workers: int

    @abstractmethod
    def run(self, specs: Iterable[TrialSpec]) -> Iterator[TrialEvent]:
        """Runs every spec, yielding events in the order they happen. One `run` at a time."""

    @abstractmethod
    def stop(self) -> list[int]:
        """Kills what runs now; returns the numbers of trials started and not yet finished."""

    def close(self) -> None:
        """Stops, then frees what the executor holds (worker processes, temporary files)."""
        self.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def make_executor(
    trial_fn: TrialFn,
    context: Any,
    *,
    workers: int | None = None,
    trial_timeout: float | None = None,
    grace_s: float = DEFAULT_GRACE_S,
    backend: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
) -> Executor:
    """`workers` trials at a time: in this process when 1, else in local processes (loky); or on
    Dask: the cluster at `scheduler` (with the workers it has), else a LocalCluster of `workers`.

    `workers=None` means one per core. In-process mode takes any callable (a closure showing a
    live learning curve, say); process and Dask modes pickle `trial_fn` and `context` and send
    them once per worker process.
    """
    _check_options(workers, trial_timeout, backend, scheduler)
    limits = {"trial_timeout": trial_timeout, "grace_s": grace_s}
    if backend == "dask":
        from hpsearch.dask_backend import DaskExecutor  # ConfigError when Dask is not installed

        return DaskExecutor(trial_fn, context, scheduler=scheduler, workers=workers, **limits)
    workers = default_workers() if workers is None else workers
    if workers == 1:
        return InProcessExecutor(trial_fn, context, **limits)
    from hpsearch.loky_backend import LokyExecutor

    return LokyExecutor(trial_fn, context, workers, **limits)


def _check_options(
    workers: int | None, trial_timeout: float | None, backend: str, scheduler: str | None
) -> None:
    if workers is not None and workers < 1:
        raise ConfigError(f"`workers >= 1` must hold, but got workers={workers}")
    if trial_timeout is not None and not trial_timeout > 0:
        raise ConfigError(f"`trial_timeout > 0` must hold, but got trial_timeout={trial_timeout}")
    if backend not in ("local", "dask"):
        raise ConfigError(f"`backend` must be 'local' or 'dask', but got backend={backend!r}")
    if scheduler is not None and backend != "dask":
        raise ConfigError(
            f"a scheduler address needs backend='dask', but got backend={backend!r} with "
            f"scheduler={scheduler!r}; choose the dask backend, or drop the scheduler"
        )


def default_workers() -> int:
    """The cores this process may use (affinity and container quotas included)."""
    from joblib import cpu_count

    return cpu_count()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Every trial trains with TRIAL_THREADS BLAS threads, on every backend: a matrix product
    split over another number of threads rounds differently, and over many epochs that changes
    a dev error. So a trial gives the same result alone, beside others, on a cluster or retrained
    by `hpsearch train`; parallelism comes from running trials side by side."""
    with _blas_libraries().limit(limits=TRIAL_THREADS):
        yield


@cache
def _blas_libraries() -> Any:
    """The BLAS and OpenMP libraries loaded in this process, found once: finding them takes a
    couple of milliseconds, too much to repeat for every trial."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def overran_message(trial_timeout: float | None, grace_s: float, fate: str) -> str:
    return (
        f"ran past trial_timeout={trial_timeout:g}s and did not stop within {grace_s:g}s more; "
        f"{fate}"
    )


def unique_specs(specs: Iterable[TrialSpec]) -> list[TrialSpec]:
    """The specs as a list, refusing two with one number (numbers key every event)."""
    specs = list(specs)
    numbers = [spec.number for spec in specs]
    if len(set(numbers)) != len(numbers):
        repeated = sorted({number for number in numbers if numbers.count(number) > 1})
        raise ValueError(f"each trial number must appear once, but got repeats of {repeated}")
    return specs


class InProcessExecutor(Executor):
    """One trial at a time in this very process: the course's "panda" mode of babysitting one
    model. Nothing is pickled, so `trial_fn` may be a closure that draws its curve live."""

    workers = 1

    def __init__(
        self,
        trial_fn: TrialFn,
        context: Any,
        *,
        trial_timeout: float | None = None,
        grace_s: float = DEFAULT_GRACE_S,
    ) -> None:
        self._trial_fn, self._context = trial_fn, context
        self._timeout, self._grace = trial_timeout, grace_s
        self._current: int | None = None
        self._runs = 0  # bumped by stop(), which ends the run under way

    def run(self, specs: Iterable[TrialSpec]) -> Iterator[TrialEvent]:
        run = self._runs
        for spec in unique_specs(specs):
            if run != self._runs:
                return
            self._current = spec.number
            yield TrialStarted(spec, worker_id())
            yield TrialFinished(self._call(spec))
            self._current = None  # only once the driver has taken the result in

    def stop(self) -> list[int]:
        """A trial in this process is stopped by the Ctrl-C that led here; report it."""
        in_flight = [] if self._current is None else [self._current]
        self._current = None
        self._runs += 1
        return in_flight

    def _call(self, spec: TrialSpec) -> TrialResult:
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        limit = None if self._timeout is None else self._timeout + self._grace
        result = None
        try:
            with _alarm(limit), one_blas_thread():
                result = call_trial(self._trial_fn, spec, self._context, deadline)
        except _Overran:
            if result is None:  # else the alarm rang just after the trial returned
                message = overran_message(self._timeout, self._grace, "it was interrupted")
                result = unfinished(spec, TrialState.TIMED_OUT, message, worker=worker_id())
        return result


class _Overran(BaseException):
    """Raised into a trial that ignores its deadline; a BaseException so `except Exception`
    in the trial function cannot swallow it."""


@contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """The in-process backstop: SIGALRM raises `_Overran` after `seconds` (main thread only,
    where signals are delivered; elsewhere the trial's own deadline check is all there is)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def overran(signum: int, frame: object) -> None:
        raise _Overran

    previous = signal.signal(signal.SIGALRM, overran)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
