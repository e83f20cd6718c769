"""Running a study under a halving schedule: rung by rung, the losing trials stopped.

Each pass plans every bracket's next rung from the rung results in the store (a pure function:
`search.halving.bracket_step`), stops the trials that its decided rungs left behind, and runs
all brackets' next rungs together on one executor, so that workers take one bracket's trials
while another's rung waits for its last ones. A promoted trial goes on from its checkpoint, so
no rung is ever trained twice, not even after `kill -9`: a rerun rung starts from the
checkpoint of the rung before, which is kept until the rerun rung's result is committed."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace

from hpsearch.config.schedule import full_budget
from hpsearch.execution.contract import Executor, TrialFinished, TrialStarted
from hpsearch.search.halving import Bracket, Step, bracket_step, plan_brackets, rung_epochs
from hpsearch.search.sampler import plan_trials
from hpsearch.search.space import SearchSpace
from hpsearch.store.rungs import RungRow, RungStore
from hpsearch.store.study_store import StudyStore
from hpsearch.study.snapshot import Snapshot
from hpsearch.trial import TrialSpec, TrialState


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
    """A study's brackets, every round's, with each trial's spec."""

    brackets: list[Bracket]
    rungs: list[int]
    eta: int
    specs: dict[int, TrialSpec]

    def round_of(self, bracket: Bracket) -> int:
        return self.specs[bracket.numbers[0]].round if bracket.numbers else -1

    @property
    def per_round(self) -> Counter[int]:
        """How many brackets each round has."""
        return Counter(self.round_of(b) for b in self.brackets)


def plan_of(snapshot: Snapshot) -> Plan:
    """Every round's trials, split into brackets by the study's schedule (each round anew)."""
    config = snapshot.config
    search, epochs = config.search, full_budget(config) or 1
    rungs = rung_epochs(min(search.min_epochs, epochs), search.eta, epochs)
    brackets, specs = [], {}
    for round in snapshot.rounds:
        numbers = round.trial_numbers
        space = SearchSpace.from_dict(round.space)
        for spec in plan_trials(
            space, round.method, seed=search.seed, round=round.number, numbers=numbers
        ):
            specs[spec.number] = spec
        brackets += plan_brackets(
            numbers, schedule=search.schedule, min_epochs=search.min_epochs, eta=search.eta,
            epochs=epochs, brackets=search.brackets,
        )  # fmt: skip
    return Plan(brackets, rungs, search.eta, specs)


class ScheduledRun:
    """One run of a scheduled study: passes until no bracket has a rung left."""

    def __init__(self, store: StudyStore, observer: object, recorder: object) -> None:
        self.store, self.rungs_store = store, RungStore(store)
        self.observer, self.recorder = observer, recorder
        self.busy_s = 0.0
        self.earlier: dict[int, float] = {}  # trial → its training time up to its last rung
        self.until: dict[int, tuple[int, int | None]] = {}  # trial → (its rung, the one before)

    def pass_once(self, plan: Plan, executor: Executor) -> bool:
        """Stops who lost, runs every bracket's next rung; False when nothing was left."""
        rows = self.rungs_store.rows()
        results = {key: (row.dev_error, row.go_on) for key, row in rows.items()}
        self.earlier = {trial: row.duration_s for (trial, _), row in sorted(rows.items())}
        steps = [bracket_step(b, plan.rungs, results, plan.eta) for b in plan.brackets]
        self._stop_losers(steps)
        todo = [self._spec(plan, step, number) for step in steps for number in step.todo]
        if not todo:
            return False
        self._tell(plan, steps)
        self.observer.planned(todo, self.store.trials())
        for event in executor.run(todo):
            self._record(event, plan)
        return True

    def _stop_losers(self, steps: list[Step]) -> None:
        for step in steps:
            for number, (epochs, reason) in sorted(step.stops.items()):
                self.rungs_store.stop(number, epochs, reason)
        keep = {(n, s.after) for s in steps if s.after is not None for n in s.todo}
        keep |= {(n, s.epochs) for s in steps for n in s.waiting}
        self.rungs_store.prune(keep)

    def _spec(self, plan: Plan, step: Step, number: int) -> TrialSpec:
        self.until[number] = (step.epochs, step.after)
        resume = None if step.after is None else self.rungs_store.checkpoint(number, step.after)
        return replace(plan.specs[number], until=step.epochs, resume=resume)

    def _tell(self, plan: Plan, steps: list[Step]) -> None:
        tell = getattr(self.observer, "rung", None)
        for bracket, step in zip(plan.brackets, steps, strict=True):
            if step.todo and tell is not None:
                rung = plan.rungs.index(step.epochs) + 1
                brackets = plan.per_round[plan.round_of(bracket)]
                tell(RungNews(rung, len(plan.rungs), bracket.index + 1, brackets,
                              step.entered, len(step.todo), step.going_on))  # fmt: skip

    def _record(self, event: TrialStarted | TrialFinished, plan: Plan) -> None:
        if not isinstance(event, TrialFinished):
            self.recorder(event)
            return
        self.busy_s += event.result.duration_s
        epochs, before = self.until[event.result.number]
        earlier = self.earlier.get(event.result.number, 0.0) if before is not None else 0.0
        result = replace(event.result, duration_s=event.result.duration_s + earlier)
        self.recorder(replace(event, result=result))  # the trial's time: every rung's
        paused = result.state is TrialState.PAUSED
        row = RungRow(result.number, epochs, result.dev_error, paused, result.duration_s)
        self.rungs_store.record(row, result.checkpoint if paused else None, before)


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
            while run.pass_once(plan, executor):
                pass
        except KeyboardInterrupt as signal:  # Ctrl-C, or SIGTERM as `Terminated`
            store.mark_interrupted(executor.stop())
            return signal, None
    wall = time.perf_counter() - start
    if run.busy_s == 0:
        return None, None
    return None, run.busy_s / (executor.workers * wall)
