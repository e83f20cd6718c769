"""The log of every look at a study's test split, kept outside the database so that the
ranking never depends on it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hpsearch.store.faults import os_error
from hpsearch.store.layout import TEST_LOG


@dataclass(frozen=True)
class LoggedRead:
    """One evaluation on the test split, as logged."""

    time: datetime
    trial: int
    test_error: float
    test_cost: float
    examples: int
    baselines: dict[str, float | None] = field(default_factory=dict)  # name → test metric


def logged_reads(folder: Path) -> list[LoggedRead]:
    """Every logged read of the study's test split, oldest first (unreadable lines skipped)."""
    path = folder / TEST_LOG
    if not path.is_file():
        return []
    reads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            entry["time"] = datetime.fromisoformat(entry["time"])
            reads.append(LoggedRead(**entry))
        except (ValueError, TypeError, KeyError):
            continue
    return reads


def log_read(folder: Path, read: LoggedRead) -> None:
    entry = {**read.__dict__, "time": read.time.isoformat(timespec="seconds")}
    try:
        with open(folder / TEST_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
    except OSError as error:
        raise os_error(error, folder / TEST_LOG) from None


def check_loggable(folder: Path) -> None:
    """Refuses a test read that could not be logged, before the test split is looked at; a log
    that is not there yet is made and removed again, so a refusal leaves nothing behind."""
    path = folder / TEST_LOG
    try:
        if path.exists():
            with open(path, "a", encoding="utf-8"):
                return
        path.touch(exist_ok=False)
        path.unlink()
    except OSError as error:
        raise os_error(error, path) from None
