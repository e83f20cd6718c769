"""A CSV file's layout (its header and the columns to read) and its records one by one with the
`csv` module: what finds the line of a row, or of a label, and words the first problem of a
record, where a user's editor shows it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import islice

import numpy as np

from hpsearch.data.files import not_utf8
from hpsearch.data.table import DROP_HINT
from hpsearch.errors import DataError

# Cells that stand for a missing value, compared after stripping and lower-casing.
GAPS = frozenset(("", "na", "n/a", "nan", "null", "?"))
INFINITE = frozenset(("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"))
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Layout:
    """One CSV file's header and the columns to read from it."""

    path: str
    role: str  # the YAML key that named the file: dataset, dev or test
    names: tuple[str, ...]  # the header
    skip: int  # lines up to and including the header
    target: int  # column index of the labels; −1 when the file has none
    features: tuple[int, ...]  # column indices of the features, in the order asked
    text: tuple[int, ...] = ()  # which of `features` are read as text, in their order

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.names[i] for i in self.features)

    @property
    def label_name(self) -> str:
        return self.names[self.target] if self.target >= 0 else ""

    @property
    def text_positions(self) -> tuple[int, ...]:
        """Where the text columns stand among `features`."""
        text = set(self.text)
        return tuple(i for i, column in enumerate(self.features) if column in text)

    def with_text(self, columns: set[int] | frozenset[int]) -> Layout:
        """The layout with `columns` read as text too."""
        text = set(self.text) | set(columns)
        if len(text) == len(self.text):
            return self
        return replace(self, text=tuple(c for c in self.features if c in text))

    def where(self, line: int, column: int | None = None) -> str:
        place = f"{self.path} line {line} (counting the header line)"
        if column is None:
            return place
        return f"{place}, column {column + 1} ('{self.names[column]}')"


def is_gap(text: str) -> bool:
    """Whether a stripped cell stands for a missing value."""
    return text.lower() in GAPS or text.lower() in INFINITE


def number(text: str) -> float | None:
    """The cell as a number, None when it is not one (as NumPy's parser reads it: no `1_000`)."""
    if "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


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


def text_columns(layout: Layout, count: int) -> set[int]:
    """The feature columns (not yet read as text) whose first `count` records hold text."""
    text = set(layout.text)
    numeric = [c for c in layout.features if c not in text]
    found: set[int] = set()
    for _, cells in islice(records(layout), count):
        if len(cells) != len(layout.names):
            continue  # the reader reports it at its line
        for column in numeric:
            text = cells[column].strip()
            if number(text) is None and not is_gap(text):
                found.add(column)
    return found


def find_label(layout: Layout, value: str | int) -> str | None:
    """Where the label `value` is first written in the file: its line and the target column."""
    for line, cells in records(layout):
        if layout.target < len(cells) and cells[layout.target].strip() == str(value):
            return layout.where(line, layout.target)
    return None


def locate(layout: Layout, row: int) -> tuple[int, list[str]]:
    """The line and cells of data row `row` (0-based, blank lines not counted)."""
    return next(islice(records(layout), row, None))


def first_gap(layout: Layout, row: int) -> str:
    """The message for the first missing cell of data row `row`, in column order."""
    line, cells = locate(layout, row)
    for column in sorted({*layout.features, layout.target} - {-1}):
        text = cells[column].strip()
        if not is_gap(text):
            continue
        where = layout.where(line, column)
        if column == layout.target:
            said = "is empty" if not text else f"is '{text}'"
            return f"{where} {said}, but every row needs a label; {DROP_HINT}"
        if not text:
            return f"{where} is empty; {DROP_HINT}"
        kind = "is not a finite number" if column not in layout.text else "marks a missing value"
        return f"{where}: '{text}' {kind}; {DROP_HINT}"
    return f"{layout.where(line)} has a missing value; {DROP_HINT}"
