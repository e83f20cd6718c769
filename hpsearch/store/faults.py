"""What a failing disk or file does to a study, said as a message instead of a raw exception.

Every statement of the store runs on a `GuardedConnection`: an SQLite error becomes a
`StoreError` that names the file, says what happened and what was kept, and what to do next. A
failed write never leaves half a transaction (SQLite rolls it back), so each message can promise
that every trial finished before it is kept.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path
from typing import Any

from hpsearch.errors import DamagedStore, StoreError

_FULL = {sqlite3.SQLITE_FULL}
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_READ_ONLY = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM}
KEPT = "every trial finished before it is kept"


def _code(error: sqlite3.Error) -> int:
    return getattr(error, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one


def damaged(db: Path, detail: str) -> DamagedStore:
    """A study database whose bytes no longer make an SQLite file (or one of its pages)."""
    return DamagedStore(
        f"{db} is damaged ({detail}); nothing was written to it. Keep the trials that can still "
        f"be read with `hpsearch recover {db.parent}` (the damaged file is set aside, and a "
        "rerun of the study trains the lost trials again, to the same results), or start "
        "afresh with `hpsearch run CONFIG --new`"
    )


def disk_full(path: Path) -> StoreError:
    return StoreError(
        f"the disk holding {path} is full: the last write was not made, and {KEPT}; "
        "free some space, then run the study again to resume it"
    )


def read_only(path: Path, detail: str) -> StoreError:
    return StoreError(
        f"cannot write {path} ({detail}); nothing was changed: make its folder writable, or "
        "give the study a writable runs folder"
    )


def store_error(error: sqlite3.Error, db: Path) -> StoreError:
    """The message for an SQLite error met while using the study database `db`."""
    code = _code(error)
    if code in _FULL:
        return disk_full(db)
    if code in _DAMAGED:
        return damaged(db, str(error))
    if code in _READ_ONLY:
        return read_only(db, str(error))
    return StoreError(f"the study database {db} cannot be used ({error}); {KEPT}")


def os_error(error: OSError, path: Path) -> StoreError:
    """The message for a file of the study folder that cannot be made or written."""
    detail = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        return disk_full(path)
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return read_only(path, detail)
    return StoreError(f"cannot write {path} ({detail}); {KEPT}")


class GuardedCursor(sqlite3.Cursor):
    """A cursor whose errors are `StoreError`s: a damaged page shows while rows are read."""

    def execute(self, sql: str, parameters: Any = ()) -> GuardedCursor:
        with _guard(self.connection):
            super().execute(sql, parameters)
        return self

    def fetchone(self) -> Any:
        with _guard(self.connection):
            return super().fetchone()

    def fetchall(self) -> list[Any]:
        with _guard(self.connection):
            return super().fetchall()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        with _guard(self.connection):
            return super().fetchmany(self.arraysize if size is None else size)

    def __next__(self) -> Any:
        with _guard(self.connection):
            return super().__next__()


class GuardedConnection(sqlite3.Connection):
    """A connection that knows its file, so that every error can name it."""

    db_path: Path

    def execute(self, sql: str, parameters: Any = ()) -> GuardedCursor:  # type: ignore[override]
        return self.cursor(GuardedCursor).execute(sql, parameters)


class _guard:
    """Turns an SQLite error inside the block into the store's message for the connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._db = getattr(conn, "db_path", Path("study.db"))

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, _: object) -> None:
        if isinstance(error, sqlite3.Error):
            raise store_error(error, self._db) from None
