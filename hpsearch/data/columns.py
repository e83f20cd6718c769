"""How each feature column becomes the network's inputs, decided on the train split alone:

- a numeric column is one input; its gaps take the train split's median, and when the train
  split has gaps, a second input says which cells were filled;
- a categorical column is one input per level (one-hot), or one input for two levels; levels
  seen in fewer than `min_level_count` train rows join an "(other)" level, which also takes
  the levels a model meets later that the train split never had; a missing cell is a level of
  its own when the train split has such cells.

A column is numeric when its train cells are numbers, categorical when some are text or the
study file lists it under `categorical:`. `plan_columns` is pure: the same train rows give the
same plan, whatever the dev and test rows are."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from hpsearch.data.csvscan import number
from hpsearch.data.files import count
from hpsearch.data.report import Kind, Summary
from hpsearch.data.spec import MAX_LEVEL_SHARE, MIN_LEVEL_COUNT
from hpsearch.data.table import Table
from hpsearch.errors import DataError

MISSING, OTHER = "(missing)", "(other)"
MIN_ID_ROWS = 20  # an id is told apart from a column of distinct values from this many rows on
EMPTY = "empty in every train row"
FEW_TEXT_VALUES = 3  # numbers with at most this many distinct texts: the texts are typos


@dataclass(frozen=True)
class Column:
    """One feature column and what it becomes: its inputs, and what fills its gaps."""

    name: str
    kind: Kind
    median: float = 0.0  # numeric: what a gap is filled with
    indicator: bool = False  # numeric: an input says the cell was filled
    levels: tuple[str, ...] = ()  # categorical: the levels with an input of their own
    missing_level: bool = False  # categorical: a missing cell is a level (after `levels`)
    other: bool = False  # categorical: an "(other)" level (last) for rare and unseen levels

    @property
    def slots(self) -> tuple[str, ...]:
        """Categorical: each level the column can take, in input order."""
        return (*self.levels, *((MISSING,) if self.missing_level else ()), *(
            (OTHER,) if self.other else ()))  # fmt: skip

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names of the network inputs this column becomes."""
        if self.kind == "numeric":
            return (self.name, *((f"{self.name} (missing)",) if self.indicator else ()))
        slots = self.slots
        shown = slots[1:] if len(slots) == 2 else slots
        return tuple(f"{self.name}={slot}" for slot in shown)

    @property
    def scaled(self) -> tuple[bool, ...]:
        """Per input: whether it is a measured value (True) or a 0/1 flag (False)."""
        return tuple(self.kind == "numeric" and i == 0 for i in range(len(self.inputs)))

    def to_dict(self) -> dict[str, Any]:
        """As JSON, only what is not a default: a model file stays readable."""
        values = asdict(self)
        values["levels"] = list(self.levels)
        defaults = asdict(Column(self.name, self.kind))
        return {k: v for k, v in values.items() if k in ("name", "kind") or v != defaults[k]}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Column:
        fields = dict(values)
        fields["levels"] = tuple(str(level) for level in fields.get("levels", ()))
        return cls(**fields)


@dataclass(frozen=True)
class Rules:
    """What the study file says of the columns (the `data:` section)."""

    categorical: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    numeric: frozenset[str] = frozenset()
    min_level_count: int = MIN_LEVEL_COUNT
    max_level_share: float = MAX_LEVEL_SHARE


def plan_columns(train: Table, rules: Rules) -> tuple[tuple[Column, ...], tuple[Summary, ...]]:
    """Each feature column's plan from the train rows (`train`), or one `DataError` naming every
    column that cannot be used, each with its fix."""
    plans, summaries, problems = [], [], []
    for position, name in enumerate(train.feature_names):
        values = column_values(train, position)
        try:
            if isinstance(values, Text) and name in rules.numeric:
                _numbers_listed(name, train, position, values)
            if isinstance(values, Text) and _numbers_only(name, values, rules):
                values = as_numbers(name, values, lambda row, at=position: train.where(row, at))
            if isinstance(values, np.ndarray):
                plan, summary = _numeric(name, values, rules)
            else:
                plan, summary = _text(name, train, position, values, rules)
        except ColumnProblem as problem:
            problems.append((name, str(problem), problem.reason))
            continue
        plans.append(plan)
        summaries.append(summary)
    if problems:
        raise ColumnsRefused(train.source, tuple(problems))
    return tuple(plans), tuple(summaries)


class ColumnsRefused(DataError):
    """Columns the train split cannot make inputs of, each with its fix."""

    def __init__(self, source: str, problems: tuple[tuple[str, str, str], ...]) -> None:
        said = [problem for _, problem, _ in problems]
        listed = said[0] if len(said) == 1 else "\n  " + "\n  ".join(said)
        super().__init__(f"{source}: {listed}")
        self.problems = problems  # (column, what is wrong and the fix, what is wrong in brief)


def _numbers_listed(name: str, train: Table, position: int, values: Text) -> None:
    """A column `numeric:` lists must hold numbers: its first text is refused at its place."""
    texts = [i for i, level in enumerate(values.levels) if number(level) is None]
    rows = np.flatnonzero(np.isin(values.codes, texts))
    if len(rows):
        first = int(min(rows, key=train.read_index))
        raise ColumnProblem(
            f"column '{name}' is listed under `numeric:` but holds text: "
            f"'{values.levels[values.codes[first]]}' ({train.where(first, position)}); fix the "
            "cells, or take it out of `numeric:`",
            "listed under numeric: but holds text",
        )


def _numbers_only(name: str, values: Text, rules: Rules) -> bool:
    """Whether a column read as text holds only numbers in these rows (and is not listed as
    categorical): it was read as text for text in other rows."""
    if name in rules.categorical:
        return False
    used = np.unique(values.codes[values.codes >= 0])
    return all(number(values.levels[i]) is not None for i in used)


class ColumnProblem(Exception):
    """A column that cannot be used: the message with its fix, and the reason in brief."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, eq=False)
class Text:
    """A text column of some rows: a code per row (−1: missing) into `levels`."""

    codes: np.ndarray
    levels: tuple[str, ...]


def column_values(table: Table, position: int) -> np.ndarray | Text:
    """Feature column `position` of a table as read: float32 numbers, or text codes."""
    is_text, i = table.held_at[position]
    return Text(table.text[:, i], table.levels[i]) if is_text else table.X[:, i]


def _numeric(name: str, values: np.ndarray, rules: Rules) -> tuple[Column, Summary]:
    gaps = np.isnan(values)
    present = values[~gaps]
    if not len(present):
        raise ColumnProblem(
            f"column '{name}' is empty in every train row; leave it out with `ignore: [{name}]`",
            EMPTY,
        )
    median = float(np.median(present))
    plan = Column(name, "numeric", median=median, indicator=bool(gaps.any()))
    filled = f"gaps → median {median:.6g}, flagged" if gaps.any() else ""
    summary = Summary(
        name,
        "numeric",
        f"{present.min():.6g} to {present.max():.6g}",
        float(gaps.mean()),
        "scaled" + (f"; {filled}" if filled else ""),
    )
    return plan, summary


ID_NAMES = re.compile(r"(row_?names?|row_?id|id|index|unnamed: ?\d+)", re.IGNORECASE)


def looks_like_id(name: str, values: np.ndarray) -> bool:
    """Distinct whole numbers, one per row, named as an id is or in a span about the row
    count: row numbers (what `init` leaves out; a study still takes such a column, as it is a
    number)."""
    rows = len(values)
    if rows < MIN_ID_ROWS or np.isnan(values).any() or not np.all(values == np.round(values)):
        return False
    span = float(values.max()) - float(values.min()) + 1
    named = ID_NAMES.fullmatch(name.strip()) is not None
    return len(np.unique(values)) == rows and (named or span <= 3 * rows)


def _text(
    name: str, train: Table, position: int, values: Text, rules: Rules
) -> tuple[Column, Summary]:
    counts = np.bincount(values.codes[values.codes >= 0], minlength=len(values.levels))
    gaps = int((values.codes < 0).sum())
    seen = {level: int(n) for level, n in zip(values.levels, counts, strict=True) if n}
    present = len(values.codes) - gaps
    if not seen:
        raise ColumnProblem(
            f"column '{name}' is empty in every train row; leave it out with `ignore: [{name}]`",
            EMPTY,
        )
    listed = rules.categorical.get(name)
    if name not in rules.categorical:
        texts = [level for level in seen if number(level) is None]
        if len(texts) <= FEW_TEXT_VALUES and sum(seen[t] for t in texts) * 2 < present:
            rows = np.flatnonzero(np.isin(values.codes, [values.levels.index(t) for t in texts]))
            first = min(rows, key=train.read_index)  # the first in the file
            where = train.where(int(first), position)
            said = ", ".join(repr(t) for t in texts)
            raise ColumnProblem(
                f"column '{name}' holds numbers, and the text {said} in "
                f"{count(len(rows), 'train row')} (first: {where}); if that marks a missing value, "
                "empty those cells; or list the column under `categorical:`",
                f"numbers, and the text {said} in {count(len(rows), 'train row')} (first: {where})"
                ": empty those cells, then take it out of ignore:",
            )
    if listed is None and present >= MIN_ID_ROWS and len(seen) > rules.max_level_share * present:
        raise ColumnProblem(
            f"column '{name}' has {len(seen):,} distinct values in {present:,} train rows (more "
            f"than max_level_share = {rules.max_level_share:g} of them), as a name or an id has; "
            f"leave it out with `ignore: [{name}]`",
            f"{len(seen):,} distinct values in {present:,} train rows: a name or an id",
        )
    if listed is not None:
        levels, others = tuple(listed), sorted(level for level in seen if level not in listed)
    else:
        levels = tuple(sorted(level for level, n in seen.items() if n >= rules.min_level_count))
        others = sorted(level for level, n in seen.items() if n < rules.min_level_count)
    plan = Column(
        name, "categorical", levels=levels, missing_level=gaps > 0, other=bool(others)
    )
    return plan, _text_summary(plan, seen, others, gaps, len(values.codes))


def _text_summary(
    plan: Column, seen: dict[str, int], others: list[str], gaps: int, rows: int
) -> Summary:
    shown = sorted(seen, key=lambda level: (-seen[level], level))
    described = f"{count(len(seen), 'level')}: " + ", ".join(shown[:4]) + (
        ", …" if len(shown) > 4 else "")  # fmt: skip
    inputs = len(plan.inputs)
    parts = [f"one-hot, {count(inputs, 'input')}" if inputs > 1 else "one 0/1 input"]
    if others:
        parts.append(f"{count(len(others), 'rare level')} → {OTHER}")
    if gaps:
        parts.append(f"gaps → {MISSING if plan.missing_level else OTHER}")
    return Summary(plan.name, "categorical", described, gaps / max(rows, 1), "; ".join(parts))


def as_numbers(name: str, values: Text, place: Callable[[int], str]) -> np.ndarray:
    """A text column's cells as numbers (a column read as text in some file, numeric by its
    train split); a cell that is not one is an error at `place(row)`."""
    lookup = np.array([np.nan if (x := number(level)) is None else x for level in values.levels]
                      + [np.nan], np.float32)  # fmt: skip
    bad = [i for i, level in enumerate(values.levels) if number(level) is None]
    if bad:
        rows = np.isin(values.codes, bad)
        if rows.any():
            row = int(np.argmax(rows))
            level = values.levels[int(values.codes[row])]
            raise DataError(
                f"{place(row)}: '{level}' is not a number, but column '{name}' is numeric (its "
                "train rows hold numbers); fix the cell, or list the column under `categorical:`"
            )
    return lookup[values.codes]


def plan_inputs(columns: Sequence[Column]) -> tuple[str, ...]:
    return tuple(name for column in columns for name in column.inputs)


def check_listed_levels(table: Table, rules: Rules) -> None:
    """Every column `numeric:` lists is a feature, and every level the study file lists for a
    column is one the file has: a listed level the data never holds is a typo (`Femal`), and
    would be an input always 0."""
    for name in sorted(rules.numeric - set(table.feature_names)):
        close = difflib.get_close_matches(name, table.feature_names, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise DataError(
            f"numeric column '{name}' is not among the features of {table.source}; {hint}its "
            f"feature columns are: {', '.join(table.feature_names[:20])}",
            key="numeric",
        )
    problems = []
    for name, listed in rules.categorical.items():
        if listed is None or name not in table.feature_names:
            continue
        position = table.feature_names.index(name)
        values = column_values(table, position)
        found = values.levels if isinstance(values, Text) else ()
        for level in listed:
            if level not in found:
                close = difflib.get_close_matches(level, found, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                shown = ", ".join(found[:20]) + (", …" if len(found) > 20 else "")
                problems.append(
                    f"categorical: level '{level}' of column '{name}' is not in "
                    f"{table.source}; {hint}its levels are: {shown or 'none'}"
                )
    if problems:
        raise DataError("\n".join(problems), key="categorical")
