"""Input normalization (the course: μ and σ² from the training set, the same μ and σ² applied to dev
and test) and the fingerprint that identifies the data a study was run on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

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


def standardize(train: np.ndarray, others: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Standardizes `train` and every array in `others` in place with the statistics of `train`
    alone; returns the float32 mean and scale used, so new rows are scaled as (x − mean) / std.
    A constant column (σ = 0) keeps scale 1: it becomes 0 on train, not NaN."""
    mean, std = train_statistics(train)
    mean32 = mean.astype(np.float32)
    tiny = std < np.finfo(np.float32).tiny  # would divide by 0 (or overflow) in float32
    std32 = np.where(tiny, 1.0, std).astype(np.float32)
    for X in (train, *others):
        X -= mean32
        X /= std32
    return mean32, std32


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
