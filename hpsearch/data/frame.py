"""Rows as a user has them in Python (a NumPy array of numbers or text, a DataFrame, a mapping
of columns, a structured array) → a table of the columns a model takes, read as a CSV file's
cells are: numbers with NaN where missing, text stripped, the same missing-value markers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hpsearch.data.columns import Column
from hpsearch.data.csvscan import is_gap, number
from hpsearch.data.table import Table
from hpsearch.errors import DataError


def named_columns(X: Any, names: Sequence[str]) -> list[np.ndarray] | None:
    """The columns `names` of `X` when `X` names its columns (a DataFrame, a mapping of
    columns, a structured array), else None; a column it lacks is an error."""
    found = getattr(getattr(X, "dtype", None), "names", None) or (
        list(X.columns) if hasattr(X, "columns") else list(X) if isinstance(X, dict) else None
    )
    if found is None:
        return None
    missing = [name for name in names if name not in set(found)]
    if missing:
        raise DataError(
            f"the rows have no column {', '.join(missing)}; the model needs {', '.join(names)}"
        )
    return [np.asarray(X[name]) for name in names]


def rows_table(X: Any, columns: Sequence[Column], source: str = "the rows") -> Table:
    """The table of rows `X` for a model's `columns`: named columns picked by name, or a 2-D
    array's columns in the model's order."""
    names = [column.name for column in columns]
    arrays = named_columns(X, names)
    if arrays is None:
        array = np.asarray(X)
        array = array.reshape(1, -1) if array.ndim == 1 else array
        if array.ndim != 2 or array.shape[1] != len(columns):
            raise DataError(
                f"rows must have {len(columns)} columns ({', '.join(names)}), but got an array "
                f"of shape {np.shape(X)}"
            )
        arrays = [array[:, i] for i in range(len(columns))]
    return table_from_columns(arrays, columns, source)


def table_from_columns(
    arrays: Sequence[np.ndarray], columns: Sequence[Column], source: str
) -> Table:
    """One array per column of `columns`, each as its kind reads it."""
    n = len(arrays[0]) if len(arrays) else 0
    numbers, texts, levels, text_at = [], [], [], []
    for position, (column, values) in enumerate(zip(columns, arrays, strict=True)):
        values = np.asarray(values).reshape(-1)
        if len(values) != n:
            raise DataError(f"{source}: column '{column.name}' has {len(values)} rows, not {n}")
        if column.kind == "numeric":
            numbers.append(_numbers(values, column.name, source))
        else:
            codes, found = _texts(values)
            texts.append(codes)
            levels.append(found)
            text_at.append(position)
    return Table(
        np.column_stack(numbers) if numbers else np.zeros((n, 0), np.float32),
        np.zeros(n, np.int64),
        (),
        tuple(column.name for column in columns),
        source,
        "",
        texts=np.column_stack(texts).astype(np.int32) if texts else None,
        levels=tuple(levels),
        text_columns=tuple(text_at),
    )


def _numbers(values: np.ndarray, name: str, source: str) -> np.ndarray:
    if values.dtype.kind in "biuf":
        with np.errstate(over="ignore"):
            out = values.astype(np.float32)
        out[np.isinf(out)] = np.nan
        return out
    out = np.empty(len(values), np.float32)
    for row, value in enumerate(values.tolist()):
        if _missing(value) or (isinstance(value, float) and not np.isfinite(value)):
            out[row] = np.nan
            continue
        text = str(value).strip()
        parsed = np.nan if is_gap(text) else number(text)
        if parsed is None:
            raise DataError(
                f"{source} row {row + 1}, column '{name}': '{text}' is not a number; the model "
                f"reads '{name}' as numbers"
            )
        out[row] = np.nan if not np.isfinite(parsed) else parsed
    return out


def _texts(values: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes into the distinct texts of `values` (−1 where missing): a whole number is written
    as an integer (2.0 as "2", as a CSV file writes it), text stripped."""
    found: dict[str, int] = {}
    codes = np.empty(len(values), np.int32)
    for row, value in enumerate(values.tolist()):
        text = _text(value)
        codes[row] = -1 if text is None else found.setdefault(text, len(found))
    return codes, tuple(found)


def _missing(value: Any) -> bool:
    """None, or pandas' missing-value markers (pd.NA, pd.NaT), known without importing pandas."""
    return value is None or type(value).__name__ in ("NAType", "NaTType")


def _text(value: Any) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, float):
        if not np.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    return None if is_gap(text) else text
