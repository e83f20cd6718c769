"""Running a study: plan its rounds, run every trial not yet finished, record each result.

The one place where config, data, sampler, executor and store meet. Progress goes to an
`Observer`, so this module draws nothing; the CLI gives it one that does."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path

from hpsearch.config import StudyConfig
from hpsearch.config.execution import Execution
from hpsearch.config.study_data import load_study_data
from hpsearch.data import Dataset
from hpsearch.data.target import imbalance_note
from hpsearch.errors import StoreError, Terminated
from hpsearch.execution.contract import Executor, TrialFinished, TrialStarted
from hpsearch.execution.factory import make_executor, require_backend
from hpsearch.execution.objective import run_trial, training_data
from hpsearch.search.ranking import rank
from hpsearch.search.sampler import count_trials, plan_trials
from hpsearch.search.space import SearchSpace
from hpsearch.store.data_report import keep_data_report
from hpsearch.store.faults import os_error
from hpsearch.store.layout import DB_NAME, LOCK_NAME, quoted
from hpsearch.store.runlock import RunLock
from hpsearch.store.sqlite import RoundRecord
from hpsearch.store.study_store import StudyStore
from hpsearch.study.baselines import baselines_for
from hpsearch.study.halving_run import RungNews, is_scheduled, run_scheduled
from hpsearch.study.model import pack_trial
from hpsearch.study.overview import ShowOptions, StudyView, keep_importance, view_study
from hpsearch.study.snapshot import Snapshot, snapshot_of
from hpsearch.tasks import Metric
from hpsearch.trial import TrialRecord, TrialSpec, TrialState

DEFAULT_SHOW = ShowOptions()


class Observer:
    """Hears what a run does, as it happens; every method may be left as it is."""

    def scored_by(self, metric: Metric, balance: str | None) -> None:
        """The study's trials are scored by `metric` (told before anything runs); `balance`
        says what imbalanced classes mean for it (None when they are not imbalanced)."""

    def planned(self, todo: list[TrialSpec], records: list[TrialRecord]) -> None:
        """`todo` will run now; `records` are the study's trials before the run."""

    def started(self, spec: TrialSpec, worker: str) -> None:
        """A worker began `spec`."""

    def finished(self, record: TrialRecord) -> None:
        """A trial's result was stored."""

    def epoch(self, number: int, epoch: int, row: dict[str, float]) -> None:
        """Trial `number` finished an epoch (only when trials run in this process)."""

    def rung(self, news: RungNews) -> None:
        """A halving schedule's rung is about to run."""

    def warn(self, line: str) -> None:
        """Something the user should know went otherwise than planned, and what was done."""


@dataclass(frozen=True)
class StudyRun:
    """The study after a run, as `show` would present it, and whether the run was cut short."""

    snapshot: Snapshot
    overview: StudyView
    interrupted: bool = False
    ran: int = 0  # trials this run set out to run (0: the study had none left)
    set_aside: Path | None = None  # where `new` moved the old study of this name
    terminated: bool = False  # interrupted by SIGTERM rather than Ctrl-C
    utilisation: float | None = None  # busy time / (workers × wall time) of the run

    @property
    def folder(self) -> Path:
        return self.snapshot.folder

    @property
    def records(self) -> list[TrialRecord]:
        return self.snapshot.records

    @property
    def exit_code(self) -> int:
        """130 interrupted (143 by SIGTERM); 3 when no trial of the study completed (nothing to
        rank or use); 1 when a trial failed; else 0 (diverging is a result, not a fault).
        docs/exit-codes.md"""
        if self.interrupted:
            return 143 if self.terminated else 130
        if not any(r.state is TrialState.COMPLETE for r in self.records):
            return 3
        return 1 if any(r.state is TrialState.FAILED for r in self.records) else 0


def run_study(
    config: StudyConfig,
    runs_dir: str | Path,
    execution: Execution,
    *,
    new: bool = False,
    observer: Observer | None = None,
    show: ShowOptions = DEFAULT_SHOW,
) -> StudyRun:
    """Runs the study of `config` to `search.trials` finished trials, resuming it if it exists.

    Data and config problems are raised before anything is written. With `new`, an existing
    study of that name is set aside (renamed, never deleted) and a new one begins. `show` says
    what the returned overview holds."""
    dataset = load_study_data(config)
    require_backend(execution.backend)  # before anything is written
    folder = Path(runs_dir) / config.name
    aside = set_aside(folder) if new else None
    with _open_for_run(folder, config, dataset) as store:
        _plan_first_round(store, config)
        snapshot = snapshot_of(store)
        pending = pending_trials(snapshot.rounds, snapshot.records, config.search.seed)
        done = run_unfinished(
            store, snapshot, dataset, execution, observer or Observer(), pending, show
        )
    return replace(done, set_aside=aside)


def run_unfinished(
    store: StudyStore,
    snapshot: Snapshot,
    dataset: Dataset,
    execution: Execution,
    observer: Observer,
    todo: list[TrialSpec],
    show: ShowOptions,
) -> StudyRun:
    """Runs `todo`, the trials of the study in `snapshot` that have not finished: never run,
    interrupted, or left running by a driver that died. Finished trials are kept as they are.
    A study with a round under a halving schedule runs rung by rung (`halving_run`)."""
    metric = snapshot.config.ranked_by.name
    balance = imbalance_note(dataset.class_counts(), metric) if todo else None
    observer.scored_by(snapshot.config.ranked_by, balance)
    pack = partial(pack_trial, dataset, snapshot.config.name, metric)
    if todo and is_scheduled(snapshot.config, store.rounds()):
        recorder = _Recorder(store, snapshot, observer, pack)
        now = snapshot_of(store)  # with the round a zoom has just added
        executor = executor_for(dataset, execution, observer, metric)
        stopped, utilisation = run_scheduled(store, now, executor, observer, recorder)
        return _ended(store, show, stopped, len(todo), utilisation)
    observer.planned(todo, snapshot.records)
    if not todo:
        return StudyRun(snapshot, view_study(snapshot, show))
    start, busy = time.perf_counter(), 0.0
    executor = executor_for(dataset, execution, observer, metric)
    record = _Recorder(store, snapshot, observer, pack)
    stopped: KeyboardInterrupt | None = None
    with executor:
        try:
            for event in executor.run(todo):
                record(event)
                busy += event.result.duration_s if isinstance(event, TrialFinished) else 0.0
        except KeyboardInterrupt as signal:  # Ctrl-C, or SIGTERM as `Terminated`
            store.mark_interrupted(executor.stop(), {spec.number: spec for spec in todo})
            stopped = signal
    wall = (time.perf_counter() - start) * execution.workers
    return _ended(store, show, stopped, len(todo), busy / wall if busy else None)


def _ended(
    store: StudyStore,
    show: ShowOptions,
    stopped: KeyboardInterrupt | None,
    ran: int,
    utilisation: float | None,
) -> StudyRun:
    """The study as the run left it."""
    after = snapshot_of(store)
    after.records  # noqa: B018 (read now: the run's outcome outlives the store)
    overview = view_study(after, show)
    keep_importance(store, overview)  # so that `show` needs not estimate it again
    return StudyRun(
        after,
        overview,
        stopped is not None,
        ran,
        terminated=isinstance(stopped, Terminated),
        utilisation=utilisation,
    )


def executor_for(
    dataset: Dataset, execution: Execution, observer: Observer, metric: str | None = None
) -> Executor:
    """The executor `execution` asks for, its trials scored by `metric`; in this process,
    trials tell `observer` each epoch."""
    in_process = execution.backend == "local" and execution.workers == 1
    trial_fn = partial(run_trial, on_epoch=observer.epoch) if in_process else run_trial
    return make_executor(
        trial_fn,
        training_data(dataset, metric),
        workers=execution.workers,
        trial_timeout=execution.trial_timeout,
        backend=execution.backend,
        scheduler=execution.scheduler,
        threads=execution.threads,
    )


def pending_trials(
    rounds: list[RoundRecord], records: list[TrialRecord], seed: int
) -> list[TrialSpec]:
    """The specs of every round's trials without a finished result, planned again from the
    seed: the same parameters and training seed as the first time, by construction."""
    finished = {r.number for r in records if r.state.is_finished}
    todo = []
    for round in rounds:
        space = SearchSpace.from_dict(round.space)
        specs = plan_trials(
            space, round.method, seed=seed, round=round.number, numbers=round.trial_numbers
        )
        todo += [spec for spec in specs if spec.number not in finished]
    return todo


def set_aside(folder: Path) -> Path | None:
    """Renames an existing study folder to `<name>.<time>` so a new study can take the name."""
    if not (folder / DB_NAME).exists():
        return None
    # The lock alone, not the store: a damaged study must be set aside too, unread.
    lock = RunLock.acquire(folder / LOCK_NAME, folder.name)  # refuses while a process runs it
    try:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = folder.with_name(f"{folder.name}.{stamp}")
        folder.rename(aside)
    except OSError as error:
        raise os_error(error, folder) from None
    finally:
        lock.release()
    return aside


@contextmanager
def _open_for_run(folder: Path, config: StudyConfig, dataset: Dataset) -> Iterator[StudyStore]:
    if not (folder / DB_NAME).exists():
        store = StudyStore.create(
            folder,
            config.name,
            config.model_dump(mode="json"),
            config.study_identity(),
            dataset.fingerprint,
            dataset.classes,
            baselines_for(dataset, config.ranked_by.name) if config.baseline else (),
        )
    elif os.access(folder, os.W_OK) or not _finished(folder, config):
        store = StudyStore.open(folder, writer=True)
    else:  # a read-only folder, and a run that will write nothing: read, without the lock
        store = StudyStore.open(folder)
    with store:
        _check_same_study(store, config, dataset)
        keep_data_report(folder, dataset.report)
        yield store


def _finished(folder: Path, config: StudyConfig) -> bool:
    """Whether the study in `folder` has run every trial `config` asks for."""
    with StudyStore.open(folder) as store:
        rounds = store.rounds()
        wanted = count_trials(config.hyperparameters, config.search.method, config.search.trials)
        if not rounds or wanted > rounds[0].n_trials:
            return False
        return not pending_trials(rounds, store.trials(), config.search.seed)


def _check_same_study(store: StudyStore, config: StudyConfig, dataset: Dataset) -> None:
    try:
        store.check_identity(config.as_made(store.info.identity).study_identity())
    except StoreError as error:
        raise StoreError(
            f"{error}. To run the changed config, {_afresh(config)} (the old study is kept, "
            "renamed), or give it a new `name:` in its file; to resume the study, undo the change"
        ) from None
    check_same_data(store, config, dataset)


def check_same_data(store: StudyStore, config: StudyConfig, dataset: Dataset) -> None:
    """Refuses to add trials trained on other data than the study's: they would not compare."""
    if store.info.fingerprint != dataset.fingerprint:
        raise StoreError(
            f"the data of study '{config.name}' changed since the study began (fingerprint "
            f"{store.info.fingerprint[:12]} → {dataset.fingerprint[:12]}): its trials would no "
            f"longer compare; restore the data, {_afresh(config)}"
        )


def _afresh(config: StudyConfig) -> str:
    return f"start afresh with `hpsearch run {quoted(config.path or 'CONFIG')} --new`"


def _plan_first_round(store: StudyStore, config: StudyConfig) -> None:
    """Round 0 has the config's trials; a larger `trials` count extends it."""
    space, search = config.hyperparameters, config.search
    wanted = count_trials(space, search.method, search.trials)
    rounds = store.rounds()
    if not rounds:
        store.add_round(space.to_dict(), search.method, wanted, first_number=0)
    elif wanted > rounds[0].n_trials:
        if len(rounds) > 1:
            raise StoreError(
                f"study '{config.name}' has zoomed rounds after its first, so its first round "
                f"can no longer grow from {rounds[0].n_trials} to {wanted} trials; run more "
                "trials with `hpsearch zoom --trials N`, or start a new study"
            )
        if search.schedule != "plain":
            raise StoreError(
                f"study '{config.name}' runs under schedule: {search.schedule}, whose brackets "
                f"were cut from its first {rounds[0].n_trials} trials, so it cannot grow to "
                f"{wanted}; run more trials with `hpsearch zoom --trials N`, or start afresh "
                "with --new"
            )
        store.extend_round(0, wanted)


class _Recorder:
    """Writes each event to the store as it comes, and keeps the weights of the best trials."""

    def __init__(
        self,
        store: StudyStore,
        snapshot: Snapshot,
        observer: Observer,
        pack: Callable[[TrialRecord, bytes], bytes],
    ) -> None:
        self._store, self._observer, self._pack = store, observer, pack
        self._keep = snapshot.config.search.keep_models
        # Only the best `keep` complete trials: the best of them and a new one are the best of
        # all, so the work per trial does not grow with the study (ranking is a total order).
        complete = (r for r in snapshot.ranking if r.state is TrialState.COMPLETE)
        self._best = list(islice(complete, self._keep))

    def __call__(self, event: TrialStarted | TrialFinished) -> None:
        if isinstance(event, TrialStarted):
            self._store.mark_running(event.spec, event.worker)
            self._observer.started(event.spec, event.worker)
            return
        record = self._store.record(event.result, attempts=event.attempts)
        if record.state is TrialState.COMPLETE:
            self._keep_if_best(record, event.result.weights)
        self._observer.finished(record)

    def _keep_if_best(self, record: TrialRecord, weights: bytes | None) -> None:
        self._best = rank([*self._best, record])[: self._keep]
        best = {r.number for r in self._best}
        if weights is not None and record.number in best:
            self._store.save_weights(record.number, self._pack(record, weights))
            self._store.prune_weights(best)
