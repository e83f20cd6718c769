"""What a run writes and tells as it goes, and what it leaves: the recorder (each result in the
store, the best models kept, the observer told), the observer and its news, the run's outcome.
Below the driver (`study.driver`), which decides what runs; the CLI's progress display is an
`Observer` and reads only what it is given."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hpsearch.errors import Terminated
from hpsearch.search.brackets import Stop
from hpsearch.search.budget import RoundOutlook
from hpsearch.search.ranking import rank
from hpsearch.store.checkpoints import Unusable
from hpsearch.store.rungs import RungRow, RungStore
from hpsearch.store.study_store import StudyStore
from hpsearch.study.overview import StudyView
from hpsearch.study.snapshot import Snapshot
from hpsearch.tasks import Metric
from hpsearch.trial import TrialRecord, TrialResult, TrialSpec, TrialState


@dataclass(frozen=True)
class Planned:
    """What a run sets out to do, told once before its first trial: the study's configurations
    (`total`: those finished before, `done`, and those to run), how many failed and the best dev
    error so far; `resumes` when it goes on with a round some of whose trials had finished.
    `outlooks`: what each round it goes on with plans to train, when a schedule or a budget
    sizes it."""

    total: int
    done: int
    failed: int = 0
    best: float | None = None
    resumes: bool = False
    outlooks: tuple[RoundOutlook, ...] = ()

    @property
    def to_run(self) -> int:
        return self.total - self.done


@dataclass(frozen=True)
class RungNews:
    """A decision at a rung, for the progress display: rung `rung` of `of` (from 1) of round
    `round`, ending at `epochs`, in bracket `bracket` of `brackets`; of the `n_trials` with a
    result there so far, `going_on` go on. Under the asynchronous schedule, one trial's
    decision: `trial` and whether it was `promoted`, with its dev error `value` there."""

    round: int
    bracket: int
    brackets: int
    rung: int
    of: int
    epochs: int
    n_trials: int
    going_on: int
    trial: int | None = None
    promoted: bool = False
    value: float | None = None


class Observer:
    """Hears what a run does, as it happens; every method may be left as it is."""

    def scored_by(self, metric: Metric, balance: str | None) -> None:
        """The study's trials are scored by `metric` (told before anything runs); `balance`
        says what imbalanced classes mean for it (None when they are not imbalanced)."""

    def planned(self, planned: Planned) -> None:
        """The run is about to start its first trial."""

    def started(self, spec: TrialSpec, worker: str) -> None:
        """A worker began `spec`."""

    def epoch(self, number: int, epoch: int, row: dict[str, float]) -> None:
        """Trial `number` finished an epoch (only when trials run in this process)."""

    def paused(self, record: TrialRecord) -> None:
        """A trial's rung ended and was stored; it waits to learn whether it goes on."""

    def finished(self, record: TrialRecord) -> None:
        """A trial ended, and its row was stored: complete, diverged, failed, timed out, or
        stopped by its schedule."""

    def rung(self, news: RungNews) -> None:
        """A halving schedule decided at a rung."""

    def warn(self, line: str) -> None:
        """Something the user should know went otherwise than planned, and what was done."""


@dataclass(frozen=True)
class Utilisation:
    """How busy `workers` workers were for the `wall_s` seconds of a run: `busy_s` training in
    all; of the rest, `starting_s` (worker-seconds before the first trial began: starting the
    worker processes and sending them the data) and `waiting_s` (worker-seconds with no trial to
    hand out: a synchronous rung filling, the last trials finishing)."""

    workers: int
    wall_s: float
    busy_s: float
    starting_s: float
    waiting_s: float

    @property
    def share(self) -> float:
        """busy time / (workers × wall time)."""
        return self.busy_s / (self.workers * self.wall_s) if self.wall_s > 0 else 0.0

    @property
    def between_s(self) -> float:
        """Worker-seconds between trials: recording each result, sending the next trial, a
        worker's own time around the training."""
        return max(0.0, self.workers * self.wall_s - self.busy_s - self.starting_s - self.waiting_s)


@dataclass(frozen=True)
class StudyRun:
    """The study after a run, as `show` would present it, and whether the run was cut short."""

    snapshot: Snapshot
    overview: StudyView
    interrupted: bool = False
    ran: int = 0  # configurations this run set out to finish (0: the study had none left)
    set_aside: Path | None = None  # where `new` moved the old study of this name
    terminated: bool = False  # interrupted by SIGTERM rather than Ctrl-C
    utilisation: Utilisation | None = None  # how busy the workers were

    @property
    def folder(self) -> Path:
        return self.snapshot.folder

    @property
    def records(self) -> list[TrialRecord]:
        return self.snapshot.records

    @property
    def exit_code(self) -> int:
        """130 interrupted (143 by SIGTERM); 3 when no trial of the study completed (nothing to
        rank or use); 1 when a trial failed; else 0 (diverging is a result, not a fault). The
        command line's help lists them."""
        if self.interrupted:
            return 143 if self.terminated else 130
        if not any(r.state is TrialState.COMPLETE for r in self.records):
            return 3
        return 1 if any(r.state is TrialState.FAILED for r in self.records) else 0

    @classmethod
    def interrupted_by(cls, signal: KeyboardInterrupt | None) -> dict[str, bool]:
        """The fields that say how a run ended: `interrupted`, and by SIGTERM."""
        return {"interrupted": signal is not None, "terminated": isinstance(signal, Terminated)}


class Recorder:
    """Writes what a run does to the store as it happens, keeps the weights of the best trials
    and tells the observer; each result in one transaction (its rung's row with it)."""

    def __init__(
        self,
        store: StudyStore,
        snapshot: Snapshot,
        observer: Observer,
        pack: Callable[[TrialRecord, bytes], bytes],
    ) -> None:
        self._store, self._observer, self._pack = store, observer, pack
        self._rungs = RungStore(store)
        self._keep = snapshot.config.search.keep_models
        # Only the best `keep` complete trials: the best of them and a new one are the best of
        # all, so the work per trial does not grow with the study (ranking is a total order).
        complete = snapshot.ranked(self._keep, states=(TrialState.COMPLETE,)) if self._keep else []
        self._best = [record for _, record in complete]

    def started(self, spec: TrialSpec, worker: str) -> None:
        self._store.mark_running(spec, worker)
        self._observer.started(spec, worker)

    def result(
        self,
        result: TrialResult,
        attempts: int = 0,
        rung: RungRow | None = None,
        after: int | None = None,
    ) -> TrialRecord:
        """Stores a result: under a schedule, with its rung's row (`rung`), its checkpoint
        kept first when it paused, and the checkpoint it went on from (at `after`) let go."""
        paused = result.state is TrialState.PAUSED
        if rung is not None and paused and result.checkpoint is not None:
            self._rungs.keep_checkpoint(result.number, rung.epochs, result.checkpoint)
        record = self._store.record(result, attempts=attempts, rung=rung)
        if after is not None:
            self._rungs.release(result.number, after)
        if record.state is TrialState.COMPLETE:
            self._keep_if_best(record, result.weights)
        (self._observer.paused if paused else self._observer.finished)(record)
        return record

    def stops(self, stops: Iterable[Stop]) -> None:
        """Stores the stops a rung's decision made, in one transaction, and tells of each."""
        for record in self._rungs.stop((s.number, s.epochs, s.reason) for s in stops):
            self._observer.finished(record)

    def checkpoint(self, number: int, epochs: int) -> bytes | None:
        """What trial `number` goes on from: the checkpoint of its rung ending at `epochs`;
        None when it cannot be used (said as a warning): the trial then trains again from its
        start, which its seed makes the same training."""
        found = self._rungs.checkpoint(number, epochs)
        if isinstance(found, Unusable):
            self._observer.warn(
                f"trial {number}: {found}; it trains again from its first epoch, which its "
                "seed makes the same training"
            )
            return None
        return found

    def _keep_if_best(self, record: TrialRecord, weights: bytes | None) -> None:
        self._best = rank([*self._best, record])[: self._keep]
        best = {r.number for r in self._best}
        if weights is not None and record.number in best:
            self._store.save_weights(record.number, self._pack(record, weights))
            self._store.prune_weights(best)
