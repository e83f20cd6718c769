"""Running a study: plan its rounds, run every trial not yet finished, record each result.

The one place where config, data, sampler, executor and store meet. Progress goes to an
`Observer`, so this module draws nothing; the CLI gives it one that does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Literal

from hpsearch.config import SearchSettings, StudyConfig
from hpsearch.data import Dataset, load_dataset
from hpsearch.errors import StoreError
from hpsearch.executor import TrialFinished, TrialStarted, make_executor
from hpsearch.objective import TrainingData, run_trial
from hpsearch.results import rank
from hpsearch.sampler import count_trials, plan_trials
from hpsearch.space import SearchSpace
from hpsearch.store import DB_NAME, StudyStore
from hpsearch.trial import TrialRecord, TrialSpec, TrialState


class Observer:
    """Hears what a run does, as it happens; every method may be left as it is."""

    def planned(self, todo: list[TrialSpec], records: list[TrialRecord]) -> None:
        """`todo` will run now; `records` are the study's trials before the run."""

    def started(self, spec: TrialSpec, worker: str) -> None:
        """A worker began `spec`."""

    def finished(self, record: TrialRecord) -> None:
        """A trial's result was stored."""

    def epoch(self, number: int, epoch: int, row: dict[str, float]) -> None:
        """Trial `number` finished an epoch (only when trials run in this process)."""


@dataclass(frozen=True)
class Execution:
    """Where and how trials run: the config's `search:` settings, overridden on the command line."""

    workers: int
    backend: Literal["local", "dask"] = "local"
    scheduler: str | None = None
    trial_timeout: float | None = None

    @classmethod
    def of(cls, search: SearchSettings, **overrides: object) -> Execution:
        """The settings of `search`, with every override that is not None taking precedence."""
        chosen = {
            "workers": search.workers,
            "backend": search.backend,
            "scheduler": search.scheduler,
            "trial_timeout": search.trial_timeout,
        }
        chosen.update({k: v for k, v in overrides.items() if v is not None})
        if chosen["scheduler"] is not None:
            chosen["backend"] = "dask"
        return cls(**chosen)


@dataclass(frozen=True)
class RunOutcome:
    """Every trial of the study after the run, and whether Ctrl-C cut the run short."""

    folder: Path
    records: list[TrialRecord] = field(default_factory=list)
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        """130 interrupted; 1 when a trial failed; else 0 (diverging is a result, not a fault)."""
        if self.interrupted:
            return 130
        return 1 if any(r.state is TrialState.FAILED for r in self.records) else 0


def study_folder(study: str | Path, runs_dir: str | Path) -> Path:
    """A study named on the command line: the path of its folder, or its name under `runs_dir`."""
    path = Path(study)
    return path if (path / DB_NAME).is_file() else Path(runs_dir) / path


def stored_config(store: StudyStore) -> StudyConfig:
    """The config a study was made with, validated again: what `show`, `best` and `zoom` read."""
    return StudyConfig.model_validate(store.info.config)


def run_study(
    config: StudyConfig,
    runs_dir: str | Path,
    execution: Execution,
    *,
    new: bool = False,
    observer: Observer | None = None,
) -> RunOutcome:
    """Runs the study of `config` to `search.trials` finished trials, resuming it if it exists.

    Data and config problems are raised before anything is written. With `new`, an existing
    study of that name is set aside (renamed, never deleted) and a new one begins."""
    dataset = load_dataset(config.data)
    folder = Path(runs_dir) / config.name
    if new:
        set_aside(folder)
    with _open_for_run(folder, config, dataset) as store:
        _plan_first_round(store, config)
        return run_unfinished(store, config, dataset, execution, observer or Observer())


def run_unfinished(
    store: StudyStore,
    config: StudyConfig,
    dataset: Dataset,
    execution: Execution,
    observer: Observer,
) -> RunOutcome:
    """Runs every trial of every round that has not finished: never run, interrupted, or left
    running by a driver that died. Finished trials are kept as they are."""
    todo = pending_trials(store, config.search.seed)
    observer.planned(todo, store.trials())
    if not todo:
        return RunOutcome(store.folder, store.trials())
    in_process = execution.backend == "local" and execution.workers == 1
    trial_fn = partial(run_trial, on_epoch=observer.epoch) if in_process else run_trial
    executor = make_executor(
        trial_fn,
        training_data(dataset),
        workers=execution.workers,
        trial_timeout=execution.trial_timeout,
        backend=execution.backend,
        scheduler=execution.scheduler,
    )
    record = _Recorder(store, config.search.keep_models, observer)
    with executor:
        try:
            for event in executor.run(todo):
                record(event)
        except KeyboardInterrupt:
            store.mark_interrupted(executor.stop())
            return RunOutcome(store.folder, store.trials(), interrupted=True)
    return RunOutcome(store.folder, store.trials())


def pending_trials(store: StudyStore, seed: int) -> list[TrialSpec]:
    """The specs of every round's trials without a finished result, planned again from the
    seed: the same parameters and training seed as the first time, by construction."""
    finished = {r.number for r in store.trials() if r.state.is_finished}
    todo = []
    for round in store.rounds():
        space = SearchSpace.from_dict(round.space)
        specs = plan_trials(
            space, round.method, seed=seed, round=round.number, numbers=round.trial_numbers
        )
        todo += [spec for spec in specs if spec.number not in finished]
    return todo


def training_data(dataset: Dataset) -> TrainingData:
    """What the workers get: train and dev, never test."""
    return TrainingData(
        dataset.X_train, dataset.y_train, dataset.X_dev, dataset.y_dev, dataset.n_classes
    )


def set_aside(folder: Path) -> Path | None:
    """Renames an existing study folder to `<name>.<time>` so a new study can take the name."""
    if not (folder / DB_NAME).exists():
        return None
    with StudyStore.open(folder, writer=True):  # refuses while another process runs it
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = folder.with_name(f"{folder.name}.{stamp}")
        folder.rename(aside)
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
        )
    else:
        store = StudyStore.open(folder, writer=True)
    with store:
        _check_same_study(store, config, dataset)
        yield store


def _check_same_study(store: StudyStore, config: StudyConfig, dataset: Dataset) -> None:
    try:
        store.check_identity(config.study_identity())
    except StoreError as error:
        raise StoreError(f"{error}; {_afresh(config)} (the old study is kept, renamed)") from None
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
    return f"or start afresh with `hpsearch run {config.path or 'CONFIG'} --new`"


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
        store.extend_round(0, wanted)


class _Recorder:
    """Writes each event to the store as it comes, and keeps the weights of the `keep` best."""

    def __init__(self, store: StudyStore, keep: int, observer: Observer) -> None:
        self._store, self._keep, self._observer = store, keep, observer
        self._complete = [r for r in store.trials() if r.state is TrialState.COMPLETE]

    def __call__(self, event: TrialStarted | TrialFinished) -> None:
        if isinstance(event, TrialStarted):
            self._store.mark_running(event.spec, event.worker)
            self._observer.started(event.spec, event.worker)
            return
        self._store.record(event.result, attempts=event.attempts)
        record = self._store.trial(event.result.number)
        if record.state is TrialState.COMPLETE:
            self._keep_if_best(record, event.result.weights)
        self._observer.finished(record)

    def _keep_if_best(self, record: TrialRecord, weights: bytes | None) -> None:
        self._complete = rank([*self._complete, record])
        best = {r.number for r in self._complete[: self._keep]}
        if weights is not None and record.number in best:
            self._store.save_weights(record.number, weights)
            self._store.prune_weights(best)
