import math

import pytest

from hpsearch.errors import ConfigError
from hpsearch.search.ranking import (
    diagnose,
    rank,
    searched_distributions,
    sort_trials,
    summarize_curves,
    wide_gaps,
)
from hpsearch.search.space import SearchSpace
from hpsearch.trial import TrialRecord, TrialState


def record(number: int, dev: float | None, state=TrialState.COMPLETE, **fields) -> TrialRecord:
    return TrialRecord(number, 0, fields.pop("params", {}), number, state, dev_error=dev, **fields)


@pytest.mark.parametrize(
    ("train", "dev", "target", "expected"),
    [
        (0.01, 0.11, None, "variance"),  # the course's four cases, optimal error ≈ 0
        (0.15, 0.16, None, "bias"),
        (0.15, 0.30, None, "both"),
        (0.005, 0.01, None, "fine"),
        (0.15, 0.16, 0.14, "fine"),  # a blurry task: 15% train error is near the optimal 14%
        (0.15, 0.30, 0.14, "variance"),
        (0.0, 0.009, None, "fine"),  # a gap under one point is within the dev set's noise
        (0.30, 0.37, None, "bias"),  # 7 points, but under a fifth of a 37% dev error
        (0.30, 0.40, None, "both"),
    ],
)
def test_diagnose_reads_bias_and_variance_as_the_course_does(train, dev, target, expected):
    assert diagnose(train, dev, target) == expected


@pytest.mark.parametrize(
    ("train", "dev", "n_train", "n_dev", "expected"),
    [
        (0 / 206, 1 / 68, 206, 68, "noise"),  # one wrong dev example of 68 is no variance
        (3 / 206, 3 / 68, 206, 68, "noise"),  # nor 3 of 206 train examples bias
        (0 / 1079, 9 / 359, 1079, 359, "variance"),  # the quickstart's best: 3 standard errors
        (3 / 206, 3 / 68, None, None, "both"),  # a study made before the sizes were kept
        (0.10, 0.30, 1000, 20, "bias"),  # bias is read; the variance gap is within noise
        (0.002, 0.008, 1000, 1000, "fine"),  # under the threshold: noise is not asked
    ],
)
def test_a_gap_within_the_splits_sampling_noise_is_no_reading(
    train, dev, n_train, n_dev, expected
) -> None:
    assert diagnose(train, dev, None, "error", n_train, n_dev) == expected


@pytest.mark.parametrize(
    ("train", "dev", "metric", "expected"),
    [
        (3 / 206, 3 / 68, "error", "noise"),  # a share of examples: binomial noise is read
        (3 / 206, 3 / 68, "balanced_error", "both"),  # a mean of shares of classes: no noise
        (0.10, 0.40, "log_loss", "both"),  # nats, no share of anything
        (40.0, 60.0, "rmse", "both"),  # the target's units, on the same small splits
        (0.001, 0.006, "rmse", "variance"),  # no floor in a target's units: 0.005 > 0.0012
        (0.001, 0.006, "error", "fine"),  # the error rate's floor of one point
    ],
)
def test_the_noise_rule_and_the_floor_read_only_the_metrics_they_fit(
    train, dev, metric, expected
) -> None:
    assert diagnose(train, dev, None, metric, 206, 68) == expected
    gaps = wide_gaps(train, dev, None, metric, 206, 68)
    assert all(g.noise == 0 and g.needed == {} for g in gaps) == (metric != "error" or not gaps)


def test_a_gap_within_noise_says_its_noise_and_the_examples_a_reading_needs() -> None:
    (variance,) = wide_gaps(0.0, 1 / 68, None, "error", 206, 68)
    assert variance.kind == "variance" and variance.within_noise
    assert variance.noise == pytest.approx(2 * math.sqrt((1 / 68) * (67 / 68) / 68))
    # the gap 1/68 exceeds 2·√(p(1 − p)/n) once n > 4(1 − p)/p = 268 dev examples; the train
    # split grows with it: 206 · 268/68 = 811.8
    assert variance.needed == {"dev": 268, "train": 812}
    (bias,) = wide_gaps(0.05, 0.055, 0.0, "error", 100, 100)
    assert bias.kind == "bias" and not bias.within_noise  # 5 of 100 wrong is 2.3 errors from 0
    assert bias.needed == {"train": 76}  # 4 · 0.95 / 0.05: fewer than the 100 it has


@pytest.mark.parametrize(("train", "dev"), [(None, 0.1), (0.1, None), (math.nan, 0.1)])
def test_diagnose_says_nothing_without_both_errors(train, dev) -> None:
    assert diagnose(train, dev) is None


def test_failed_and_nan_trials_never_rank_above_complete_ones() -> None:
    records = [
        record(0, None, TrialState.FAILED),
        record(1, math.nan),
        record(2, 0.3),
        record(3, 0.01, TrialState.DIVERGED),
        record(4, 0.2),
    ]
    assert [r.number for r in rank(records)] == [4, 2, 1, 3, 0]


def test_a_stopped_trial_never_ranks_above_a_complete_one() -> None:
    """A trial a schedule stopped at a rung has a dev metric after fewer epochs: however good,
    it ranks below every trial that trained its whole budget, and among the stopped ones, the
    rung reached counts before the metric."""
    records = [
        record(0, 0.30, epochs=27),
        record(1, 0.01, TrialState.STOPPED, epochs=4),
        record(2, 0.02, TrialState.STOPPED, epochs=16),
        record(3, 0.50, epochs=27),
        record(4, None, epochs=27),  # no dev metric at all: still above the stopped ones
        record(5, 0.00, TrialState.STOPPED, epochs=8),
    ]
    assert [r.number for r in rank(records)] == [0, 3, 4, 2, 5, 1]


def test_sort_by_a_column_keeps_rank_order_for_ties_and_puts_missing_values_last() -> None:
    records = [
        record(0, 0.3, train_error=0.1, duration_s=5.0, params={"lr": 0.1, "act": "tanh"}),
        record(1, 0.1, train_error=None, duration_s=9.0, params={"lr": 0.001, "act": "relu"}),
        record(2, 0.2, train_error=0.1, duration_s=1.0, params={"act": "relu"}),
    ]
    numbers = {
        column: [r.number for r in sort_trials(records, column, ["lr", "act"])]
        for column in ("dev_error", "train_error", "duration", "trial", "lr", "act")
    }
    assert numbers == {
        "dev_error": [1, 2, 0],
        "train_error": [2, 0, 1],
        "duration": [2, 0, 1],
        "trial": [0, 1, 2],
        "lr": [1, 0, 2],
        "act": [1, 2, 0],
    }


def test_sorting_by_an_unknown_column_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as error:
        sort_trials([record(0, 0.1)], "lr", ["learning_rate"])
    assert str(error.value) == (
        "sort must be one of dev_error, train_error, duration, trial, learning_rate, but got 'lr'"
    )


def test_a_curve_summary_finds_the_best_epoch_and_the_final_errors() -> None:
    curves = {
        "dev_error": [0.5, 0.2, 0.1, 0.15],
        "train_error": [0.4, 0.1, 0.05, 0.01],
        "train_cost": [2.0, 1.0, 0.5, 0.2],
    }
    summary = summarize_curves(curves)
    assert (summary.epochs, summary.best_epoch, summary.best_dev_error) == (4, 3, 0.1)
    assert (summary.final_train_error, summary.final_dev_error) == (0.01, 0.15)
    assert (summary.first_train_cost, summary.last_train_cost) == (2.0, 0.2)


@pytest.mark.parametrize(
    ("cost", "trend"),
    [
        ([1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1], "falling"),
        ([1.0, 0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1], "flat"),
        ([1.0, 0.5, 0.1, 0.1, 0.1, 0.1, 0.3, 0.5], "rising"),
        ([1.0, 0.1, 0.001, 0.002, 0.001, 0.002, 0.001, 0.003], "flat"),  # noise near zero
        ([0.1, 0.05, 0.03, 0.003, 0.007, 0.021, 0.008, 0.005], "bouncing"),
        ([1.0, 0.5, 0.25, 0.12, 0.06, 0.03, 0.015, 0.008], "falling"),
        ([1.0, 0.5, math.inf], "unknown"),
        ([1.0, 0.5, 0.2, 0.1, 0.1, math.inf, 0.1, 0.1], "unknown"),
    ],
)
def test_the_train_cost_trend_compares_the_last_two_quarters(cost, trend) -> None:
    assert summarize_curves({"train_cost": cost}).trend == trend


def test_a_curve_without_a_finite_dev_error_has_no_best_epoch() -> None:
    summary = summarize_curves({"dev_error": [math.nan], "train_cost": [math.inf]})
    assert (summary.best_epoch, summary.first_train_cost, summary.last_train_cost) == (
        None,
        None,
        None,
    )


def test_searched_distributions_keep_the_first_round_that_searched_each() -> None:
    first = SearchSpace.from_dict(
        {"learning_rate": {"distribution": "log_uniform", "low": 1e-4, "high": 1}, "epochs": 5}
    )
    zoomed = SearchSpace.from_dict(
        {
            "learning_rate": {"distribution": "log_uniform", "low": 1e-3, "high": 1e-2},
            "epochs": {"distribution": "int_uniform", "low": 5, "high": 9},
        }
    )
    found = searched_distributions([first, zoomed])
    assert list(found) == ["learning_rate", "epochs"]
    assert (found["learning_rate"].low, found["epochs"].high) == (1e-4, 9)
