"""What `hpsearch plot` draws, computed: the complete trials ranked, the trials that gave no
usable result, those a schedule stopped and at which rungs, and the best dev metric so far. The
figures themselves (`cli.plots`) only place these values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from hpsearch.errors import StoreError
from hpsearch.search.ranking import rank, searched_distributions
from hpsearch.search.space import Distribution, SearchSpace
from hpsearch.store.sqlite import Baseline
from hpsearch.study.snapshot import read_snapshot
from hpsearch.tasks import Metric, metric_of
from hpsearch.trial import TrialRecord, TrialState, is_finite

LOST = (TrialState.DIVERGED, TrialState.TIMED_OUT)  # no usable result, drawn apart


@dataclass(frozen=True)
class BestSoFar:
    """Complete trials by number, their dev metric, and the lowest of it so far; `round` None:
    every round's."""

    round: int | None
    numbers: list[int]
    errors: list[float]
    lowest: list[float]


@dataclass(frozen=True)
class PlotData:
    """A study as its plots show it: its name, each round's space, every trial, and what is
    computed from them."""

    name: str
    spaces: list[SearchSpace]
    records: list[TrialRecord]
    metric: Metric
    baselines: list[Baseline]  # reference lines, never ranked
    distributions: dict[str, Distribution]  # each searched hyperparameter on its widest scale
    complete: list[TrialRecord]  # with a finite dev metric, in the records' order
    ranked: list[TrialRecord]  # the best `top` of them, best first
    lost: list[TrialRecord]  # diverged or timed out
    stopped: list[TrialRecord]  # stopped at a rung by a halving schedule
    rungs: list[int]  # the epochs they stopped at
    best_so_far: list[BestSoFar] = field(default_factory=list)  # per round, then all rounds

    @property
    def dev(self) -> str:
        """ "dev error", "dev RMSE": what the y axes show."""
        return f"dev {self.metric.label}"


def plot_data(folder: Path, top: int = 5) -> PlotData:
    """The study in `folder` as its plots show it, with its best `top` trials' curves."""
    with read_snapshot(folder) as snapshot:
        return plot_data_of(
            snapshot.info.name, snapshot.spaces, snapshot.records, snapshot.config.ranked_by,
            snapshot.baselines, top,
        )  # fmt: skip


def plot_data_of(
    name: str,
    spaces: list[SearchSpace],
    records: list[TrialRecord],
    metric: Metric | None = None,
    baselines: Sequence[Baseline] = (),
    top: int = 5,
) -> PlotData:
    """`records` as the plots show them; a study without a complete trial has nothing to plot."""
    complete = [r for r in records if r.state is TrialState.COMPLETE and is_finite(r.dev_error)]
    if not complete:
        raise StoreError(f"study '{name}' has no complete trial yet; nothing to plot")
    stopped = [r for r in records if r.state is TrialState.STOPPED]
    return PlotData(
        name, list(spaces), list(records), metric or metric_of(None), list(baselines),
        searched_distributions(spaces), complete, rank(complete)[:top],
        [r for r in records if r.state in LOST], stopped, sorted({r.epochs for r in stopped}),
        _best_so_far(complete),
    )  # fmt: skip


def _best_so_far(complete: list[TrialRecord]) -> list[BestSoFar]:
    """Each round's trials by number with the lowest dev metric so far, and, when there are
    several rounds, the same across all of them."""
    by_number = sorted(complete, key=lambda r: r.number)
    rounds = sorted({r.round for r in by_number})
    groups = [(round, [r for r in by_number if r.round == round]) for round in rounds]
    if len(rounds) > 1:
        groups.append((None, by_number))
    found = []
    for round, trials in groups:
        errors = [r.dev_error for r in trials]
        found.append(
            BestSoFar(round, [r.number for r in trials], errors, list(accumulate(errors, min)))
        )
    return found
