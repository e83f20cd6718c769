"""`hpsearch studies`: every study in a runs folder, with where it stands, so that a study can be
found again by name (what `optuna studies` or a W&B project page gives). A damaged study is
listed as damaged, with the command that deals with it, and hides none of the others; a study
set aside (by `run --new`, or the damaged copy `recover` keeps) is listed as set aside."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from hpsearch.config import StudyConfig
from hpsearch.errors import DamagedStore, StoreError
from hpsearch.store.layout import DB_NAME, LOCK_NAME, is_study, quoted, set_aside_from
from hpsearch.store.runlock import is_held
from hpsearch.store.study_store import StudyStore
from hpsearch.tasks import Metric
from hpsearch.trial import TrialState

State = Literal["running", "interrupted", "complete", "damaged", "unreadable"]


@dataclass(frozen=True)
class StudySummary:
    """One study as `hpsearch studies` lists it. `name` is its folder's name, the one the
    commands take; `state` is running (a process holds its run lock), complete (every planned
    trial finished), interrupted (trials left to run, and nobody running them), damaged (its
    store's bytes are; the counts are then None) or unreadable (by this hpsearch: a newer
    store, a file that is not a study's). `note` says what else to know of it, with
    the command that deals with it: why it is damaged, where it was set aside from."""

    name: str
    folder: Path
    rounds: int | None
    done: int | None  # trials finished (complete, diverged, timed out or failed)
    planned: int | None
    complete: int | None
    best_dev_error: float | None  # of `metric`
    state: State
    changed: datetime  # the last write to the study
    metric: Metric | None  # None when the store cannot be read
    note: str = ""


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
    """The study in `folder`, read once without the run lock; damaged when it cannot be."""
    try:
        with StudyStore.open(folder) as store:
            rounds, records = store.rounds(), store.trials()
            metric = StudyConfig.model_validate(store.info.config).ranked_by
    except DamagedStore as error:
        why = str(error).partition(";")[0]
        note = _aside_note(folder) or (
            f"{why}; keep its readable trials with `hpsearch recover {quoted(folder)}`, or "
            f"delete it with `hpsearch remove {quoted(folder)}`"
        )
        return _unread(folder, "damaged", note)
    except StoreError as error:
        return _unread(folder, "unreadable", str(error))
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
        _aside_note(folder),
    )


def _unread(folder: Path, state: State, note: str) -> StudySummary:
    return StudySummary(
        folder.name, folder, None, None, None, None, None, state, _last_change(folder), None, note
    )


def _aside_note(folder: Path) -> str:
    """What a set-aside study is, and how to delete it; "" for a study's own folder."""
    aside = set_aside_from(folder)
    if aside is None:
        return ""
    study, damaged = aside
    remove = f"delete it with `hpsearch remove {quoted(folder)}`"
    if damaged:
        return (
            f"the damaged copy that `hpsearch recover` set aside; its readable trials went into "
            f"{quoted(folder.with_name(study))}; {remove}"
        )
    return (
        f"set aside when study {study} began anew (`hpsearch run --new`); read it as any "
        f"study (`hpsearch show {quoted(folder)}`), or {remove}"
    )


def _last_change(folder: Path) -> datetime:
    """The newest modification time of the store's files (its write-ahead log holds the latest
    commits until a checkpoint folds them in)."""
    files = [folder / name for name in (DB_NAME, f"{DB_NAME}-wal")]
    return datetime.fromtimestamp(max(f.stat().st_mtime for f in files if f.exists()))
