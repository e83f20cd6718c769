"""Running a study under a halving schedule: rung by rung, the losing trials stopped.

A bracket's next rung is a pure function of its rung results (`search.halving.bracket_step`),
so the order in which trials finish decides nothing. Every bracket's first open rung starts
together on one executor; as soon as a rung's last result is recorded, its losers are stopped
and its winners join the same run, so workers take them while other brackets' rungs wait for
their last trials. A promoted trial goes on from its checkpoint, so no rung is ever trained
twice, not even after `kill -9`: a rerun rung starts from the checkpoint of the rung before,
which is kept until the rerun rung's result is committed."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hpsearch.config.schedule import full_budget, round_search
from hpsearch.execution.contract import Executor, TrialFinished, TrialStarted
from hpsearch.search.halving import Bracket, Step, bracket_step, plan_brackets, rung_epochs
from hpsearch.search.sampler import plan_trials
from hpsearch.search.space import SearchSpace
from hpsearch.store.checkpoints import Unusable
from hpsearch.store.rungs import RungRow, RungStore
from hpsearch.store.sqlite import RoundRecord
from hpsearch.store.study_store import StudyStore
from hpsearch.study.snapshot import Snapshot
from hpsearch.trial import TrialRecord, TrialSpec, TrialState

if TYPE_CHECKING:
    from hpsearch.config.study_file import StudyConfig


@dataclass(frozen=True)
class RungNews:
    """What the progress display says of a rung about to run: `rung` of `of` (from 1), in
    bracket `bracket` of `brackets`; `trials` entered it, `going_on` will go on."""

    rung: int
    of: int
    bracket: int
    brackets: int
    trials: int
    to_run: int
    going_on: int


@dataclass(frozen=True)
class Plan:
    """A study's brackets, every round's, with each trial's spec; for each bracket, its round and
    its ladder: the rungs and η of the schedule its round runs under."""

    brackets: list[Bracket]
    rounds: list[int]
    ladders: list[tuple[list[int], int]]
    specs: dict[int, TrialSpec]
    metric: str = "error"  # the study's: what the promotions compare

    @property
    def per_round(self) -> Counter[int]:
        """How many brackets each round has."""
        return Counter(self.rounds)


def plan_of(snapshot: Snapshot) -> Plan:
    """Every round's trials, split into brackets by the schedule it runs under (each round
    anew): the study file's, or the round's own."""
    config = snapshot.config
    epochs = full_budget(config) or 1
    plan = Plan([], [], [], {}, config.ranked_by.name)
    for round in snapshot.rounds:
        search = round_search(config.search, round.schedule)
        numbers = round.trial_numbers
        space = SearchSpace.from_dict(round.space)
        for spec in plan_trials(
            space, round.method, seed=config.search.seed, round=round.number, numbers=numbers
        ):
            plan.specs[spec.number] = spec
        rungs = rung_epochs(min(search.min_epochs, epochs), search.eta, epochs)
        ladder = ([epochs] if search.schedule == "plain" else rungs, search.eta)
        brackets = plan_brackets(
            numbers, schedule=search.schedule, min_epochs=search.min_epochs, eta=search.eta,
            epochs=epochs, brackets=search.brackets,
        )  # fmt: skip
        plan.brackets.extend(brackets)
        plan.rounds.extend([round.number] * len(brackets))
        plan.ladders.extend([ladder] * len(brackets))
    return plan


def is_scheduled(config: StudyConfig, rounds: list[RoundRecord]) -> bool:
    """Whether some round of the study runs under a halving schedule."""
    return any(round_search(config.search, r.schedule).schedule != "plain" for r in rounds)


class ScheduledRun:
    """One run of a scheduled study, driven by its results: whenever the last trial of a
    bracket's rung is recorded, that rung is decided and its winners join the run under way,
    so the workers take them while other brackets' rungs are still running."""

    def __init__(self, store: StudyStore, observer: object, recorder: object) -> None:
        self.store, self.rungs_store = store, RungStore(store)
        self.observer, self.recorder = observer, recorder
        self.busy_s = 0.0
        self.results: dict[tuple[int, int], tuple[float | None, bool]] = {}
        self.earlier: dict[int, float] = {}  # trial → its training time up to its last rung
        self.until: dict[int, tuple[int, int | None]] = {}  # trial → (its rung, the one before)
        self.bracket_of: dict[int, int] = {}  # trial → the index of its bracket in the plan
        self.left: Counter[int] = Counter()  # bracket → trials of its rung not yet recorded
        self.stopped: set[int] = set()
        self.queued: dict[int, TrialSpec] = {}  # added and not finished: for the progress display

    def run(self, plan: Plan, executor: Executor, records: list[TrialRecord]) -> None:
        """Runs every bracket to its end on `executor`; `records`: the study's trials now."""
        rows = self.rungs_store.rows()
        self.results = {key: (row.dev_error, row.go_on) for key, row in rows.items()}
        self.earlier = {trial: row.duration_s for (trial, _), row in sorted(rows.items())}
        self.bracket_of = {n: i for i, b in enumerate(plan.brackets) for n in b.numbers}
        # A one-rung bracket's finished trials are its results: a plain round's have no rung rows.
        finished = {r.number: r.dev_error for r in records if r.state.is_finished}
        for bracket in (b for b in plan.brackets if len(b.rungs) == 1):
            for number in set(bracket.numbers) & finished.keys():
                self.results.setdefault((number, bracket.rungs[0]), (finished[number], False))
        steps = [self._step(plan, i) for i in range(len(plan.brackets))]
        keep = {(n, s.after) for s in steps if s.after is not None for n in s.todo}
        self.rungs_store.prune(keep | {(n, s.epochs) for s in steps for n in s.waiting})
        todo = [spec for i, step in enumerate(steps) for spec in self._take(plan, i, step)]
        if not todo:
            return
        for event in executor.run(todo):
            bracket = self._record(event)
            decided = bracket is not None and not self.left[bracket]  # its rung's last result
            if decided and (more := self._take(plan, bracket, self._step(plan, bracket))):
                executor.add(more)

    def _step(self, plan: Plan, index: int) -> Step:
        rungs, eta = plan.ladders[index]
        step = bracket_step(plan.brackets[index], rungs, self.results, eta, plan.metric)
        for number, (epochs, reason) in sorted(step.stops.items()):
            if number not in self.stopped:
                self.stopped.add(number)
                self.rungs_store.stop(number, epochs, reason)
        return step

    def _take(self, plan: Plan, index: int, step: Step) -> list[TrialSpec]:
        """The specs of the bracket's next rung, told to the progress display."""
        if not step.todo:
            return []
        bracket = plan.brackets[index]
        todo = [self._spec(plan, step, number) for number in step.todo]
        self.left[index] = len(todo)
        self.queued |= {spec.number: spec for spec in todo}
        self.observer.planned(list(self.queued.values()), self.store.trials())
        rungs, _ = plan.ladders[index]
        if (tell := getattr(self.observer, "rung", None)) is not None and len(rungs) > 1:
            brackets = plan.per_round[plan.rounds[index]]
            tell(RungNews(rungs.index(step.epochs) + 1, len(rungs), bracket.index + 1, brackets,
                          step.entered, len(step.todo), step.going_on))  # fmt: skip
        return todo

    def _spec(self, plan: Plan, step: Step, number: int) -> TrialSpec:
        self.until[number] = (step.epochs, step.after)
        resume = None if step.after is None else self.rungs_store.checkpoint(number, step.after)
        if isinstance(resume, Unusable):  # trained from its start: its seed makes it the same
            self.observer.warn(
                f"trial {number}: {resume}; it trains again from its first epoch, which its "
                "seed makes the same training"
            )
            resume, self.earlier[number] = None, 0.0
        return replace(plan.specs[number], until=step.epochs, resume=resume)

    def _record(self, event: TrialStarted | TrialFinished) -> int | None:
        """Records the event; for a finished trial, the index of its bracket."""
        if not isinstance(event, TrialFinished):
            self.recorder(event)
            return None
        number = event.result.number
        self.busy_s += event.result.duration_s
        epochs, before = self.until[number]
        earlier = self.earlier.get(number, 0.0) if before is not None else 0.0
        result = replace(event.result, duration_s=event.result.duration_s + earlier)
        del self.queued[number]
        self.recorder(replace(event, result=result))  # the trial's time: every rung's
        paused = result.state is TrialState.PAUSED
        row = RungRow(number, epochs, result.dev_error, paused, result.duration_s)
        self.rungs_store.record(row, result.checkpoint if paused else None, before)
        self.results[number, epochs] = (result.dev_error, paused)
        self.earlier[number] = result.duration_s
        self.left[self.bracket_of[number]] -= 1
        return self.bracket_of[number]


def run_scheduled(
    store: StudyStore,
    snapshot: Snapshot,
    executor: Executor,
    observer: object,
    recorder: object,
) -> tuple[KeyboardInterrupt | None, float | None]:
    """Runs the study's schedule to its end on `executor`: (the Ctrl-C or SIGTERM that stopped it,
    worker utilisation)."""
    plan = plan_of(snapshot)
    run, start = ScheduledRun(store, observer, recorder), time.perf_counter()
    with executor:
        try:
            run.run(plan, executor, snapshot.records)
        except KeyboardInterrupt as signal:  # Ctrl-C, or SIGTERM as `Terminated`
            store.mark_interrupted(executor.stop())
            return signal, None
    wall = time.perf_counter() - start
    if run.busy_s == 0:
        return None, None
    return None, run.busy_s / (executor.workers * wall)
