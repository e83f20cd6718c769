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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hpsearch.search.space import Distribution
from hpsearch.trial import TrialRecord, TrialState, is_finite

if TYPE_CHECKING:
    import numpy as np

MIN_TRIALS = 8  # below this two bins of four say little; the summary says so instead of guessing
ROUGH_TRIALS = 20  # below this a chance correlation can still outweigh a real effect
SAMPLE = 5_000  # trials the shares are estimated on: a bounded cost, a sampling error of ~1%
STANDS_OUT = 0.05  # a share below this names no hyperparameter: the variation is elsewhere


@dataclass(frozen=True)
class Importance:
    """Shares of the variation in dev error, largest first; `note` says why there are none."""

    shares: tuple[tuple[str, float], ...]
    n_trials: int
    note: str = ""
    sample: int | None = None  # the trials the shares were estimated on, when fewer than all

    @classmethod
    def of(cls, data: dict[str, Any]) -> Importance:
        """The estimate `dataclasses.asdict` gave, read back (from JSON: its pairs come as
        lists; kept before the count was named `n_trials`, as `trials`)."""
        shares = tuple((name, share) for name, share in data["shares"])
        n_trials = data["n_trials"] if "n_trials" in data else data["trials"]
        return cls(shares, n_trials, data["note"], data["sample"])

    def sentence(self, quantity: str = "dev error") -> str:
        """One readable line: the note, or the parameters from most to least important in the
        variation of `quantity` (the study's dev metric, "dev RMSE")."""
        if not self.shares:
            return self.note
        text = self._shares_told(quantity)
        if self.n_trials < ROUGH_TRIALS:
            return (
                f"{text} (from {self.n_trials} complete trials; fewer than {ROUGH_TRIALS} give "
                "only a rough guide)."
            )
        if self.sample is not None:
            of = f"{self.sample:,} of {self.n_trials:,}"
            return f"{text} (from a sample of {of} complete trials)."
        return f"{text} (from {self.n_trials} complete trials)."

    def _shares_told(self, quantity: str) -> str:
        (first, share), *rest = self.shares
        if share < STANDS_OUT:
            return (
                "No hyperparameter stands out: each explains under "
                f"{STANDS_OUT:.0%} of the variation in {quantity}, which comes from their "
                "interactions and noise"
            )
        verb = "explains most of" if share >= 0.5 else "explains the largest share of"
        text = f"{first} {verb} the variation in {quantity} ({_percent(share)})"
        if rest:
            items = [f"{name} ({_percent(value)})" for name, value in rest]
            listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
            text += f", then {listed}"
        rest_share = max(0.0, 1.0 - sum(value for _, value in self.shares))
        if len(self.shares) > 1 and rest_share >= 0.005:
            text += f"; interactions and noise {_percent(rest_share)}"
        return text


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
    quantity: str = "dev error",
    cell: Callable[[float], str] = "{:.4f}".format,
) -> Importance:
    """`importance` from the finite dev errors of the complete trials (by number) and a way to
    get the params of those it picks (`params_at(indices)`): a study of 100,000 trials reads
    the params of its sample only. `quantity` and `cell` name and write the study's dev metric
    in the note of a study whose trials all score the same."""
    import numpy as np  # here, not above: a summary read from the store's cache needs none

    from hpsearch.search.main_effects import main_effects

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
        return Importance((), n, f"Every complete trial has the same {quantity} ({cell(y[0])}).")
    sample, picked = None, np.arange(n)
    if n > SAMPLE:  # the same trials every time for the same study: drawn by a fixed seed
        picked = np.sort(np.random.default_rng(0).choice(n, SAMPLE, replace=False))
        y, sample = y[picked], SAMPLE
    params = params_at(picked.tolist())
    X = np.array([[d.to_unit(p[name]) for name, d in distributions.items()] for p in params])
    categorical = [d.scale == "categorical" for d in distributions.values()]
    shares = _ranked(main_effects(X, y, categorical), list(distributions))
    return Importance(shares, n, sample=sample)


def _ranked(shares: np.ndarray, names: list[str]) -> tuple[tuple[str, float], ...]:
    order = sorted(range(len(names)), key=lambda j: (-shares[j], j))
    return tuple((names[j], float(shares[j])) for j in order)


def _percent(share: float) -> str:
    return "<1%" if share < 0.005 else f"{share:.0%}"
