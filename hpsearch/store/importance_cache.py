"""The importance estimate a run leaves in its study, so that `show` of a study that is not
running needs neither NumPy nor the sample: kept with what it was estimated from (the complete
trials' count, the sums of their numbers and dev errors, the last number), and used only while
the study still holds exactly those trials, so it is never stale. Each is given the connection
it reads or writes through; other packages reach them through `StudyStore`."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from hpsearch.store.reads import finite_complete

ALL_ROUNDS = -1  # the row of the estimate over every round


def estimated_from(conn: sqlite3.Connection, round: int | None) -> str:
    """What an estimate of `round` (every round when None) is made from, in a few numbers."""
    where, args = finite_complete(round)
    row = conn.execute(
        f"SELECT COUNT(*), TOTAL(number), TOTAL(dev_error), MAX(number) FROM trials{where}", args
    ).fetchone()
    return json.dumps(list(row))


def cached(conn: sqlite3.Connection, round: int | None, source: str) -> dict[str, Any] | None:
    """The estimate kept for `round`, when it was made from `source`; else None."""
    key = ALL_ROUNDS if round is None else round
    try:
        row = conn.execute(
            "SELECT estimate FROM importance WHERE round = ? AND source = ?", (key, source)
        ).fetchone()
    except sqlite3.OperationalError:  # a store from before the cache, read as it is
        return None
    return None if row is None else json.loads(row[0])


def keep(
    conn: sqlite3.Connection, round: int | None, source: str, estimate: dict[str, Any]
) -> None:
    """Keeps `estimate` of `round`, made from `source` (inside the caller's write transaction)."""
    key = ALL_ROUNDS if round is None else round
    row = (key, source, json.dumps(estimate))
    conn.execute("INSERT OR REPLACE INTO importance VALUES (?, ?, ?)", row)
