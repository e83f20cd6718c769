"""Reads that give a command what it shows without making a record of every trial: the best
few in rank order, the counts of the summary, the trials a sample picks. At 100,000 trials a
full read takes seconds in Python; these take SQLite's time. Each is given the connection it
reads through; other packages reach them through `StudyStore`'s methods of the same names."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hpsearch.search.ranking import STATE_ORDER
from hpsearch.store.faults import GuardedCursor
from hpsearch.store.sqlite import STATES, collector_paused, trial_records
from hpsearch.trial import TrialRecord, TrialState


def _finite_sql(column: str) -> str:
    """The column where finite, else infinity (SQLite stores NaN as NULL)."""
    return f"CASE WHEN {column} IS NULL OR abs({column}) = 9e999 THEN 9e999 ELSE {column} END"


# `rank_key` (search/ranking.py) as an SQL ORDER BY over the trials table, for the reads that
# want only the best few of 100,000 trials; tests/store/test_reads.py keeps the two the same.
RANK_ORDER_SQL = ", ".join(
    [
        "CASE state "
        + " ".join(f"WHEN '{state}' THEN {order}" for state, order in STATE_ORDER.items())
        + " END",
        f"CASE WHEN state = '{TrialState.STOPPED}' THEN -epochs ELSE 0 END",
        _finite_sql("dev_error"),
        _finite_sql("dev_cost"),
        "duration_s",
        "number",
    ]
)


@dataclass(frozen=True)
class TrialGroup:
    """The `n_trials` trials of `round` in `state` trained by `engine`: `epochs` in all, `full`
    of them to the full budget asked."""

    round: int
    state: TrialState
    engine: str
    n_trials: int
    epochs: int
    full: int


def ranked(
    conn: sqlite3.Connection,
    limit: int | None = None,
    *,
    round: int | None = None,
    states: Collection[TrialState] | None = None,
) -> list[tuple[int, TrialRecord]]:
    """The best `limit` trials (all when None) of `round` in `states`, best first, each with its
    place in the whole study's ranking (`search.ranking.rank`), from 1. All of them are read in
    the table's order and then put in the ranking's: looked up one by one in the ranking's
    order, 100,000 rows take three times as long."""
    if limit is not None:
        return list(ranked_stream(conn, limit, round=round, states=states))
    where, args = _where(round, states)
    places = conn.execute(*_places(round, states)).fetchall()
    rows, columns = _rows(conn, f"SELECT * FROM trials{where}", args)
    records = {record.number: record for record in trial_records(rows, columns)}
    return [(place, records[number]) for number, place in places]


def ranked_stream(
    conn: sqlite3.Connection,
    limit: int | None = None,
    *,
    round: int | None = None,
    states: Collection[TrialState] | None = None,
    page: int = 1_000,
) -> Iterator[tuple[int, TrialRecord]]:
    """`ranked`, read a page at a time, so that the first rows come before the 100,000th is
    read: the places from the ranking index, each joined to its row as the cursor reaches it."""
    places, args = _places(round, states)
    if limit is not None:
        places, args = f"{places} LIMIT ?", [*args, limit]
    # CROSS JOIN keeps SQLite's loops in this order: the places as they come, each row by number.
    sql = f"SELECT p.place, t.* FROM ({places}) AS p CROSS JOIN trials AS t ON t.number = p.number"
    cursor = conn.cursor(GuardedCursor)  # a damaged page is a StoreError
    cursor.row_factory = None
    cursor.execute(sql, args)
    columns = [column[0] for column in cursor.description][1:]
    last = 0
    while rows := cursor.fetchmany(page):
        with collector_paused():
            records = trial_records((row[1:] for row in rows), columns)
        for row, record in zip(rows, records, strict=True):
            if row[0] <= last:
                raise RuntimeError(f"the ranking came out of order: place {row[0]} after {last}")
            last = row[0]
            yield row[0], record


def trial_groups(conn: sqlite3.Connection, budget: int) -> list[TrialGroup]:
    """The trials counted by round, state and engine."""
    rows = conn.execute(
        "SELECT round, state, engine, COUNT(*), SUM(epochs), SUM(epochs >= ?) FROM trials "
        "GROUP BY round, state, engine",
        (budget,),
    ).fetchall()
    return [TrialGroup(r[0], STATES[r[1]], r[2], r[3], r[4], r[5]) for r in rows]


def complete_errors(conn: sqlite3.Connection, round: int | None = None) -> list[tuple[int, float]]:
    """(number, dev error) of every complete trial with a finite dev error, by number."""
    where, args = finite_complete(round)
    sql = f"SELECT number, dev_error FROM trials{where} ORDER BY number"
    return [tuple(row) for row in conn.execute(sql, args).fetchall()]


def numbered(conn: sqlite3.Connection, numbers: Iterable[int]) -> list[TrialRecord]:
    """The stored trials among `numbers`, by number."""
    sql = "SELECT * FROM trials WHERE number IN (SELECT value FROM json_each(?)) ORDER BY number"
    rows, columns = _rows(conn, sql, [json.dumps(list(numbers))])
    return trial_records(rows, columns)


def finished_numbers(conn: sqlite3.Connection, numbers: range, page: int = 1_000) -> Iterator[int]:
    """The finished trials among `numbers`, in order, read a page at a time: what a run skips of
    a round of any size, holding one page."""
    finished = ", ".join(f"'{state}'" for state in TrialState if state.is_finished)
    at = numbers.start
    while True:
        rows = conn.execute(
            f"SELECT number FROM trials WHERE number >= ? AND number < ? AND state IN "
            f"({finished}) ORDER BY number LIMIT ?",
            (at, numbers.stop, page),
        ).fetchall()
        yield from (row[0] for row in rows)
        if len(rows) < page:
            return
        at = rows[-1][0] + 1


def count_beyond(
    conn: sqlite3.Connection,
    round: int,
    states: Collection[TrialState],
    bounds: Sequence[tuple[str, str, Any]],
) -> tuple[int, list[int]]:
    """How many trials of `round` in `states` there are, and how many of them lie beyond each
    of `bounds`: (hyperparameter, "below" | "above" | "is", value). One pass over the rows."""
    where, args = _where(round, states)
    sums, values = [], []
    for name, side, value in bounds:
        path = "$." + json.dumps(name)  # a quoted key: any name, read as written
        op = {"below": "<", "above": ">", "is": "="}[side]
        given = "json(?)" if isinstance(value, list | dict) else "?"  # JSON text, minified
        sums.append(f"COALESCE(SUM(json_extract(params, ?) {op} {given}), 0)")
        if isinstance(value, list | dict):
            value = json.dumps(value)
        values += [path, int(value) if isinstance(value, bool) else value]
    columns = ", ".join(["COUNT(*)", *sums])
    row = conn.execute(f"SELECT {columns} FROM trials{where}", [*values, *args]).fetchone()
    return row[0], list(row[1:])


def _places(round: int | None, states: Collection[TrialState] | None) -> tuple[str, list]:
    """The query of (number, place) of the trials of `round` in `states`, best first, and its
    arguments: from the ranking index alone."""
    where, args = _where(round, states)
    sql = (
        f"SELECT number, place FROM (SELECT number, round, state, ROW_NUMBER() OVER (ORDER BY "
        f"{RANK_ORDER_SQL}) AS place FROM trials){where} ORDER BY place"
    )
    return sql, args


def finite_complete(round: int | None) -> tuple[str, list]:
    """` WHERE ...` and its arguments for the complete trials of `round` with a finite dev
    error: those an importance estimate is made from."""
    where, args = _where(round, [TrialState.COMPLETE])
    return f"{where} AND dev_error IS NOT NULL AND abs(dev_error) != 9e999", args


def _where(round: int | None, states: Collection[TrialState] | None) -> tuple[str, list]:
    """` WHERE ...` and its arguments for the trials of `round` in `states` (None: any)."""
    clauses, args = [], []
    if round is not None:
        clauses.append("round = ?")
        args.append(round)
    if states is not None:
        clauses.append(f"state IN ({', '.join('?' * len(states))})")
        args += [str(state) for state in states]
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _rows(conn: sqlite3.Connection, sql: str, args: list) -> tuple[list[tuple], list[str]]:
    cursor = conn.cursor(GuardedCursor)  # a damaged page is a StoreError
    cursor.row_factory = None  # plain tuples
    with collector_paused():
        rows = cursor.execute(sql, args).fetchall()
    return rows, [column[0] for column in cursor.description]
