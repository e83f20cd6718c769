"""Labels as read → class indices 0..C−1. Classes are the dataset's distinct labels in sorted order:
integers (also when written as text, like "3" or "3.0") numerically, other text alphabetically."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hpsearch.data.table import Table
from hpsearch.errors import DataError

Key = int | str


def encode_labels(main: Table, others: Sequence[Table]) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """The classes of `main` (the dataset) and each table's labels as int64 class indices; the
    other tables (dev and test files) may only hold classes that `main` has."""
    keys = _main_keys(main)
    classes = sorted(set(keys))
    if len(classes) < 2:
        raise DataError(
            f"{main.source} has only one class ('{classes[0]}'); classification needs at least two"
        )
    index = {key: i for i, key in enumerate(classes)}
    ys = [_indices(main, keys, index)]
    for table in others:
        keys = [_int_key(v) if isinstance(classes[0], int) else _text(v) for v in table.values]
        unknown = [repr(v) for v, key in zip(table.values, keys, strict=True) if key not in index]
        if unknown:
            raise DataError(
                f"{table.source} has labels that {main.source} has not: {', '.join(unknown[:5])}; "
                "dev and test may only hold the dataset's classes"
            )
        ys.append(_indices(table, keys, index))
    return tuple(str(c) for c in classes), ys


def _indices(table: Table, keys: Sequence[Key | None], index: dict[Key, int]) -> np.ndarray:
    lookup = np.array([index[key] for key in keys], dtype=np.int64)  # type: ignore[index]
    return lookup[table.codes]


def _main_keys(table: Table) -> list[Key]:
    ints = [_int_key(v) for v in table.values]
    if all(key is not None for key in ints):
        return ints  # type: ignore[return-value]
    numbers = [_float(v) for v in table.values]
    if all(x is not None for x in numbers):
        example = next(v for v, key in zip(table.values, ints, strict=True) if key is None)
        where = (table.find_label and table.find_label(example)) or table.source
        raise DataError(
            f"labels must be integers or text, but {where} has non-integer numbers like "
            f"{example!r}; hpsearch trains classifiers, not regressions"
        )
    return [_text(v) for v in table.values]


def _int_key(value: object) -> int | None:
    if isinstance(value, bool | int | np.integer):
        return int(value)
    number = _float(value)
    return int(number) if number is not None and number.is_integer() else None


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _text(value: object) -> str:
    return str(value).strip()
