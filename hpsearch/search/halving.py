"""Successive halving and Hyperband as pure functions: rungs, brackets and who goes on.

Which trials go on depends only on the rung's dev metric (the study's metric, the error rate by
default: lower is better for every one), ties broken by trial number, never on the order in
which trials finished; so one worker, many workers, Dask and a resumed run all make
the same promotions. Li et al., "Hyperband", JMLR 18 (2018), with brackets laid out as in
their Algorithm 1: bracket 0 is successive halving from the first rung, the last bracket trains
every one of its trials to the full budget (plain random search). The asynchronous schedule's
rule is `search.asha`; what runs next, from the results so far, is `search.brackets`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hpsearch.tasks import METRICS

SCHEDULES = ("plain", "halving", "hyperband", "asha")
SYNCHRONOUS = ("halving", "hyperband")  # a rung is decided once all its trials have a result


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
    """Trials `numbers` (a block of trial numbers) start at `rungs[0]` epochs and are halved at
    each later rung."""

    index: int
    numbers: range
    rungs: tuple[int, ...]

    def sizes(self, eta: int) -> list[int]:
        """How many trials enter each rung, had none stopped by itself."""
        sizes = [len(self.numbers)]
        for _ in self.rungs[1:]:
            sizes.append(kept(sizes[-1], eta))
        return sizes

    def planned_epochs(self, eta: int) -> int:
        """Epochs trained in all when no trial stops by itself (patience, divergence)."""
        return ladder_epochs(len(self.numbers), self.rungs, eta)


def ladder_epochs(n: int, rungs: Sequence[int], eta: int) -> int:
    """Epochs `n` trials train on the ladder `rungs` when the best 1/η of each rung go on."""
    total, start = 0, 0
    for end in rungs:
        total += n * (end - start)
        n, start = kept(n, eta), end
    return total


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
    """`n_trials` split by `shares` by largest remainder (ties: the earlier bracket). In floating
    point, as studies have always been split: exact arithmetic breaks some ties otherwise."""
    exact = [n_trials * share for share in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: n_trials - sum(counts)]:
        counts[i] += 1
    return counts


def plan_brackets(
    numbers: range,
    *,
    schedule: str,
    min_epochs: int,
    eta: int,
    epochs: int,
    brackets: int | None = None,
) -> list[Bracket]:
    """The brackets of one round's trials `numbers` (contiguous blocks, in order). "plain" is one
    bracket with the full budget only, "halving" and "asha" one bracket from the first rung,
    "hyperband" `brackets` of them (default: one per rung)."""
    if schedule == "plain":
        return [Bracket(0, numbers, (epochs,))]
    rungs = rung_epochs(min_epochs, eta, epochs)
    count = min(brackets or len(rungs), len(rungs)) if schedule == "hyperband" else 1
    counts = split_trials(len(numbers), bracket_shares(len(rungs), eta, count))
    plan, start = [], 0
    for b, n in enumerate(counts):
        plan.append(Bracket(b, numbers[start : start + n], tuple(rungs[b:])))
        start += n
    return plan


@dataclass(frozen=True)
class Decision:
    """A rung's outcome: who goes on, and for each trial that could have, why it stopped."""

    promoted: tuple[int, ...]
    stopped: dict[int, str]


def promote(
    errors: Mapping[int, float | None],
    paused: set[int] | frozenset[int],
    *,
    eta: int,
    rung: int,
    epochs: int,
    metric: str = "error",
) -> Decision:
    """The best `kept(len(errors), η)` of the rung's trials by dev `metric` at the rung (ties:
    the lower trial number) among those `paused` there; a trial without a finite value never
    goes on. `errors` holds every trial that entered the rung (those that stopped by themselves
    too); `rung` counts from 1 in the reasons."""
    order = sorted(errors, key=lambda n: (finite_or_inf(errors[n]), n))
    slots = kept(len(errors), eta)
    places = [(place, n) for place, n in enumerate(order, 1) if n in paused]
    candidates = [(place, n) for place, n in places if finite_or_inf(errors[n]) < math.inf]
    promoted = tuple(sorted(n for _, n in candidates[:slots]))
    went_on = f"the best {slots} went on" if slots > 1 else "the best went on"
    stopped = {
        n: f"{rung_name(rung, epochs)}: dev {said(metric, errors[n])}, {ordinal(place)} of "
        f"{len(errors)}; {went_on}"
        for place, n in candidates[slots:]
    }
    return Decision(promoted, stopped)


def rung_name(rung: int, epochs: int) -> str:
    """ "stopped at rung 2 (3 epochs)": the words every stop reason begins with."""
    return f"stopped at rung {rung} ({epochs} epoch{'s' * (epochs != 1)})"


def said(metric: str, value: float | None) -> str:
    """'error 0.123' as the reasons have always said it; another metric by its name and as its
    tables write it: 'RMSE 53.72'."""
    if metric == "error" and value is not None:
        return f"error {value:.3f}"
    return f"{METRICS[metric].label} {METRICS[metric].cell(value)}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def finite_or_inf(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else math.inf


@dataclass(frozen=True)
class Savings:
    """What a schedule saved: `tried` configurations, `full` of them trained to the full
    `budget` epochs, `epochs` trained in all; `allowed`, the epochs the study file's
    `search.budget` gave the round, when one did."""

    schedule: str
    tried: int
    full: int
    epochs: int
    budget: int
    allowed: int | None = None

    @property
    def equivalent(self) -> float:
        """As many epochs as this many trials trained to the full budget."""
        return self.epochs / self.budget

    @property
    def saved(self) -> float:
        """How many times fewer epochs than training every configuration tried to the full
        budget."""
        return self.tried * self.budget / self.epochs if self.epochs else math.inf

    def sentence(self) -> str:
        return (
            f"schedule {self.schedule}: {self.tried:,} configurations tried, {self.full:,} "
            f"trained to the full {self.budget} epochs; {self.epochs:,} epochs in all, as many "
            f"as {self.equivalent:.1f} full trials, {self.saved:.1f}× fewer than training every "
            "configuration to the full budget" + self._overrun()
        )

    def _overrun(self) -> str:
        """asha judges a rung's first trials against few results, so more of them go on than
        the budget's arithmetic plans, and a round can spend more than `search.budget`: said,
        never hidden."""
        if self.allowed is None or self.epochs <= self.allowed:
            return ""
        why = ", as asha judges a rung's first trials against few results"
        return (
            f"; {self.epochs - self.allowed:,} epochs more than the budget of "
            f"{self.allowed:,}{why if self.schedule == 'asha' else ''}"
        )
