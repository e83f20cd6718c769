"""The target column → what a network learns from it: class indices 0…C−1 (classification) or
numbers in the target's own units (regression), with every way a target can be unusable said at
its file, line and column.

Classes are the dataset's distinct labels in sorted order: integers (also when written as text,
like "3" or "3.0") numerically, other text alphabetically. A file's target is a regression when
the study says `task: regression`; a study that says no task and whose target looks like a
quantity (numbers, some fractional or many distinct) is refused with that fix, never trained as
hundreds of classes. `infer_target` is the same reading, in words, for `hpsearch init`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hpsearch.data.files import count
from hpsearch.data.table import DROP_HINT, Table, drop_rows
from hpsearch.errors import DataError
from hpsearch.tasks import Task

Key = int | str
# Cells that stand for a missing target, compared after stripping and lower-casing (as features').
GAPS = ("", "na", "n/a", "nan", "null", "?")
# A numeric target with more distinct values than this is a quantity, not a set of class codes.
MANY_VALUES = 20
MAX_CLASSES = 1000  # a classifier of more classes is almost surely a mistake (an id, a quantity)
# A class balance is "imbalanced" when the rarest class has less than this share of an even one.
IMBALANCED = 1 / 3


@dataclass(frozen=True, eq=False)
class Target:
    """The target of a dataset and its extra files: the task, the classes (none for a regression),
    each table's rows (those with a target) and its targets, and how many rows had none."""

    task: Task
    classes: tuple[str, ...]
    tables: list[Table]  # the dataset first, then the dev and test files, as given
    ys: list[np.ndarray]  # int64 class indices, or float64 values in the target's units
    dropped: int  # rows of the dataset whose target cell was missing


def encode_target(
    main: Table,
    others: Sequence[Table],
    task: Task | None,
    missing: Literal["error", "drop"] = "drop",
) -> Target:
    """The target of `main` (the dataset) and of `others` (dev and test files), which may only
    hold classes `main` has. `task` None: a classification, refused if the target looks like a
    quantity. Rows without a target are dropped and counted, or with `missing: error` reported."""
    before = main.n_rows
    tables = [_with_target(table, missing) for table in (main, *others)]
    main = tables[0]
    numbers = [_float(v) for v in main.values]
    if task is None:
        if _looks_like_a_quantity(numbers):
            raise _quantity(main, numbers)
        task = "classification"
    if task == "regression":
        ys = [_values(table) for table in tables]
        _check_varies(main, ys[0])
        return Target("regression", (), tables, ys, before - main.n_rows)
    classes, ys = _classes(tables)
    return Target("classification", classes, tables, ys, before - main.n_rows)


def _with_target(table: Table, missing: str) -> Table:
    """The table without its rows whose target cell is missing (with `missing: error`, the
    first of them is reported)."""
    gaps = [i for i, value in enumerate(table.values) if _text(value).lower() in GAPS]
    if not gaps:
        return table
    if missing == "error":
        value = table.values[gaps[0]]
        said = "empty" if _text(value) == "" else f"'{_text(value)}' (a missing value)"
        where = _where(table, value)
        raise DataError(f"{where} is {said}, but every row needs a target; {DROP_HINT}")
    return drop_rows(table, ~np.isin(table.codes, gaps))


def _looks_like_a_quantity(numbers: Sequence[float | None]) -> bool:
    """Numbers only, and fractional ones or more distinct values than class codes run to."""
    if not numbers or any(x is None for x in numbers):
        return False
    fractional = any(not x.is_integer() for x in numbers)  # type: ignore[union-attr]
    return fractional or len(set(numbers)) > MANY_VALUES


def _quantity(table: Table, numbers: Sequence[float | None]) -> DataError:
    """The refusal of a target that looks like a quantity in a study that says no task."""
    fractional = [v for v, x in zip(table.values, numbers, strict=True) if not x.is_integer()]  # type: ignore[union-attr]
    if fractional:
        where = f"{_where(table, fractional[0])}: target '{table.label_name}'"
        what = f"non-integer numbers like '{_text(fractional[0])}'"
    else:
        examples = ", ".join(f"'{_text(v)}'" for v in table.values[:3])
        where = f"target '{table.label_name}' of {table.source}"
        what = f"{len(set(numbers)):,} distinct numbers (like {examples})"
    return DataError(
        f"{where} holds {what}: it looks like a quantity to predict, not classes; set "
        "`task: regression` in `data:` to train a regression (or `task: classification` if "
        "they are class codes)",
        key="target",
    )


def _values(table: Table) -> np.ndarray:
    """A regression's targets as float64; a cell that is not a number is reported where it is."""
    numbers = np.array([_float(v, finite=False) for v in table.values], dtype=object)
    bad = [v for v, x in zip(table.values, numbers, strict=True) if x is None or not np.isfinite(x)]
    if bad:
        shown = _text(bad[0])
        what = "not a number" if _float(bad[0], finite=False) is None else "not a finite number"
        raise DataError(
            f"{_where(table, bad[0])}: '{shown}' is {what}, but the target of a regression "
            "must be; fix the cell, or leave it empty to drop the row (or, if the target names "
            "classes, set `task: classification`)",
            key="target",
        )
    return numbers.astype(np.float64)[table.codes]


def _check_varies(table: Table, y: np.ndarray) -> None:
    if len(y) and y.min() == y.max():
        raise DataError(
            f"target '{table.label_name}' of {table.source} has one value "
            f"({_text(table.values[0])}) in every row: there is nothing to learn; choose another "
            "target column",
            key="target",
        )


def _classes(tables: list[Table]) -> tuple[tuple[str, ...], list[np.ndarray]]:
    main, others = tables[0], tables[1:]
    keys = _main_keys(main)
    classes = sorted(set(keys))
    if len(classes) < 2:
        raise DataError(
            f"target '{main.label_name}' of {main.source} has one value ('{classes[0]}') in every "
            "row: a classifier needs at least two classes; choose another target column",
            key="target",
        )
    _check_class_count(main, len(classes))
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


def _check_class_count(table: Table, classes: int) -> None:
    """More classes than a thousand, or than a third of the rows (each class needs a row in
    train, dev and test): an identifier or a quantity, not a class."""
    if classes <= min(MAX_CLASSES, table.n_rows // 3):
        return
    raise DataError(
        f"target '{table.label_name}' of {table.source} has {classes:,} distinct values in "
        f"{count(table.n_rows, 'row')}: too many classes to learn (at most "
        f"{min(MAX_CLASSES, table.n_rows // 3):,} here, with rows of each in train, dev and "
        "test); if it is a quantity, set `task: regression` in `data:`; if it identifies the "
        "rows, choose another target column",
        key="target",
    )


def _indices(table: Table, keys: Sequence[Key | None], index: dict[Key, int]) -> np.ndarray:
    lookup = np.array([index[key] for key in keys], dtype=np.int64)  # type: ignore[index]
    return lookup[table.codes]


def _main_keys(table: Table) -> list[Key]:
    ints = [_int_key(v) for v in table.values]
    if all(key is not None for key in ints):
        return ints  # type: ignore[return-value]
    return [_text(v) for v in table.values]


def _where(table: Table, value: object) -> str:
    """Where `value` is first written in the target column, or the file."""
    return (table.find_label and table.find_label(value)) or table.source  # type: ignore[arg-type]


def _int_key(value: object) -> int | None:
    if isinstance(value, bool | int | np.integer):
        return int(value)
    number = _float(value)
    return int(number) if number is not None and number.is_integer() else None


def _float(value: object, finite: bool = True) -> float | None:
    if isinstance(value, str) and not value.strip():
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) or not finite else None


def _text(value: object) -> str:
    return str(value).strip()


@dataclass(frozen=True)
class TargetGuess:
    """What `hpsearch init` proposes for a target column, and why, in words."""

    task: Task
    metric: str
    reason: str
    balance: str | None  # each class's share of the rows, rarest last; None for a regression


def infer_target(cells: Iterable[object], name: str = "the target") -> TargetGuess:
    """The task and metric a study of this target should have: a regression when every cell
    is a number and some are fractional or more than MANY_VALUES are distinct (the same rule
    that refuses such a target in a study that says no task); else a classification, ranked by
    balanced error when the classes are imbalanced. Missing cells (GAPS) are left out."""
    counts = Counter(text for text in map(_text, cells) if text.lower() not in GAPS)
    if not counts:
        raise DataError(f"{name} has no value in any row: it cannot be a target")
    numbers = [_float(text) for text in counts]
    if all(x is not None for x in numbers):
        distinct = len(set(numbers))
        fractional = [t for t, x in zip(counts, numbers, strict=True) if not x.is_integer()]  # type: ignore[union-attr]
        if fractional or distinct > MANY_VALUES:
            examples = ", ".join(list(counts)[:3])
            why = "some fractional" if fractional else f"more than {MANY_VALUES} distinct"
            return TargetGuess(
                "regression",
                "rmse",
                f"{name} holds {distinct:,} distinct numbers ({why}; e.g. {examples}): a "
                f"quantity, so a regression, ranked by RMSE in {name}'s units",
                None,
            )
    by_class: Counter[str] = Counter()
    for text, n in counts.items():
        by_class[class_name(text)] += n
    if len(by_class) < 2:
        return TargetGuess(
            "classification", "error", f"{name} has one value in every row: nothing to learn",
            class_balance(by_class),
        )  # fmt: skip
    balance = class_balance(by_class)
    if is_imbalanced(by_class.values()):
        rare = min(by_class, key=lambda c: by_class[c])
        share = by_class[rare] / sum(by_class.values())
        return TargetGuess(
            "classification",
            "balanced_error",
            f"{name} names {len(by_class)} classes ({balance}); '{rare}' holds only "
            f"{share:.1%} of the rows, so the error rate would reward predicting the others "
            "always: ranked by balanced error, which weighs every class the same",
            balance,
        )
    return TargetGuess(
        "classification",
        "error",
        f"{name} names {len(by_class)} classes ({balance}), so a classification, ranked by "
        "error rate",
        balance,
    )


def class_name(text: str) -> str:
    """A target cell as a class's name: integers as integers ("3.0" is class 3), text stripped."""
    key = _int_key(text)
    return str(key) if key is not None else _text(text)


def is_imbalanced(counts: Iterable[int]) -> bool:
    """The rarest class has less than IMBALANCED of an even share of the rows."""
    counts = [n for n in counts if n > 0]
    if len(counts) < 2:
        return False
    return min(counts) / sum(counts) < IMBALANCED / len(counts)


def imbalance_note(counts: dict[str, int], metric: str) -> str | None:
    """What `check` and the start of a run say of imbalanced classes (None when they are not):
    their shares, and what that does to the study's `metric`."""
    if not is_imbalanced(counts.values()):
        return None
    total, common = sum(counts.values()), max(counts, key=lambda c: counts[c])
    head = f"imbalanced classes: {class_balance(counts)}"
    if metric == "error":
        return (
            f"{head}; answering '{common}' for every row would score error "
            f"{1 - counts[common] / total:.4f}: `metric: balanced_error` weighs every class the "
            "same"
        )
    if metric == "balanced_error":
        return f"{head}; ranked by balanced error, which weighs every class the same"
    return f"{head}; ranked by {metric.replace('_', ' ')}"


def class_balance(counts: Counter[str] | dict[str, int], limit: int = 6) -> str:
    """'No 94.0%, Yes 6.0%': each class's share, commonest first, the first `limit`."""
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name} {n / total:.1%}" for name, n in ordered[:limit])
    return shown if len(ordered) <= limit else f"{shown}, … ({len(ordered)} classes)"
