"""Random and grid samplers: (space, study seed, round, trial number) → the trial's parameters and
its training seed, the same whatever the number of workers or the order in which trials finish.

Each trial draws from its own `SeedSequence(seed, spawn_key=(round, number))`, so no trial's
parameters depend on what else was sampled. Random sampling is the default, as the course advises:
with 25 trials a 5×5 grid tries only 5 values of the parameter that matters, random search 25."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import numpy as np

from hpsearch.search.space import Choice, IntUniform, SearchSpace
from hpsearch.trial import TrialSpec

Method = Literal["random", "grid"]
METHODS: tuple[Method, ...] = ("random", "grid")


def plan_trials(
    space: SearchSpace, method: Method, *, seed: int, round: int, numbers: Iterable[int]
) -> list[TrialSpec]:
    """The trials of one round. `numbers` are the round's global trial numbers, in order; a grid
    point is chosen by the position `number - numbers[0]`, and a grid with fewer points than
    numbers plans fewer trials. `params` are complete: fixed and searched values together."""
    numbers = list(numbers)
    if not numbers:
        return []
    sampler = RoundSampler(space, method, seed=seed, round=round, numbers=numbers)
    return [sampler.spec(n) for n in numbers if sampler.has(n)]


def preview_trials(
    space: SearchSpace, method: Method, *, seed: int, trials: int, count: int
) -> list[TrialSpec]:
    """The first `count` trials a study of `trials` trials runs in round 0, without planning all."""
    sampler = RoundSampler(space, method, seed=seed, round=0, numbers=range(trials))
    return [sampler.spec(n) for n in range(min(count, trials)) if sampler.has(n)]


class RoundSampler:
    """One round's trials, each planned when asked for: a round of a million trials costs
    nothing before its first trial runs. `numbers` are the round's trial numbers, in order."""

    def __init__(
        self, space: SearchSpace, method: Method, *, seed: int, round: int, numbers: Sequence[int]
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, but got {method!r}")
        self.space, self.method, self.seed, self.round = space, method, seed, round
        self.first = numbers[0] if len(numbers) else 0
        self._values: dict[str, list[Any]] = {}
        self._points = math.inf
        if method == "grid" and len(numbers):
            shape = grid_shape(space, len(numbers))
            self._values = {n: space.searched[n].grid(k) for n, k in shape.items()}
            self._points = math.prod(len(v) for v in self._values.values())

    def has(self, number: int) -> bool:
        """Whether the round plans trial `number` (a grid may have fewer points than numbers)."""
        return number - self.first < self._points

    def spec(self, number: int) -> TrialSpec:
        """Trial `number`'s parameters and training seed."""
        if self.method == "random":
            return _trial(self.seed, self.round, number, self.space.sample)
        point = _grid_point(self._values, number - self.first)
        return _trial(self.seed, self.round, number, lambda _rng: self.space.complete(point))


def count_trials(space: SearchSpace, method: Method, trials: int) -> int:
    """How many trials a round of `trials` runs: all of them, or the size of the grid."""
    return math.prod(grid_shape(space, trials).values()) if method == "grid" else trials


def training_seed(seed: int, round: int, number: int) -> tuple[np.random.Generator, int]:
    """The generator of a trial's parameters and its training seed (63 bits: it fits SQLite)."""
    params, training = np.random.SeedSequence(seed, spawn_key=(round, number)).spawn(2)
    return np.random.default_rng(params), int(training.generate_state(1, np.uint64)[0] >> 1)


def grid_shape(space: SearchSpace, trials: int) -> dict[str, int]:
    """Points per searched parameter. Every choice is enumerated; the d numeric parameters get k
    points each, the largest k with k**d ≤ trials // (number of choice combinations): 25 trials
    over 2 numeric parameters make a 5×5 grid. An integer range with fewer than k values gives
    all of them, and the other parameters share out what it leaves."""
    searched = space.searched
    shape = {n: len(d.choices) for n, d in searched.items() if isinstance(d, Choice)}
    combinations = math.prod(shape.values())
    if combinations > trials:
        listed = " × ".join(f"{n} {k}" for n, k in shape.items())
        raise ValueError(
            f"a grid enumerates every choice: {combinations} combinations "
            f"({listed}), so trials must be at least {combinations}, but got {trials}"
        )
    free = [n for n in searched if n not in shape]
    while free:
        k = _root(trials // math.prod(shape.values()), len(free))
        small = [n for n in free if _capacity(searched[n]) < k]
        shape.update(
            {n: _capacity(searched[n]) for n in small} if small else dict.fromkeys(free, k)
        )
        free = [n for n in free if n not in shape]
    return {n: shape[n] for n in searched}


def _trial(
    seed: int, round: int, number: int, draw: Callable[[np.random.Generator], dict[str, Any]]
) -> TrialSpec:
    rng, training = training_seed(seed, round, number)
    return TrialSpec(number=number, round=round, params=draw(rng), seed=training)


def _grid_point(values: dict[str, list[Any]], position: int) -> dict[str, Any]:
    """The `position`-th point of the grid, the last parameter varying fastest."""
    point = {}
    for name in reversed(values):
        position, index = divmod(position, len(values[name]))
        point[name] = copy.copy(values[name][index])
    return point


def _capacity(distribution: Any) -> float:
    if isinstance(distribution, IntUniform):
        return distribution.high - distribution.low + 1
    return math.inf


def _root(budget: int, d: int) -> int:
    """The largest k ≥ 1 with k**d ≤ budget (exact: no floating-point 25**0.5 = 4.999…)."""
    k = max(1, round(budget ** (1 / d)))
    while k > 1 and k**d > budget:
        k -= 1
    while (k + 1) ** d <= budget:
        k += 1
    return k
