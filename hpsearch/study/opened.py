"""A study opened from Python (`hpsearch.open_study`): read-only, each question answered from
one snapshot of its store, so a notebook may look at a study while a run writes it.

Trials come as a pandas DataFrame shaped like Optuna's `trials_dataframe()` (one row per trial,
`params_<name>` columns), which is what a notebook user reaches for; pandas is asked for only
when a frame is."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpsearch.config import StudyConfig
from hpsearch.errors import ConfigError
from hpsearch.search.ranking import diagnose, searched_distributions
from hpsearch.store.layout import default_runs
from hpsearch.study.best import choose
from hpsearch.study.find import study_folder
from hpsearch.study.recording import StudyRun
from hpsearch.study.snapshot import Snapshot, read_snapshot
from hpsearch.trial import TrialRecord

if TYPE_CHECKING:
    import pandas as pd

PANDAS_MISSING = (
    "pandas is needed for a study's data frames; install it with `pip install pandas` "
    "(or `pip install 'hpsearch[pandas]'`)"
)


@dataclass(frozen=True)
class Trial:
    """One trial as Python code reads it: `value` is its dev metric (the study's, lower is
    better), `model` the file of its kept weights (`hpsearch.load_model` reads it), if kept."""

    number: int
    round: int
    state: str
    params: dict[str, Any]
    value: float | None
    train_value: float | None
    epochs: int
    seed: int
    model: Path | None
    record: TrialRecord = field(repr=False)  # all the store keeps of it, curves included


class Study:
    """A study in its folder. Nothing here writes to it; `hpsearch.run` and `hpsearch.zoom`
    return one, with the run's outcome (`outcome`: its exit code, utilisation, what it ran)."""

    def __init__(self, folder: Path, outcome: StudyRun | None = None) -> None:
        self.folder = Path(folder)
        self.outcome = outcome
        with self._snapshot() as snapshot:
            self.config: StudyConfig = snapshot.config
        self.name = self.config.name
        self.metric = self.config.ranked_by.name  # dev_<metric> and train_<metric> in frames

    def __repr__(self) -> str:
        return f"<hpsearch.Study {self.name!r} in {str(self.folder)!r}>"

    def _snapshot(self) -> Snapshot:
        return read_snapshot(self.folder)

    @property
    def best(self) -> Trial:
        """The chosen trial: rank 1 by the dev metric among the complete ones (`hpsearch best`)."""
        with self._snapshot() as snapshot:
            chosen = choose(snapshot)
        return _trial(chosen.record, chosen.weights)

    def trial(self, number: int) -> Trial:
        """Trial `number`, as the store holds it now."""
        with self._snapshot() as snapshot:
            found = snapshot.trials([number])
            if not found:
                raise ConfigError(
                    f"study '{self.name}' has no trial {number}; its trials are numbered from 0 "
                    f"to {_last(snapshot)}",
                    option="trial",
                )
            return _trial(found[0], snapshot.weights_path(number))

    def trials_frame(self) -> pd.DataFrame:
        """One row per trial, by number: number, round, state, each searched hyperparameter as
        `params_<name>`, the dev and train metric (`dev_error`, `train_rmse`, ...) and costs,
        the bias/variance reading, epochs and the epoch whose dev metric it kept (empty: its
        last), the rung a halving schedule last decided it at (its
        epochs; empty in a plain round), the time it took and when it ran."""
        pd = _pandas()
        with self._snapshot() as snapshot:
            records = snapshot.records
            rungs = snapshot.last_rungs()
            distributions = searched_distributions(snapshot.spaces or [self.config.hyperparameters])
        metric, target = self.metric, self.config.target_error
        columns: dict[str, list[Any]] = {
            "number": [r.number for r in records],
            "round": [r.round for r in records],
            "state": [str(r.state) for r in records],
            **{f"params_{n}": [r.params.get(n) for r in records] for n in distributions},
            f"dev_{metric}": [r.dev_error for r in records],
            f"train_{metric}": [r.train_error for r in records],
            "dev_cost": [r.dev_cost for r in records],
            "train_cost": [r.train_cost for r in records],
            "diagnosis": [
                _text(diagnose(r.train_error, r.dev_error, target, metric)) for r in records
            ],
            "epochs": [r.epochs for r in records],
            "best_epoch": pd.array([r.best_epoch for r in records], dtype="Int64"),
            "rung": pd.array([rungs.get(r.number) for r in records], dtype="Int64"),
            "duration_s": [r.duration_s for r in records],
            "datetime_start": [r.started for r in records],
            "datetime_complete": [r.finished for r in records],
            "seed": [r.seed for r in records],
            "message": [r.message for r in records],
        }
        frame = pd.DataFrame(columns)
        return frame

    def curves(self, trial: int | Trial) -> pd.DataFrame:
        """A trial's learning curve: one row per epoch (from 1), the train and dev metric and
        cost, named as in `trials_frame`."""
        pd = _pandas()
        record = (trial if isinstance(trial, Trial) else self.trial(trial)).record
        metric = self.metric
        names = {
            "train_error": f"train_{metric}", "dev_error": f"dev_{metric}",
            "train_cost": "train_cost", "dev_cost": "dev_cost",
        }  # fmt: skip
        columns = {names[k]: v for k, v in record.curves.items() if k in names}
        frame = pd.DataFrame(columns)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
        return frame


def open_study(
    study: str | os.PathLike[str], runs_dir: str | os.PathLike[str] | None = None
) -> Study:
    """The study named by `study`, read-only: its folder, the study file that defines it, or its
    name in `runs_dir` (default: $HPSEARCH_RUNS, else runs/ of the working folder)."""
    return Study(study_folder(str(study), Path(runs_dir) if runs_dir else default_runs()))


def _trial(record: TrialRecord, model: Path | None) -> Trial:
    return Trial(
        record.number, record.round, str(record.state), dict(record.params), record.dev_error,
        record.train_error, record.epochs, record.seed, model, record,
    )  # fmt: skip



def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _last(snapshot: Snapshot) -> int:
    return sum(r.n_trials for r in snapshot.rounds) - 1


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ConfigError(PANDAS_MISSING) from None
    return pandas
