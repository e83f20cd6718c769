"""`hpsearch studies`: every study in a runs folder, with where it stands, so that a study can be
found again by name (what `optuna studies` or a W&B project page gives)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from hpsearch.config import StudyConfig
from hpsearch.store.layout import DB_NAME, LOCK_NAME, is_study
from hpsearch.store.runlock import is_held
from hpsearch.store.study_store import StudyStore
from hpsearch.tasks import Metric
from hpsearch.trial import TrialState

State = Literal["running", "interrupted", "complete"]


@dataclass(frozen=True)
class StudySummary:
    """One study as `hpsearch studies` lists it. `name` is its folder's name, the one the
    commands take; `state` is running (a process holds its run lock), complete (every planned
    trial finished) or interrupted (trials left to run, and nobody running them)."""

    name: str
    folder: Path
    rounds: int
    done: int  # trials finished (complete, diverged, timed out or failed)
    planned: int
    complete: int
    best_dev_error: float | None  # of `metric`
    state: State
    changed: datetime  # the last write to the study
    metric: Metric


def study_names(runs_dir: str | Path) -> list[str]:
    """The names of the studies in `runs_dir`, sorted; none when the folder does not exist."""
    runs = Path(runs_dir)
    if not runs.is_dir():
        return []
    return sorted(entry.name for entry in runs.iterdir() if is_study(entry))


def list_studies(runs_dir: str | Path) -> list[StudySummary]:
    """Every study in `runs_dir`, by name."""
    return [summarize(Path(runs_dir) / name) for name in study_names(runs_dir)]


def summarize(folder: Path) -> StudySummary:
    """The study in `folder`, read once without the run lock."""
    with StudyStore.open(folder) as store:
        rounds, records = store.rounds(), store.trials()
        metric = StudyConfig.model_validate(store.info.config).ranked_by
    done = sum(r.state.is_finished for r in records)
    planned = sum(r.n_trials for r in rounds)
    complete = [r.dev_error for r in records if r.state is TrialState.COMPLETE]
    finite = [e for e in complete if e is not None and math.isfinite(e)]  # 0.0 is the best
    state: State = "complete" if done >= planned else "interrupted"
    if is_held(folder / LOCK_NAME):
        state = "running"
    return StudySummary(
        folder.name,
        folder,
        len(rounds),
        done,
        planned,
        sum(r.state is TrialState.COMPLETE for r in records),
        min(finite, default=None),
        state,
        _last_change(folder),
        metric,
    )


def _last_change(folder: Path) -> datetime:
    """The newest modification time of the store's files (its write-ahead log holds the latest
    commits until a checkpoint folds them in)."""
    files = [folder / name for name in (DB_NAME, f"{DB_NAME}-wal")]
    return datetime.fromtimestamp(max(f.stat().st_mtime for f in files if f.exists()))
