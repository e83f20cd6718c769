"""Turning CSV rows into numbers, two ways. `parse` is one pass of NumPy's parser: fast, but all
it can do with a problem is refuse. `scan_csv` reads record by record with the `csv` module, so
it knows each record's line: it reports the first problem where a user's editor shows it, and it
reads what the parser refuses but hpsearch accepts (records spanning lines, lines holding only
spaces), handing `parse` a block of records at a time."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Literal

import numpy as np

from hpsearch.data.files import not_utf8
from hpsearch.data.table import DROP_HINT, Table, drop_rows, nonfinite_rows
from hpsearch.errors import DataError

# Cells that stand for a missing value, compared after stripping and lower-casing.
GAPS = ("", "na", "n/a", "nan", "null", "?")
BLOCK = 8192  # rows converted at a time
SEPARATORS = ("\x1f", "\x1e", "\x1d")  # ASCII unit, record, group separators: never in text
FLOAT32_MAX = float(np.finfo(np.float32).max)
LOADTXT = {"dtype": np.float32, "ndmin": 2, "comments": None, "encoding": "utf-8"}


@dataclass(frozen=True)
class Layout:
    """One CSV file's header and the columns to read from it."""

    path: str
    role: str  # the YAML key that named the file: dataset, dev or test
    names: tuple[str, ...]  # the header
    skip: int  # lines up to and including the header
    target: int  # column index of the labels
    features: tuple[int, ...]  # column indices of the features, in the order asked

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.names[i] for i in self.features)

    @property
    def label_name(self) -> str:
        return self.names[self.target]

    def where(self, line: int, column: int | None = None) -> str:
        place = f"{self.path} line {line} (counting the header line)"
        if column is None:
            return place
        return f"{place}, column {column + 1} ('{self.names[column]}')"


def records(layout: Layout) -> Iterator[tuple[int, list[str]]]:
    """Each record after the header with the line it starts on; blank lines are skipped."""
    start = 1
    try:
        with open(layout.path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            for _ in reader:
                if reader.line_num >= layout.skip:
                    break
            start = reader.line_num + 1
            for cells in reader:
                if cells and (len(cells) > 1 or cells[0].strip()):
                    yield start, cells
                start = reader.line_num + 1
    except UnicodeDecodeError:
        raise not_utf8(layout.path, layout.role) from None
    except csv.Error as error:
        raise DataError(f"{layout.where(start)}: {error}") from None


def find_label(layout: Layout, value: str | int) -> str | None:
    """Where the label `value` is first written in the file: its line and the target column."""
    for line, cells in records(layout):
        if layout.target < len(cells) and cells[layout.target].strip() == str(value):
            return layout.where(line, layout.target)
    return None


def locate(layout: Layout, row: int) -> tuple[int, list[str]]:
    """The line and cells of data row `row` (0-based, blank lines not counted)."""
    return next(islice(records(layout), row, None))


def parse(
    source: str | list[str],
    layout: Layout,
    gaps: bool,
    labels: dict[str, int],
    *,
    skip: int = 0,
    delimiter: str = ",",
    quotechar: str | None = '"',
) -> np.ndarray:
    """One pass of NumPy's parser over a file or a list of lines, every column as float32: the
    features (with `gaps`, through a Python converter that also takes missing-value markers as
    NaN), each label as its number in `labels` (exact in float32 below 2**24 of them), other
    columns as 0. Raises ValueError on anything it refuses, or rows that do not fit the header."""

    def code(text: str) -> int:
        return labels.setdefault(text.strip(), len(labels))

    converters = {i: _ignored for i in range(len(layout.names)) if i not in layout.features}
    converters |= {i: _gap_or_number for i in layout.features} if gaps else {}
    converters[layout.target] = code
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
        array = np.loadtxt(
            source,
            delimiter=delimiter,
            skiprows=skip,
            quotechar=quotechar,
            **LOADTXT,
            converters=converters,
        )
    if len(array) == 0:
        array = np.zeros((0, len(layout.names)), dtype=np.float32)
    if array.shape[1] != len(layout.names) or len(labels) >= 2**24:
        raise ValueError("the rows do not fit the header")
    return array


def _ignored(_: str) -> float:
    return 0.0


def _gap_or_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        if text.strip().lower() in GAPS:
            return np.nan
        raise


def scan_csv(layout: Layout, missing: Literal["error", "drop"]) -> Table:
    """The whole file, record by record; raises at its first problem."""
    labels: dict[str, int] = {}
    blocks: list[tuple[np.ndarray, np.ndarray]] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, cells in records(layout):
        if len(cells) != len(layout.names):
            _parse_block(layout, rows, lines, missing, labels)  # a problem above comes first
            raise DataError(
                f"{layout.where(line)} has {len(cells)} values, but the header names "
                f"{len(layout.names)} columns; give every row one value per column"
            )
        rows.append(cells)
        lines.append(line)
        if len(rows) == BLOCK:
            blocks.append(_parse_block(layout, rows, lines, missing, labels))
            rows, lines = [], []
    blocks.append(_parse_block(layout, rows, lines, missing, labels))
    X = np.concatenate([X for X, _ in blocks])
    codes = np.concatenate([codes for _, codes in blocks])
    names = layout.feature_names, layout.path, layout.label_name
    table = Table(X, codes, tuple(labels), *names, partial(find_label, layout))
    return drop_rows(table, ~incomplete(X, codes, table.values)) if len(codes) else table


def _parse_block(
    layout: Layout, rows: list[list[str]], lines: list[int], missing: str, labels: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Features and label numbers of a block of records, rejoined with a separator that no cell
    holds, so NumPy's parser converts them; a block it refuses is examined record by record."""
    text, separator = _joined(rows, len(layout.names))
    for gaps in (False, True) if separator else ():
        try:
            array = parse(text, layout, gaps, labels, delimiter=separator, quotechar=None)
        except ValueError:
            continue
        X = np.take(array, layout.features, axis=1)
        codes = array[:, layout.target].astype(np.int64)
        bad = incomplete(X, codes, tuple(labels)) if missing == "error" else []
        if np.any(bad):
            row = int(np.argmax(bad))
            raise DataError(first_problem(layout, lines[row], rows[row], missing))
        return X, codes
    for line, row in zip(lines, rows, strict=True):
        message = first_problem(layout, line, row, missing)
        if message:
            raise DataError(message)
    raise DataError(f"{layout.where(lines[0])} or a line below it cannot be read")


def _joined(rows: list[list[str]], width: int) -> tuple[list[str], str]:
    """The records as lines, joined by a separator that no cell holds ('' if each one does)."""
    for separator in SEPARATORS:
        text = [separator.join(row) for row in rows]
        if sum(line.count(separator) for line in text) == len(rows) * (width - 1):
            return text, separator
    return [], ""


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def incomplete(X: np.ndarray, codes: np.ndarray, labels: tuple[str | int, ...]) -> np.ndarray:
    """Rows with a NaN or infinite feature, or with an empty label."""
    empty = labels.index("") if "" in labels else -1
    return nonfinite_rows(X) | (codes == empty)


def first_problem(layout: Layout, line: int, cells: list[str], missing: str) -> str:
    """The message for the first cell of a record that hpsearch cannot take, in column order;
    empty when it takes them all."""
    for column in sorted({*layout.features, layout.target}):
        text = cells[column].strip()
        where = layout.where(line, column)
        if column == layout.target:
            if not text and missing == "error":
                return f"{where} is empty, but every row needs a label; {DROP_HINT}"
            continue
        number = None if text.lower() in GAPS else _number(text)
        if number is None and text.lower() not in GAPS:
            return (
                f"{where}: '{text}' is not a number; features must be numeric "
                "(leave other columns out with `features:`)"
            )
        if missing == "error" and not text:
            return f"{where} is empty; {DROP_HINT}"
        if missing == "error" and (number is None or not abs(number) <= FLOAT32_MAX):
            return f"{where}: '{text}' is not a finite number; {DROP_HINT}"
    return ""
