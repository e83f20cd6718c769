"""Asynchronous successive halving that decides the same on every run (`schedule: asha`).

Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
Tuning", MLSys 2020) promotes a trial as soon as its result is in the best 1/η of its rung so
far, so that no worker waits for a rung to fill; but "so far" then depends on which workers
finished first, and two runs of one study differ (optuna#3893, optuna#6062, ray#43900). Here
trial i's promotion at a rung is decided by Optuna's rule over the rung's results of the
trials numbered up to i only, and rung by rung in trial-number order: the result is that of
Optuna's `SuccessiveHalvingPruner` run on one worker, whatever the workers, the backend or the
order in which results came."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from hpsearch.search.halving import finite_or_inf


@dataclass(frozen=True)
class Verdict:
    """A trial's fate at a rung: `promoted` when its value is at most `threshold`, the
    `slots`-th lowest of the `count` values of the rung so far (its own included)."""

    promoted: bool
    threshold: float
    slots: int
    count: int


def slots(count: int, eta: int) -> int:
    """Optuna's rule: of `count` results, the best ⌊count/η⌋ go on, and the best one while
    there are fewer than η."""
    return max(1, count // eta)


class AsyncRung:
    """One rung's results in trial-number order, told each trial's fate as it joins: two heaps
    hold the lowest `slots` values and the rest, so a verdict costs O(log n)."""

    def __init__(self, eta: int) -> None:
        self.eta = eta
        self.count = 0
        self._low: list[float] = []  # the lowest `slots` values, negated (a max-heap)
        self._high: list[float] = []  # the others (a min-heap)

    def add(self, value: float | None) -> Verdict:
        """The verdict of the next trial in number order, whose value at this rung is `value`
        (None or not finite: never promoted, and counted as the worst)."""
        value = finite_or_inf(value)
        self.count += 1
        if self._low and value > -self._low[0]:
            heapq.heappush(self._high, value)
        else:
            heapq.heappush(self._low, -value)
        wanted = slots(self.count, self.eta)
        while len(self._low) > wanted:
            heapq.heappush(self._high, -heapq.heappop(self._low))
        while len(self._low) < wanted and self._high:
            heapq.heappush(self._low, -heapq.heappop(self._high))
        threshold = -self._low[0]
        return Verdict(value <= threshold and value < math.inf, threshold, wanted, self.count)


def decide_in_order(values: list[float | None], eta: int) -> list[bool]:
    """Which of a rung's values, in trial-number order, go on: the rule as a plain function."""
    rung = AsyncRung(eta)
    return [rung.add(value).promoted for value in values]
