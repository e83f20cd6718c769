"""Executors run trials and stream back, as events, what happens to each one as it happens.

The contract every backend keeps (tests/execution/test_executor.py runs one suite over all of them):
- `run(specs)` yields exactly one `TrialFinished` per spec, preceded by at least one
  `TrialStarted` for it (more than one when it had to start again on a new worker);
- `add(specs)`, called between two events of a run, gives that run more specs: so a driver
  that learns of new work from a result keeps every worker busy without a second run; a
  driver keeps `workers + ahead` specs handed over, and the executor starts them in order;
- a trial function that raises gives a FAILED result, never an exception in the driver;
- with `trial_timeout`, each trial gets `deadline = start + trial_timeout` (a `time.monotonic()`
  value) and should stop itself as TIMED_OUT; one still running `grace_s` later is stopped and
  recorded as TIMED_OUT by the executor;
- `stop()` stops launching, kills the running trials and returns the numbers of the trials
  started and not finished (the driver marks them interrupted); `close()` also frees resources.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Self

from hpsearch.trial import TrialResult, TrialSpec

DEFAULT_GRACE_S = 10.0  # a well-behaved trial checks its deadline every mini-batch: ample
MAX_DEATHS = 3  # a trial whose worker died this many times while running it is FAILED


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
    # Specs beyond `workers` worth holding at once: handed over ahead, so that a worker that
    # frees starts its next trial without waiting for the driver to record the last one.
    ahead: int = 0

    @abstractmethod
    def run(self, specs: Iterable[TrialSpec]) -> Iterator[TrialEvent]:
        """Runs every spec, yielding events in the order they happen. One `run` at a time."""

    @abstractmethod
    def add(self, specs: Iterable[TrialSpec]) -> None:
        """More specs for the run under way (a number may come again once its trial finished)."""

    @abstractmethod
    def stop(self) -> list[int]:
        """Kills what runs now; returns the numbers of trials started and not yet finished."""

    def start(self) -> None:  # noqa: B027 (optional: by default, workers start with a trial)
        """Starts the workers now, before the first trial, so that their start-up overlaps
        what the driver does before it (the study's store, its baselines, its plan); the
        default starts them with the first trial."""

    def close(self) -> None:
        """Stops, then frees what the executor holds (worker processes, temporary files)."""
        self.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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
