"""Reading a study's trials: the ranking by the dev metric, the course's bias/variance reading,
sorting, and a summary of each learning curve. Pure functions of stored records.

A record's `dev_error` and `train_error` hold the study's metric (`hpsearch.tasks`): the error
rate unless the study names another. Every metric is lower-is-better, so one ranking serves all."""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hpsearch.errors import ConfigError
from hpsearch.search.noise import Gap, gap
from hpsearch.search.space import Distribution, SearchSpace
from hpsearch.tasks import METRICS
from hpsearch.trial import TrialRecord, TrialState, is_finite

# Completed trials first; then those that stopped early with an error still worth showing;
# never a diverged or failed trial above a completed one.
# A trial that a halving schedule stopped at a rung never ranks above one that trained its
# whole budget (or stopped by its own patience).
STATE_ORDER = {
    TrialState.COMPLETE: 0,
    TrialState.STOPPED: 1,
    TrialState.TIMED_OUT: 2,
    TrialState.DIVERGED: 3,
    TrialState.FAILED: 4,
    TrialState.INTERRUPTED: 5,
    TrialState.PAUSED: 6,
    TrialState.RUNNING: 7,
}

# A gap between errors is "high" above max(GAP_FLOOR, GAP_SHARE · dev error): one point of
# error is within the noise of a dev set of a few hundred examples, and on a hard problem (40%
# error) a gap must also be a fair share of the error to be worth acting on. docs/results.md.
# A regression's metric is in the target's units, where no floor fits every target: there the
# gap must be GAP_SHARE of the dev value alone.
GAP_FLOOR = 0.01
GAP_SHARE = 0.2
# The metrics that are a share of examples, whose gaps the binomial noise rule reads
# (search/noise.py); a balanced error averages shares of classes of their own sizes, log loss
# and a regression's metrics are no share at all: those gaps are read without a noise test.
BINOMIAL_METRICS = frozenset({"error"})

Diagnosis = Literal["bias", "variance", "both", "fine", "noise"]
Trend = Literal["falling", "flat", "rising", "bouncing", "unknown"]
SORT_COLUMNS = ("dev_error", "train_error", "duration", "trial")


def rank_key(record: TrialRecord) -> tuple:
    """The dev metric, then dev cost, then duration; a missing or NaN value is never best.
    Trials a halving schedule stopped rank by the rung they reached first: a dev metric after 9
    epochs does not compare with one after 1. The store's reads order by the same key in SQL
    (`store.reads.RANK_ORDER_SQL`)."""
    dev, cost = record.dev_error, record.dev_cost  # inlined: ranking 100,000 trials calls it
    return (
        STATE_ORDER[record.state],
        -record.epochs if record.state is TrialState.STOPPED else 0,
        dev if dev is not None and -math.inf < dev < math.inf else math.inf,
        cost if cost is not None and -math.inf < cost < math.inf else math.inf,
        record.duration_s,
        record.number,
    )


def rank(records: Iterable[TrialRecord]) -> list[TrialRecord]:
    """The trials, best first."""
    return sorted(records, key=rank_key)


def gap_floor(metric: str) -> float:
    """The smallest gap that counts for `metric`: GAP_FLOOR for a classification's, none for
    a regression's (in the target's units)."""
    return GAP_FLOOR if METRICS[metric].task == "classification" else 0.0


def diagnose(
    train_error: float | None,
    dev_error: float | None,
    target_error: float | None = None,
    metric: str = "error",
    n_train: int | None = None,
    n_dev: int | None = None,
) -> Diagnosis | None:
    """The course's reading, of `metric` (train and dev in the same units): train well above
    the optimal value (`target_error`, else 0) is high bias; dev well above train is high
    variance; "noise" when such a gap is within the sampling noise of splits of `n_train` and
    `n_dev` examples (known, and a metric that is a share of examples); None without both
    values."""
    if not (is_finite(train_error) and is_finite(dev_error)):
        return None
    wide = wide_gaps(train_error, dev_error, target_error, metric, n_train, n_dev)
    read = [g.kind for g in wide if not g.within_noise]
    if len(read) == 2:
        return "both"
    return read[0] if read else "noise" if wide else "fine"


def wide_gaps(
    train_error: float,
    dev_error: float,
    target_error: float | None = None,
    metric: str = "error",
    n_train: int | None = None,
    n_dev: int | None = None,
) -> list[Gap]:
    """The gaps above the threshold max(gap_floor(metric), GAP_SHARE · dev value), each with
    the binomial noise of its splits where `metric` is a share of examples (BINOMIAL_METRICS);
    without the split sizes (a study made before they were kept) or for another metric, no
    noise."""
    threshold = max(gap_floor(metric), GAP_SHARE * dev_error)
    bias, variance = train_error - (target_error or 0.0), dev_error - train_error
    train, dev = ("train", train_error, n_train or 0), ("dev", dev_error, n_dev or 0)
    wide = [("bias", bias, [train])] if bias > threshold else []
    wide += [("variance", variance, [dev, train])] if variance > threshold else []
    if not (n_train and n_dev) or metric not in BINOMIAL_METRICS:
        return [Gap(kind, size, 0.0, {}) for kind, size, _ in wide]
    return [gap(kind, size, errors) for kind, size, errors in wide]


def searched_distributions(spaces: Iterable[SearchSpace]) -> dict[str, Distribution]:
    """Every hyperparameter searched in some round, with its distribution in the first round
    that searched it: the widest, as zoomed rounds narrow within it; its scale places any
    round's values on one axis."""
    found: dict[str, Distribution] = {}
    for space in spaces:
        for name, distribution in space.searched.items():
            found.setdefault(name, distribution)
    return found


def sort_trials(
    records: Iterable[TrialRecord],
    column: str,
    parameters: Sequence[str],
    *,
    already_ranked: bool = False,
) -> list[TrialRecord]:
    """The trials ordered by `column` (one of SORT_COLUMNS or a searched hyperparameter),
    smallest first, ties and missing values in rank order. `records` already in rank order
    (a snapshot's ranking, filtered) are not ranked again."""
    ranked = records if already_ranked else rank(records)
    if column == "dev_error":
        return list(ranked)
    return sorted(ranked, key=_sort_key(column, parameters))


def _sort_key(column: str, parameters: Sequence[str]) -> Callable[[TrialRecord], tuple]:
    if column == "train_error":
        return lambda r: (not is_finite(r.train_error), _finite_or_inf(r.train_error))
    if column == "duration":
        return lambda r: (False, r.duration_s)
    if column == "trial":
        return lambda r: (False, r.number)
    if column in parameters:
        return lambda r: _value_key(r.params.get(column))
    known = [*SORT_COLUMNS, *parameters]
    close = difflib.get_close_matches(column, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise ConfigError(
        f"sort must be one of {', '.join(known)}, but got '{column}'{hint}", option="sort"
    )


def _value_key(value: Any) -> tuple:
    """Numbers by value, other values (text, lists) after them by their JSON; missing last."""
    if value is None:
        return (2, 0.0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, json.dumps(value))


@dataclass(frozen=True)
class CurveSummary:
    """A learning curve in a few numbers: where dev error was lowest, where both errors ended,
    and whether train cost was still going down at the end (`trend`)."""

    epochs: int
    best_epoch: int | None  # from 1; None without a finite dev error
    best_dev_error: float | None
    final_train_error: float | None
    final_dev_error: float | None
    first_train_cost: float | None
    last_train_cost: float | None
    trend: Trend


def summarize_curves(curves: dict[str, list[float]]) -> CurveSummary:
    """Where dev error was lowest, where the errors ended, and the train cost's trend."""
    dev, train = curves.get("dev_error", []), curves.get("train_error", [])
    cost = curves.get("train_cost", [])
    finite = [(e, value) for e, value in enumerate(dev, start=1) if is_finite(value)]
    best = min(finite, key=lambda pair: pair[1], default=(None, None))
    return CurveSummary(
        epochs=max(len(dev), len(train), len(cost)),
        best_epoch=best[0],
        best_dev_error=best[1],
        final_train_error=_last(train),
        final_dev_error=_last(dev),
        first_train_cost=cost[0] if cost and is_finite(cost[0]) else None,
        last_train_cost=_last(cost),
        trend=_trend(cost),
    )


def _trend(cost: list[float]) -> Trend:
    """The mean train cost of the last quarter of epochs against the quarter before it: a change
    of more than 10% of it, and more than 2% of the curve's height (noise near zero), counts.
    A last quarter that is neither, but stays well above the curve's lowest value, bounces."""
    quarter = max(len(cost) // 4, 1)
    if len(cost) < 4 or not all(is_finite(c) for c in cost[-2 * quarter :]):
        return "unknown"
    finite = [c for c in cost if is_finite(c)]
    before = sum(cost[-2 * quarter : -quarter]) / quarter
    last = sum(cost[-quarter:]) / quarter
    tolerance = max(0.1 * abs(before), 0.02 * max(abs(c) for c in finite))
    if last - before > tolerance:
        return "rising"
    if last > 2 * min(finite) and last - min(finite) > 0.02 * max(abs(c) for c in finite):
        return "bouncing"
    return "falling" if before - last > tolerance else "flat"


def _last(values: list[float]) -> float | None:
    return values[-1] if values and is_finite(values[-1]) else None


def _finite_or_inf(value: float | None) -> float:
    return value if is_finite(value) else math.inf
