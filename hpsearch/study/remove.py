"""`hpsearch remove`: delete a study for good, safely: never while it runs, only a folder that
holds a study, and only the files a study writes (anything else put there is left, and said)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hpsearch.durable import PARTIAL_SUFFIX
from hpsearch.store.layout import (
    CHECKPOINTS_DIR,
    DASHBOARD_DIR,
    DATA_REPORT,
    DB_NAME,
    LOCK_NAME,
    MODELS_DIR,
    PLOTS_DIR,
    TEST_LOG,
)
from hpsearch.store.runlock import RunLock
from hpsearch.study.listing import StudySummary, summarize

STUDY_FILES = (
    *(f"{DB_NAME}{suffix}" for suffix in ("", "-wal", "-shm", PARTIAL_SUFFIX)),
    *(f"{DB_NAME}{PARTIAL_SUFFIX}{suffix}" for suffix in ("-wal", "-shm", "-journal")),
    TEST_LOG,
    DATA_REPORT,
    LOCK_NAME,
)
STUDY_DIRS = (MODELS_DIR, PLOTS_DIR, CHECKPOINTS_DIR, DASHBOARD_DIR)


@dataclass(frozen=True)
class Removed:
    """What was removed, or that nothing was (`confirmed` False); `left` are files that were
    not the study's, kept in its folder."""

    study: StudySummary
    confirmed: bool
    left: tuple[str, ...] = ()


def remove_study(folder: Path, confirm: Callable[[StudySummary], bool]) -> Removed:
    """Removes the study in `folder` when `confirm` agrees, holding its run lock meanwhile (so a
    run cannot start or be running); the folder goes too when nothing else is in it. A damaged
    study, and the damaged copy `recover` sets aside, are removed as any other."""
    study = summarize(folder)
    if not confirm(study):
        return Removed(study, confirmed=False)
    lock = RunLock.acquire(folder / LOCK_NAME, study.name, "removing it")  # not while it runs
    try:
        for name in STUDY_DIRS:
            shutil.rmtree(folder / name, ignore_errors=True)
        for name in STUDY_FILES:
            (folder / name).unlink(missing_ok=True)
    finally:
        lock.release()
    left = tuple(sorted(entry.name for entry in folder.iterdir()))
    if not left:
        folder.rmdir()
    return Removed(study, confirmed=True, left=left)
