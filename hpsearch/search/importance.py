"""Which hyperparameters matter: each one's share of the variation in dev error.

A random forest learns dev error from the complete trials' hyperparameters, each placed on the
unit interval of its own scale (`to_unit`: log10 α, log10(1 − β), plain units, a slot per
choice), so that a decade of α weighs as much as a decade anywhere else. A parameter's share is
the variance of the forest's partial dependence on it (the average prediction with that
parameter set to each observed value, the others as observed) over the variance of the forest's
predictions: the main-effect share of a functional ANOVA, estimated on the trials themselves.
What the shares leave is interactions and noise. Details and limits: docs/results.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hpsearch.search.space import Distribution
from hpsearch.trial import TrialRecord, TrialState, is_finite

MIN_TRIALS = 8  # below this a forest only memorizes; the summary says so instead of guessing
ROUGH_TRIALS = 20  # below this a chance correlation can still outweigh a real effect
TREES = 200
GRID = 32  # observed values per parameter at which the partial dependence is averaged
BACKGROUND = 256  # trials over which each partial dependence is averaged


@dataclass(frozen=True)
class Importance:
    """Shares of the variation in dev error, largest first; `note` says why there are none."""

    shares: tuple[tuple[str, float], ...]
    trials: int
    note: str = ""

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
        return f"{text} (from {self.trials} complete trials)."


def importance(
    records: Iterable[TrialRecord],
    distributions: dict[str, Distribution],
    *,
    min_trials: int = MIN_TRIALS,
    seed: int = 0,
) -> Importance:
    """The share of each searched hyperparameter in the variation of dev error among the
    complete trials; none, with the reason, when there is nothing to tell them apart by."""
    complete = [r for r in records if r.state is TrialState.COMPLETE and is_finite(r.dev_error)]
    n = len(complete)
    if not distributions:
        return Importance((), n, "Nothing is searched, so no hyperparameter can matter more.")
    if n < min_trials:
        return Importance(
            (), n, f"Too few complete trials ({n}) to tell which hyperparameters matter; "
            f"that takes at least {min_trials}."
        )  # fmt: skip
    y = np.array([r.dev_error for r in complete])
    if np.ptp(y) == 0:
        return Importance((), n, f"Every complete trial has the same dev error ({y[0]:.4f}).")
    X = np.array(
        [[d.to_unit(r.params[name]) for name, d in distributions.items()] for r in complete]
    )
    return Importance(_ranked(main_effects(X, y, seed), list(distributions)), n)


def main_effects(X: np.ndarray, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each column's main-effect share of the variance of a random forest fit to (X, y); the
    shares are scaled down to sum to 1 when the sample's correlations push them above it."""
    from sklearn.ensemble import RandomForestRegressor  # heavy: only when a summary is asked for

    forest = RandomForestRegressor(n_estimators=TREES, min_samples_leaf=2, random_state=seed)
    forest.fit(X, y)
    rng = np.random.default_rng(seed)
    background = X if len(X) <= BACKGROUND else X[rng.choice(len(X), BACKGROUND, replace=False)]
    total = float(np.var(forest.predict(X)))
    if total == 0:
        return np.zeros(X.shape[1])
    shares = np.array(
        [_dependence_variance(forest, background, X[:, j], j) for j in range(X.shape[1])]
    )
    shares /= total
    return shares / shares.sum() if shares.sum() > 1 else shares


def _dependence_variance(forest, background: np.ndarray, values: np.ndarray, column: int) -> float:
    """Variance, over the observed values of one column, of the forest's mean prediction with
    that column set to each value: Var_x[E_rest f(x, rest)], estimated on the sample."""
    grid = np.sort(values)[np.linspace(0, len(values) - 1, min(GRID, len(values))).astype(int)]
    rows = np.repeat(background[None, :, :], len(grid), axis=0)
    rows[:, :, column] = grid[:, None]
    means = forest.predict(rows.reshape(-1, background.shape[1])).reshape(len(grid), -1).mean(1)
    return float(np.var(means))


def _ranked(shares: np.ndarray, names: list[str]) -> tuple[tuple[str, float], ...]:
    order = sorted(range(len(names)), key=lambda j: (-shares[j], j))
    return tuple((names[j], float(shares[j])) for j in order)


def _percent(share: float) -> str:
    return "<1%" if share < 0.005 else f"{share:.0%}"
