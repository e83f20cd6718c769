"""What every data file must be before a reader parses it: there, a file, not empty, readable."""

from __future__ import annotations

import codecs
import mmap
import os
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


LINE_LIMIT = 1 << 24  # bytes in one line of a CSV file, its header included: 16 MiB


def check_line_lengths(path: str, role: str) -> None:
    """Refuses a file with a line longer than LINE_LIMIT before anything reads it whole: a
    window of half the limit without a newline is looked at closely, so the check touches a
    few bytes per window of the mapped file, and a file of one 1 GB line costs no memory."""
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if size <= LINE_LIMIT:
            return
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            half = LINE_LIMIT // 2
            for at in range(0, size, half):
                if mapped.find(b"\n", at, at + half) != -1:
                    continue
                start = mapped.rfind(b"\n", 0, at) + 1
                end = mapped.find(b"\n", at)
                if (size if end == -1 else end) - start > LINE_LIMIT:
                    raise long_line(path, role, _lines_before(mapped, start) + 1)


def _lines_before(mapped: mmap.mmap, end: int, chunk: int = 1 << 24) -> int:
    return sum(mapped[i : min(i + chunk, end)].count(b"\n") for i in range(0, end, chunk))


def long_line(path: str, role: str, line: int) -> DataError:
    return DataError(
        f"{role} file '{path}' line {line} is longer than {_size(LINE_LIMIT)}, the most a line "
        "of a CSV file may hold; is it a CSV file, with one record per line?"
    )


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n:,} bytes"


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
