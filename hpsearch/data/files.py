"""What every data file must be before a reader parses it: there, a file, not empty, readable."""

from __future__ import annotations

import codecs
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
    """The message for a file that is not UTF-8, at the line and column of its first bad byte."""
    where = first_bad_byte(path)
    at = f": line {where[0]}, column {where[1]} has the byte 0x{where[2]:02x}" if where else ""
    return DataError(
        f"{role} file '{path}' is not UTF-8 text{at}; save it with UTF-8 encoding"
    )


def first_bad_byte(path: str, chunk: int = 1 << 20) -> tuple[int, int, int] | None:
    """(line, column, byte) of the first byte of `path` that is not UTF-8, both counted from 1,
    the column in characters as an editor shows it; read in chunks, so a large file costs no
    memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, column = 1, 1
    with open(path, "rb") as stream:
        while block := stream.read(chunk):
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as error:
                good = (decoder.getstate()[0] + block)[: error.start].decode("utf-8", "replace")
                line, column = _advance(line, column, good)
                return line, column, (decoder.getstate()[0] + block)[error.start]
            line, column = _advance(line, column, text)
    return None


def _advance(line: int, column: int, text: str) -> tuple[int, int]:
    newlines = text.count("\n")
    if newlines:
        return line + newlines, len(text) - text.rfind("\n")
    return line, column + len(text)


def column_list(names: tuple[str, ...] | list[str], limit: int = 20) -> str:
    """Column names for a message; a very wide file shows its first `limit`."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, … ({len(names)} in all)"


def count(n: int, noun: str) -> str:
    """'1 row', '2 rows': a number and its noun, for messages."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
