"""Running a study: plan its rounds, run every trial not yet finished, record each result.

The one place where config, data, sampler, executor and store meet. Progress goes to an
`Observer`, so this module draws nothing; the CLI gives it one that does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

from hpsearch.config import StudyConfig
from hpsearch.config.execution import Execution
from hpsearch.config.schedule import CHANGED_DEFAULTS
from hpsearch.config.study_data import load_study_data
from hpsearch.data import Dataset
from hpsearch.data.target import imbalance_note
from hpsearch.errors import StoreError
from hpsearch.execution.contract import Executor
from hpsearch.execution.factory import make_executor, require_backend
from hpsearch.execution.objective import run_trial, training_data
from hpsearch.search.sampler import count_trials
from hpsearch.store.data_report import keep_data_report
from hpsearch.store.faults import os_error
from hpsearch.store.layout import DB_NAME, LOCK_NAME, quoted
from hpsearch.store.rungs import RungStore
from hpsearch.store.runlock import RunLock
from hpsearch.store.study_store import StudyStore
from hpsearch.study.baselines import baselines_for
from hpsearch.study.driver import Driver
from hpsearch.study.model import pack_trial
from hpsearch.study.overview import ShowOptions, keep_importance, view_study
from hpsearch.study.planner import plan_study, planned
from hpsearch.study.recording import Observer, Recorder, StudyRun, Utilisation
from hpsearch.study.snapshot import snapshot_of

__all__ = ["Execution", "Observer", "StudyRun", "run_study", "run_unfinished"]

DEFAULT_SHOW = ShowOptions()


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
    observer = observer or Observer()
    with ExitStack() as stack:
        executor = None
        if not (folder / DB_NAME).exists():  # a new study: its workers start as it is made
            executor = stack.enter_context(
                executor_for(dataset, execution, observer, config.ranked_by.name)
            )
            executor.start()  # while the baselines are fitted and the first round planned
        with _open_for_run(folder, config, dataset) as store:
            _plan_first_round(store, config)
            done = run_unfinished(store, dataset, execution, observer, show, executor)
    return replace(done, set_aside=aside)


def run_unfinished(
    store: StudyStore,
    dataset: Dataset,
    execution: Execution,
    observer: Observer,
    show: ShowOptions,
    executor: Executor | None = None,
) -> StudyRun:
    """Runs the trials of the study in `store` that have not finished: never run, interrupted,
    left running by a driver that died, or paused at a rung with a decision to make. Finished
    trials are kept as they are. Every schedule runs through the one driver, on `executor`,
    which its maker closes (default: the one `execution` asks for, made when the first trial
    is due and closed when the driver ends)."""
    snapshot = snapshot_of(store)
    plan = plan_study(store, snapshot)
    metric = snapshot.config.ranked_by.name
    pack = partial(pack_trial, dataset, snapshot.config.name, metric)
    recorder = Recorder(store, snapshot, observer, pack)
    if store.writer:  # a run of a finished study in a read-only folder writes nothing
        recorder.stops(plan.stops)  # what the rungs recorded before decided: a killed run's last
        RungStore(store).prune(plan.keep)
    told = planned(snapshot, plan)
    balance = imbalance_note(dataset.class_counts(), metric) if told.to_run else None
    observer.scored_by(snapshot.config.ranked_by, balance)
    observer.planned(told)
    if not told.to_run:
        return _ended(store, show, None, 0, None)

    def made() -> AbstractContextManager[Executor]:  # closed by whoever made it, once
        if executor is not None:
            return nullcontext(executor)
        return executor_for(dataset, execution, observer, metric)

    driven = Driver(store, plan, recorder, observer).run(made)
    return _ended(store, show, driven.interrupt, told.to_run, driven.utilisation)


def _ended(
    store: StudyStore,
    show: ShowOptions,
    interrupt: KeyboardInterrupt | None,
    ran: int,
    utilisation: Utilisation | None,
) -> StudyRun:
    """The study as the run left it."""
    after = snapshot_of(store)
    after.records  # noqa: B018 (read now: the run's outcome outlives the store)
    overview = view_study(after, show)
    keep_importance(store, overview)  # so that `show` needs not estimate it again
    ended = StudyRun.interrupted_by(interrupt)
    return StudyRun(after, overview, ran=ran, utilisation=utilisation, **ended)


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


def set_aside(folder: Path) -> Path | None:
    """Renames an existing study folder to `<name>.<time>` so a new study can take the name."""
    if not (folder / DB_NAME).exists():
        return None
    # The lock alone, not the store: a damaged study must be set aside too, unread.
    lock = RunLock.acquire(folder / LOCK_NAME, folder.name, "setting it aside")  # not while it runs
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
    reading = False  # a finished study in a folder that cannot be written: read only
    if not (folder / DB_NAME).exists():
        store = StudyStore.create(
            folder,
            config.name,
            config.model_dump(mode="json"),
            config.study_identity(),
            dataset.fingerprint,
            dataset.classes,
            split_sizes(dataset),
            baselines_for(dataset, config.ranked_by.name) if config.baseline else (),
        )
    elif os.access(folder, os.W_OK) or not _finished(folder, config):
        store = StudyStore.open(folder, writer=True)
    else:  # a read-only folder, and a run that will write nothing: read, without the lock
        store = StudyStore.open(folder)
        reading = True
    with store:
        _check_same_study(store, config, dataset)
        if not reading:
            store.keep_splits(split_sizes(dataset))  # a study made before they were kept
        keep_data_report(folder, dataset.report)
        yield store


def split_sizes(dataset: Dataset) -> dict[str, int]:
    """The examples in each split: what the sampling noise of an error measured on it depends on."""
    return {"train": len(dataset.y_train), "dev": len(dataset.y_dev), "test": len(dataset.y_test)}


def _finished(folder: Path, config: StudyConfig) -> bool:
    """Whether the study in `folder` has run every trial `config` asks for."""
    with StudyStore.open(folder) as store:
        snapshot = snapshot_of(store)
        wanted = count_trials(config.hyperparameters, config.search.method, config.search.trials)
        if not snapshot.rounds or wanted > snapshot.rounds[0].n_trials:
            return False
        finished = sum(t.n_trials for t in snapshot.trial_groups(0) if t.state.is_finished)
        return finished == sum(r.n_trials for r in snapshot.rounds)


def _check_same_study(store: StudyStore, config: StudyConfig, dataset: Dataset) -> None:
    try:
        store.check_identity(config.as_made(store.info.identity).study_identity())
    except StoreError as error:
        defaults = f" ({CHANGED_DEFAULTS})" if _by_defaults(str(error)) else ""
        raise StoreError(
            f"{error}. To run the changed config, {_afresh(config)} (the old study is kept, "
            "renamed), or give it a new `name:` in its file; to resume the study, undo the "
            f"change{defaults}"
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


def _by_defaults(changed: str) -> bool:
    """Whether a refused identity changed a schedule setting whose default changed."""
    return any(f"schedule.{key}: " in changed for key in ("eta", "min_epochs"))


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
