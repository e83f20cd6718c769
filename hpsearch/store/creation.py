"""Making a study's database atomically: it exists whole, or not at all.

The database is built aside, as `study.db.partial`, and renamed into place once its schema and
its study row are committed and the file is closed; a rename is atomic. A kill (Ctrl-C, SIGTERM,
`kill -9`) or a full disk at any step before the rename leaves no `study.db`, only a partial
file that the next creation clears away, so a rerun makes the study afresh instead of refusing a
store without a schema. Each step is named, so that a test can stop creation between any two.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from hpsearch.durable import PARTIAL_SUFFIX, synced
from hpsearch.store.faults import os_error
from hpsearch.store.layout import DB_NAME
from hpsearch.store.sqlite import SCHEMA, SCHEMA_VERSION, connect, transaction

STEPS = ("cleared", "connected", "written", "closed", "renamed")


def reached(step: str) -> None:
    """Creation has done `step`; nothing happens here (a test stops creation at a step)."""


def partial_files(folder: Path) -> list[Path]:
    """What an interrupted creation may have left: the partial database and its journals."""
    return sorted(folder.glob(f"{DB_NAME}{PARTIAL_SUFFIX}*"))


def create_database(folder: Path, write_study: Callable[[sqlite3.Connection], None]) -> Path:
    """Builds `folder/study.db` with the schema and what `write_study` inserts; returns its path.

    The caller holds the study's run lock, so no other creation runs beside this one."""
    db = folder / DB_NAME
    partial = db.with_name(DB_NAME + PARTIAL_SUFFIX)
    try:
        for leftover in partial_files(folder):
            leftover.unlink()
        reached("cleared")
        conn = connect(partial, "rwc", shown=db)
        reached("connected")
        try:
            with transaction(conn):
                for statement in SCHEMA.split(";")[:-1]:
                    conn.execute(statement)
                write_study(conn)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            reached("written")
        finally:
            conn.close()  # a WAL file is checkpointed into the database and removed
        reached("closed")
        synced(partial)
        os.replace(partial, db)
        synced(folder)
    except OSError as error:
        raise os_error(error, db) from None
    reached("renamed")
    return db
