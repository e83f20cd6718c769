"""Rows as read → the network's inputs, by each column's plan (`data.columns`): numbers with
their gaps filled and flagged, levels one-hot. Pure: the plan carries every statistic (taken
from the train split), so dev, test and new rows are encoded exactly as train was, and the
same rows always give the same inputs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hpsearch.data.columns import Column, Text, as_numbers, column_values
from hpsearch.data.report import Filled
from hpsearch.data.table import Table, nonfinite_rows

UNSEEN_BINARY = 0.5  # a two-level column's input for a level it has no slot for: neither


ROWS = 2048  # rows filled at a time: a block of inputs that stays in the processor's cache


def encode(table: Table, columns: Sequence[Column]) -> tuple[np.ndarray, tuple[Filled, ...]]:
    """The inputs of each row of `table` (float32, C-contiguous, rows × inputs, unscaled) and
    what was filled, column by column (only columns where something was)."""
    positions = {name: i for i, name in enumerate(table.feature_names)}
    if _as_read(table, columns, positions):
        return np.ascontiguousarray(table.X), ()
    starts = np.cumsum([0, *(len(c.inputs) for c in columns)])
    X = np.empty((table.n_rows, int(starts[-1])), np.float32)
    counts = {c.name: [0, 0] for c in columns}
    numbers, singles, levels = [], [], []
    for column, at in zip(columns, starts[:-1].tolist(), strict=True):
        position = positions[column.name]
        values = column_values(table, position)
        if column.kind == "categorical":
            assert isinstance(values, Text), "a categorical column is read as text"
            slots, gaps, strays = _slots(values, column)
            counts[column.name] = [gaps, strays]
            levels.append((at, slots, len(column.slots)))
        elif isinstance(values, Text):  # numeric by its train rows, read as text in this file
            single = as_numbers(column.name, values, lambda r, p=position: table.where(r, p))
            singles.append((at, single, column))
        else:
            numbers.append((at, table.held_at[position][1], column))
    _fill_numbers(table.X, numbers, X, counts)
    for at, single, column in singles:
        _fill_numbers(single[:, None], [(at, 0, column)], X, counts)
    for r0 in range(0, len(X), ROWS):
        block = X[r0 : r0 + ROWS]
        for at, slots, width in levels:
            _one_hot(slots[r0 : r0 + ROWS], width, block[:, at : at + max(width - (width == 2), 1)])
    filled = tuple(Filled(name, *n) for name, n in counts.items() if any(n))
    return X, filled


def _fill_numbers(
    source: np.ndarray, numbers: list[tuple[int, int, Column]], X: np.ndarray, counts: dict
) -> None:
    """Numeric columns (their output place, their column in `source`, their plan): the value,
    a gap as the median, and the flag where the plan has one; a block of rows at a time, every
    column at once."""
    if not numbers:
        return
    places = np.array([at for at, _, _ in numbers])
    taken = np.array([i for _, i, _ in numbers])
    medians = np.array([c.median for _, _, c in numbers], np.float32)
    flagged = np.array([c.indicator for _, _, c in numbers])
    flags = places[flagged] + 1
    gaps_seen = np.zeros(len(numbers), np.int64)
    for r0 in range(0, len(X), ROWS):
        values = source[r0 : r0 + ROWS, taken]
        gaps = np.isnan(values)
        np.copyto(values, np.broadcast_to(medians, values.shape), where=gaps)
        block = X[r0 : r0 + ROWS]
        block[:, places] = values
        if len(flags):
            block[:, flags] = gaps[:, flagged]
        gaps_seen += gaps.sum(axis=0)
    for (_, _, column), n in zip(numbers, gaps_seen.tolist(), strict=True):
        counts[column.name][0] += n


def _as_read(table: Table, columns: Sequence[Column], positions: dict[str, int]) -> bool:
    """Whether the inputs are the table's numbers as they stand: numeric columns only, in the
    table's order, no input flags a gap and no cell is missing (a big file's common case,
    which then costs no copy)."""
    if table.text_columns or any(c.kind != "numeric" or c.indicator for c in columns):
        return False
    order = [positions[c.name] for c in columns]
    return order == list(range(table.X.shape[1])) and not nonfinite_rows(table.X).any()


def _slots(values: Text, column: Column) -> tuple[np.ndarray, int, int]:
    """Each row's slot (−1: none), the gaps and the cells whose level has no slot of its own.
    A level without a slot goes to "(other)", or, without one, to no slot; a gap goes to the
    missing level, else the same way."""
    slots = column.slots
    index = {level: i for i, level in enumerate(column.levels)}
    other = len(slots) - 1 if column.other else -1
    missing = len(column.levels) if column.missing_level else other
    lookup = np.array([index.get(level, other) for level in values.levels] + [missing], np.int32)
    slot = lookup[values.codes]  # a code of −1 (a gap) takes the last entry
    gaps = int((values.codes < 0).sum())
    kept = np.zeros(len(values.levels) + 1, bool)
    kept[[i for i, level in enumerate(values.levels) if level in index]] = True
    kept[-1] = True  # gaps are counted apart
    return slot, gaps, int((~kept[values.codes]).sum())


def _one_hot(slots: np.ndarray, width: int, out: np.ndarray) -> None:
    """One 0/1 input per slot, or, for two slots, one input for the second (0.5 for none)."""
    if width == 2:
        out[:, 0] = np.where(slots < 0, UNSEEN_BINARY, slots == 1)
    else:
        out[:] = slots[:, None] == np.arange(width)
