"""The SQL of a halving schedule's state: each trial's result at each rung (the `rungs` table),
and a paused trial's change to stopped. Each is given the connection it reads or writes through
(a write, inside the caller's transaction); other packages reach them through `StudyStore`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from hpsearch.store.sqlite import RungRow, now, trial_record
from hpsearch.trial import TrialRecord


@dataclass(frozen=True)
class Unrecorded:
    """A finished trial of a scheduled round whose last rung row is missing (a store written
    before a trial's row and its rung's were one transaction): `after`, the rung it had paused
    at before (None: none), and the dev error it ended with."""

    trial: int
    after: int | None
    dev_error: float | None


def rung_rows(conn: sqlite3.Connection) -> dict[tuple[int, int], RungRow]:
    """Every recorded rung, by (trial, epochs)."""
    rows = conn.execute("SELECT * FROM rungs").fetchall()
    found = [
        RungRow(r["trial"], r["epochs"], r["dev_error"], bool(r["go_on"]), r["duration_s"])
        for r in rows
    ]
    return {(row.trial, row.epochs): row for row in found}


def last_rungs(conn: sqlite3.Connection) -> dict[int, int]:
    """Each scheduled trial's last decided rung, by its epochs: how far a schedule let it go."""
    return dict(conn.execute("SELECT trial, MAX(epochs) FROM rungs GROUP BY trial").fetchall())


def unrecorded(conn: sqlite3.Connection, numbers: Iterable[range]) -> list[Unrecorded]:
    """The finished trials among `numbers` (blocks of trial numbers) that ended without their
    last rung row: none ended by a stop, whose row follows from its rung's."""
    found = []
    for block in numbers:
        rows = conn.execute(
            "SELECT t.number, t.dev_error, r.epochs AS after, r.go_on FROM trials AS t "
            "LEFT JOIN rungs AS r ON r.trial = t.number AND r.epochs = ("
            "SELECT MAX(epochs) FROM rungs WHERE trial = t.number) "
            "WHERE t.number >= ? AND t.number < ? "
            "AND t.state IN ('complete', 'diverged', 'failed', 'timed_out') "
            "AND (r.go_on IS NULL OR r.go_on = 1)",
            (block.start, block.stop),
        ).fetchall()
        found += [Unrecorded(r["number"], r["after"], r["dev_error"]) for r in rows]
    return found


def write_rung(conn: sqlite3.Connection, row: RungRow) -> None:
    """Writes (or writes again) one rung's result."""
    conn.execute(
        "INSERT OR REPLACE INTO rungs VALUES (?, ?, ?, ?, ?)",
        (row.trial, row.epochs, row.dev_error, int(row.paused), row.duration_s),
    )


def stop_paused(conn: sqlite3.Connection, stops: Iterable[tuple[int, str]]) -> list[TrialRecord]:
    """Each (trial, reason) paused at a rung becomes stopped, for `reason`; the records of those
    that were still paused (a trial stopped already is left as it is)."""
    stopped = []
    for trial, reason in stops:
        row = conn.execute(
            "UPDATE trials SET state = 'stopped', message = ?, finished = ? "
            "WHERE number = ? AND state = 'paused' RETURNING *",
            (reason, now(), trial),
        ).fetchone()
        if row is not None:
            stopped.append(trial_record(row))
    return stopped
