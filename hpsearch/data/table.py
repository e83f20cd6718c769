"""One source of examples (a built-in, or one file) as read, before its labels become classes and
its rows are split: the record every reader returns, and the handling of missing values.

A table holds each feature column as read: numbers (NaN where a cell is missing), or, for a
column that holds text, a code per row into the column's distinct values (−1 where missing).
Which columns are categorical is decided later, on the train split (`data.columns`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import numpy as np

from hpsearch.data.report import Dropped
from hpsearch.errors import DataError

Missing = Literal["impute", "drop", "error"]
DROP_HINT = (
    "fix it, or leave `missing:` out to fill the gap (numbers: the train split's median; "
    "text: a level of its own), or set `missing: drop` to drop rows with missing values"
)
NO_LEVELS: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, eq=False)
class Table:
    """Features and labels of one source. Labels are kept as codes into `values` (the distinct
    labels as read, text or integers; −1 where the label is missing), so a million rows of text
    labels cost one small list."""

    X: np.ndarray  # float32 (rows × the columns read as numbers), NaN where missing
    codes: np.ndarray  # int64, one per row: the row's label is values[code]; −1: missing
    values: tuple[str | int, ...]
    feature_names: tuple[str, ...]  # every feature column, in the order asked
    source: str  # the built-in name or the file path, for messages
    label_name: str  # the target column, or what the labels are called in the source
    # where a label value is first written (`file line N …, column C`), for messages; None: unknown
    find_label: Callable[[str | int], str | None] | None = None
    texts: np.ndarray | None = None  # int32 (rows × the columns read as text), −1 where missing
    levels: tuple[tuple[str, ...], ...] = NO_LEVELS  # each text column's values, by code
    text_columns: tuple[int, ...] = ()  # which of `feature_names` are read as text, in order
    # the message for the first missing cell of row r (its index as read), for `missing: error`
    explain: Callable[[int], str] | None = None
    rows: np.ndarray | None = None  # each row's index as read, once rows were dropped
    dropped: Dropped = field(default_factory=Dropped)
    # where a cell is (row as read, feature position), in the words a user finds it by
    place: Callable[[int, int], str] | None = None

    @property
    def n_rows(self) -> int:
        return len(self.codes)

    @property
    def text(self) -> np.ndarray:
        """`texts`, as an (rows × 0) array when no column is read as text."""
        return np.zeros((self.n_rows, 0), np.int32) if self.texts is None else self.texts

    @cached_property
    def numeric_columns(self) -> tuple[int, ...]:
        """Which of `feature_names` are the columns of X, in order."""
        text = set(self.text_columns)
        return tuple(i for i in range(len(self.feature_names)) if i not in text)

    @cached_property
    def held_at(self) -> dict[int, tuple[bool, int]]:
        """Feature position → (read as text?, its column in `texts` or X): found in one step,
        so a file of 150,000 columns is planned in linear time."""
        found = {p: (False, i) for i, p in enumerate(self.numeric_columns)}
        return found | {p: (True, i) for i, p in enumerate(self.text_columns)}

    def read_index(self, row: int) -> int:
        """The row's index as read (before any row was dropped)."""
        return row if self.rows is None else int(self.rows[row])

    def where(self, row: int, position: int) -> str:
        """Where the cell of row `row` and feature `position` is, for a message."""
        read = self.read_index(row)
        if self.place is not None:
            return self.place(read, position)
        return f"{self.source} row {read + 1}, column {position + 1} (counting from 1)"


def take(table: Table, rows: np.ndarray) -> Table:
    """The table's rows `rows` (indices, in that order), labels unchanged."""
    X = np.ascontiguousarray(table.X[rows])
    texts = None if table.texts is None else np.ascontiguousarray(table.texts[rows])
    read = rows if table.rows is None else table.rows[rows]
    return replace(table, X=X, codes=table.codes[rows], texts=texts, rows=read)


def from_labels(
    X: np.ndarray,
    labels: np.ndarray,
    feature_names: tuple[str, ...],
    source: str,
    label_name: str,
) -> Table:
    """A table from features and an array of raw labels (integers, booleans or text; a float
    array's NaN is a missing label)."""
    missing = np.isnan(labels) if labels.dtype.kind == "f" else np.zeros(len(labels), bool)
    values, codes = np.unique(labels[~missing], return_inverse=True)
    all_codes = np.full(len(labels), -1, np.int64)
    all_codes[~missing] = codes
    values_list = tuple(values.tolist())
    return Table(X, all_codes, values_list, feature_names, source, label_name)


def gaps(table: Table) -> np.ndarray:
    """Rows with a missing feature: NaN among the numbers, −1 among the text codes."""
    bad = nonfinite_rows(table.X)
    if table.texts is not None and table.texts.shape[1]:
        bad |= (table.texts < 0).any(axis=1)
    return bad


def handle_missing(table: Table, missing: Missing) -> Table:
    """Rows without a label go (and are counted); a missing feature is reported at its cell
    (`error`), drops its row (`drop`), or stays to be filled from the train split (`impute`)."""
    unlabelled = table.codes < 0
    incomplete = gaps(table) if missing != "impute" else np.zeros(table.n_rows, bool)
    if missing == "error" and (unlabelled.any() or incomplete.any()):
        row = int(np.argmax(unlabelled | incomplete))
        if table.explain is None:
            raise DataError(f"{table.source} row {row + 1} has a missing value; {DROP_HINT}")
        raise DataError(table.explain(table.read_index(row)))
    keep = ~(unlabelled | incomplete)
    if keep.all():
        return table
    if not keep.any():
        raise all_dropped(table, int(unlabelled.sum()), missing)
    dropped = Dropped(
        int(unlabelled.sum()),
        int((incomplete & ~unlabelled).sum()),
        _gaps_by_column(table, incomplete & ~unlabelled),
    )
    return replace(drop_rows(table, keep), dropped=dropped)


def _gaps_by_column(table: Table, rows: np.ndarray) -> tuple[tuple[str, int], ...]:
    if not rows.any():
        return ()
    counts = dict.fromkeys(table.feature_names, 0)
    for i, column in enumerate(table.numeric_columns):
        counts[table.feature_names[column]] = int(np.isnan(table.X[rows, i]).sum())
    for i, column in enumerate(table.text_columns):
        counts[table.feature_names[column]] = int((table.text[rows, i] < 0).sum())
    return tuple((name, n) for name, n in counts.items() if n)


def drop_rows(table: Table, keep: np.ndarray) -> Table:
    """The table without the rows where `keep` is False; labels no row uses any more go too."""
    if keep.all():
        return table
    codes = table.codes[keep]
    used, new = np.unique(codes[codes >= 0], return_inverse=True)
    recoded = np.full(len(codes), -1, np.int64)
    recoded[codes >= 0] = new
    values = tuple(table.values[i] for i in used)
    X = np.ascontiguousarray(table.X[keep])
    texts = None if table.texts is None else np.ascontiguousarray(table.texts[keep])
    rows = np.flatnonzero(keep) if table.rows is None else table.rows[keep]
    return replace(table, X=X, codes=recoded, values=values, texts=texts, rows=rows)


def all_dropped(table: Table, unlabelled: int, missing: Missing) -> DataError:
    if unlabelled == table.n_rows:
        return DataError(
            f"every row of {table.source} lacks a label (column '{table.label_name}' is empty "
            "or NA throughout); name the label column with `target:`",
            key="target",
        )
    return DataError(
        f"every row of {table.source} has a missing value, so `missing: {missing}` leaves none; "
        "leave `missing:` out to fill the gaps instead, or `ignore:` the columns that are mostly "
        "empty"
    )


def nonfinite_rows(X: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Rows holding NaN or ±inf; in chunks, so a large X never gets a full-size mask."""
    bad = np.zeros(len(X), dtype=bool)
    if X.ndim == 2 and X.shape[1] == 0:
        return bad
    for start in range(0, len(X), chunk):
        bad[start : start + chunk] = ~np.isfinite(X[start : start + chunk]).all(axis=1)
    return bad


def to_float32(X: np.ndarray, source: str, describe: Callable[[int, int], str]) -> np.ndarray:
    """X as C-contiguous float32, ±inf as NaN (a missing value); a finite value too large for
    float32 is an error, not inf."""
    if X.dtype.kind not in "biuf":
        raise DataError(f"{source}: features must be numbers, but X holds {X.dtype} values")
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(X, dtype=np.float32)
    if X.dtype.kind == "f" and X.dtype.itemsize > 4:
        grew = np.isinf(out) & np.isfinite(X)
        if grew.any():
            row, column = (int(i) for i in np.argwhere(grew)[0])
            raise DataError(
                f"{describe(row, column)}: {X[row, column]:g} is too large for float32 "
                f"(largest {np.finfo(np.float32).max:.3g}); rescale that feature"
            )
    infinite = np.isinf(out)
    if infinite.any():
        out = out.copy() if np.shares_memory(out, X) else out
        out[infinite] = np.nan
    return out
