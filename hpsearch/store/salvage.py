"""Reading what can still be read from a damaged study database, one row at a time.

A damaged page loses the rows on it, not the others: each trial is looked up by its number
(SQLite walks the table's tree to it), so a row on a sound page reads back whole, and one on a
damaged page fails alone. The study row and the rounds must be readable (they sit on the first
pages): without them the trials could not be planned again.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from hpsearch.errors import StoreError
from hpsearch.store.sqlite import (
    RoundRecord,
    StudyInfo,
    connect,
    read_info,
    round_record,
    trial_record,
)
from hpsearch.trial import Measurements, TrialRecord, TrialResult


@dataclass(frozen=True)
class Salvage:
    """What a damaged database still holds: the study, its rounds, its readable trials."""

    info: StudyInfo
    rounds: list[RoundRecord]
    records: list[TrialRecord]
    unreadable: list[int]  # trial numbers whose rows could not be read


def salvage(db: Path) -> Salvage:
    """The readable part of the study database `db`; refuses when not even the study is."""
    try:
        conn = connect(db, "ro")
    except StoreError as error:
        raise _lost(db, error) from error
    try:
        try:
            info = read_info(conn)
            rows = conn.execute("SELECT * FROM rounds ORDER BY number").fetchall()
            rounds = [round_record(row) for row in rows]
        except (StoreError, TypeError) as error:
            raise _lost(db, error) from error
        records, unreadable = [], []
        for number in (n for round in rounds for n in round.trial_numbers):
            try:
                row = conn.execute("SELECT * FROM trials WHERE number = ?", (number,)).fetchone()
                record = trial_record(row) if row is not None else None
            except (StoreError, ValueError, KeyError):  # a garbled row: as good as lost
                unreadable.append(number)
                continue
            if record is not None:
                records.append(record)
        return Salvage(info, rounds, records, unreadable)
    finally:
        conn.close()


def result_of(record: TrialRecord) -> TrialResult:
    """The result that, recorded for `record.spec`, stores `record` again."""
    measured = {f.name: getattr(record, f.name) for f in fields(Measurements)}
    return TrialResult(number=record.number, round=record.round, state=record.state, **measured)


def _lost(db: Path, error: Exception) -> StoreError:
    """Why nothing can be recovered; `error` is chained for a reader of the traceback."""
    return StoreError(
        f"{db} is damaged where the study itself is written: no trial can be "
        "recovered from it; start afresh with `hpsearch run CONFIG --new`, which sets the "
        "damaged study aside without deleting it"
    )
