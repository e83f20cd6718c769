"""What every data file must be before a reader parses it: there, a file, not empty, readable."""

from __future__ import annotations

from pathlib import Path

from hpsearch.errors import DataError


def check_file(path: str, role: str) -> None:
    """Raises one clear `DataError` when `path` cannot be read; `role` names the YAML key
    that gave the path (dataset, labels, dev, test), so the user knows which one to fix."""
    file = Path(path)
    if not file.exists():
        raise DataError(f"{role} file '{path}' does not exist; check the path")
    if file.is_dir():
        raise DataError(f"{role} file '{path}' is a folder; give the path of a file")
    try:
        with file.open("rb") as stream:
            empty = not stream.read(1)
    except OSError as error:
        raise DataError(f"{role} file '{path}' cannot be read: {error.strerror}") from None
    if empty:
        raise DataError(f"{role} file '{path}' is empty")


def not_utf8(path: str, role: str) -> DataError:
    return DataError(f"{role} file '{path}' is not UTF-8 text; save it with UTF-8 encoding")


def column_list(names: tuple[str, ...] | list[str], limit: int = 20) -> str:
    """Column names for a message; a very wide file shows its first `limit`."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, … ({len(names)} in all)"


def count(n: int, noun: str) -> str:
    """'1 row', '2 rows': a number and its noun, for messages."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
