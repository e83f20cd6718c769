"""Successive halving and Hyperband as pure functions: rungs, brackets and who goes on.

Which trials go on depends only on the rung's dev metric (the study's metric, the error rate by
default: lower is better for every one), ties broken by trial number, never on
the order in which trials finished; so one worker, many workers, Dask and a resumed run all make
the same promotions. Li et al., "Hyperband", JMLR 18 (2018), with brackets laid out as in
their Algorithm 1: bracket 0 is successive halving from the first rung, the last bracket trains
every one of its trials to the full budget (plain random search)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hpsearch.tasks import METRICS

SCHEDULES = ("plain", "halving", "hyperband")


def rung_epochs(min_epochs: int, eta: int, epochs: int) -> list[int]:
    """min_epochs·η^k below `epochs`, then `epochs` itself: the epochs each rung ends at."""
    if not (1 <= min_epochs <= epochs and eta >= 2):
        raise ValueError(
            f"`1 <= min_epochs <= epochs` and `eta >= 2` must hold, but got "
            f"min_epochs={min_epochs}, epochs={epochs}, eta={eta}"
        )
    rungs, at = [], min_epochs
    while at < epochs:
        rungs.append(at)
        at *= eta
    return [*rungs, epochs]


def kept(n: int, eta: int) -> int:
    """How many of a rung's `n` trials go on: the best 1/η, at least one (so that some trial of
    every bracket reaches the full budget)."""
    return max(1, n // eta) if n else 0


@dataclass(frozen=True)
class Bracket:
    """Trials `numbers` start at `rungs[0]` epochs and are halved at each later rung."""

    index: int
    numbers: tuple[int, ...]
    rungs: tuple[int, ...]

    def sizes(self, eta: int) -> list[int]:
        """How many trials enter each rung, had none stopped by itself."""
        sizes = [len(self.numbers)]
        for _ in self.rungs[1:]:
            sizes.append(kept(sizes[-1], eta))
        return sizes

    def planned_epochs(self, eta: int) -> int:
        """Epochs trained in all when no trial stops by itself (patience, divergence)."""
        starts = (0, *self.rungs[:-1])
        spans = zip(self.sizes(eta), starts, self.rungs, strict=True)
        return sum(n * (end - start) for n, start, end in spans)


def bracket_shares(n_rungs: int, eta: int, brackets: int) -> list[float]:
    """Hyperband's relative bracket sizes: bracket b halves s = n_rungs − 1 − b times and starts
    ⌈(s_max + 1)/(s + 1)·η^s⌉ trials, so that every bracket costs about the same."""
    s_max = n_rungs - 1
    shares = []
    for b in range(brackets):
        s = s_max - b
        shares.append(math.ceil((s_max + 1) / (s + 1) * eta**s))
    return [share / sum(shares) for share in shares]


def split_trials(n_trials: int, shares: Sequence[float]) -> list[int]:
    """`n_trials` split by `shares` by largest remainder (ties: the earlier bracket)."""
    exact = [n_trials * share for share in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: n_trials - sum(counts)]:
        counts[i] += 1
    return counts


def plan_brackets(
    numbers: Sequence[int],
    *,
    schedule: str,
    min_epochs: int,
    eta: int,
    epochs: int,
    brackets: int | None = None,
) -> list[Bracket]:
    """The brackets of one round's trials `numbers` (contiguous blocks, in order). "plain" is one
    bracket with the full budget only, "halving" one bracket from the first rung, "hyperband"
    `brackets` of them (default: one per rung)."""
    if schedule == "plain":
        return [Bracket(0, tuple(numbers), (epochs,))]
    rungs = rung_epochs(min_epochs, eta, epochs)
    count = 1 if schedule == "halving" else min(brackets or len(rungs), len(rungs))
    counts = split_trials(len(numbers), bracket_shares(len(rungs), eta, count))
    plan, start = [], 0
    for b, n in enumerate(counts):
        plan.append(Bracket(b, tuple(numbers[start : start + n]), tuple(rungs[b:])))
        start += n
    return plan


def fewest_trials(
    schedule: str, min_epochs: int, eta: int, epochs: int, brackets: int | None
) -> int:
    """The fewest trials for which every bracket with a promotion to make has η trials at its
    first rung, so that its best 1/η is one trial at least."""
    if schedule == "plain" or min_epochs >= epochs:
        return 1
    for n in range(eta, 100_000):
        plan = plan_brackets(
            range(n), schedule=schedule, min_epochs=min_epochs, eta=eta, epochs=epochs,
            brackets=brackets,
        )  # fmt: skip
        if all(len(b.numbers) >= eta or len(b.rungs) == 1 for b in plan):
            return n
    raise ValueError("no trial count up to 100,000 fills every bracket")


@dataclass(frozen=True)
class Decision:
    """A rung's outcome: who goes on, and for each trial that could have, why it stopped."""

    promoted: tuple[int, ...]
    stopped: dict[int, str]


def promote(
    errors: Mapping[int, float | None],
    can_go_on: set[int] | frozenset[int],
    *,
    eta: int,
    rung: int,
    epochs: int,
    metric: str = "error",
) -> Decision:
    """The best `kept(len(errors), η)` of the rung's trials by dev `metric` at the rung (ties:
    the lower trial number) among those that `can_go_on`; a trial without a finite value never
    goes on. `errors` holds every trial that entered the rung (those that stopped by themselves
    too); `rung` counts from 1 in the reasons."""
    order = sorted(errors, key=lambda n: (_finite_or_inf(errors[n]), n))
    slots = kept(len(errors), eta)
    candidates = [n for n in order if n in can_go_on and _finite_or_inf(errors[n]) < math.inf]
    promoted = tuple(sorted(candidates[:slots]))
    went_on = f"the best {slots} went on" if slots > 1 else "the best went on"
    stopped = {}
    for n in candidates[slots:]:
        place = order.index(n) + 1
        stopped[n] = (
            f"stopped at rung {rung} ({epochs} epoch{'s' * (epochs != 1)}): dev "
            f"{_value(metric, errors[n])}, "
            f"{_ordinal(place)} of {len(errors)}; {went_on}"
        )
    return Decision(promoted, stopped)


def _value(metric: str, value: float | None) -> str:
    """'error 0.123' as the reasons have always said it; another metric by its name and as its
    tables write it: 'RMSE 53.72'."""
    if metric == "error" and value is not None:
        return f"error {value:.3f}"
    return f"{METRICS[metric].label} {METRICS[metric].cell(value)}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _finite_or_inf(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else math.inf


@dataclass(frozen=True)
class Step:
    """Where a bracket stands: the trials to run to the rung ending at `epochs` (`todo`, each
    going on from the rung ending at `after`, or from scratch when None), and every stop its
    decided rungs made. `todo` is empty once the bracket is done."""

    epochs: int
    after: int | None
    todo: tuple[int, ...]
    entered: int  # trials that entered that rung
    going_on: int  # how many of them will go on to the next rung (0 at the last)
    waiting: tuple[int, ...]  # paused at that rung already, waiting for the others
    stops: dict[int, tuple[int, str]]  # trial → (the rung's epochs it paused at, reason)


def bracket_step(
    bracket: Bracket,
    rungs: Sequence[int],
    results: Mapping[tuple[int, int], tuple[float | None, bool]],
    eta: int,
    metric: str = "error",
) -> Step:
    """The bracket's next rung from the rung results recorded so far ((trial, epochs) → (dev
    metric, paused there)); `rungs` are the schedule's, for the reasons' rung numbers. A pure
    function of the results, so a resumed run takes up exactly where the killed one stood."""
    population, stops, after = tuple(bracket.numbers), {}, None
    for i, epochs in enumerate(bracket.rungs):
        missing = tuple(n for n in population if (n, epochs) not in results)
        last = i == len(bracket.rungs) - 1
        going_on = 0 if last else kept(len(population), eta)
        if missing or last:
            waiting = tuple(n for n in population if results.get((n, epochs), (0, False))[1])
            return Step(epochs, after, missing, len(population), going_on, waiting, stops)
        errors = {n: results[n, epochs][0] for n in population}
        paused = {n for n in population if results[n, epochs][1]}
        rung = rungs.index(epochs) + 1
        decision = promote(errors, paused, eta=eta, rung=rung, epochs=epochs, metric=metric)
        stops |= {n: (epochs, reason) for n, reason in decision.stopped.items()}
        population, after = decision.promoted, epochs
    raise AssertionError("a bracket has at least one rung")


@dataclass(frozen=True)
class Savings:
    """What a schedule saved: `tried` configurations, `full` of them trained to the full
    `budget` epochs, `epochs` trained in all."""

    schedule: str
    tried: int
    full: int
    epochs: int
    budget: int

    @property
    def equivalent(self) -> float:
        """As many epochs as this many trials trained to the full budget."""
        return self.epochs / self.budget

    def sentence(self) -> str:
        return (
            f"schedule {self.schedule}: {self.tried} configurations tried, {self.full} trained "
            f"to the full {self.budget} epochs; {self.epochs} epochs in all, as many as "
            f"{self.equivalent:.1f} full trials"
        )
