"""Rows as read → the network's inputs, by each column's plan (`data.columns`): numbers with
their gaps filled and flagged, levels one-hot. Pure: the plan carries every statistic (taken
from the train split), so dev, test and new rows are encoded exactly as train was, and the
same rows always give the same inputs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hpsearch.data.columns import Column, Text, as_numbers, column_values, plan_inputs
from hpsearch.data.report import Filled
from hpsearch.data.table import Table, nonfinite_rows

UNSEEN_BINARY = 0.5  # a two-level column's input for a level it has no slot for: neither


def encode(table: Table, columns: Sequence[Column]) -> tuple[np.ndarray, tuple[Filled, ...]]:
    """The inputs of each row of `table` (float32, C-contiguous, rows × inputs, unscaled) and
    what was filled, column by column (only columns where something was)."""
    positions = {name: i for i, name in enumerate(table.feature_names)}
    if _as_read(table, columns, positions):
        return np.ascontiguousarray(table.X), ()
    X = np.empty((table.n_rows, len(plan_inputs(columns))), np.float32)
    filled = []
    at = 0
    for column in columns:
        position = positions[column.name]
        values = column_values(table, position)
        width = len(column.inputs)
        if column.kind == "numeric":
            if isinstance(values, Text):
                values = as_numbers(column.name, values, lambda r, p=position: table.where(r, p))
            counts = _numbers(values, column, X[:, at : at + width])
        else:
            assert isinstance(values, Text), "a categorical column is read as text"
            counts = _levels(values, column, X[:, at : at + width])
        if any(counts):
            filled.append(Filled(column.name, *counts))
        at += width
    return X, tuple(filled)


def _as_read(table: Table, columns: Sequence[Column], positions: dict[str, int]) -> bool:
    """Whether the inputs are the table's numbers as they stand: numeric columns only, in the
    table's order, no input flags a gap and no cell is missing (a big file's common case,
    which then costs no copy)."""
    if table.text_columns or any(c.kind != "numeric" or c.indicator for c in columns):
        return False
    order = [positions[c.name] for c in columns]
    return order == list(range(table.X.shape[1])) and not nonfinite_rows(table.X).any()


def _numbers(values: np.ndarray, column: Column, out: np.ndarray) -> tuple[int, int]:
    gaps = np.isnan(values)
    out[:, 0] = values
    out[gaps, 0] = column.median
    if column.indicator:
        out[:, 1] = gaps
    return int(gaps.sum()), 0


def _levels(values: Text, column: Column, out: np.ndarray) -> tuple[int, int]:
    """One-hot (or, with two slots, one 0/1 input) of each row's slot. A level without a slot
    of its own goes to "(other)", or, without one, to no slot (all zeros; 0.5 for a 0/1
    input); a gap goes to the missing level, else the same way."""
    slots = column.slots
    index = {level: i for i, level in enumerate(column.levels)}
    other = len(slots) - 1 if column.other else -1
    missing = len(column.levels) if column.missing_level else other
    lookup = np.array([index.get(level, other) for level in values.levels] + [missing], np.int64)
    slot = lookup[values.codes]  # a code of −1 (a gap) takes the last entry
    gaps = int((values.codes < 0).sum())
    kept = np.zeros(len(values.levels) + 1, bool)
    kept[[i for i, level in enumerate(values.levels) if level in index]] = True
    kept[-1] = True  # gaps are counted apart
    strays = int((~kept[values.codes]).sum())
    if len(slots) == 2:
        out[:, 0] = np.where(slot < 0, UNSEEN_BINARY, slot == 1)
    else:
        out[:] = 0
        rows = np.flatnonzero(slot >= 0)
        out[rows, slot[rows]] = 1
    return gaps, strays
