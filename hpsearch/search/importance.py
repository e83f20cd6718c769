"""Which hyperparameters matter: each one's share of the variation in dev error.

Random search draws each hyperparameter independently of the others, so a parameter's main
effect, the first-order Sobol index Var(E[dev error | x_j]) / Var(dev error), can be read off
the trials themselves: sort the complete trials by the parameter, place them in bins of equal
count (each choice of a categorical one its own bin), and compare the variance of the bins'
means with the total (the epsilon-squared of a one-way analysis of variance, which subtracts
what bins of pure noise would show). It costs a sort per parameter, so `show` tells it at once
at 100,000 trials; what the shares leave is interactions and noise. It replaced a random
forest's partial dependence, whose numbers it was checked against (`benchmarks/importance.py`,
docs/results.md)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.search.space import Distribution
from hpsearch.trial import TrialRecord, TrialState, is_finite

MIN_TRIALS = 8  # below this two bins of four say little; the summary says so instead of guessing
ROUGH_TRIALS = 20  # below this a chance correlation can still outweigh a real effect
GRID = 32  # bins per parameter at most: finer than any effect a study can act on
SAMPLE = 5_000  # trials the shares are estimated on: a bounded cost, a sampling error of ~1%
SWEEPS = 50  # of backfitting at most; a few suffice when the sample is nearly balanced


@dataclass(frozen=True)
class Importance:
    """Shares of the variation in dev error, largest first; `note` says why there are none."""

    shares: tuple[tuple[str, float], ...]
    trials: int
    note: str = ""
    sample: int | None = None  # the trials the shares were estimated on, when fewer than all

    def sentence(self) -> str:
        """One readable line: the note, or the parameters from most to least important."""
        if not self.shares:
            return self.note
        (first, share), *rest = self.shares
        verb = "explains most of" if share >= 0.5 else "explains the largest share of"
        text = f"{first} {verb} the variation in dev error ({_percent(share)})"
        if rest:
            items = [f"{name} ({_percent(value)})" for name, value in rest]
            listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
            text += f", then {listed}"
        rest_share = max(0.0, 1.0 - sum(value for _, value in self.shares))
        if len(self.shares) > 1 and rest_share >= 0.005:
            text += f"; interactions and noise {_percent(rest_share)}"
        if self.trials < ROUGH_TRIALS:
            return (
                f"{text} (from {self.trials} complete trials; fewer than {ROUGH_TRIALS} give "
                "only a rough guide)."
            )
        if self.sample is not None:
            return f"{text} (from a sample of {self.sample:,} of {self.trials:,} complete trials)."
        return f"{text} (from {self.trials} complete trials)."


def importance(
    records: Iterable[TrialRecord],
    distributions: dict[str, Distribution],
    *,
    min_trials: int = MIN_TRIALS,
) -> Importance:
    """The share of each searched hyperparameter in the variation of dev error among the
    complete trials; none, with the reason, when there is nothing to tell them apart by."""
    complete = [r for r in records if r.state is TrialState.COMPLETE and is_finite(r.dev_error)]
    errors = [r.dev_error for r in complete]
    return importance_of(
        errors, lambda picked: [complete[i].params for i in picked], distributions,
        min_trials=min_trials,
    )  # fmt: skip


def importance_of(
    errors: Sequence[float],
    params_at: Callable[[Sequence[int]], list[dict[str, Any]]],
    distributions: dict[str, Distribution],
    *,
    min_trials: int = MIN_TRIALS,
) -> Importance:
    """`importance` from the finite dev errors of the complete trials (by number) and a way to
    get the params of those it picks (`params_at(indices)`): a study of 100,000 trials reads
    the params of its sample only."""
    n = len(errors)
    if not distributions:
        return Importance((), n, "Nothing is searched, so no hyperparameter can matter more.")
    if n < min_trials:
        return Importance(
            (), n, f"Too few complete trials ({n}) to tell which hyperparameters matter; "
            f"that takes at least {min_trials}."
        )  # fmt: skip
    y = np.array(errors, dtype=float)
    if np.ptp(y) == 0:
        return Importance((), n, f"Every complete trial has the same dev error ({y[0]:.4f}).")
    sample, picked = None, np.arange(n)
    if n > SAMPLE:  # the same trials every time for the same study: drawn by a fixed seed
        picked = np.sort(np.random.default_rng(0).choice(n, SAMPLE, replace=False))
        y, sample = y[picked], SAMPLE
    params = params_at(picked.tolist())
    X = np.array([[d.to_unit(p[name]) for name, d in distributions.items()] for p in params])
    categorical = [d.scale == "categorical" for d in distributions.values()]
    shares = _ranked(main_effects(X, y, categorical), list(distributions))
    return Importance(shares, n, sample=sample)


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


def _ranked(shares: np.ndarray, names: list[str]) -> tuple[tuple[str, float], ...]:
    order = sorted(range(len(names)), key=lambda j: (-shares[j], j))
    return tuple((names[j], float(shares[j])) for j in order)


def _percent(share: float) -> str:
    return "<1%" if share < 0.005 else f"{share:.0%}"
