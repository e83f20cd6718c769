"""A CSV file's data lines, a block of bytes at a time, turned into columns: numbers (NaN where a
cell is missing) and, for the columns read as text, a code per row into each column's distinct
values. Used for a study's data (every block kept) and by `predict` (a block at a time).

Each block is read the fast way when it can be:

1. NumPy finds the bounds of every field of the block at once (commas and newlines outside
   quotes), rewrites the cells that mark a missing value (empty, NA, N/A, null, ?, nan) as `nan`,
   and its C parser reads the number columns;
2. each text column's distinct values come from `np.unique` over its fields' bytes, so Python
   touches a distinct value once, not every cell.

A block the fast way cannot take (a quoted cell spanning lines, a line of spaces, a number too
large for float32, text in a number column) is read record by record with the `csv` module,
which knows each record's line: it names the first problem, or the columns that hold text after
all (`Retype`: the file is read again with them as text)."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from hpsearch.data.csvscan import FLOAT32_MAX, Layout, is_gap, number
from hpsearch.data.files import LINE_LIMIT, long_line, not_utf8
from hpsearch.errors import DataError

CHUNK_BYTES = 1 << 23  # bytes read at a time: a block is these, cut at the last whole record
COMMA, NEWLINE, QUOTE = ord(","), ord("\n"), ord('"')
GAP_WORDS = (b"na", b"n/a", b"nan", b"null", b"?")  # compared in lower case; "" is a gap too
NAN = np.frombuffer(b"nan", np.uint8)
MAX_PROBLEMS = 10  # problems of a block said at once
GATHER_LIMIT = 64  # text fields up to this long are compared as fixed-width bytes
# the low n bytes of a little-endian 64-bit word, for n = 0 … 8
LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(9)], np.uint64)
LOADTXT = {"dtype": np.float32, "ndmin": 2, "comments": None, "encoding": "utf-8"}


class Retype(Exception):
    """Columns read as numbers hold text: the file must be read again with them as text."""

    def __init__(self, columns: set[int]) -> None:
        super().__init__(sorted(columns))
        self.columns = columns


@dataclass(frozen=True, eq=False)
class Columns:
    """One block's rows: its number columns and text columns (codes into the reader's levels),
    and the label of each row (a code into the reader's labels) when the file has labels."""

    numbers: np.ndarray  # float32 (rows × number columns), NaN where missing
    texts: np.ndarray  # int32 (rows × text columns), −1 where missing
    labels: np.ndarray  # int32, one per row (−1: missing); empty when the file has no labels

    def __len__(self) -> int:
        return len(self.numbers)


# What to do with text in a column read as numbers: collect it (a study's data: read again with
# the column as text), or refuse it with a message made from (place, the cell's text).
TextInNumbers = Callable[[str, str], str] | None


class BlockReader:
    """Reads a file's data lines block by block; `levels` and `labels` grow as values appear, so
    that a code means the same value in every block."""

    def __init__(self, layout: Layout, text_in_numbers: TextInNumbers = None) -> None:
        self.layout = layout
        text = set(layout.text)
        self.numeric = tuple(c for c in layout.features if c not in text)
        self.levels: list[dict[str, int]] = [{} for _ in layout.text]
        self.labels: dict[str, int] = {}
        self.refuse = text_in_numbers

    def blocks(self) -> Iterator[Columns]:
        try:
            with open(self.layout.path, "rb") as stream:
                for _ in range(self.layout.skip):
                    stream.readline(LINE_LIMIT + 1)
                for data, line in _chunks(stream, self.layout, self.layout.skip + 1):
                    yield self._block(data, line)
        except UnicodeDecodeError:
            raise not_utf8(self.layout.path, self.layout.role) from None

    def _block(self, data: bytes, line: int) -> Columns:
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        found = _fields(data, len(self.layout.names))
        if found is not None and not len(found[1]):
            return self._careful(b"", line)  # only blank lines
        parsed = None if found is None else self._fast(*found)
        return parsed if parsed is not None else self._careful(data, line)

    def _fast(self, b: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> Columns | None:
        numeric = list(self.numeric)
        if numeric:
            gap = _gap_fields(b, starts[:, numeric], ends[:, numeric])
            text = _with_nan(b, starts[:, numeric][gap], ends[:, numeric][gap]).decode("utf-8")
            lines = text.split("\n")
            lines.pop()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
                    numbers = np.loadtxt(
                        lines, delimiter=",", quotechar='"', usecols=numeric, **LOADTXT
                    )
            except ValueError:
                return None
            if np.isinf(numbers).any():  # "inf" is a gap, 1e39 too large: the careful way says
                return None
        else:
            numbers = np.zeros((len(starts), 0), np.float32)
        texts = np.empty((len(starts), len(self.layout.text)), np.int32)
        words = _words(b)
        for i, column in enumerate(self.layout.text):
            texts[:, i] = _coded(b, words, starts[:, column], ends[:, column], self.levels[i])
        labels = np.zeros(0, np.int32)
        if self.layout.target >= 0:
            t = self.layout.target
            labels = _coded(b, words, starts[:, t], ends[:, t], self.labels)
        return Columns(numbers, texts, labels)

    def _careful(self, data: bytes, first_line: int) -> Columns:
        """The block record by record: each cell as the fast way would read it, or every
        problem of the block (up to MAX_PROBLEMS) at its line and column."""
        layout = self.layout
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        rows: list[tuple[list[float], list[int], int]] = []
        found: set[int] = set()
        problems: list[str] = []
        start = first_line
        try:
            for cells in reader:
                line, start = start, first_line + reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                try:
                    rows.append(self._record(cells, line, found))
                except DataError as problem:
                    problems.append(str(problem))
                    if len(problems) == MAX_PROBLEMS:
                        problems.append(f"(the first {MAX_PROBLEMS} problems; fix them first)")
                        break
        except csv.Error as error:
            problems.append(f"{layout.where(start)}: {error}")
        if problems:
            raise DataError("\n".join(problems))
        if found:
            raise Retype(found)
        n = len(rows)
        return Columns(
            np.array([r[0] for r in rows], np.float32).reshape(n, len(self.numeric)),
            np.array([r[1] for r in rows], np.int32).reshape(n, len(layout.text)),
            np.array([r[2] for r in rows] if layout.target >= 0 else [], np.int32),
        )

    def _record(
        self, cells: list[str], line: int, found: set[int]
    ) -> tuple[list[float], list[int], int]:
        """One record's numbers, text codes and label code; the columns read as numbers that
        hold text go into `found`."""
        layout = self.layout
        if len(cells) != len(layout.names):
            raise DataError(
                f"{layout.where(line)} has {len(cells)} values, but the header names "
                f"{len(layout.names)} columns; give every row one value per column"
            )
        values = []
        for column in self.numeric:
            value = _cell_number(cells[column], layout.where(line, column))
            if value is None:
                if self.refuse is not None:
                    raise DataError(self.refuse(layout.where(line, column), cells[column].strip()))
                found.add(column)
                value = np.nan
            values.append(value)
        texts = [_code(cells[c], self.levels[i]) for i, c in enumerate(layout.text)]
        label = _code(cells[layout.target], self.labels) if layout.target >= 0 else -1
        return values, texts, label


def _cell_number(cell: str, where: str) -> float | None:
    """A number cell's value: NaN for a missing value (and ±inf), None for text."""
    text = cell.strip()
    if is_gap(text):
        return np.nan
    value = number(text)
    if value is None:
        return None
    if abs(value) > FLOAT32_MAX:
        if value in (np.inf, -np.inf):
            return np.nan
        raise DataError(
            f"{where}: '{text}' is too large for float32 (largest {FLOAT32_MAX:.3g}); rescale "
            "that column"
        )
    return value


def _code(cell: str, levels: dict[str, int]) -> int:
    text = cell.strip()
    return -1 if is_gap(text) else levels.setdefault(text, len(levels))


def _chunks(stream: BinaryIO, layout: Layout, line: int) -> Iterator[tuple[bytes, int]]:
    """Blocks of whole records (about CHUNK_BYTES each) with the line each starts on; a line
    longer than LINE_LIMIT is refused as soon as it is seen, before it is held whole."""
    carry = b""
    while True:
        chunk = stream.read(CHUNK_BYTES)
        data = carry + chunk if carry else chunk
        if not chunk:
            if data.strip():
                yield data if data.endswith(b"\n") else data + b"\n", line
            return
        cut = _last_record_end(data)
        if cut == 0:
            if len(data) > LINE_LIMIT:
                raise long_line(layout.path, layout.role, line)
            carry = data
            continue
        block, carry = data[:cut], data[cut:]
        yield block, line
        line += block.count(b"\n")


def _last_record_end(data: bytes) -> int:
    """Where the last whole record of `data` ends: after its last newline outside quotes."""
    cut = data.rfind(b"\n") + 1
    if b'"' not in data[:cut] or data.count(b'"', 0, cut) % 2 == 0:
        return cut
    b = np.frombuffer(data, np.uint8, count=cut)
    newlines = np.flatnonzero(b == NEWLINE)
    outside = newlines[_inside_quotes(b)[newlines] == 0]
    return int(outside[-1]) + 1 if len(outside) else 0


def _fields(data: bytes, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The block's bytes and where each field starts and ends (rows × width); None when a
    quoted cell spans lines or a line does not hold `width` fields (the careful way says)."""
    b = np.frombuffer(data, np.uint8)
    newline = b == NEWLINE
    separator = b == COMMA
    if b'"' in data:
        inside = _inside_quotes(b).view(bool)
        if (newline & inside).any():
            return None
        separator &= ~inside
    ends = np.flatnonzero(separator | newline)
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    at_line_end = newline[ends]
    blank = at_line_end & (starts == ends) & ((starts == 0) | newline[starts - 1])
    if blank.any():
        keep = ~blank
        ends, starts, at_line_end = ends[keep], starts[keep], at_line_end[keep]
    rows = len(ends) // width
    if rows * width != len(ends) or int(at_line_end.sum()) != rows:
        return None
    if rows and not at_line_end[width - 1 :: width].all():
        return None
    return b, starts.reshape(rows, width), ends.reshape(rows, width)


def _inside_quotes(b: np.ndarray) -> np.ndarray:
    """1 where a byte lies after an odd number of quotes (inside a quoted cell), else 0."""
    return np.bitwise_xor.accumulate((b == QUOTE).view(np.uint8))


def _gap_fields(b: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which fields are missing values: empty, or a gap word in any case."""
    flat_starts = starts.reshape(-1)
    flat_lengths = ends.reshape(-1) - flat_starts
    flat_gap = flat_lengths == 0
    for size in sorted({len(word) for word in GAP_WORDS}):
        candidates = np.flatnonzero(flat_lengths == size)
        if not len(candidates):
            continue
        raw = b[flat_starts[candidates, None] + np.arange(size)]
        lower = raw + 32 * ((raw >= ord("A")) & (raw <= ord("Z"))).astype(np.uint8)
        words = np.ascontiguousarray(lower).view(f"S{size}").reshape(-1)
        hits = np.isin(words, [word for word in GAP_WORDS if len(word) == size])
        flat_gap[candidates[hits]] = True
    return flat_gap.reshape(starts.shape)


def _with_nan(b: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> bytes:
    """The bytes with each field [start, end) rewritten as `nan`."""
    if not len(starts):
        return b.tobytes()
    order = np.argsort(starts, kind="stable")
    starts, lengths = starts[order], (ends - starts)[order]
    before = np.cumsum(lengths) - lengths  # bytes removed before each field
    kept = b
    if lengths.any():
        removed = np.repeat(starts - before, lengths) + np.arange(int(lengths.sum()))
        keep = np.ones(len(b), bool)
        keep[removed] = False
        kept = b[keep]
    at = np.repeat(starts - before, len(NAN))
    return np.insert(kept, at, np.tile(NAN, len(starts))).tobytes()


def _words(b: np.ndarray) -> np.ndarray:
    """The 8 bytes from each position of `b` as one little-endian integer (zeros past its
    end): a view, not a copy of eight."""
    padded = np.concatenate([b, np.zeros(8, np.uint8)])
    return np.ndarray((len(b),), "<u8", padded, strides=(1,))


def _coded(
    b: np.ndarray,
    words: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    levels: dict[str, int],
) -> np.ndarray:
    """Each field's code in `levels` (new values added), −1 for a missing value; the text of
    a field is stripped of spaces and of the quotes around it."""
    lengths = ends - starts
    longest = int(lengths.max()) if len(lengths) else 0
    if longest <= 8:  # each field as one integer: its bytes, read at once from `words`
        keys = words[starts] & LOW_BYTES[lengths]
        distinct, inverse = np.unique(keys, return_inverse=True)
        texts = [int(key).to_bytes(8, "little").rstrip(b"\0") for key in distinct.tolist()]
        lookup = np.array([_code(_unquoted(text), levels) for text in texts], np.int32)
        return lookup[inverse.reshape(-1)]
    if longest <= GATHER_LIMIT:
        offsets = np.arange(longest)
        index = np.minimum(starts[:, None] + offsets, len(b) - 1)
        raw = np.where(offsets < lengths[:, None], b[index], 0).astype(np.uint8)
        distinct, inverse = np.unique(raw.view(f"S{longest}").reshape(-1), return_inverse=True)
        lookup = np.array([_code(_unquoted(v), levels) for v in distinct.tolist()], np.int32)
        return lookup[inverse.reshape(-1)]
    data = b.tobytes()
    seen: dict[bytes, int] = {}
    codes = [
        seen.get(cell) if cell in seen else seen.setdefault(cell, _code(_unquoted(cell), levels))
        for cell in (data[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True))
    ]
    return np.array(codes, np.int32)


def _unquoted(raw: bytes) -> str:
    text = raw.decode("utf-8").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text
