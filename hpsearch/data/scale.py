"""Input scaling (the course: μ and σ² from the training set, the same μ and σ² applied to dev
and test; or RealMLP's robust scaling) and the fingerprint that identifies the data a study was
run on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

CHUNK = 65536  # rows at a time, so statistics of a large X need no full-size temporary


def train_statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation (1/m, as in the course), accumulated in float64."""
    n_rows = max(len(X), 1)
    mean = (
        sum(
            (X[i : i + CHUNK].sum(axis=0, dtype=np.float64) for i in range(0, len(X), CHUNK)),
            np.zeros(X.shape[1]),
        )
        / n_rows
    )
    squares = sum(
        (((X[i : i + CHUNK] - mean) ** 2).sum(axis=0) for i in range(0, len(X), CHUNK)),
        np.zeros(X.shape[1]),
    )
    return mean, np.sqrt(squares / n_rows)


@dataclass(frozen=True, eq=False)
class Scaling:
    """What turns an input into the network's: (x − center) / scale, then, where `clip` is set,
    the smooth clipping x / √(1 + (x/3)²), which keeps outliers within ±3 without a kink."""

    method: str  # standard or robust
    center: np.ndarray  # float32, per input
    scale: np.ndarray  # float32, per input; never 0
    clip: np.ndarray  # bool, per input


def fit_scaling(train: np.ndarray, measured: Sequence[bool], method: str) -> Scaling:
    """The scaling of each input from the train split. `standard` (the course's): every input
    by its mean and standard deviation (1/m). `robust` (RealMLP's): a measured input by its
    median and interquartile range, or half its range when that is 0, then smoothly clipped;
    a 0/1 input (a level, a gap flag) as it is."""
    if method == "standard":
        mean, std = train_statistics(train)
        tiny = std < np.finfo(np.float32).tiny  # would divide by 0 (or overflow) in float32
        scale = np.where(tiny, 1.0, std)
        return Scaling(method, mean.astype(np.float32), scale.astype(np.float32),
                       np.zeros(train.shape[1], bool))  # fmt: skip
    center = np.zeros(train.shape[1])
    scale = np.ones(train.shape[1])
    measured = np.asarray(measured, bool)
    tiny = np.finfo(np.float32).tiny
    for j in np.flatnonzero(measured) if len(train) else ():
        column = train[:, j].astype(np.float64)
        low, center[j], high = np.quantile(column, (0.25, 0.5, 0.75))
        spread = high - low if high - low > tiny else (column.max() - column.min()) / 2
        scale[j] = spread if spread > tiny else 1.0
    return Scaling(method, center.astype(np.float32), scale.astype(np.float32), measured.copy())


def apply_scaling(X: np.ndarray, scaling: Scaling) -> None:
    """Scales X in place, a chunk of rows at a time (no full-size temporary)."""
    clip = np.flatnonzero(scaling.clip)
    for start in range(0, len(X), CHUNK):
        rows = X[start : start + CHUNK]
        rows -= scaling.center
        rows /= scaling.scale
        if len(clip):
            part = rows[:, clip]
            rows[:, clip] = part / np.sqrt(1 + np.square(part / 3))


def standardize(train: np.ndarray, others: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Standardizes `train` and every array in `others` in place with the statistics of `train`
    alone; returns the float32 mean and scale used, so new rows are scaled as (x − mean) / std.
    A constant column (σ = 0) keeps scale 1: it becomes 0 on train, not NaN."""
    scaling = fit_scaling(train, [True] * train.shape[1], "standard")
    for X in (train, *others):
        apply_scaling(X, scaling)
    return scaling.center, scaling.scale


def target_statistics(y: np.ndarray) -> tuple[float, float]:
    """A regression's train targets: their mean and standard deviation (1/m), in float64; a
    constant target keeps scale 1."""
    mean = float(np.mean(y, dtype=np.float64))
    std = float(np.sqrt(np.mean((np.asarray(y, np.float64) - mean) ** 2)))
    return mean, std if std > 0 else 1.0


def fingerprint(arrays: Iterable[np.ndarray], *names: tuple[str, ...]) -> str:
    """A short hash of the arrays (values, dtypes, shapes, order) and of the class and feature
    names, so a study resumed on data that changed in any way is caught."""
    digest = hashlib.blake2b(digest_size=8)
    for array in arrays:
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).data)
    digest.update(repr(names).encode())
    return digest.hexdigest()
