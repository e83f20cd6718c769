"""The SQLite layer of the study store: schema, connections, transactions, rows to records."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from hpsearch.errors import HpsearchError, StoreError
from hpsearch.store.faults import GuardedConnection, store_error
from hpsearch.store.lazy_json import LazyJson
from hpsearch.trial import TrialRecord, TrialResult, TrialSpec, TrialState

SCHEMA_VERSION = 5
# Every column the ranking, the counts and the sample read (`store.reads`), so that they read
# this index alone and not the rows, whose curves fill a page each.
RANKING_INDEX = """CREATE INDEX trials_ranking ON trials (
    state, round, engine, epochs, dev_error, dev_cost, duration_s)"""
IMPORTANCE_TABLE = """CREATE TABLE importance (
    round INTEGER PRIMARY KEY, source TEXT NOT NULL, estimate TEXT NOT NULL)"""
RUNGS_TABLE = """CREATE TABLE rungs (
    trial INTEGER NOT NULL REFERENCES trials (number), epochs INTEGER NOT NULL,
    dev_error REAL, go_on INTEGER NOT NULL, duration_s REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (trial, epochs))"""
# The examples in each split, {"train": …, "dev": …, "test": …}: the sampling noise of an error
SPLITS_COLUMN = "ALTER TABLE study ADD COLUMN splits TEXT NOT NULL DEFAULT '{}'"
# The yardstick beside the trials: models fitted on the train split when the study was made,
# scored on dev with the study's metric (`study.baselines`); never ranked among the trials.
BASELINES_TABLE = """CREATE TABLE baselines (
    name TEXT PRIMARY KEY, model TEXT NOT NULL, dev_error REAL, rows INTEGER NOT NULL,
    train_rows INTEGER NOT NULL, duration_s REAL NOT NULL, message TEXT NOT NULL DEFAULT '')"""
MIGRATIONS = {  # version → the statements that bring a store of that version to the next one
    1: ["ALTER TABLE trials ADD COLUMN engine TEXT NOT NULL DEFAULT ''"],
    2: [RUNGS_TABLE],
    3: [
        "ALTER TABLE rounds ADD COLUMN schedule TEXT NOT NULL DEFAULT '{}'",
        RANKING_INDEX,
        IMPORTANCE_TABLE,
    ],
    4: [SPLITS_COLUMN, "ALTER TABLE trials ADD COLUMN best_epoch INTEGER", BASELINES_TABLE],
}
# A trial's long values, its curves and traceback, come last: a row whose overflow pages are
# lost keeps every other value.
SCHEMA = (
    """
CREATE TABLE study (
    id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, config TEXT NOT NULL,
    identity TEXT NOT NULL, fingerprint TEXT NOT NULL, classes TEXT NOT NULL,
    created TEXT NOT NULL, version TEXT NOT NULL, schema_version INTEGER NOT NULL,
    splits TEXT NOT NULL DEFAULT '{}');
CREATE TABLE rounds (
    number INTEGER PRIMARY KEY, space TEXT NOT NULL, method TEXT NOT NULL,
    n_trials INTEGER NOT NULL, first_trial INTEGER NOT NULL, created TEXT NOT NULL,
    schedule TEXT NOT NULL DEFAULT '{}');
CREATE TABLE trials (
    number INTEGER PRIMARY KEY, round INTEGER NOT NULL REFERENCES rounds (number),
    params TEXT NOT NULL, seed INTEGER NOT NULL, state TEXT NOT NULL,
    dev_error REAL, train_error REAL, dev_cost REAL, train_cost REAL,
    epochs INTEGER NOT NULL DEFAULT 0, best_epoch INTEGER, duration_s REAL NOT NULL DEFAULT 0,
    worker TEXT NOT NULL DEFAULT '', message TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0, started TEXT, finished TEXT,
    engine TEXT NOT NULL DEFAULT '', curves TEXT NOT NULL DEFAULT '{}',
    traceback TEXT NOT NULL DEFAULT '');
CREATE INDEX trials_by_round ON trials (round);
"""
    + RANKING_INDEX
    + ";\n"
    + IMPORTANCE_TABLE
    + ";\n"
    + RUNGS_TABLE
    + ";\n"
    + BASELINES_TABLE
    + ";\n"
)
STATES = {str(state): state for state in TrialState}
RECORD_DEFAULTS = {f.name: f.default for f in fields(TrialRecord) if f.default is not MISSING}
RESULT_COLUMNS = (
    "state, dev_error, train_error, dev_cost, train_cost, epochs, curves, duration_s, worker, "
    "message, traceback, attempts, finished, engine, best_epoch"
)


UNFINISHED = ("running", "interrupted", "paused")  # the states a trial's row may leave


@dataclass(frozen=True)
class RungRow:
    """Trial `trial` ended the rung at `epochs` with `dev_error`; `paused`: it paused there and
    may go on (the `go_on` column); `duration_s`: its training time up to there, every rung
    before included."""

    trial: int
    epochs: int
    dev_error: float | None
    paused: bool
    duration_s: float = 0.0


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
    splits: dict[str, int] = field(default_factory=dict)  # examples per split; {}: not kept


@dataclass(frozen=True)
class Baseline:
    """A model fitted on the study's train split (on `rows` of its `train_rows` rows, when it
    had more) and scored on its dev split with the study's metric; `dev_error` None, with a
    `message`, when it could not be fitted."""

    name: str  # what the tables call it: "gradient boosting", "logistic", "ridge"
    model: str  # the estimator as constructed, e.g. "HistGradientBoostingClassifier()"
    dev_error: float | None
    rows: int
    train_rows: int
    duration_s: float
    message: str = ""


@dataclass(frozen=True)
class RoundRecord:
    """One round of a study: the space it sampled and the block of trial numbers it owns;
    `schedule_settings`, the `search:` schedule settings it ran under where they differ from the
    study file's (a zoom round told to run under another schedule), else empty."""

    number: int
    space: dict[str, Any]
    method: str
    n_trials: int
    first_trial: int
    created: datetime
    schedule_settings: dict[str, Any] = field(default_factory=dict)  # the `schedule` column

    @property
    def trial_numbers(self) -> range:
        return range(self.first_trial, self.first_trial + self.n_trials)


def connect(path: Path, mode: str, *, shown: Path | None = None) -> sqlite3.Connection:
    """A connection to the study database `path`: `rwc` to make it, `rw` to write, `ro` to read;
    its errors name `shown` (default: `path`), the file a user knows.

    A reader of a folder it cannot write (a read-only mount, another user's runs) opens the file
    as immutable: SQLite could not make the shared-memory file a WAL reader needs, and nobody
    can be writing a folder that nobody may write."""
    reader = mode == "ro"
    if reader:  # `rw` where it may: it removes the WAL files on closing, as `ro` cannot
        writable = os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)
        mode = "rw" if writable else "ro&immutable=1"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    try:
        conn = sqlite3.connect(
            uri, uri=True, timeout=10.0, isolation_level=None, factory=GuardedConnection
        )
    except sqlite3.Error as error:
        raise store_error(error, shown or path) from None
    conn.db_path = shown or path
    conn.row_factory = sqlite3.Row
    try:
        if reader:
            conn.execute("PRAGMA query_only = ON")
        elif mode == "rwc":  # a new file of our own; another is checked first (`use_wal`)
            use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # a damaged header shows
    except BaseException:
        conn.close()
        raise
    return conn


def use_wal(conn: sqlite3.Connection) -> None:
    """Write-ahead logging, so that readers never wait for the writer: a change to the file
    itself, made only once it is known to be a study's store."""
    conn.execute("PRAGMA journal_mode = WAL")


def check_schema(conn: sqlite3.Connection, folder: Path, *, writer: bool = False) -> None:
    """Refuses a store this hpsearch cannot read; a writer brings an older one up to date (a
    reader reads it as it is: what it lacks takes its default). Nothing is written to a file
    that is not a study's store."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'study'").fetchone()
    if version == 0 or not tables[0]:
        db = getattr(conn, "db_path", folder)
        raise StoreError(
            f"{db} is not a study's store (an empty file, or another program's database); "
            "nothing was written to it: move it away, or give the study another name"
        )
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
def collector_paused() -> Iterator[None]:
    """Reading a study makes a few objects per trial and no cycles, yet Python's cycle
    collector, counting them, would walk every live object again and again: with it paused, a
    study of 100,000 trials reads in a quarter of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception, Ctrl-C included."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
            with suppress(HpsearchError):
                conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def read_info(conn: sqlite3.Connection) -> StudyInfo:
    row = conn.execute("SELECT * FROM study").fetchone()
    columns = row.keys()  # a Row's `in` looks at its values
    return StudyInfo(
        name=row["name"],
        config=json.loads(row["config"]),
        identity=json.loads(row["identity"]),
        fingerprint=row["fingerprint"],
        classes=json.loads(row["classes"]),
        created=datetime.fromisoformat(row["created"]),
        version=row["version"],
        schema_version=row["schema_version"],
        splits=json.loads(row["splits"]) if "splits" in columns else {},  # since version 5
    )


def read_baselines(conn: sqlite3.Connection) -> list[Baseline]:
    """The study's baselines in the order they were fitted; none in a store made before schema
    version 5, read as it is."""
    tables = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'baselines'"
    if conn.execute(tables).fetchone() is None:
        return []
    rows = conn.execute("SELECT * FROM baselines ORDER BY rowid").fetchall()
    return [Baseline(**dict(row)) for row in rows]


def round_record(row: sqlite3.Row | dict[str, Any]) -> RoundRecord:
    values = dict(row)
    values["space"] = json.loads(values["space"])
    values["schedule_settings"] = json.loads(values.pop("schedule", "{}"))  # none before v4
    values["created"] = datetime.fromisoformat(values["created"])
    return RoundRecord(**values)


def trial_record(row: sqlite3.Row) -> TrialRecord:
    """A stored trial; its curves are parsed when first read (see `LazyJson`)."""
    return trial_records([tuple(row)], row.keys())[0]


def trial_records(rows: Iterable[tuple], columns: list[str]) -> list[TrialRecord]:
    """Stored trials, from rows of `columns`. A record is made without `TrialRecord.__init__`:
    the store's rows are already checked, and a frozen dataclass sets each of its 20 fields
    through `object.__setattr__`, most of the time of reading 100,000 trials. A column an
    older store lacks takes its default, as in `__init__`."""
    records = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        values["params"] = loads(values["params"])
        values["curves"] = LazyJson(values["curves"])
        values["state"] = STATES[values["state"]]
        for key in ("started", "finished"):
            values[key] = datetime.fromisoformat(values[key]) if values[key] else None
        record = object.__new__(TrialRecord)
        record.__dict__.update(RECORD_DEFAULTS, **values)
        records.append(record)
    return records


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


def loads(text: str) -> Any:
    """JSON as `dumps` wrote it: by orjson, four times faster, unless it holds the Infinity or
    NaN that orjson does not read."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(value: Any) -> str:
    return json.dumps(value, default=_plain)


def _plain(value: Any) -> Any:
    """JSON for NumPy scalars and arrays that slip into params or curves."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, LazyJson):
        return value.value
    raise TypeError(f"{type(value).__name__} cannot be stored as JSON")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
