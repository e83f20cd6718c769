"""The in-process backend: one trial at a time in the driver itself (the panda mode)."""

from __future__ import annotations

import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from hpsearch.execution.contract import (
    DEFAULT_GRACE_S,
    Executor,
    TrialEvent,
    TrialFinished,
    TrialStarted,
    overran_message,
    unique_specs,
)
from hpsearch.execution.threads import TRIAL_THREADS, blas_threads
from hpsearch.execution.worker import TrialFn, call_trial, unfinished, worker_id
from hpsearch.trial import TrialResult, TrialSpec, TrialState


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
        threads: int = TRIAL_THREADS,
    ) -> None:
        self._trial_fn, self._context = trial_fn, context
        self._timeout, self._grace = trial_timeout, grace_s
        self.threads = threads
        self._current: int | None = None
        self._runs = 0  # bumped by stop(), which ends the run under way
        self._waiting: deque[TrialSpec] = deque()

    def run(self, specs: Iterable[TrialSpec]) -> Iterator[TrialEvent]:
        run = self._runs
        self._waiting = deque(unique_specs(specs))
        while self._waiting:
            if run != self._runs:
                return
            spec = self._waiting.popleft()
            self._current = spec.number
            yield TrialStarted(spec, worker_id())
            yield TrialFinished(self._call(spec))
            self._current = None  # only once the driver has taken the result in

    def add(self, specs: Iterable[TrialSpec]) -> None:
        self._waiting.extend(unique_specs(specs))

    def stop(self) -> list[int]:
        """A trial in this process is stopped by the Ctrl-C that led here; report it."""
        in_flight = [] if self._current is None else [self._current]
        self._current = None
        self._waiting.clear()
        self._runs += 1
        return in_flight

    def _call(self, spec: TrialSpec) -> TrialResult:
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        limit = None if self._timeout is None else self._timeout + self._grace
        result = None
        try:
            with _alarm(limit), blas_threads(self.threads):
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
