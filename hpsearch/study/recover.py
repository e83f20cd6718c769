"""`hpsearch recover`: a damaged study made whole again from what can still be read.

The readable trials (a halving schedule's with their rung results, and the checkpoints that
verify of those that go on from a rung) are written into a new database, built in a folder
beside the study's and swapped in by two renames; the damaged study is kept, renamed, never
deleted. The trials that were lost (and those that had not finished) are planned again by the
next run from the study's seed, so they train to the very results they had: a recovered study,
run again, is the study it was.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from hpsearch.errors import StoreError
from hpsearch.store.checkpoints import Label, read_checkpoint
from hpsearch.store.faults import os_error
from hpsearch.store.layout import (
    DATA_REPORT,
    DB_NAME,
    LOCK_NAME,
    MODELS_DIR,
    TEST_LOG,
    checkpoint_path,
    damaged_aside,
    is_study,
    model_path,
    quoted,
    set_aside_from,
)
from hpsearch.store.rungs import RungStore
from hpsearch.store.runlock import RunLock
from hpsearch.store.salvage import Salvage, salvage
from hpsearch.store.study_store import StudyStore


@dataclass(frozen=True)
class Recovery:
    """A recovered study: where it is, where the damaged one went, what was kept and lost."""

    folder: Path
    aside: Path
    kept: list[int]  # finished trials read back
    lost: list[int]  # rows that could not be read: their trials run again
    n_trials: int  # every trial the study's rounds plan
    missing: dict[int, tuple[str, ...]] = field(default_factory=dict)  # cells left at default
    paused: list[int] = field(default_factory=list)  # paused trials kept, to go on
    rungs: int = 0  # rung results kept
    checkpoints: int = 0  # checkpoints kept, verified
    unusable: list[str] = field(default_factory=list)  # checkpoints left behind, and why


def recover_study(folder: Path) -> Recovery:
    """Rebuilds the study in `folder` from its readable rows; refuses while it is being run,
    and refuses the damaged copy an earlier recovery set aside (its study was recovered)."""
    if not (folder / DB_NAME).is_file():
        raise StoreError(f"there is no study in {folder} (no {DB_NAME}); check the study name")
    aside = set_aside_from(folder)
    if aside is not None and aside[1] and is_study(folder.with_name(aside[0])):
        raise StoreError(
            f"{folder} is the damaged copy that `hpsearch recover` set aside: its readable "
            f"trials are in {quoted(folder.with_name(aside[0]))} already; delete it with "
            f"`hpsearch remove {quoted(folder)}`"
        )
    lock = RunLock.acquire(folder / LOCK_NAME, folder.name, "recovering it")
    try:
        found = salvage(folder / DB_NAME)
        aside_folder = damaged_aside(folder)
        fresh = folder.with_name(f"{folder.name}.recovering")
        shutil.rmtree(fresh, ignore_errors=True)  # what an interrupted recovery left
        recovery = _rebuild(fresh, folder, found)
        try:
            folder.rename(aside_folder)
            fresh.rename(folder)
        except OSError as error:
            raise os_error(error, folder) from None
    finally:
        lock.release()
    trials = sum(round.n_trials for round in found.rounds)
    return Recovery(folder, aside_folder, n_trials=trials, **recovery)


def _rebuild(fresh: Path, damaged: Path, found: Salvage) -> dict:
    """Writes what was read into `fresh`: the trials, the rung results and verified
    checkpoints of the trials kept, their kept models, the test-read log and the data's report."""
    info = found.info
    finished = [r for r in found.records if r.state.is_finished]
    unfinished = {r.number for r in found.records if not r.state.is_finished}
    # paused at a rung, or promoted and cut short: each goes on from its last rung's checkpoint
    paused = sorted({row.trial for row in found.rungs if row.paused and row.trial in unfinished})
    store = StudyStore.create(
        fresh, info.name, info.config, info.identity, info.fingerprint, info.classes,
        info.splits, found.baselines,
    )  # fmt: skip
    checkpoints, unusable = 0, []
    with store:
        for round in found.rounds:
            settings = round.schedule_settings or None
            store.add_round(round.space, round.method, round.n_trials, round.first_trial, settings)
        store.restore(found.records)
        rungs, last = RungStore(store), {}
        for row in found.rungs:
            last[row.trial] = max(row.epochs, last.get(row.trial, 0))
        for row in sorted(found.rungs, key=lambda row: (row.trial, row.epochs)):
            data = None
            if row.paused and row.trial in paused and row.epochs == last[row.trial]:
                label = Label(info.name, info.created.isoformat(), row.trial, row.epochs)
                data = read_checkpoint(checkpoint_path(damaged, row.trial, row.epochs), label)
                if not isinstance(data, bytes):
                    unusable.append(str(data))
                    data = None
            rungs.record(row, data, None)
            checkpoints += data is not None
    try:
        for record in finished:
            weights = model_path(damaged, record.number)
            if weights.is_file():
                (fresh / MODELS_DIR).mkdir(exist_ok=True)
                shutil.copy2(weights, model_path(fresh, record.number))
        for name in (TEST_LOG, DATA_REPORT):
            if (damaged / name).is_file():
                shutil.copy2(damaged / name, fresh / name)
    except OSError as error:
        raise os_error(error, fresh) from None
    return {
        "kept": [r.number for r in finished],
        "lost": found.unreadable,
        "missing": found.missing,
        "paused": paused,
        "rungs": len(found.rungs),
        "checkpoints": checkpoints,
        "unusable": unusable,
    }
