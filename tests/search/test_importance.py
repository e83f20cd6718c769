import math
from dataclasses import asdict

import numpy as np
import pytest

from hpsearch.search.importance import SAMPLE, Importance, importance
from hpsearch.search.main_effects import main_effects
from hpsearch.search.ranking import searched_distributions
from hpsearch.search.space import SearchSpace
from hpsearch.store.study_store import StudyStore
from hpsearch.trial import TrialState
from tests.results_cases import make_study


def read(folder):
    with StudyStore.open(folder) as store:
        spaces = [SearchSpace.from_dict(r.space) for r in store.rounds()]
        return store.trials(), searched_distributions(spaces)


def test_the_parameter_that_alone_decides_the_error_comes_first(tmp_path) -> None:
    records, distributions = read(make_study(tmp_path, trials=30, zoomed=10))
    result = importance(records, distributions)
    (first, share), *rest = result.shares
    # five bins of a bowl over 40 trials follow about three quarters of it
    assert first == "learning_rate" and share > 0.65
    assert all(value < 0.05 for _, value in rest)
    assert result.n_trials == 40
    assert result.sentence().startswith(
        f"learning_rate explains most of the variation in dev error ({share:.0%}), then "
    )


def test_hidden_units_decides_when_the_error_is_made_of_it(tmp_path) -> None:
    folder = make_study(
        tmp_path, trials=30, error=lambda p: 0.02 + 0.002 * abs(p["hidden_units"] - 40)
    )
    result = importance(*read(folder))
    assert result.shares[0][0] == "hidden_units" and result.shares[0][1] > 0.8


def test_two_additive_effects_share_the_variance_in_proportion() -> None:
    rng = np.random.default_rng(3)
    X = rng.random((300, 3))
    y = 0.3 * X[:, 0] + 0.1 * X[:, 1]  # variances 0.09/12 and 0.01/12: shares 0.9 and 0.1
    shares = main_effects(X, y)
    assert shares[0] == pytest.approx(0.9, abs=0.06)
    assert shares[1] == pytest.approx(0.1, abs=0.06)
    assert shares[2] < 0.02 and shares.sum() <= 1 + 1e-9


def test_too_few_complete_trials_are_said_to_be_too_few(tmp_path) -> None:
    others = {n: TrialState.FAILED for n in range(3, 10)}
    result = importance(*read(make_study(tmp_path, trials=10, others=others)))
    assert result.shares == ()
    assert result.sentence() == (
        "Too few complete trials (3) to tell which hyperparameters matter; that takes at least 8."
    )


def test_nothing_searched_or_one_error_for_all_gives_a_reason(tmp_path) -> None:
    records, distributions = read(make_study(tmp_path, trials=8, error=lambda p: 0.25))
    assert importance(records, distributions).sentence() == (
        "Every complete trial has the same dev error (0.2500)."
    )
    assert importance(records, {}).sentence() == (
        "Nothing is searched, so no hyperparameter can matter more."
    )


def test_the_sentence_lists_every_parameter_and_what_is_left() -> None:
    shares = (("learning_rate", 0.42), ("beta1", 0.21), ("activation", 0.004))
    assert Importance(shares, 20).sentence() == (
        "learning_rate explains the largest share of the variation in dev error (42%), then "
        "beta1 (21%) and activation (<1%); interactions and noise 37% (from 20 complete trials)."
    )
    assert Importance((("learning_rate", 1.0),), 9).sentence() == (
        "learning_rate explains most of the variation in dev error (100%) "
        "(from 9 complete trials; fewer than 20 give only a rough guide)."
    )


def test_when_no_share_stands_out_the_sentence_says_so_and_names_none() -> None:
    shares = (("learning_rate", 0.003), ("beta1", 0.001), ("activation", 0.0))
    assert Importance(shares, 24).sentence() == (
        "No hyperparameter stands out: each explains under 5% of the variation in dev error, "
        "which comes from their interactions and noise (from 24 complete trials)."
    )
    assert Importance((("beta1", 0.049),), 30).sentence().startswith("No hyperparameter stands")
    assert Importance((("beta1", 0.05),), 30).sentence().startswith("beta1 explains the largest")


def test_nan_and_diverged_trials_are_left_out(tmp_path) -> None:
    others = {0: TrialState.DIVERGED, 1: TrialState.RUNNING}
    records, distributions = read(make_study(tmp_path, trials=12, others=others))
    assert importance(records, distributions).n_trials == 10
    assert not math.isnan(importance(records, distributions).shares[0][1])


def test_a_large_study_is_read_on_a_sample_of_bounded_size(tmp_path) -> None:
    folder = make_study(tmp_path, trials=SAMPLE + 500)
    records, distributions = read(folder)
    result = importance(records, distributions)
    assert result.n_trials == SAMPLE + 500 and result.sample == SAMPLE
    assert result.shares[0][0] == "learning_rate" and result.shares[0][1] > 0.9
    assert result.sentence().endswith(
        f"(from a sample of {SAMPLE:,} of {SAMPLE + 500:,} complete trials)."
    )
    assert importance(records, distributions) == result  # the same sample every time


def test_an_estimate_kept_before_the_count_was_renamed_reads_back():
    kept = {"shares": [["learning_rate", 0.9]], "trials": 9, "note": "", "sample": None}
    assert Importance.of(kept).n_trials == 9
    assert Importance.of(asdict(Importance.of(kept))) == Importance.of(kept)
