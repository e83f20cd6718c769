"""`hpsearch recover`: a damaged study made whole again from the trials that can still be read.

The readable finished trials are written into a new database, built in a folder beside the
study's and swapped in by two renames; the damaged study is kept, renamed, never deleted. The
trials that were lost (and those that had not finished) are planned again by the next run from
the study's seed, so they train to the very results they had: a recovered study, run again, is
the study it was.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hpsearch.errors import StoreError
from hpsearch.store.faults import os_error
from hpsearch.store.layout import DB_NAME, LOCK_NAME, MODELS_DIR, TEST_LOG, model_path
from hpsearch.store.runlock import RunLock
from hpsearch.store.salvage import Salvage, result_of, salvage
from hpsearch.store.study_store import StudyStore


@dataclass(frozen=True)
class Recovery:
    """A recovered study: where it is, where the damaged one went, what was kept and lost."""

    folder: Path
    aside: Path
    kept: list[int]  # finished trials read back whole
    lost: list[int]  # rows that could not be read: their trials run again
    trials: int  # every trial the study's rounds plan


def recover_study(folder: Path) -> Recovery:
    """Rebuilds the study in `folder` from its readable rows; refuses while it is being run."""
    if not (folder / DB_NAME).is_file():
        raise StoreError(f"there is no study in {folder} (no {DB_NAME}); check the study name")
    lock = RunLock.acquire(folder / LOCK_NAME, folder.name, "recovering it")
    try:
        found = salvage(folder / DB_NAME)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = folder.with_name(f"{folder.name}.damaged-{stamp}")
        fresh = folder.with_name(f"{folder.name}.recovering")
        shutil.rmtree(fresh, ignore_errors=True)  # what an interrupted recovery left
        kept = _rebuild(fresh, folder, found)
        try:
            folder.rename(aside)
            fresh.rename(folder)
        except OSError as error:
            raise os_error(error, folder) from None
    finally:
        lock.release()
    trials = sum(round.n_trials for round in found.rounds)
    return Recovery(folder, aside, kept, found.unreadable, trials)


def _rebuild(fresh: Path, damaged: Path, found: Salvage) -> list[int]:
    """Writes the readable finished trials, their kept weights and the test-read log into
    `fresh`; returns the numbers of the trials kept."""
    info = found.info
    kept = []
    store = StudyStore.create(
        fresh, info.name, info.config, info.identity, info.fingerprint, info.classes, info.splits
    )
    with store:
        for round in found.rounds:
            store.add_round(round.space, round.method, round.n_trials, round.first_trial)
        for record in found.records:
            if record.state.is_finished:
                store.mark_running(record.spec, record.worker)
                store.record(result_of(record), attempts=record.attempts)
                kept.append(record.number)
    try:
        for number in kept:
            weights = model_path(damaged, number)
            if weights.is_file():
                (fresh / MODELS_DIR).mkdir(exist_ok=True)
                shutil.copy2(weights, model_path(fresh, number))
        if (damaged / TEST_LOG).is_file():
            shutil.copy2(damaged / TEST_LOG, fresh / TEST_LOG)
    except OSError as error:
        raise os_error(error, fresh) from None
    return kept
