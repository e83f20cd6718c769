import json
import random

import numpy as np
import pytest

from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.sampler import count_trials, grid_shape, plan_trials, preview_trials
from hpsearch.search.space import Choice, IntUniform, LogUniform, OneMinusLogUniform, SearchSpace


def space(**extra) -> SearchSpace:
    return SearchSpace(
        {
            "learning_rate": LogUniform(low=1e-4, high=1.0),
            "hidden_units": IntUniform(low=32, high=128),
            "epochs": 5,
            **extra,
        }
    )


def test_a_trial_depends_only_on_seed_round_and_number() -> None:
    numbers = list(range(20, 40))
    together = plan_trials(space(), "random", seed=7, round=1, numbers=numbers)
    shuffled = random.Random(0).sample(numbers, len(numbers))
    # One worker planning all trials, or many planning one each, in any order: the same trials.
    alone = {n: plan_trials(space(), "random", seed=7, round=1, numbers=[n])[0] for n in shuffled}
    assert together == [alone[n] for n in numbers]
    assert together == plan_trials(space(), "random", seed=7, round=1, numbers=numbers)


def test_seeds_and_params_differ_across_trials_rounds_and_studies() -> None:
    base = plan_trials(space(), "random", seed=0, round=0, numbers=range(50))
    assert len({t.seed for t in base}) == 50
    assert len({t.params["learning_rate"] for t in base}) == 50
    other_round = plan_trials(space(), "random", seed=0, round=1, numbers=range(50))
    other_study = plan_trials(space(), "random", seed=1, round=0, numbers=range(50))
    for other in (other_round, other_study):
        assert all(
            a.params != b.params and a.seed != b.seed for a, b in zip(base, other, strict=True)
        )


def test_a_trial_is_complete_plain_and_fits_sqlite() -> None:
    (trial,) = plan_trials(space(), "random", seed=3, round=2, numbers=[9])
    assert (trial.number, trial.round) == (9, 2)
    assert list(trial.params) == ["learning_rate", "hidden_units", "epochs"]
    assert json.loads(json.dumps(trial.params)) == trial.params
    assert 0 <= trial.seed < 2**63 and type(trial.seed) is int
    HyperParams(**trial.params)


def test_25_trials_over_2_parameters_make_a_5_by_5_grid() -> None:
    trials = plan_trials(space(), "grid", seed=0, round=0, numbers=range(100, 125))
    assert [t.number for t in trials] == list(range(100, 125))
    points = {(t.params["learning_rate"], t.params["hidden_units"]) for t in trials}
    assert len(points) == 25
    alphas = sorted({t.params["learning_rate"] for t in trials})
    assert np.diff(np.log10(alphas)) == pytest.approx([1.0] * 4)  # evenly spaced in log space
    assert sorted({t.params["hidden_units"] for t in trials}) == [32, 56, 80, 104, 128]


def test_a_grid_never_has_more_points_than_trials() -> None:
    assert grid_shape(space(), 24) == {"learning_rate": 4, "hidden_units": 4}
    assert count_trials(space(), "grid", 24) == 16
    assert len(plan_trials(space(), "grid", seed=0, round=0, numbers=range(24))) == 16
    assert count_trials(space(), "random", 24) == 24


def test_a_grid_enumerates_choices_and_shares_the_rest() -> None:
    three = Choice(choices=["relu", "tanh", "sigmoid"])
    shape = grid_shape(space(activation=three, beta1=OneMinusLogUniform(low=0.9, high=0.999)), 30)
    assert shape == {"learning_rate": 2, "hidden_units": 2, "activation": 3, "beta1": 2}


def test_a_short_integer_range_leaves_its_points_to_the_others() -> None:
    narrow = SearchSpace({"layers": IntUniform(low=1, high=2), "l2": LogUniform(low=1e-4, high=1)})
    assert grid_shape(narrow, 20) == {"layers": 2, "l2": 10}


def test_grid_points_follow_their_positions_in_the_round() -> None:
    trials = plan_trials(space(), "grid", seed=0, round=0, numbers=range(25))
    later = plan_trials(space(), "grid", seed=0, round=0, numbers=range(25, 50))
    assert [t.params for t in trials] == [t.params for t in later]
    assert [t.seed for t in trials] != [t.seed for t in later]


def test_a_grid_with_too_many_choices_for_its_trials_is_refused() -> None:
    many = SearchSpace({"optimizer": Choice(choices=["gd", "momentum", "rmsprop", "adam"])})
    with pytest.raises(ValueError, match=r"4 combinations \(optimizer 4\), so trials must be at "):
        plan_trials(many, "grid", seed=0, round=0, numbers=range(3))


def test_fixed_only_space_has_a_one_point_grid() -> None:
    fixed = SearchSpace({"epochs": 3})
    trials = plan_trials(fixed, "grid", seed=0, round=0, numbers=range(5))
    assert [t.params for t in trials] == [{"epochs": 3}]


@pytest.mark.parametrize("method", ["random", "grid"])
def test_a_preview_is_the_start_of_the_plan(method) -> None:
    plan = plan_trials(space(), method, seed=4, round=0, numbers=range(30))
    assert preview_trials(space(), method, seed=4, trials=30, count=6) == plan[:6]
    assert preview_trials(space(), method, seed=4, trials=3, count=6) == plan_trials(
        space(), method, seed=4, round=0, numbers=range(3)
    )


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be one of random, grid, but got 'tpe'"):
        plan_trials(space(), "tpe", seed=0, round=0, numbers=[0])  # type: ignore[arg-type]


def test_grid_list_values_are_not_shared_between_trials() -> None:
    lists = SearchSpace(
        {
            "hidden_units": Choice(choices=[[64, 32], [32, 16]]),
            "batchnorm": Choice(choices=[True, False]),
        }
    )
    first, second, *_ = plan_trials(lists, "grid", seed=0, round=0, numbers=range(4))
    assert first.params["hidden_units"] == second.params["hidden_units"] == [64, 32]
    first.params["hidden_units"].append(8)
    assert second.params["hidden_units"] == [64, 32]
