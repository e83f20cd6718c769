"""Reading what can still be read from a damaged study database, one row, even one cell, at a
time.

The file is read through a copy whose 100-byte header is made valid again: a truncated file
keeps the pages it still has (SQLite refuses a file shorter than its header says), and a header
overwritten with garbage is written anew from what SQLite puts there (the page size found from
the pages themselves). A damaged page loses the rows on it, not the others: each trial is looked
up by its number (SQLite walks the table's tree to it), so a row on a sound page reads back
whole, and one on a damaged page fails alone. A row whose page is sound but whose long values
(its curves, on an overflow page) are not keeps what can be read, cell by cell: a finished
trial needs its parameters, seed, state, errors, costs and epochs; its curves, times, worker and
messages are kept when they read back, and said to be missing when not. The study row and the
rounds must be readable: without them the trials could not be planned again."""

from __future__ import annotations

import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from hpsearch.errors import StoreError
from hpsearch.store.faults import os_error
from hpsearch.store.pages import MISSING, leaf_rows
from hpsearch.store.rungs import RungRow
from hpsearch.store.sqlite import (
    SCHEMA_VERSION,
    STATES,
    Baseline,
    RoundRecord,
    StudyInfo,
    connect,
    loads,
    read_baselines,
    read_info,
    round_record,
)
from hpsearch.trial import Measurements, TrialRecord, TrialResult, TrialState

MAGIC = b"SQLite format 3\x00"
PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)  # SQLite's default first
# What a kept trial cannot do without; every other cell takes its default when unreadable.
ESSENTIAL = (
    "params", "seed", "state", "dev_error", "train_error", "dev_cost", "train_cost", "epochs",
)  # fmt: skip


@dataclass(frozen=True)
class Salvage:
    """What a damaged database still holds: the study, its rounds, its readable trials (each
    finished or paused one), the cells that some of them lost, and the rungs of those kept."""

    info: StudyInfo
    rounds: list[RoundRecord]
    records: list[TrialRecord]
    unreadable: list[int]  # trial numbers whose rows could not be read
    missing: dict[int, tuple[str, ...]]  # trial → the columns kept at their default
    rungs: list[RungRow]
    baselines: list[Baseline] = field(default_factory=list)  # none where unreadable


def salvage(db: Path) -> Salvage:
    """The readable part of the study database `db`; refuses when not even the study is."""
    with _readable_copy(db) as (copy, page_size):
        try:
            conn = connect(copy, "ro", shown=db)
        except StoreError as error:
            raise _lost(db) from error
        try:
            try:
                info = read_info(conn)
                rows = conn.execute("SELECT * FROM rounds ORDER BY number").fetchall()
                rounds = [round_record(row) for row in rows]
            except (StoreError, TypeError, ValueError, KeyError) as error:
                raise _lost(db) from error
            return _trials(conn, info, rounds, lambda: leaf_rows(copy, page_size))
        finally:
            conn.close()


Scan = Callable[[], Iterable[tuple[int, list[object]]]]
Cells = tuple[dict[str, Any], tuple[str, ...]]  # a trial's values, and the columns it lost


def _trials(
    conn: sqlite3.Connection, info: StudyInfo, rounds: list[RoundRecord], scan: Scan
) -> Salvage:
    """The trials read through the table's tree; those it cannot reach, from its leaf pages."""
    columns = [row[1] for row in conn.execute("PRAGMA table_info(trials)").fetchall()]
    found: dict[int, Cells] = {}
    unreadable = []
    for number in (n for round in rounds for n in round.trial_numbers):
        trial = _trial(conn, number, columns)
        if isinstance(trial, tuple):
            found[number] = trial
        elif trial == LOST:
            unreadable.append(number)
    if unreadable:
        found |= _scanned(scan, columns, set(unreadable))
        unreadable = [number for number in unreadable if number not in found]
    kept = dict(sorted(found.items()))  # unfinished too: a trial cut short past a rung goes on
    records = [_record(values) for values, _ in kept.values()]
    missing = {number: lost for number, (_, lost) in kept.items() if lost}
    rungs = _rungs(conn, sorted(kept), scan)
    return Salvage(info, rounds, records, unreadable, missing, rungs, _baselines(conn))


def _baselines(conn: sqlite3.Connection) -> list[Baseline]:
    """The study's baselines, or none where their table cannot be read: the study goes on
    without its yardstick."""
    try:
        return read_baselines(conn)
    except (StoreError, TypeError, ValueError):
        return []


LOST = "lost"


def _trial(conn: sqlite3.Connection, number: int, columns: list[str]) -> Cells | str | None:
    """The trial's values that read back, with the names of those that did not; LOST when an
    essential one did not; None when the trial has no row."""
    try:
        row = conn.execute("SELECT * FROM trials WHERE number = ?", (number,)).fetchone()
    except StoreError:
        row = ()  # the row's page, or one of its overflow pages, is damaged: cell by cell
    if row is None:
        return None
    cells = dict(zip(columns, row, strict=True)) if row else _cells(conn, number, columns)
    return _parsed(number, cells, columns)


def _parsed(number: int, cells: dict[str, Any], columns: list[str]) -> Cells | str:
    values, lost = {"number": number}, []
    for name in columns:
        if name == "number":
            continue
        parse = PARSERS.get(name, _text)
        try:
            values[name] = parse(cells[name])
        except (KeyError, ValueError, TypeError):
            if name in ESSENTIAL or name == "round":
                return LOST
            lost.append(name)
    return values, tuple(lost)


def _scanned(scan: Scan, columns: list[str], wanted: set[int]) -> dict[int, Cells]:
    """The finished rows of `wanted` trials found on the leaf pages. A freed page may hold an
    older version of a row: only a finished one is taken (a finished trial's row never
    changes again), the latest finished if several."""
    found: dict[int, Cells] = {}
    for rowid, values in scan():
        if rowid not in wanted or len(values) != len(columns):
            continue
        cells = {n: v for n, v in zip(columns, values, strict=True) if v is not MISSING}
        parsed = _parsed(rowid, cells, columns)
        if isinstance(parsed, str) or not parsed[0]["state"].is_finished:
            continue
        if rowid not in found or _later(parsed[0], found[rowid][0]):
            found[rowid] = parsed
    return found


def _later(values: dict[str, Any], than: dict[str, Any]) -> bool:
    when, other = values.get("finished"), than.get("finished")
    return when is not None and (other is None or when > other)


def _cells(conn: sqlite3.Connection, number: int, columns: list[str]) -> dict[str, Any]:
    """Each cell of the trial's row read alone: those on a damaged page are left out."""
    cells = {}
    for name in columns:
        try:
            found = conn.execute(f"SELECT {name} FROM trials WHERE number = ?", (number,))
            cells[name] = found.fetchone()[0]
        except (StoreError, TypeError):
            continue
    return cells


def _record(values: dict[str, Any]) -> TrialRecord:
    known = {f.name for f in fields(TrialRecord)}
    return TrialRecord(**{name: value for name, value in values.items() if name in known})


def _rungs(conn: sqlite3.Connection, trials: list[int], scan: Scan) -> list[RungRow]:
    """The rung results of `trials` that read back, through the tree or else from the leaf
    pages (none before the store had rungs)."""
    tables = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rungs'").fetchone()
    if not tables[0]:
        return []
    found: dict[tuple[int, int], RungRow] = {}
    unread = set()
    for trial in trials:
        try:
            rows = conn.execute("SELECT * FROM rungs WHERE trial = ?", (trial,)).fetchall()
            found |= {(row.trial, row.epochs): row for row in map(_rung, map(tuple, rows))}
        except (StoreError, TypeError, ValueError, IndexError):
            unread.add(trial)
    if unread:
        for _, values in scan():
            try:
                row = _rung(values)
            except (TypeError, ValueError):
                continue
            if row.trial in unread:
                found.setdefault((row.trial, row.epochs), row)
    return [found[key] for key in sorted(found)]


def _rung(values: Sequence[object]) -> RungRow:
    trial, epochs, dev_error, go_on, duration_s = values  # a ValueError for another table's
    if _integer(go_on) not in (0, 1):
        raise ValueError("not a rung")
    return RungRow(
        _integer(trial), _integer(epochs), _number(dev_error), bool(go_on),
        _number(duration_s) or 0.0,
    )  # fmt: skip


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an integer: {value!r}")
    return value


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:  # NUL bytes: a zeroed page's
        raise TypeError("not text")
    return value


def _json_object(value: Any) -> dict[str, Any]:
    found = loads(_text(value))
    if not isinstance(found, dict):
        raise TypeError("not a JSON object")
    return found


def _curves(value: Any) -> dict[str, list[float]]:
    curves = _json_object(value)
    for values in curves.values():
        if not isinstance(values, list) or not all(isinstance(v, int | float) for v in values):
            raise TypeError("not curves")
    return curves


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(_text(value))


def _state(value: Any) -> TrialState:
    return STATES[_text(value)]


PARSERS: dict[str, Callable[[Any], Any]] = {
    "round": _integer,
    "params": _json_object,
    "seed": _integer,
    "state": _state,
    "dev_error": _number,
    "train_error": _number,
    "dev_cost": _number,
    "train_cost": _number,
    "epochs": _integer,
    "best_epoch": lambda value: None if value is None else _integer(value),
    "curves": _curves,
    "duration_s": lambda value: _number(value) or 0.0,
    "attempts": _integer,
    "started": _time,
    "finished": _time,
}


@contextmanager
def _readable_copy(db: Path) -> Iterator[tuple[Path, int]]:
    """A copy of `db` (and its write-ahead log) beside the study, its header made valid; and
    its page size."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=".recover-", dir=db.parent.parent))
    except OSError as error:
        raise os_error(error, db.parent.parent) from None
    try:
        copy = folder / "damaged.db"  # not `study.db`: a copy a kill leaves is no study
        try:
            shutil.copyfile(db, copy)
            wal = db.with_name(db.name + "-wal")
            if wal.is_file():
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
            page_size = _repair_header(copy, wal.is_file())
        except OSError as error:
            raise os_error(error, folder) from None
        yield copy, page_size
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _repair_header(copy: Path, wal: bool) -> int:
    """Makes the copy's header one SQLite reads: its page count that of the pages the file
    holds, and, where the header is not SQLite's at all, every field written anew. Returns
    the page size."""
    size = copy.stat().st_size
    with open(copy, "r+b") as file:
        header = file.read(100)
        page_size = _page_size(header)
        if page_size is not None:
            file.seek(28)
            file.write(struct.pack(">I", size // page_size))
            return page_size
        page_size = _guess_page_size(file, size)
        if page_size is None:  # not even page 1 looks like a page: SQLite will say so
            return PAGE_SIZES[0]
        file.seek(0)
        file.write(_fresh_header(page_size, size // page_size, wal))
        return page_size


def _page_size(header: bytes) -> int | None:
    if not header.startswith(MAGIC) or len(header) < 100 or header[21:24] != b"\x40\x20\x20":
        return None
    size = struct.unpack(">H", header[16:18])[0]
    size = 65536 if size == 1 else size
    return size if size in PAGE_SIZES else None


def _guess_page_size(file: Any, size: int) -> int | None:
    """The page size whose second page begins as a B-tree page does, page 1 being one too."""
    file.seek(100)
    if file.read(1) not in (b"\x0d", b"\x05"):  # the schema's table: a leaf or interior page
        return None
    for page_size in PAGE_SIZES:
        if page_size < size:
            file.seek(page_size)
            if file.read(1) in (b"\x0d", b"\x05", b"\x0a", b"\x02"):
                return page_size
    return PAGE_SIZES[0]


def _fresh_header(page_size: int, pages: int, wal: bool) -> bytes:
    """The header SQLite writes for a file of `pages` pages, without a free list."""
    mode = 2 if wal else 1  # WAL: the copied log is read too
    return (
        MAGIC
        + struct.pack(">H", 1 if page_size == 65536 else page_size)
        + bytes([mode, mode, 0, 64, 32, 32])
        + struct.pack(">IIIIIIIIIIII", 1, pages, 0, 0, 1, 4, 0, 0, 1, SCHEMA_VERSION, 0, 0)
        + bytes(20)
        + struct.pack(">II", 1, 3_040_001)
    )


def result_of(record: TrialRecord) -> TrialResult:
    """The result that, recorded for `record.spec`, stores `record` again."""
    measured = {f.name: getattr(record, f.name) for f in fields(Measurements)}
    return TrialResult(number=record.number, round=record.round, state=record.state, **measured)


def _lost(db: Path) -> StoreError:
    """Why nothing can be recovered (the cause is chained for a reader of the traceback)."""
    return StoreError(
        f"{db} is damaged where the study itself is written: no trial can be "
        "recovered from it; start afresh with `hpsearch run CONFIG --new`, which sets the "
        "damaged study aside without deleting it"
    )
