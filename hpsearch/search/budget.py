"""A round's size in epochs: how many configurations a budget of epochs holds under a schedule,
how many of them reach the full budget, the fewest trials a schedule needs, and the first rung
when none is given. Closed-form arithmetic over the ladder of rungs: as fast for 10⁹ epochs or
η = 10⁵ as for the quickstart."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hpsearch.search.halving import Bracket, bracket_shares, plan_brackets, rung_epochs
from hpsearch.search.space import SearchSpace

MAX_TRIALS = 1_000_000  # the most trials a round may have (`search.trials`)
FIRST_RUNG_SHARE = 9  # by default the first rung is about the full budget / 9


@dataclass(frozen=True)
class Ladder:
    """A schedule's settings, as one round runs under them."""

    schedule: str
    min_epochs: int
    eta: int
    epochs: int  # the full budget: the last rung
    brackets: int | None = None

    def rungs(self) -> list[int]:
        """The epochs each rung ends at (the full budget alone for plain)."""
        if self.schedule == "plain":
            return [self.epochs]
        return rung_epochs(self.min_epochs, self.eta, self.epochs)

    def plan(self, numbers: range | int) -> list[Bracket]:
        """The brackets of a round of trials `numbers` (or of that many, from 0)."""
        numbers = range(numbers) if isinstance(numbers, int) else numbers
        return plan_brackets(
            numbers, schedule=self.schedule, min_epochs=self.min_epochs, eta=self.eta,
            epochs=self.epochs, brackets=self.brackets,
        )  # fmt: skip


@dataclass(frozen=True)
class Outlook:
    """What `configurations` trials under a ladder are planned to train: `epochs` in all (the
    schedule's own arithmetic: the best 1/η of each rung go on, none stops by itself) and how
    many reach the full budget. The asynchronous schedule's counts are expectations: its
    promotions depend on the order of the results."""

    configurations: int
    epochs: int
    full: int
    budget: int  # epochs of one full trial

    @property
    def equivalent(self) -> float:
        """As many full trials as the planned epochs."""
        return self.epochs / self.budget


@dataclass(frozen=True)
class RoundOutlook:
    """What round `round` plans to train under its schedule: `outlook`, on the rungs `rungs`."""

    round: int
    schedule: str
    rungs: tuple[int, ...]
    outlook: Outlook
    budget: int | None = None  # the epochs the round was given, when a budget sized it


def outlook(ladder: Ladder, n: int) -> Outlook:
    """The plan of `n` configurations under `ladder`."""
    if ladder.schedule == "plain":
        return Outlook(n, n * ladder.epochs, n, ladder.epochs)
    brackets = ladder.plan(n)
    epochs = sum(b.planned_epochs(ladder.eta) for b in brackets)
    full = sum(b.sizes(ladder.eta)[-1] for b in brackets)
    return Outlook(n, epochs, full, ladder.epochs)


def trials_for_budget(ladder: Ladder, budget: int) -> int:
    """The most configurations whose planned epochs fit in `budget` (0 when not even one
    does; `MAX_TRIALS + 1` when more than a round may have would)."""
    if ladder.schedule == "plain":
        return min(budget // ladder.epochs, MAX_TRIALS + 1)
    low, high = 0, MAX_TRIALS + 1  # planned(low) ≤ budget; find the last such below high
    if outlook(ladder, high).epochs <= budget:
        return high
    while high - low > 1:  # the planned epochs grow with the count (Hyperband's nearly)
        middle = (low + high) // 2
        if outlook(ladder, middle).epochs <= budget:
            low = middle
        else:
            high = middle
    return low


def fewest_trials(ladder: Ladder) -> int:
    """The fewest trials for which every bracket with a promotion to make has η trials at its
    first rung, so that its best 1/η is one trial at least. Above `MAX_TRIALS`, a lower bound."""
    if ladder.schedule == "plain" or ladder.min_epochs >= ladder.epochs:
        return 1
    rungs = rung_epochs(ladder.min_epochs, ladder.eta, ladder.epochs)
    if ladder.schedule != "hyperband":
        return ladder.eta
    count = min(ladder.brackets or len(rungs), len(rungs))
    shares = bracket_shares(len(rungs), ladder.eta, count)[: len(rungs) - 1]  # those that halve
    # A bracket gets its share rounded down or up: below `low` one gets fewer than η for sure,
    # from `high` on none does. In between, the first count that fills them all.
    low = max(ladder.eta, *(math.floor((ladder.eta - 1) / share) for share in shares))
    high = max(math.ceil(ladder.eta / share) + 1 for share in shares)
    if low > MAX_TRIALS or high - low > 10_000:
        return low if low > MAX_TRIALS else high
    for n in range(low, high + 1):
        if all(len(b.numbers) >= ladder.eta or len(b.rungs) == 1 for b in ladder.plan(n)):
            return n
    return high


def default_min_epochs(epochs: int, eta: int) -> int:
    """The first rung when none is given: about `epochs` / 9, at a count of epochs from which
    the ladder reaches the full budget in steps of η, the last one too (so that no rung decides
    just before the end what the end would decide)."""
    if epochs < 2:
        return 1
    target = epochs / FIRST_RUNG_SHARE
    middle = round(math.log(FIRST_RUNG_SHARE, eta))
    firsts = {max(1, -(-epochs // eta**k)) for k in range(max(0, middle - 1), middle + 2)}
    if epochs < 1000:  # few epochs: rounding up may leave a short last step, so try them all
        firsts |= set(range(1, epochs))
    fits = []
    for first in sorted(firsts):
        rungs = rung_epochs(first, eta, epochs)
        if len(rungs) > 1 and rungs[-1] >= rungs[-2] * math.sqrt(eta):
            fits.append((abs(math.log(first / target)), first))
    return min(fits)[1] if fits else 1


WIDE = 4  # searched hyperparameters from which a space is wide
WIDE_DECADES = 3  # or a log scale over as many decades


def proposal(space: SearchSpace, epochs: int, full_trials: int) -> dict[str, int | str]:
    """The `search:` settings to propose for a first search of `full_trials` full trials'
    worth of epochs (`hpsearch init`): under the asynchronous schedule with that budget when the
    space is wide (four hyperparameters or more, or a log scale over three decades or more),
    where it tries about three configurations per full trial's epochs and reaches plain random
    search's best in fewer epochs (README, "Does halving pay?"); else as many plain trials."""
    searched = space.searched.values()
    decades = [math.log10(d.high / d.low) for d in searched if getattr(d, "scale", "") == "log"]
    wide = len(space.searched) >= WIDE or any(span >= WIDE_DECADES for span in decades)
    if not wide or epochs < 2:
        return {"trials": full_trials}
    return {"schedule": "asha", "budget": full_trials * epochs}
