"""A bracket's rungs, fed their results in any order: which trials run next, to which rung, and
which stop. A pure state machine (no store, no executor), so the driver of a study, a resumed
run replaying its recorded rungs and a test feeding results in adversarial orders all reach the
same decisions.

Three rules: "plain" has one rung and nothing to decide; "sync" (successive halving, Hyperband)
decides a rung once every trial that entered it has a result (`halving.promote`); "async"
decides each trial at a rung in trial-number order, by `asha.AsyncRung`, as soon as the trials
numbered below it are decided there, while new trials start at the first rung."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hpsearch.search.asha import AsyncRung, Verdict
from hpsearch.search.halving import Bracket, promote, rung_name, said

Rule = Literal["plain", "sync", "async"]


@dataclass(frozen=True)
class RungResult:
    """Trial `number` ran to the rung ending at `epochs` and ended with `value` (its dev error);
    `paused`: it reached the rung's end and may go on."""

    number: int
    epochs: int
    value: float | None
    paused: bool


@dataclass(frozen=True)
class Go:
    """Run trial `number` to `until` epochs, going on from the rung that ended at `after`
    (None: from its start)."""

    number: int
    until: int
    after: int | None


@dataclass(frozen=True)
class Stop:
    """Trial `number`, paused at `epochs`, goes no further, for `reason`."""

    number: int
    epochs: int
    reason: str


@dataclass(frozen=True)
class RungDecided:
    """A decision at the rung `rung` (from 0, of the bracket's rungs) ending at `epochs`: of the
    `n_trials` with a result there so far, `going_on` go on. For the asynchronous rule, one trial's
    decision: `trial`, and its `verdict`."""

    rung: int
    epochs: int
    n_trials: int
    going_on: int
    trial: int | None = None
    verdict: Verdict | None = None


@dataclass
class Decided:
    """What a result decided."""

    go: list[Go] = field(default_factory=list)
    stops: list[Stop] = field(default_factory=list)
    news: list[RungDecided] = field(default_factory=list)


class BracketState:
    """One bracket's rungs and the results recorded at them. `ladder` is the round's whole
    ladder, for the rung numbers in the reasons (a Hyperband bracket starts part way up);
    `metric` the study's, which the values are and the reasons name."""

    def __init__(
        self,
        bracket: Bracket,
        eta: int,
        rule: Rule,
        ladder: Sequence[int],
        metric: str = "error",
    ) -> None:
        self.bracket, self.eta, self.rule, self.metric = bracket, eta, rule, metric
        self.rungs = bracket.rungs
        self._place = {epochs: k for k, epochs in enumerate(self.rungs)}
        self._names = [ladder.index(epochs) + 1 for epochs in self.rungs]
        last = len(self.rungs)
        # The results not decided yet at each rung, by trial number.
        self._results: list[dict[int, RungResult]] = [{} for _ in range(last)]
        self._entered: list[set[int]] = [set() for _ in range(last)]  # promoted into rung k ≥ 1
        self._going = [0] * last  # trials that went on from each rung so far
        # sync: how many entered each rung, once known; whether it was decided
        self._sizes: list[int | None] = [len(bracket.numbers)] + [None] * (last - 1)
        self._decided = [False] * last
        # async: how far each rung's decisions have gone, in the bracket's trial order
        self._frontier = [0] * last
        self._async = [AsyncRung(eta) for _ in range(last)]

    @property
    def done(self) -> bool:
        """Every trial decided at every rung (sync and async only)."""
        if self.rule == "sync":
            return all(self._decided)
        return all(f == len(self.bracket.numbers) for f in self._frontier)

    def fresh(self) -> Iterator[Go]:
        """The trials still to run at the first rung, in number order, read lazily: a round of
        a million trials plans one at a time."""
        first = self.rungs[0]
        for index, number in enumerate(self.bracket.numbers):
            if not self._has_first(index, number):
                yield Go(number, first, None)

    def record(self, result: RungResult) -> Decided:
        """Takes one result in; what it decided (nothing, until a decision can be made)."""
        k = self._place.get(result.epochs)
        if k is None or self.rule == "plain":
            return Decided()
        self._results[k][result.number] = result
        return self._decide_sync() if self.rule == "sync" else self._decide_async()

    def _has_first(self, index: int, number: int) -> bool:
        if self.rule == "sync":
            return self._decided[0] or number in self._results[0]
        if self.rule == "async":
            return index < self._frontier[0] or number in self._results[0]
        return False

    def _decide_sync(self) -> Decided:
        decided = Decided()
        for k, epochs in enumerate(self.rungs):
            size = self._sizes[k]
            if self._decided[k]:
                continue
            entrants = self.bracket.numbers if k == 0 else self._entered[k]
            results = self._results[k]
            if size is None or len(results) < size or _count_in(results, entrants) < size:
                break
            self._decided[k] = True
            if k == len(self.rungs) - 1:
                break
            errors = {n: results[n].value for n in entrants}
            paused = {n for n in entrants if results[n].paused}
            made = promote(
                errors, paused, eta=self.eta, rung=self._names[k], epochs=epochs,
                metric=self.metric,
            )  # fmt: skip
            self._entered[k + 1] = set(made.promoted)
            self._sizes[k + 1] = len(made.promoted)
            self._going[k] = len(made.promoted)
            later, until = self._results[k + 1], self.rungs[k + 1]
            decided.go += [Go(n, until, epochs) for n in made.promoted if n not in later]
            decided.stops += [Stop(n, epochs, why) for n, why in sorted(made.stopped.items())]
            decided.news.append(RungDecided(k, epochs, len(errors), len(made.promoted)))
            self._results[k] = {}
        return decided

    def _decide_async(self) -> Decided:
        decided, numbers, last = Decided(), self.bracket.numbers, len(self.rungs) - 1
        for k in range(last + 1):
            at, results, entered = self._frontier[k], self._results[k], self._entered[k]
            while at < len(numbers) and (k == 0 or at < self._frontier[k - 1]):
                number = numbers[at]
                if k > 0 and number not in entered:
                    at += 1  # decided below: it never came to this rung
                    continue
                if number not in results:
                    break  # its result decides the trials after it: wait for it
                result = results.pop(number)
                entered.discard(number)
                at += 1
                if k < last and result.paused:
                    self._verdict(k, number, result.value, decided)
            self._frontier[k] = at
        return decided

    def _verdict(self, k: int, number: int, value: float | None, decided: Decided) -> None:
        epochs, later = self.rungs[k], self.rungs[k + 1]
        verdict = self._async[k].add(value)
        if verdict.promoted:
            self._going[k] += 1
            self._entered[k + 1].add(number)
            if number not in self._results[k + 1]:
                decided.go.append(Go(number, later, epochs))
        else:
            decided.stops.append(Stop(number, epochs, self._reason(k, number, value, verdict)))
        decided.news.append(RungDecided(k, epochs, verdict.count, self._going[k], number, verdict))

    def _reason(self, k: int, number: int, value: float | None, verdict: Verdict) -> str:
        error = "no dev value" if value is None else f"dev {said(self.metric, value)}"
        best = f"the best {verdict.slots}" if verdict.slots > 1 else "the best"
        bar = f"dev {said(self.metric, verdict.threshold)} or lower"
        if verdict.tied:
            bar += ", the earlier trials at that value first"
        return (
            f"{rung_name(self._names[k], self.rungs[k])}: {error}; {best} of the "
            f"{verdict.count} trials up to trial {number} at this rung went on ({bar})"
        )


def _count_in(results: dict[int, RungResult], entrants: range | set[int]) -> int:
    """How many of `entrants` have a result (a resumed run may replay a later rung's first)."""
    return sum(n in results for n in entrants)
