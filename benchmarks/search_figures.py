"""The figures of `search_efficiency.py`, from the trials of every search: best dev errors, shares
of trials in the good region, paired counts of the seeds where one search did better than another,
and a verdict on each claim from a sign test over those seeds."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hpsearch.search.ranking import rank
from hpsearch.search.space import SearchSpace
from hpsearch.search.zoom import Zoom, choose_top, counted, narrow
from hpsearch.trial import TrialRecord, TrialState

Key = tuple[str, int, str]  # dataset, seed, search
Counts = tuple[int, int, int]  # seeds where a search did better, the same, worse

# The scale comparisons: (symbol, hyperparameter, significant digits, (search, scale) log arm,
# (search, scale) linear arm).
SCALES = {
    "alpha": ("α", "learning_rate", 2, ("alpha_log", "log"), ("alpha_linear", "linear")),
    "beta": ("β", "beta1", 4, ("beta_log", "log of 1 − β"), ("beta_linear", "linear")),
}
GOOD_FACTOR = 1.2  # the good region: within 1.2× of the best dev error, or one dev example of it
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Settings:
    seeds: int
    epochs: int
    workers: int
    command: str
    spaces: dict[str, SearchSpace]  # what each search searched, by the name the summary shows


@dataclass(frozen=True)
class Measured:
    """Every search's trials, by (dataset, seed, search); the test error of the main searches'
    picks; the train, dev and test sizes of each dataset; how many distinct trials were trained."""

    records: dict[Key, list[TrialRecord]]
    tests: dict[Key, float]
    sizes: dict[str, tuple[int, int, int]]
    trained: int

    @property
    def datasets(self) -> list[str]:
        return list(self.sizes)

    @property
    def seeds(self) -> list[int]:
        return sorted({seed for _, seed, _ in self.records})


def best_dev(records: list[TrialRecord]) -> float:
    """The dev error of the trial the product ranks first; 1 (all wrong) if none completed."""
    first = rank(records)[0]
    return first.dev_error if first.state is TrialState.COMPLETE else 1.0


def good(records: list[TrialRecord], threshold: float) -> list[TrialRecord]:
    return [r for r in records if r.state is TrialState.COMPLETE and r.dev_error <= threshold]


def spread(values: list[float]) -> str:
    """The median and, in brackets, the interquartile range, in percent."""
    if not values:
        return "—"
    q1, median, q3 = (100 * v for v in np.percentile(values, [25, 50, 75]))
    return f"{median:.1f}% ({q1:.1f}–{q3:.1f}%)"


def paired(ours: list[float], theirs: list[float], better: Callable) -> Counts:
    """Seeds where ours is better, the same, worse."""
    wins = sum(better(a, b) for a, b in zip(ours, theirs, strict=True))
    ties = sum(a == b for a, b in zip(ours, theirs, strict=True))
    return wins, ties, len(ours) - wins - ties


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test over the seeds without a tie: how likely a split at least this
    uneven is if either search is as likely to do better."""
    n, k = wins + losses, min(wins, losses)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n) if n else 1.0


def verdict(counts: Counts) -> str:
    """Holds if borne out in more seeds than contradicted, with p < 0.05; does not hold if the
    opposite is shown that way; else not shown."""
    wins, ties, losses = counts
    p = sign_test(wins, losses)
    if p >= SIGNIFICANCE:
        word = "not shown"
    else:
        word = "holds" if wins > losses else "does not hold: the opposite holds"
    n = sum(counts)
    return f"{word} (better in {wins}, the same in {ties}, worse in {losses} of {n}; p = {p:.2g})"


def lower(a: float, b: float) -> bool:
    return a < b


def higher(a: float, b: float) -> bool:
    return a > b


def zoom_of(space: SearchSpace, records: list[TrialRecord], evidence: bool) -> Zoom:
    """The zoom a round of `records` gets: the product's, or by the rule before it (every bound
    the span of the best trials moves, widened by half of it)."""
    if evidence:
        return narrow(space, space, choose_top(records), evidence=counted(records))
    return narrow(space, space, choose_top(records), margin=0.5)


class Figures:
    """The figures of one run, per dataset, one value per seed."""

    def __init__(self, measured: Measured) -> None:
        self.m = measured

    def best(self, dataset: str, search: str) -> list[float]:
        return [best_dev(self.m.records[(dataset, s, search)]) for s in self.m.seeds]

    def tests(self, dataset: str, search: str) -> list[float]:
        """Seeds whose search completed no trial have no pick, and no test error."""
        keys = [(dataset, s, search) for s in self.m.seeds]
        return [self.m.tests[key] for key in keys if key in self.m.tests]

    def shares(self, dataset: str, pair: str, search: str) -> list[float]:
        """The share of each seed's trials in the good region."""
        return [
            len(self.good(dataset, s, pair, search)) / len(found)
            for s, found in ((s, self.m.records[(dataset, s, search)]) for s in self.m.seeds)
        ]

    def good_values(self, dataset: str, pair: str, search: str) -> list[float]:
        """The values of the compared hyperparameter in the good region, over every seed."""
        name = SCALES[pair][1]
        return [r.params[name] for s in self.m.seeds for r in self.good(dataset, s, pair, search)]

    def good(self, dataset: str, seed: int, pair: str, search: str) -> list[TrialRecord]:
        """The trials of `search` within 1.2× of the best dev error either arm of `pair`
        reached, or within one dev example of it where that is looser (a small dev set counts
        in coarse steps)."""
        arms = (SCALES[pair][3][0], SCALES[pair][4][0])
        best = min(best_dev(self.m.records[(dataset, seed, arm)]) for arm in arms)
        threshold = max(GOOD_FACTOR * best, best + 1 / self.m.sizes[dataset][1])
        return good(self.m.records[(dataset, seed, search)], threshold + 1e-12)

    def zooms(self, dataset: str, space: SearchSpace, evidence: bool) -> list[Zoom]:
        """The zoom each seed's first round got, by the product's rule or the one before."""
        found = [self.m.records[(dataset, s, "zoom")] for s in self.m.seeds]
        return [zoom_of(space, [r for r in f if r.round == 0], evidence) for f in found]

    def rounds(self, dataset: str, search: str = "zoom") -> tuple[list[float], list[float]]:
        """The zoomed search's best dev error in its first (random) and its zoom round."""
        found = [self.m.records[(dataset, s, search)] for s in self.m.seeds]
        first = [best_dev([r for r in records if r.round == 0]) for records in found]
        return first, [best_dev([r for r in records if r.round == 1]) for records in found]


def best_against(ours: str, theirs: str) -> Callable[[Figures, str], Counts]:
    return lambda f, d: paired(f.best(d, ours), f.best(d, theirs), lower)


def shares_against(pair: str) -> Callable[[Figures, str], Counts]:
    log, linear = SCALES[pair][3][0], SCALES[pair][4][0]
    return lambda f, d: paired(f.shares(d, pair, log), f.shares(d, pair, linear), higher)


def zoom_against_first(figures: Figures, dataset: str) -> Counts:
    first, zoomed = figures.rounds(dataset)
    return paired(zoomed, first, lower)


def zoom_against_before(figures: Figures, dataset: str) -> Counts:
    """The zoom round's best dev error, the product's rule against the one before."""
    return paired(figures.rounds(dataset)[1], figures.rounds(dataset, "zoom_before")[1], lower)


CLAIMS: dict[str, Callable[[Figures, str], Counts]] = {
    "random search reaches a lower best dev error than a grid": best_against("random", "grid"),
    "15 random + 10 zoomed trials reach a lower best dev error than 25 random": best_against(
        "zoom", "random"
    ),
    "α on a log scale puts more trials in the good region": shares_against("alpha"),
    "α on a log scale reaches a lower best dev error": best_against("alpha_log", "alpha_linear"),
    "β on the log scale of 1 − β puts more trials in the good region": shares_against("beta"),
    "β on the log scale of 1 − β reaches a lower best dev error": best_against(
        "beta_log", "beta_linear"
    ),
    "a zoom round's best dev error is lower than its first round's": zoom_against_first,
    "a zoom round on evidence reaches a lower best dev error than one by the rule before": (
        zoom_against_before
    ),
    "TPE reaches a lower best dev error than random search (not the course's claim)": (
        best_against("tpe", "random")
    ),
}
