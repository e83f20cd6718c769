"""The one driver of every run: results in, decisions out, workers kept busy.

Whatever the schedule, a run is the same loop: hand the executor as many trials as it has
workers, and as each result comes in, record it, let its bracket decide what it can
(`search.brackets`: nothing for a plain round, a whole rung once it is full for successive
halving and Hyperband, trial by trial in number order for the asynchronous schedule), and hand
out the next trial: a promotion before a new trial, the highest rung first. Which trials go on
depends only on the results, never on their order, so the workers' number and speed change when
things happen, not what happens. Ctrl-C and SIGTERM end every schedule the same way."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace

from hpsearch.execution.contract import Executor, TrialFinished, TrialStarted
from hpsearch.search.brackets import Go, RungResult
from hpsearch.store.rungs import RungRow
from hpsearch.store.study_store import StudyStore
from hpsearch.study.planner import RoundPlan, StudyPlan
from hpsearch.study.recording import Observer, Recorder, Utilisation
from hpsearch.trial import TrialSpec, TrialState


@dataclass(frozen=True)
class Driven:
    """How a run ended: the Ctrl-C or SIGTERM that stopped it (None: it ran to its end), and
    how busy its workers were (None when nothing ran)."""

    interrupt: KeyboardInterrupt | None
    utilisation: Utilisation | None


class _Feed:
    """What runs next: a decided promotion (the highest rung first, then the lowest trial
    number) before a trial not yet started (round by round, in number order)."""

    def __init__(self, plan: StudyPlan, fresh: Iterator[tuple[RoundPlan, Go]]) -> None:
        self._promoted: list[tuple[int, int, RoundPlan, Go]] = []
        self._fresh = fresh
        for round_plan, go in plan.pending.values():
            self.promote(round_plan, [go])

    def promote(self, round_plan: RoundPlan, goes: list[Go]) -> None:
        for go in goes:
            heapq.heappush(self._promoted, (-go.until, go.number, round_plan, go))

    def take(self, count: int) -> list[tuple[RoundPlan, Go]]:
        taken = []
        while len(taken) < count and self._promoted:
            _, _, round_plan, go = heapq.heappop(self._promoted)
            taken.append((round_plan, go))
        while len(taken) < count and (nxt := next(self._fresh, None)) is not None:
            taken.append(nxt)
        return taken


class Driver:
    """One run of a study's plan on one executor, fed by its results."""

    def __init__(
        self, store: StudyStore, plan: StudyPlan, recorder: Recorder, observer: Observer
    ) -> None:
        self.store, self.plan, self.recorder, self.observer = store, plan, recorder, observer
        self.feed = _Feed(plan, plan.fresh(store))
        self.earlier = dict(plan.earlier)  # trial → its training time up to its last rung
        self.out: dict[int, tuple[RoundPlan, Go, TrialSpec]] = {}  # handed out, not finished
        self.busy_s = self.waiting_s = 0.0
        self._dry = False  # no trial left to hand out, for now
        self._since = 0.0  # when the count of trials out last changed

    def run(self, make_executor: Callable[[], AbstractContextManager[Executor]]) -> Driven:
        """Runs the plan to its end on the executor `make_executor` makes, closed at the end
        unless its maker owns it (`nullcontext`): (how it ended, how busy the workers were).
        Interrupted, the trials that ran are marked so, and every result recorded is kept."""
        start = time.perf_counter()
        first: float | None = None
        interrupt: KeyboardInterrupt | None = None
        with make_executor() as executor:
            workers = max(1, executor.workers)
            held = workers + executor.ahead  # trials handed over at once
            try:
                todo = self._hand_out(held)
                self._since = time.perf_counter()
                for event in executor.run(todo) if todo else ():
                    if isinstance(event, TrialStarted):
                        first = first or time.perf_counter()
                        self.recorder.started(event.spec, event.worker)
                        continue
                    self._count_waiting(workers)
                    self._finished(event)
                    if more := self._hand_out(held - len(self.out)):
                        executor.add(more)
                    self._count_waiting(workers)
            except KeyboardInterrupt as signal:  # Ctrl-C, or SIGTERM as `Terminated`
                specs = {number: spec for number, (_, _, spec) in self.out.items()}
                self.store.mark_interrupted(executor.stop(), specs)
                interrupt = signal
        if not self.busy_s:
            return Driven(interrupt, None)
        end = time.perf_counter()
        starting = workers * ((first or end) - start)
        return Driven(
            interrupt, Utilisation(workers, end - start, self.busy_s, starting, self.waiting_s)
        )

    def _hand_out(self, count: int) -> list[TrialSpec]:
        taken = self.feed.take(count) if count > 0 else []
        self._dry = len(taken) < count
        specs = []
        for round_plan, go in taken:
            resume = None if go.after is None else self.recorder.checkpoint(go.number, go.after)
            if go.after is not None and resume is None:  # unusable: from its start, to the rung
                self.earlier[go.number] = 0.0
            spec = round_plan.spec(go, resume)
            self.out[go.number] = (round_plan, go, spec)
            specs.append(spec)
        return specs

    def _count_waiting(self, workers: int) -> None:
        """Adds the worker-seconds since the last change during which no trial was left to
        hand out to the idle workers."""
        now = time.perf_counter()
        if self._dry:
            self.waiting_s += max(0, workers - len(self.out)) * (now - self._since)
        self._since = now

    def _finished(self, event: TrialFinished) -> None:
        result = event.result
        round_plan, go, _ = self.out.pop(result.number)
        self.busy_s += result.duration_s
        if not round_plan.scheduled:
            self.recorder.result(result, event.attempts)
            return
        number, paused = result.number, result.state is TrialState.PAUSED
        earlier = self.earlier.pop(number, 0.0) if go.after is not None else 0.0
        result = replace(result, duration_s=result.duration_s + earlier)  # every rung's time
        value = result.dev_error  # the dev value a rung ranks its trials by
        row = RungRow(number, go.until, value, paused, result.duration_s)
        self.recorder.result(result, event.attempts, row, go.after)
        if paused:
            self.earlier[number] = result.duration_s
        state = round_plan.state_of(number)
        decided = state.record(RungResult(number, go.until, value, paused))
        self.recorder.stops(decided.stops)
        for stop in decided.stops:
            self.earlier.pop(stop.number, None)
        self.feed.promote(round_plan, decided.go)
        for news in decided.news:
            self.observer.rung(round_plan.news(state, news))
