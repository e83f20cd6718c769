"""The one planner: every round of a study under its schedule, taken up where the store says it
stands. A round is brackets of trial numbers (`search.halving.plan_brackets`), each a
`search.brackets.BracketState` fed the rung results the store holds; what is left is the
promotions they decided and not yet ran, and the trials not yet started, given one at a time
(a round of a million trials is planned as its trials start, not before)."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from hpsearch.config import StudyConfig
from hpsearch.config.schedule import full_budget, ladder_of, round_outlook, round_search
from hpsearch.search.brackets import BracketState, Go, RungDecided, RungResult, Stop
from hpsearch.search.budget import Ladder, RoundOutlook
from hpsearch.search.halving import SYNCHRONOUS, Bracket
from hpsearch.search.sampler import RoundSampler
from hpsearch.search.space import SearchSpace
from hpsearch.store.sqlite import RoundRecord
from hpsearch.store.study_store import StudyStore
from hpsearch.study.recording import Planned, RungNews
from hpsearch.study.snapshot import Snapshot
from hpsearch.trial import TrialSpec, TrialState


@dataclass
class RoundPlan:
    """One round's trials under its schedule (`ladder` None: plain, or epochs searched)."""

    round: RoundRecord
    ladder: Ladder | None
    states: list[BracketState]
    sampler: RoundSampler

    @property
    def scheduled(self) -> bool:
        """Whether its trials run rung by rung (and record each rung)."""
        return self.ladder is not None and self.ladder.schedule != "plain"

    def state_of(self, number: int) -> BracketState:
        """The bracket trial `number` belongs to."""
        starts = [state.bracket.numbers.start for state in self.states]
        return self.states[bisect.bisect_right(starts, number) - 1]

    def spec(self, go: Go, resume: bytes | None) -> TrialSpec:
        """What a worker runs for `go`: the trial's parameters and seed, to its rung."""
        spec = self.sampler.spec(go.number)
        return replace(spec, until=go.until, resume=resume) if self.scheduled else spec

    def news(self, state: BracketState, decided: RungDecided) -> RungNews:
        """A bracket's decision as the progress display hears of it."""
        assert self.ladder is not None
        ladder = self.ladder.rungs()
        verdict = decided.verdict
        return RungNews(
            round=self.round.number,
            bracket=state.bracket.index + 1,
            brackets=len(self.states),
            rung=ladder.index(decided.epochs) + 1,
            of=len(ladder),
            epochs=decided.epochs,
            n_trials=decided.n_trials,
            going_on=decided.going_on,
            trial=decided.trial,
            promoted=bool(verdict and verdict.promoted),
        )


@dataclass
class StudyPlan:
    """Where a study's rounds stand: `pending` promotions decided and not run (by trial), the
    training time so far of the trials paused at a rung (`earlier`), the stops the recorded
    rungs decide (a killed run may not have written them), and the checkpoints still needed."""

    rounds: list[RoundPlan]
    pending: dict[int, tuple[RoundPlan, Go]] = field(default_factory=dict)
    earlier: dict[int, float] = field(default_factory=dict)
    stops: list[Stop] = field(default_factory=list)
    keep: set[tuple[int, int]] = field(default_factory=set)

    def fresh(self, store: StudyStore) -> Iterator[tuple[RoundPlan, Go]]:
        """The trials to start from scratch, round by round, in number order, read lazily;
        those of a plain round that finished are skipped as the store lists them, a page at a
        time."""
        for plan in self.rounds:
            for state in plan.states:
                goes = state.fresh()
                if not plan.scheduled:
                    goes = _skipping(goes, store.finished_numbers(state.bracket.numbers))
                for go in goes:
                    if plan.sampler.has(go.number):
                        yield plan, go


def plan_study(store: StudyStore, snapshot: Snapshot) -> StudyPlan:
    """Every round of the study in `snapshot` (of the writer `store`), fed what the store holds
    of its scheduled rounds."""
    plan = StudyPlan([round_plan(snapshot, r) for r in snapshot.rounds])
    scheduled = [p for p in plan.rounds if p.scheduled]
    if not scheduled:
        return plan
    rows = store.rung_rows()
    owner = _owner(scheduled)
    results = [
        (owner(row.trial), RungResult(row.trial, row.epochs, row.dev_error, row.paused))
        for row in rows.values()
    ]
    ended = set()  # finished trials whose last rung row was lost: their result is their row
    for lost in store.unrecorded_rungs([p.round.trial_numbers for p in scheduled]):
        if (found := owner(lost.trial)) is None:
            continue
        ladder = found.state_of(lost.trial).rungs
        at = ladder[0] if lost.after is None else _next(ladder, lost.after)
        if at is not None:
            results.append((found, RungResult(lost.trial, at, lost.dev_error, False)))
            ended.add(lost.trial)
    for found, result in sorted(
        ((p, r) for p, r in results if p is not None), key=lambda pr: (pr[1].epochs, pr[1].number)
    ):
        plan.pending.pop(result.number, None)  # a result supersedes the promotion it ran
        decided = found.state_of(result.number).record(result)
        plan.pending |= {go.number: (found, go) for go in decided.go}
        plan.stops += decided.stops
    # The trials paused at their last rung, and not stopped now: what they go on from.
    last = {row.trial: row for row in sorted(rows.values(), key=lambda r: (r.trial, r.epochs))}
    gone = ended | {stop.number for stop in plan.stops}
    paused = [row for n, row in last.items() if row.paused and n not in gone]
    plan.keep = {(row.trial, row.epochs) for row in paused}
    plan.earlier = {row.trial: row.duration_s for row in paused}
    return plan


def round_plan(snapshot: Snapshot, round: RoundRecord) -> RoundPlan:
    """One round's brackets under the schedule it runs under: the study file's, or its own."""
    config = snapshot.config
    search = round_search(config, round.schedule_settings)
    ladder = ladder_of(config, search)
    numbers = round.trial_numbers
    space = SearchSpace.from_dict(round.space)
    sampler = RoundSampler(
        space, round.method, seed=config.search.seed, round=round.number, numbers=numbers
    )
    if ladder is None or ladder.schedule == "plain":
        epochs = full_budget(config) or 0
        state = BracketState(Bracket(0, numbers, (epochs,)), search.eta, "plain", [epochs])
        return RoundPlan(round, ladder, [state], sampler)
    rule = "sync" if ladder.schedule in SYNCHRONOUS else "async"
    rungs = ladder.rungs()
    metric = config.ranked_by.name
    states = [BracketState(b, ladder.eta, rule, rungs, metric) for b in ladder.plan(numbers)]
    return RoundPlan(round, ladder, states, sampler)


def planned(snapshot: Snapshot, plan: StudyPlan) -> Planned:
    """What the progress display is told before the first trial, from the study's counts."""
    config, groups = snapshot.config, snapshot.trial_groups(0)
    finished = {}
    for group in groups:
        if group.state.is_finished:
            finished[group.round] = finished.get(group.round, 0) + group.n_trials
    total = sum(r.n_trials for r in snapshot.rounds)
    done = sum(finished.values())
    unfinished = {r.number for r in snapshot.rounds if finished.get(r.number, 0) < r.n_trials}
    best = snapshot.ranked(1, states=(TrialState.COMPLETE,))
    failed = sum(t.n_trials for t in groups if t.state is TrialState.FAILED)
    return Planned(
        total=total,
        done=done,
        failed=failed,
        best=best[0][1].dev_error if best else None,
        resumes=any(finished.get(n, 0) for n in unfinished),
        outlooks=tuple(_outlooks(config, [r for r in snapshot.rounds if r.number in unfinished])),
    )


def _outlooks(config: StudyConfig, rounds: list[RoundRecord]) -> Iterator[RoundOutlook]:
    """What each of `rounds` plans to train, under its own schedule."""
    for r in rounds:
        search = round_search(config, r.schedule_settings)
        told = round_outlook(config, search, r.number, r.n_trials)
        if told is not None:
            yield told


def _next(rungs: tuple[int, ...], epochs: int) -> int | None:
    later = [e for e in rungs if e > epochs]
    return later[0] if later else None


def _owner(plans: list[RoundPlan]):
    starts = [p.round.first_trial for p in plans]

    def owner(number: int) -> RoundPlan | None:
        at = bisect.bisect_right(starts, number) - 1
        if at < 0 or number not in plans[at].round.trial_numbers:
            return None
        return plans[at]

    return owner


def _skipping(goes: Iterator[Go], finished: Iterator[int]) -> Iterator[Go]:
    """`goes` without the trials in `finished` (both in number order)."""
    skip = next(finished, None)
    for go in goes:
        while skip is not None and skip < go.number:
            skip = next(finished, None)
        if go.number != skip:
            yield go
