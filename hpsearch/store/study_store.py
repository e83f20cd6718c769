"""The study store: one SQLite file per study, written by the driver only, readable at any time.

A study lives in one folder: `study.db` (SQLite in WAL mode, so readers such as `hpsearch show`
neither block the run nor see a half-written trial), `study.lock` (an `flock` held by the one
process running the study; the kernel drops it when that process dies, even by `kill -9`) and
`models/trial-<number>.npz` (saved weights). Every write is one transaction.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Self

from hpsearch.durable import written_aside
from hpsearch.errors import StoreError
from hpsearch.store import importance_cache, reads, rung_table
from hpsearch.store.creation import create_database
from hpsearch.store.faults import GuardedCursor, damaged, os_error
from hpsearch.store.identity import changes
from hpsearch.store.layout import DB_NAME, LOCK_NAME, MODELS_DIR, kept_model, model_path
from hpsearch.store.reads import TrialGroup
from hpsearch.store.rung_table import Unrecorded
from hpsearch.store.runlock import RunLock
from hpsearch.store.sqlite import (
    RESULT_COLUMNS,
    SCHEMA_VERSION,
    UNFINISHED,
    Baseline,
    RoundRecord,
    RungRow,
    StudyInfo,
    check_schema,
    collector_paused,
    connect,
    dumps,
    now,
    read_baselines,
    read_info,
    record_of,
    round_record,
    transaction,
    trial_record,
    trial_records,
    use_wal,
)
from hpsearch.trial import TrialRecord, TrialResult, TrialSpec, TrialState
from hpsearch.version import __version__

__all__ = [
    "SCHEMA_VERSION", "Baseline", "RoundRecord", "StudyInfo", "StudyStore", "TrialGroup",
    "Unrecorded",
]  # fmt: skip


class StudyStore:
    """A study's folder, made by `create` or `open`; close it, or use it as a context manager.

    Only a store opened with `writer=True` (or made by `create`) may write; it holds the study's
    run lock until closed. Readers take no lock and see only committed trials.

    Its methods are the one way other packages read and write a study: the SQL lives here and in
    the store modules these methods hand their connection to (`reads`, the reads that spare a
    command every row; `rung_table`, a halving schedule's state; `importance_cache`).
    """

    def __init__(self, folder: Path, conn: sqlite3.Connection, lock: RunLock | None) -> None:
        self.folder = folder
        self._conn = conn
        self._lock = lock
        self.info = read_info(conn)
        self._running: dict[int, tuple[TrialSpec, str]] = {}  # marked by this store: spec, start
        # Read once: the baselines never change after the study is made; the rounds, and what
        # the study's importance estimate is made from, change only through a writer's own
        # writes, so a writer keeps them (`_write` lets go of the sources).
        self._baselines: list[Baseline] | None = None
        self._rounds: list[RoundRecord] | None = None
        self._sources: dict[int | None, str] = {}

    @classmethod
    def create(
        cls,
        folder: str | os.PathLike[str],
        name: str,
        config: dict[str, Any],
        identity: dict[str, Any],
        fingerprint: str,
        classes: Iterable[str],
        splits: dict[str, int] | None = None,
        baselines: Iterable[Baseline] = (),
    ) -> StudyStore:
        """Makes a new study in `folder` and returns it opened for writing; `splits`, the
        examples of each split of its data; its `baselines` are written with it, in the same
        transaction."""
        folder = Path(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise os_error(error, folder) from None
        lock = RunLock.acquire(folder / LOCK_NAME, name)
        if (folder / DB_NAME).exists():
            lock.release()
            raise StoreError(
                f"a study already exists in {folder}; open it to resume it, or choose another name"
            )
        study = (name, dumps(config), dumps(identity), fingerprint, dumps(list(classes)))
        yardsticks = [
            (b.name, b.model, b.dev_error, b.rows, b.train_rows, b.duration_s, b.message)
            for b in baselines
        ]

        def write_study(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO study VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*study, now(), __version__, SCHEMA_VERSION, dumps(splits or {})),
            )
            conn.executemany("INSERT INTO baselines VALUES (?, ?, ?, ?, ?, ?, ?)", yardsticks)

        try:
            conn = connect(create_database(folder, write_study), "rw")
        except BaseException:
            lock.release()
            raise
        return cls(folder, conn, lock)

    @classmethod
    def open(cls, folder: str | os.PathLike[str], *, writer: bool = False) -> StudyStore:
        """Opens an existing study; `writer=True` also takes the run lock (one runner per study)."""
        folder = Path(folder)
        if not (folder / DB_NAME).is_file():
            raise StoreError(
                f"there is no study in {folder} (no {DB_NAME}); "
                "check the study name, or start it with `hpsearch run CONFIG`"
            )
        lock = RunLock.acquire(folder / LOCK_NAME, folder.name) if writer else None
        try:
            conn = connect(folder / DB_NAME, "rw" if writer else "ro")
            check_schema(conn, folder, writer=writer)
            if writer:
                use_wal(conn)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        try:
            return cls(folder, conn, lock)
        except BaseException:
            conn.close()
            if lock is not None:
                lock.release()
            raise

    def check_identity(self, identity: dict[str, Any]) -> None:
        """Refuses to resume the study with a config that would make different trials, naming
        each changed key with its old and new value."""
        changed = changes(self.info.identity, identity)
        if changed:
            raise StoreError(
                f"study '{self.info.name}' was made with another config: {'; '.join(changed)}"
            )

    def keep_splits(self, splits: dict[str, int]) -> None:
        """Records the examples of each split in a study made before they were kept."""
        if not self.info.splits:
            with self._write():
                self._conn.execute("UPDATE study SET splits = ?", (dumps(splits),))
            self.info = replace(self.info, splits=dict(splits))

    def baselines(self) -> list[Baseline]:
        """The baselines the study was made with, in the order they were fitted; none for a
        study made without them (`baseline: false`, or before store schema 5)."""
        if self._baselines is None:
            self._baselines = read_baselines(self._conn)
        return list(self._baselines)

    def add_round(
        self,
        space: dict[str, Any],
        method: str,
        n_trials: int,
        first_number: int,
        schedule_settings: dict[str, Any] | None = None,
    ) -> int:
        """Records a new round owning trials `first_number …` (`schedule_settings`: its own
        schedule settings, None for the study file's); returns its round number."""
        rounds = self.rounds()
        end = rounds[-1].trial_numbers.stop if rounds else 0
        if n_trials < 1 or first_number < end:
            raise ValueError(
                f"`n_trials >= 1 and first_number >= {end}` must hold (trial numbers are unique "
                f"across rounds), but got n_trials={n_trials}, first_number={first_number}"
            )
        number = len(rounds)
        settings = dumps(schedule_settings or {})
        row = (number, dumps(space), method, n_trials, first_number, now(), settings)
        with self._write():
            self._conn.execute("INSERT INTO rounds VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        columns = ("number", "space", "method", "n_trials", "first_trial", "created", "schedule")
        self._rounds = [*rounds, round_record(dict(zip(columns, row, strict=True)))]
        return number

    def extend_round(self, number: int, n_trials: int) -> RoundRecord:
        """Grows the last round to `n_trials` trials in all (asking a finished search for more)."""
        rounds = self.rounds()
        if not rounds or number != rounds[-1].number or n_trials < rounds[-1].n_trials:
            last = (
                f"round {rounds[-1].number} of {rounds[-1].n_trials} trials" if rounds else "none"
            )
            raise ValueError(
                "only the last round can grow and never shrink, "
                f"but got round={number}, n_trials={n_trials} (last: {last})"
            )
        with self._write():
            self._conn.execute(
                "UPDATE rounds SET n_trials = ? WHERE number = ?", (n_trials, number)
            )
        grown = replace(rounds[-1], n_trials=n_trials)
        self._rounds = [*rounds[:-1], grown]
        return grown

    def rounds(self) -> list[RoundRecord]:
        """Every round, by number (a writer reads them once: only it adds or grows one)."""
        if self._rounds is not None and self.writer:
            return list(self._rounds)
        rows = self._conn.execute("SELECT * FROM rounds ORDER BY number").fetchall()
        rounds = [round_record(row) for row in rows]
        if self.writer:
            self._rounds = rounds
        return list(rounds)

    def mark_running(self, spec: TrialSpec, worker: str) -> None:
        """Records that `worker` started `spec` (again: a rerun clears what an earlier run left
        of an unfinished trial). A finished trial's row never goes back: marking one running is
        refused as the bug it would be."""
        started = now()
        unfinished = ", ".join(f"'{state}'" for state in UNFINISHED)
        with self._write():
            cursor = self._conn.execute(
                "INSERT INTO trials (number, round, params, seed, state, worker, started) "
                "VALUES (?, ?, ?, ?, 'running', ?, ?) ON CONFLICT (number) DO UPDATE SET "
                "round = excluded.round, params = excluded.params, seed = excluded.seed, "
                "state = 'running', dev_error = NULL, train_error = NULL, dev_cost = NULL, "
                "train_cost = NULL, epochs = 0, curves = '{}', duration_s = 0, message = '', "
                "traceback = '', attempts = 0, best_epoch = NULL, worker = excluded.worker, "
                f"started = excluded.started, finished = NULL WHERE trials.state IN ({unfinished})",
                (spec.number, spec.round, dumps(spec.params), spec.seed, worker, started),
            )
            if cursor.rowcount == 0:
                raise ValueError(f"trial {spec.number} has finished: it never runs again")
        self._running[spec.number] = (spec, started)

    def record(
        self, result: TrialResult, attempts: int = 0, rung: RungRow | None = None
    ) -> TrialRecord:
        """Writes a finished trial in one transaction (its weights: see `save_weights`) and
        returns its record as a later read would give it, without reading it back. Under a
        halving schedule, the result of its rung, `rung`, is written in the same transaction:
        a trial's row and its rung's never disagree, whenever the run is killed."""
        finished = now()
        values = (
            str(result.state), result.dev_error, result.train_error, result.dev_cost,
            result.train_cost, result.epochs, dumps(result.curves), result.duration_s,
            result.worker, result.message, result.traceback, attempts, finished, result.engine,
            result.best_epoch,
        )  # fmt: skip
        assignments = ", ".join(f"{column.strip()} = ?" for column in RESULT_COLUMNS.split(","))
        with self._write():
            cursor = self._conn.execute(
                f"UPDATE trials SET {assignments} WHERE number = ? AND state = 'running'",
                (*values, result.number),
            )
            if cursor.rowcount == 0:
                raise ValueError(
                    f"trial {result.number} must be marked running before it is recorded"
                )
            if rung is not None:
                rung_table.write_rung(self._conn, rung)
        if result.number not in self._running:  # marked running by an earlier process
            return self.trial(result.number)
        spec, started = self._running.pop(result.number)
        return record_of(spec, result, attempts, started, finished)

    def add_finished(self, trials: Iterable[tuple[TrialSpec, TrialResult]]) -> int:
        """Writes many finished trials in one transaction, as `mark_running` then `record` would
        one by one: for importing or copying a study, where a transaction per trial would
        make 100,000 trials take minutes. Returns how many were written."""
        columns = f"number, round, params, seed, started, {RESULT_COLUMNS}"
        marks = ", ".join("?" * len(columns.split(",")))
        started = now()
        rows = (_finished_row(spec, result, started) for spec, result in trials)
        with self._write():
            cursor = self._conn.executemany(
                f"INSERT INTO trials ({columns}) VALUES ({marks})", rows
            )
        return cursor.rowcount

    def restore(self, records: Iterable[TrialRecord]) -> int:
        """Writes trials as another store recorded them (a study being recovered): their own
        state, measurements, attempts and times, in one transaction. Returns how many."""
        columns = f"number, round, params, seed, started, {RESULT_COLUMNS}"
        marks = ", ".join("?" * len(columns.split(",")))
        with self._write():
            cursor = self._conn.executemany(
                f"INSERT INTO trials ({columns}) VALUES ({marks})", map(_restored_row, records)
            )
        return cursor.rowcount

    def mark_interrupted(
        self, numbers: Iterable[int], specs: dict[int, TrialSpec] | None = None
    ) -> list[int]:
        """Marks those of `numbers` still running as interrupted; finished trials are left alone.
        A number of `specs` with no row yet (stopped before its start was recorded) gets one, so
        that every trial a stop cut short is named as interrupted."""
        marked = []
        with self._write():
            for number in numbers:
                cursor = self._conn.execute(
                    "UPDATE trials SET state = 'interrupted', finished = ? "
                    "WHERE number = ? AND state = 'running'",
                    (now(), number),
                )
                if cursor.rowcount == 0 and specs and number in specs:
                    spec = specs[number]
                    cursor = self._conn.execute(
                        "INSERT OR IGNORE INTO trials (number, round, params, seed, state, "
                        "finished) VALUES (?, ?, ?, ?, 'interrupted', ?)",
                        (spec.number, spec.round, dumps(spec.params), spec.seed, now()),
                    )
                marked += [number] * cursor.rowcount
        return sorted(marked)

    def trials(self, round: int | None = None) -> list[TrialRecord]:
        """Every trial (of one round, if given) by number: one consistent snapshot."""
        sql, args = "SELECT * FROM trials ORDER BY number", ()
        if round is not None:
            sql, args = "SELECT * FROM trials WHERE round = ? ORDER BY number", (round,)
        cursor = self._conn.cursor(GuardedCursor)  # a damaged page is a StoreError
        cursor.row_factory = None  # plain tuples: a quarter of the time of sqlite3.Row
        with collector_paused():
            rows = cursor.execute(sql, args).fetchall()
            return trial_records(rows, [column[0] for column in cursor.description])

    def trial(self, number: int) -> TrialRecord:
        """One stored trial; KeyError when it has never started."""
        row = self._conn.execute("SELECT * FROM trials WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise KeyError(number)
        return trial_record(row)

    def ranked(
        self,
        limit: int | None = None,
        *,
        round: int | None = None,
        states: Collection[TrialState] | None = None,
    ) -> list[tuple[int, TrialRecord]]:
        """The best `limit` trials (all when None) of `round` in `states`, best first, each with
        its place in the whole study's ranking, from 1 (`reads.ranked`)."""
        return reads.ranked(self._conn, limit, round=round, states=states)

    def ranked_stream(
        self, *, round: int | None = None, states: Collection[TrialState] | None = None
    ) -> Iterator[tuple[int, TrialRecord]]:
        """`ranked` with no limit, read a page at a time while the store is open."""
        return reads.ranked_stream(self._conn, round=round, states=states)

    def trial_groups(self, budget: int) -> list[TrialGroup]:
        """The trials counted by round, state and engine (`full`: those with `budget` epochs)."""
        return reads.trial_groups(self._conn, budget)

    def complete_errors(self, round: int | None = None) -> list[tuple[int, float]]:
        """(number, dev error) of the complete trials with a finite dev error, by number."""
        return reads.complete_errors(self._conn, round)

    def numbered(self, numbers: Iterable[int]) -> list[TrialRecord]:
        """The stored trials among `numbers`, by number."""
        return reads.numbered(self._conn, numbers)

    def finished_numbers(self, numbers: range) -> Iterator[int]:
        """The finished trials among `numbers`, in order, read a page at a time."""
        return reads.finished_numbers(self._conn, numbers)

    def count_beyond(
        self, round: int, states: Collection[TrialState], bounds: Sequence[tuple[str, str, Any]]
    ) -> tuple[int, list[int]]:
        """The trials of `round` in `states`, and how many of them lie beyond each bound
        (`reads.count_beyond`)."""
        return reads.count_beyond(self._conn, round, states, bounds)

    def kept_importance(self, round: int | None) -> dict[str, Any] | None:
        """The importance estimate of `round` (every round when None) a run kept, if it was
        made from the trials the study holds now (`importance_cache`)."""
        source = importance_cache.estimated_from(self._conn, round)
        if self.writer:
            self._sources[round] = source
        return importance_cache.cached(self._conn, round, source)

    def keep_importance(self, round: int | None, estimate: dict[str, Any]) -> None:
        """Keeps `estimate` of `round`, made from the trials the study holds now."""
        source = self._sources.get(round) or importance_cache.estimated_from(self._conn, round)
        with self._write():
            importance_cache.keep(self._conn, round, source, estimate)

    def rung_rows(self) -> dict[tuple[int, int], RungRow]:
        """Every recorded rung of a halving schedule, by (trial, epochs)."""
        return rung_table.rung_rows(self._conn)

    def last_rungs(self) -> dict[int, int]:
        """Each scheduled trial's last decided rung, by its epochs: how far a schedule let it go."""
        return rung_table.last_rungs(self._conn)

    def unrecorded_rungs(self, numbers: Iterable[range]) -> list[Unrecorded]:
        """The finished trials among `numbers` (blocks of trial numbers) that ended without
        their last rung row (`rung_table.unrecorded`)."""
        return rung_table.unrecorded(self._conn, numbers)

    def record_rung(self, row: RungRow) -> None:
        """Writes a rung's row alone, in its own transaction (a run writes it in its trial's,
        `record`)."""
        with self._write():
            rung_table.write_rung(self._conn, row)

    def stop_paused(self, stops: Iterable[tuple[int, str]]) -> list[TrialRecord]:
        """Each (trial, reason) paused at a rung goes no further: stopped, for `reason`, all in
        one transaction. The records of those that were still paused (a trial stopped already
        is left as it is)."""
        with self._write():
            return rung_table.stop_paused(self._conn, stops)

    def check_whole(self) -> None:
        """Refuses a store with a damaged page anywhere, not only where a command reads: SQLite's
        quick check reads every page (0.3 s for 100,000 trials)."""
        found = self._conn.execute("PRAGMA quick_check").fetchall()
        if [tuple(row) for row in found] != [("ok",)]:
            raise damaged(self._conn.db_path, str(found[0][0]) if found else "no answer")

    def begin_read(self) -> None:
        """Holds one read transaction until the store is closed: every read after this sees the
        same moment, whatever a run writes meanwhile."""
        self._conn.execute("BEGIN")

    def save_weights(self, number: int, data: bytes) -> Path:
        """Keeps a trained network (.npz bytes); written aside and renamed, so never half a file."""
        self._require_writer()
        path = model_path(self.folder, number)
        try:
            path.parent.mkdir(exist_ok=True)
            with written_aside(path) as file:
                file.write(data)
        except OSError as error:
            raise os_error(error, path) from None
        return path

    def weights_path(self, number: int) -> Path | None:
        """Where trial `number`'s saved weights are, or None when they were not kept."""
        return kept_model(self.folder, number)

    def prune_weights(self, keep: Iterable[int]) -> list[int]:
        """Deletes saved weights of every trial not in `keep`; returns the numbers deleted."""
        self._require_writer()
        keep = set(keep)
        removed = []
        for path in (self.folder / MODELS_DIR).glob("trial-*.npz"):
            number = int(path.stem.removeprefix("trial-"))
            if number not in keep:
                path.unlink()
                removed.append(number)
        return sorted(removed)

    def close(self) -> None:
        """Closes the database, then lets go of the run lock."""
        self._conn.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def writer(self) -> bool:
        """Whether this store holds the run lock and may write."""
        return self._lock is not None

    def _require_writer(self) -> None:
        if self._lock is None:
            raise RuntimeError(
                f"the store of {self.folder} was opened read-only; open it as writer"
            )

    @contextmanager
    def _write(self) -> Iterator[None]:
        self._require_writer()
        self._sources.clear()  # the trials an estimate is made from may change
        with transaction(self._conn):
            yield


def _finished_row(spec: TrialSpec, r: TrialResult, when: str) -> tuple:
    """The values of `add_finished`'s columns for one trial, started and finished at `when`."""
    return (
        spec.number, spec.round, dumps(spec.params), spec.seed, when, str(r.state), r.dev_error,
        r.train_error, r.dev_cost, r.train_cost, r.epochs, dumps(r.curves), r.duration_s,
        r.worker, r.message, r.traceback, 0, when, r.engine, r.best_epoch,
    )  # fmt: skip


def _restored_row(r: TrialRecord) -> tuple:
    """The values of `restore`'s columns for one record, its times as the store writes them."""
    started, finished = (
        None if when is None else when.isoformat(timespec="milliseconds")
        for when in (r.started, r.finished)
    )
    return (
        r.number, r.round, dumps(r.params), r.seed, started, str(r.state), r.dev_error,
        r.train_error, r.dev_cost, r.train_cost, r.epochs, dumps(r.curves), r.duration_s,
        r.worker, r.message, r.traceback, r.attempts, finished, r.engine, r.best_epoch,
    )  # fmt: skip
