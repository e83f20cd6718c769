"""One source of examples (a built-in, or one file) as read, before its labels become classes and
its rows are split: the record every reader returns, and the handling of missing values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from hpsearch.errors import DataError

DROP_HINT = "fix it, or set `missing: drop` to drop rows with missing values"


@dataclass(frozen=True, eq=False)
class Table:
    """Features and labels of one source. Labels are kept as codes into `values` (the distinct
    labels as read, text or integers), so a million rows of text labels cost one small list."""

    X: np.ndarray  # float32, rows = examples, every value finite; may be a view of the file
    codes: np.ndarray  # int64, one per row: the row's label is values[code]
    values: tuple[str | int, ...]
    feature_names: tuple[str, ...]
    source: str  # the built-in name or the file path, for messages
    label_name: str  # the target column, or what the labels are called in the source
    # where a label value is first written (`file line N …, column C`), for messages; None: unknown
    find_label: Callable[[str | int], str | None] | None = None

    @property
    def n_rows(self) -> int:
        return len(self.codes)


def from_labels(
    X: np.ndarray,
    labels: np.ndarray,
    feature_names: tuple[str, ...],
    source: str,
    label_name: str,
) -> Table:
    """A table from features and an array of raw labels (integers, booleans or text)."""
    values, codes = np.unique(labels, return_inverse=True)
    values_list = tuple(values.tolist())
    return Table(X, codes.astype(np.int64), values_list, feature_names, source, label_name)


def drop_rows(table: Table, keep: np.ndarray) -> Table:
    """The table without the rows where `keep` is False; labels no row uses any more go too."""
    if keep.all():
        return table
    if not keep.any():
        raise all_dropped(table.source)
    used, codes = np.unique(table.codes[keep], return_inverse=True)
    values = tuple(table.values[i] for i in used)
    X = np.ascontiguousarray(table.X[keep])
    return replace(table, X=X, codes=codes.astype(np.int64), values=values)


def all_dropped(source: str) -> DataError:
    return DataError(f"every row of {source} has a missing value, so `missing: drop` leaves none")


def handle_nonfinite(
    X: np.ndarray,
    missing: Literal["error", "drop"],
    describe: Callable[[int, int], str],
) -> np.ndarray | None:
    """Rows to keep when some features are NaN or infinite (None when all are finite). With
    `missing: error`, the first such cell is reported through `describe(row, column)`, which
    turns 0-based indices into the words a user finds the cell by."""
    bad = nonfinite_rows(X)
    if not bad.any():
        return None
    if missing == "drop":
        return ~bad
    row = int(np.argmax(bad))
    column = int(np.argmax(~np.isfinite(X[row])))
    raise DataError(f"{describe(row, column)} is not a finite number; {DROP_HINT}")


def nonfinite_rows(X: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Rows holding NaN or ±inf; in chunks, so a large X never gets a full-size mask."""
    bad = np.zeros(len(X), dtype=bool)
    for start in range(0, len(X), chunk):
        bad[start : start + chunk] = ~np.isfinite(X[start : start + chunk]).all(axis=1)
    return bad


def to_float32(X: np.ndarray, source: str, describe: Callable[[int, int], str]) -> np.ndarray:
    """X as C-contiguous float32; a finite value too large for float32 is an error, not inf."""
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
    return out
