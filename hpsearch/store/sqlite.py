"""The SQLite layer of the study store: schema, connections, transactions, rows to records."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hpsearch.errors import StoreError
from hpsearch.trial import TrialRecord, TrialResult, TrialSpec, TrialState

SCHEMA_VERSION = 3
RUNGS_TABLE = """CREATE TABLE rungs (
    trial INTEGER NOT NULL REFERENCES trials (number), epochs INTEGER NOT NULL,
    dev_error REAL, go_on INTEGER NOT NULL, duration_s REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (trial, epochs))"""
MIGRATIONS = {  # version → the statements that bring a store of that version to the next one
    1: ["ALTER TABLE trials ADD COLUMN engine TEXT NOT NULL DEFAULT ''"],
    2: [RUNGS_TABLE],
}
SCHEMA = (
    """
CREATE TABLE study (
    id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, config TEXT NOT NULL,
    identity TEXT NOT NULL, fingerprint TEXT NOT NULL, classes TEXT NOT NULL,
    created TEXT NOT NULL, version TEXT NOT NULL, schema_version INTEGER NOT NULL);
CREATE TABLE rounds (
    number INTEGER PRIMARY KEY, space TEXT NOT NULL, method TEXT NOT NULL,
    n_trials INTEGER NOT NULL, first_trial INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE trials (
    number INTEGER PRIMARY KEY, round INTEGER NOT NULL REFERENCES rounds (number),
    params TEXT NOT NULL, seed INTEGER NOT NULL, state TEXT NOT NULL,
    dev_error REAL, train_error REAL, dev_cost REAL, train_cost REAL,
    epochs INTEGER NOT NULL DEFAULT 0, curves TEXT NOT NULL DEFAULT '{}',
    duration_s REAL NOT NULL DEFAULT 0, worker TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '', traceback TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0, started TEXT, finished TEXT,
    engine TEXT NOT NULL DEFAULT '');
CREATE INDEX trials_by_round ON trials (round);
"""
    + RUNGS_TABLE
    + ";\n"
)
RESULT_COLUMNS = (
    "state, dev_error, train_error, dev_cost, train_cost, epochs, curves, duration_s, worker, "
    "message, traceback, attempts, finished, engine"
)


@dataclass(frozen=True)
class StudyInfo:
    """What a study was made with; `identity` is compared on resume to refuse a changed config."""

    name: str
    config: dict[str, Any]
    identity: dict[str, Any]
    fingerprint: str
    classes: list[str]
    created: datetime
    version: str
    schema_version: int


@dataclass(frozen=True)
class RoundRecord:
    """One round of a study: the space it sampled and the block of trial numbers it owns."""

    number: int
    space: dict[str, Any]
    method: str
    n_trials: int
    first_trial: int
    created: datetime

    @property
    def trial_numbers(self) -> range:
        return range(self.first_trial, self.first_trial + self.n_trials)


def connect(path: Path, mode: str) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=10.0, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a readable hpsearch study database: {error}") from None
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def check_schema(conn: sqlite3.Connection, folder: Path, *, writer: bool = False) -> None:
    """Refuses a store this hpsearch cannot read; a writer brings an older one up to date (a
    reader reads it as it is: what it lacks takes its default)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if 1 <= version < SCHEMA_VERSION and writer:
        with transaction(conn):
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("UPDATE study SET schema_version = ?", (SCHEMA_VERSION,))
        return
    if not 1 <= version <= SCHEMA_VERSION:
        raise StoreError(
            f"the study in {folder} has store schema version {version}, but this hpsearch "
            f"reads version {SCHEMA_VERSION}; use the hpsearch version that made it, or a new study"
        )


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception, Ctrl-C included."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def read_info(conn: sqlite3.Connection) -> StudyInfo:
    row = conn.execute("SELECT * FROM study").fetchone()
    return StudyInfo(
        name=row["name"],
        config=json.loads(row["config"]),
        identity=json.loads(row["identity"]),
        fingerprint=row["fingerprint"],
        classes=json.loads(row["classes"]),
        created=datetime.fromisoformat(row["created"]),
        version=row["version"],
        schema_version=row["schema_version"],
    )


def round_record(row: sqlite3.Row) -> RoundRecord:
    values = dict(row)
    values["space"] = json.loads(values["space"])
    values["created"] = datetime.fromisoformat(values["created"])
    return RoundRecord(**values)


def trial_record(row: sqlite3.Row) -> TrialRecord:
    values = dict(row)
    values["params"] = json.loads(values["params"])
    values["curves"] = json.loads(values["curves"])
    values["state"] = TrialState(values["state"])
    for key in ("started", "finished"):
        values[key] = datetime.fromisoformat(values[key]) if values[key] else None
    return TrialRecord(**values)


def record_of(
    spec: TrialSpec, result: TrialResult, attempts: int, started: str, finished: str
) -> TrialRecord:
    """The record that `trial_record` reads back for `spec` recorded as `result`: params and
    curves through JSON, times at the stored precision."""
    stored = replace(result, curves=json.loads(dumps(result.curves)))
    spec = replace(spec, params=json.loads(dumps(spec.params)))
    when = {
        "started": datetime.fromisoformat(started),
        "finished": datetime.fromisoformat(finished),
    }
    return TrialRecord.of(spec, stored, attempts=attempts, **when)


def dumps(value: Any) -> str:
    return json.dumps(value, default=_plain)


def _plain(value: Any) -> Any:
    """JSON for NumPy scalars and arrays that slip into params or curves."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot be stored as JSON")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
