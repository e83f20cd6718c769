"""A trial function that trains nothing and an executor that finishes trials in the order a test
chooses: the driver's decisions, replays and kills, tested in milliseconds per study."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from hpsearch.execution.contract import Executor, TrialEvent, TrialFinished, TrialStarted
from hpsearch.trial import TrialResult, TrialSpec, TrialState

CALLS: list[tuple[int, int]] = []  # (trial, the epochs it was run to), in call order


def curve(params: dict[str, Any], epochs: int) -> float:
    """A dev error that falls with the epochs, lowest near learning_rate 0.01."""
    distance = abs(math.log10(params["learning_rate"]) + 2)
    return round(0.05 + 0.2 * distance + 0.5 / (1 + epochs * params["hidden_units"] / 8), 4)


def scripted(
    spec: TrialSpec, data: Any = None, deadline: float | None = None, on_epoch=None
) -> TrialResult:
    """Trains nothing: its dev error at each epoch is `curve`'s; a learning rate above 0.2
    diverges in the first epoch; a checkpoint holds the epoch it paused at."""
    epochs = spec.params["epochs"]
    until = min(spec.until or epochs, epochs)
    start = 0 if spec.resume is None else int(spec.resume.decode())
    CALLS.append((spec.number, until))
    if spec.params["learning_rate"] > 0.2:
        return TrialResult(
            spec.number, spec.round, TrialState.DIVERGED, epochs=start + 1, message="diverged"
        )
    curves = {"dev_error": [curve(spec.params, e) for e in range(1, until + 1)]}
    paused = until < epochs
    return TrialResult(
        spec.number,
        spec.round,
        TrialState.PAUSED if paused else TrialState.COMPLETE,
        dev_error=curves["dev_error"][-1],
        train_error=curves["dev_error"][-1] / 2,
        epochs=until,
        curves=curves,
        duration_s=0.001 * (until - start),
        checkpoint=str(until).encode() if paused else None,
    )


class Adversarial(Executor):
    """Runs `workers` trials "at once" and finishes them in the order `pick` chooses among
    those started (its index into the list of running specs)."""

    def __init__(
        self,
        workers: int,
        pick: Callable[[list[TrialSpec]], int],
        trial_fn: Callable[..., TrialResult] = scripted,
    ) -> None:
        self.workers, self.pick, self.trial_fn = workers, pick, trial_fn
        self._queue: deque[TrialSpec] = deque()
        self._running: list[TrialSpec] = []
        self.most_queued = 0  # the most specs ever waiting for a worker

    def run(self, specs: Iterable[TrialSpec]) -> Iterator[TrialEvent]:
        self._queue.extend(specs)
        while self._queue or self._running:
            while self._queue and len(self._running) < self.workers:
                spec = self._queue.popleft()
                self._running.append(spec)
                yield TrialStarted(spec, f"w{len(self._running)}")
            self.most_queued = max(self.most_queued, len(self._queue))
            spec = self._running[self.pick(self._running)]
            result = self.trial_fn(spec)  # a Ctrl-C in it leaves the trial running, for stop()
            self._running.remove(spec)
            yield TrialFinished(result)

    def add(self, specs: Iterable[TrialSpec]) -> None:
        self._queue.extend(specs)

    def stop(self) -> list[int]:
        started = [spec.number for spec in self._running]
        self._queue.clear()
        self._running.clear()
        return started
