"""The numbers behind `search.importance`: each column's main-effect share of the variance of a
response, from an additive model of binned steps fitted by backfitting."""

from __future__ import annotations

import math

import numpy as np

GRID = 32  # bins per parameter at most: finer than any effect a study can act on
SWEEPS = 50  # of backfitting at most; a few suffice when the sample is nearly balanced


def main_effects(X: np.ndarray, y: np.ndarray, categorical: list[bool] | None = None) -> np.ndarray:
    """Each column's main-effect share of the variance of y, from an additive model of binned
    steps (`categorical` columns grouped by value, the others in bins of equal count) fitted by
    backfitting, so that a chance correlation between two columns of the sample does not hand
    one's effect to the other. Each share is corrected for what its bins would fit of noise,
    and the shares are scaled down to sum to 1 when the sample pushes them above it."""
    categorical = categorical or [False] * X.shape[1]
    centered = y - y.mean()
    total = float(np.sum(centered**2))
    if total == 0:
        return np.zeros(X.shape[1])
    bins = _bins(len(y), X.shape[1])
    groups = [_groups(X[:, j], by_value, bins) for j, by_value in enumerate(categorical)]
    effects = _backfit(groups, centered)
    used = np.array([int(np.count_nonzero(np.bincount(g))) for g in groups])
    freedom = len(y) - 1 - int(np.sum(used - 1))
    residual = centered - effects.sum(axis=0)
    noise = float(np.sum(residual**2)) / freedom if freedom > 0 else 0.0
    shares = np.maximum(0.0, (np.sum(effects**2, axis=1) - (used - 1) * noise) / total)
    return shares / shares.sum() if shares.sum() > 1 else shares


def _backfit(groups: list[np.ndarray], y: np.ndarray, sweeps: int = SWEEPS) -> np.ndarray:
    """The additive fit y ≈ Σ_j f_j(bin_j): each f_j in turn is set to the bins' means of what
    the others leave, until a sweep changes nothing."""
    effects = np.zeros((len(groups), len(y)))
    for _ in range(sweeps):
        change = 0.0
        for j, group in enumerate(groups):
            rest = y - effects.sum(axis=0) + effects[j]
            counts = np.bincount(group)
            means = np.bincount(group, weights=rest) / np.maximum(counts, 1)
            step = means[group] - means[group].mean()
            change = max(change, float(np.max(np.abs(step - effects[j]))))
            effects[j] = step
        if change <= 1e-12 * (1 + float(np.max(np.abs(y)))):
            break
    return effects


def _groups(column: np.ndarray, by_value: bool, bins: int) -> np.ndarray:
    """Each trial's bin: its value's, when there are few values (or they are choices), else
    its place among BINS(n) bins of equal count in the order of the column."""
    values, inverse = np.unique(column, return_inverse=True)
    if by_value or len(values) <= bins:
        return inverse
    order = np.argsort(column, kind="stable")
    groups = np.empty(len(column), dtype=np.intp)
    groups[order] = np.arange(len(column)) * bins // len(column)
    return groups


def _bins(n: int, columns: int) -> int:
    """4√n / 3 bins, from 2 to GRID: enough to follow a curve, and enough trials in each
    that a bin's mean is not mostly noise; and no more than leave half the trials' degrees of
    freedom to measure the noise by, so that a few trials are not fitted exactly."""
    room = 1 + (n - 1) // (2 * columns)
    return int(min(max(min(round(4 * math.sqrt(n) / 3), room), 2), GRID))
