"""The rows an SQLite file still holds on its table leaf pages, read without walking its tree.

When a page inside a table's tree (an interior page) is damaged, SQLite cannot reach the leaf
pages below it, though they are whole. This reads every page of the file (each one as the
write-ahead log last wrote it, if there is a log) that is a table leaf page, and decodes each of
its cells, following overflow pages as far as they go: a value whose bytes are lost is left
out. The format is SQLite's file format (sqlite.org/fileformat.html), read-only.

A freed page keeps what it held, so a row may be found in an older version too: the caller
decides which version to trust."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

TABLE_LEAF = 0x0D
WAL_HEADER, FRAME_HEADER = 32, 24
MISSING = object()  # a value whose bytes were not in the file


def leaf_rows(db: Path, page_size: int) -> Iterator[tuple[int, list[object]]]:
    """(rowid, values) of every cell on every table leaf page of `db` (and of its WAL); a
    value is `MISSING` where its bytes could not be read."""
    pages = _pages(db, page_size)
    for number, page in pages.items():
        start = 100 if number == 1 else 0
        if len(page) < start + 8 or page[start] != TABLE_LEAF:
            continue
        cells = struct.unpack_from(">H", page, start + 3)[0]
        for i in range(cells):
            try:
                pointer = struct.unpack_from(">H", page, start + 8 + 2 * i)[0]
                yield _cell(pages, page, pointer, page_size)
            except (IndexError, ValueError, struct.error):
                continue


def _pages(db: Path, page_size: int) -> dict[int, bytes]:
    """Every page of the file by number, the log's latest frame of a page over the file's."""
    data = db.read_bytes()
    count = len(data) // page_size
    pages = {n + 1: data[n * page_size : (n + 1) * page_size] for n in range(count)}
    wal = db.with_name(db.name + "-wal")
    if wal.is_file():
        log = wal.read_bytes()
        frame = FRAME_HEADER + page_size
        for at in range(WAL_HEADER, len(log) - frame + 1, frame):
            number = struct.unpack_from(">I", log, at)[0]
            if number:
                pages[number] = log[at + FRAME_HEADER : at + frame]
    return pages


def _cell(
    pages: dict[int, bytes], page: bytes, at: int, page_size: int
) -> tuple[int, list[object]]:
    size, at = _varint(page, at)
    rowid, at = _varint(page, at)
    usable = page_size  # hpsearch's files reserve no bytes at the end of a page
    local = _local_size(size, usable)
    payload = page[at : at + local]
    if len(payload) < local:
        raise ValueError("a cell past its page")
    if local < size:
        payload += _overflow(pages, struct.unpack_from(">I", page, at + local)[0], size - local)
    return rowid, _record(payload, size)


def _local_size(size: int, usable: int) -> int:
    """How much of a payload of `size` bytes a table leaf cell keeps on its own page."""
    most = usable - 35
    if size <= most:
        return size
    least = (usable - 12) * 32 // 255 - 23
    kept = least + (size - least) % (usable - 4)
    return kept if kept <= most else least


def _overflow(pages: dict[int, bytes], number: int, left: int) -> bytes:
    """The rest of a payload from its chain of overflow pages, as far as the chain is whole."""
    found, seen = b"", set()
    while left > 0 and number in pages and number not in seen:
        seen.add(number)
        page = pages[number]
        chunk = page[4 : 4 + min(left, len(page) - 4)]
        found += chunk
        left -= len(chunk)
        number = struct.unpack_from(">I", page, 0)[0]
    return found


def _record(payload: bytes, size: int) -> list[object]:
    """The values of an SQLite record; those whose bytes lie past what was read are MISSING."""
    header, at = _varint(payload, 0)
    kinds = []
    while at < header:
        kind, at = _varint(payload, at)
        kinds.append(kind)
    values, at = [], header
    for kind in kinds:
        length = _length(kind)
        try:
            if at + length > len(payload):
                raise ValueError("past the bytes read")
            values.append(_value(kind, payload[at : at + length]))
        except ValueError:  # UnicodeDecodeError too: bytes that are no value
            values.append(MISSING)
        at += length
    if at != size:
        raise ValueError("not a record")
    return values


def _length(kind: int) -> int:
    if kind >= 12:
        return (kind - 12) // 2
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0)[kind] if kind < 10 else 0


def _value(kind: int, data: bytes) -> object:
    if kind == 0:
        return None
    if 1 <= kind <= 6:
        return int.from_bytes(data, "big", signed=True)
    if kind == 7:
        return struct.unpack(">d", data)[0]
    if kind in (8, 9):
        return kind - 8
    if kind >= 13 and kind % 2:
        return data.decode("utf-8")
    if kind >= 12:
        return data
    raise ValueError(f"no value of serial type {kind}")


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise ValueError("a varint past its bytes")
