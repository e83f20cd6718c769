"""Asynchronous successive halving that decides the same on every run (`schedule: asha`).

Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
Tuning", MLSys 2020) promotes a trial as soon as its result is in the best 1/η of its rung so
far, so that no worker waits for a rung to fill; but "so far" then depends on which workers
finished first, and two runs of one study differ (optuna#3893, optuna#6062, ray#43900). Here
trial i's promotion at a rung is decided by Optuna's rule over the rung's results of the
trials numbered up to i only, and rung by rung in trial-number order: the result is that of
Optuna's `SuccessiveHalvingPruner` run on one worker, whatever the workers, the backend or the
order in which results came.

One departure from Optuna: ties. Optuna promotes every value at or below the ⌊m/η⌋-th lowest,
so on a small dev set, whose errors tie often, most of a rung can go on and a round overruns its
budget (penguins' 69 dev examples: 4,816 epochs for a budget of 2,400). Here an earlier trial
that tied and went on holds its place, so a trial goes on only while fewer than ⌊m/η⌋ earlier
trials are better than it or tie with it and went on. Without ties the two rules are one."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from hpsearch.search.halving import finite_or_inf


@dataclass(frozen=True)
class Verdict:
    """A trial's fate at a rung: `promoted` when fewer than `slots` of the `count` trials of the
    rung so far (its own included) are ahead of it; `threshold` is the `slots`-th lowest value,
    and `tied` says the trial had it but the earlier trials at that value took the places."""

    promoted: bool
    threshold: float
    slots: int
    count: int
    tied: bool = False


def slots(count: int, eta: int) -> int:
    """Optuna's rule: of `count` results, the best ⌊count/η⌋ go on, and the best one while
    there are fewer than η."""
    return max(1, count // eta)


_WENT_ON, _DECIDING, _STOPPED = 0, 1, 2  # how a value's ties are ordered: see `AsyncRung.add`


class AsyncRung:
    """One rung's results in trial-number order, told each trial's fate as it joins: two heaps
    hold the lowest `slots` keys and the rest, so a verdict costs O(log n).

    A key is (value, how it was decided): among equal values, the trials that went on come
    before the one being decided and those that stopped after it, so its rank counts exactly
    the earlier trials that are better or tied and went on."""

    def __init__(self, eta: int) -> None:
        self.eta = eta
        self.count = 0
        self._low: list[tuple[float, int]] = []  # the lowest keys, negated (a max-heap)
        self._high: list[tuple[float, int]] = []  # the others (a min-heap)

    def add(self, value: float | None) -> Verdict:
        """The verdict of the next trial in number order, whose value at this rung is `value`
        (None or not finite: never promoted, and counted as the worst)."""
        value = finite_or_inf(value)
        self.count += 1
        wanted = slots(self.count, self.eta)
        self._hold(wanted)  # the lowest `wanted` keys of the trials before this one
        key = (value, _DECIDING)
        promoted = value < math.inf and (len(self._low) < wanted or key < _top(self._low))
        self._push((value, _WENT_ON if promoted else _STOPPED))
        self._hold(wanted)
        threshold = _top(self._low)[0]
        tied = not promoted and value == threshold < math.inf
        return Verdict(promoted, threshold, wanted, self.count, tied)

    def _push(self, key: tuple[float, int]) -> None:
        if self._low and key > _top(self._low):
            heapq.heappush(self._high, key)
        else:
            heapq.heappush(self._low, _negated(key))

    def _hold(self, wanted: int) -> None:
        """Move keys between the heaps until the low one holds the lowest `wanted`."""
        while len(self._low) > wanted:
            heapq.heappush(self._high, _negated(heapq.heappop(self._low)))
        while len(self._low) < wanted and self._high:
            heapq.heappush(self._low, _negated(heapq.heappop(self._high)))


def _negated(key: tuple[float, int]) -> tuple[float, int]:
    """A key as the max-heap holds it, or back."""
    return (-key[0], -key[1])


def _top(low: list[tuple[float, int]]) -> tuple[float, int]:
    """The largest key of the low heap."""
    return _negated(low[0])


def decide_in_order(values: list[float | None], eta: int) -> list[bool]:
    """Which of a rung's values, in trial-number order, go on: the rule as a plain function."""
    rung = AsyncRung(eta)
    return [rung.add(value).promoted for value in values]
