import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hpsearch.search.space import (
    Choice,
    IntUniform,
    LogUniform,
    OneMinusLogUniform,
    SearchSpace,
    Uniform,
)

NUMERIC = [
    Uniform(low=-2.0, high=3.0),
    IntUniform(low=32, high=128),
    LogUniform(low=1e-4, high=1.0),
    OneMinusLogUniform(low=0.9, high=0.999),
]


def draws(distribution, n=10_000, seed=0):
    rng = np.random.default_rng(seed)
    return [distribution.sample(rng) for _ in range(n)]


def test_one_minus_log_uniform_puts_half_the_betas_above_0_99() -> None:
    betas = np.array(draws(OneMinusLogUniform(low=0.9, high=0.999)))
    assert np.all((betas >= 0.9) & (betas <= 0.999))
    assert abs(np.mean(betas > 0.99) - 0.5) <= 0.02


def test_log_uniform_gives_each_decade_a_quarter_of_the_draws() -> None:
    alphas = np.array(draws(LogUniform(low=1e-4, high=1.0)))
    assert np.all((alphas >= 1e-4) & (alphas <= 1.0))
    counts, _ = np.histogram(np.log10(alphas), bins=[-4, -3, -2, -1, 0])
    assert np.all(np.abs(counts / len(alphas) - 0.25) <= 0.02)


def test_uniform_is_flat_between_its_bounds() -> None:
    values = np.array(draws(Uniform(low=-2.0, high=3.0)))
    assert values.min() >= -2.0 and values.max() <= 3.0
    counts, _ = np.histogram(values, bins=5, range=(-2, 3))
    assert np.all(np.abs(counts / len(values) - 0.2) <= 0.02)


def test_int_uniform_includes_both_bounds_equally() -> None:
    values = draws(IntUniform(low=1, high=4))
    assert {type(v) for v in values} == {int}
    counts = np.bincount(values)[1:]
    assert len(counts) == 4 and np.all(np.abs(counts / len(values) - 0.25) <= 0.02)


def test_weighted_choice_follows_its_weights() -> None:
    values = draws(Choice(choices=["relu", "tanh"], weights=[0.7, 0.3]))
    assert abs(values.count("relu") / len(values) - 0.7) <= 0.02


@pytest.mark.parametrize("distribution", [*NUMERIC, Choice(choices=["a", 2, 0.5, True, None])])
def test_draws_are_plain_python_values(distribution) -> None:
    for value in draws(distribution, n=50):
        assert type(value) in (int, float, str, bool, type(None))
    assert json.loads(json.dumps(draws(distribution, n=5))) == draws(distribution, n=5)


def test_a_list_choice_is_never_shared_between_draws() -> None:
    choice = Choice(choices=[[64, 32]])
    first, second = draws(choice, n=2)
    first.append(16)
    assert second == [64, 32] and choice.choices == ([64, 32],)


@pytest.mark.parametrize("distribution", NUMERIC, ids=lambda d: d.distribution)
@given(u=st.floats(0, 1))
def test_from_unit_then_to_unit_returns_the_point(distribution, u) -> None:
    value = distribution.from_unit(u)
    assert distribution.low <= value <= distribution.high
    if isinstance(distribution, IntUniform):  # rounded to the nearest integer's point
        assert abs(distribution.to_unit(value) - u) <= 0.5 / (distribution.high - distribution.low)
    else:
        assert distribution.to_unit(value) == pytest.approx(u, abs=1e-9)


@pytest.mark.parametrize("distribution", NUMERIC, ids=lambda d: d.distribution)
def test_to_unit_then_from_unit_returns_the_value(distribution) -> None:
    for value in draws(distribution, n=200):
        assert distribution.from_unit(distribution.to_unit(value)) == pytest.approx(value)
    assert distribution.from_unit(0.0) == distribution.low
    assert distribution.from_unit(1.0) == distribution.high
    assert distribution.from_unit(-0.5) == distribution.low
    assert distribution.from_unit(1.5) == distribution.high


def test_choice_unit_points_are_the_middles_of_equal_slices() -> None:
    choice = Choice(choices=["relu", "tanh", "sigmoid", 1, True])
    assert [choice.to_unit(c) for c in choice.choices] == [0.1, 0.3, 0.5, 0.7, 0.9]
    assert [choice.from_unit(choice.to_unit(c)) for c in choice.choices] == list(choice.choices)
    assert choice.to_unit(True) != choice.to_unit(1)


def test_grids_are_evenly_spaced_on_each_scale() -> None:
    assert LogUniform(low=1e-4, high=1.0).grid(5) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1])
    betas = np.array(OneMinusLogUniform(low=0.9, high=0.999).grid(3))
    assert 1 - betas == pytest.approx([1e-1, 1e-2, 1e-3])
    assert Uniform(low=0.0, high=1.0).grid(3) == [0.0, 0.5, 1.0]
    assert IntUniform(low=32, high=128).grid(5) == [32, 56, 80, 104, 128]
    assert IntUniform(low=1, high=3).grid(7) == [1, 2, 3]
    assert Uniform(low=2.0, high=4.0).grid(1) == [3.0]
    assert Choice(choices=["relu", "tanh"]).grid(7) == ["relu", "tanh"]


def test_scales_and_descriptions_read_well_in_a_table() -> None:
    assert [d.scale for d in NUMERIC] == ["linear", "linear", "log", "one_minus_log"]
    assert LogUniform(low=1e-4, high=0.1).describe() == "0.0001 to 0.1"
    assert IntUniform(low=1.0, high=3).describe() == "1 to 3"
    weighted = Choice(choices=["relu", "tanh"], weights=[3, 1])
    assert weighted.describe() == "relu (75%), tanh (25%)"
    assert Choice(choices=[16, [64, 32], None]).describe() == "16, [64, 32], null"


@pytest.mark.parametrize(
    ("cls", "kwargs", "loc", "message"),
    [
        (Uniform, {"low": 1, "high": 0}, (), "`low < high` must hold, but got low=1, high=0"),
        (IntUniform, {"low": 5, "high": 5}, (), "`low < high` must hold, but got low=5, high=5"),
        (LogUniform, {"low": 0, "high": 1}, ("low",), "must be > 0 on a log scale, but got 0"),
        (
            OneMinusLogUniform,
            {"low": 0.9, "high": 1},
            ("high",),
            "must be inside (0, 1), as 1 − value is sampled on a log scale, but got 1",
        ),
        (
            IntUniform,
            {"low": 0.5, "high": 3},
            ("low",),
            "int_uniform bounds must be whole numbers, but got 0.5",
        ),
        (
            Uniform,
            {"low": -1e308, "high": 1e308},
            (),
            "low=-1e+308 and high=1e+308 are too far apart or too close to be sampled on a "
            "linear scale",
        ),
        (Choice, {"choices": []}, ("choices",), "must not be empty; list at least one value"),
        (
            Choice,
            {"choices": ["relu", "tanh", "relu"]},
            ("choices",),
            "must be distinct, but 'relu' is listed twice",
        ),
        (
            Choice,
            {"choices": ["a", "b"], "weights": [1.0]},
            (),
            "give one weight per choice, but got 1 weights for 2 choices",
        ),
    ],
)
def test_each_distribution_checks_itself(cls, kwargs, loc, message) -> None:
    with pytest.raises(ValidationError) as caught:
        cls(**kwargs)
    (error,) = caught.value.errors()
    assert error["loc"] == loc
    assert error["msg"] == f"Value error, {message}"


@pytest.mark.parametrize(
    "kwargs",
    [{"low": math.inf, "high": 1}, {"low": "0.1", "high": 1}, {"low": True, "high": 2}],
)
def test_bounds_are_finite_numbers(kwargs) -> None:
    with pytest.raises(ValidationError):
        Uniform(**kwargs)
    with pytest.raises(ValidationError):
        IntUniform(**kwargs)


def test_weights_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        Choice(choices=["a", "b"], weights=[1.0, 0.0])


def test_huge_weights_still_give_probabilities() -> None:
    assert Choice(choices=[1, 2], weights=[1e308, 1e308]).probabilities == [0.5, 0.5]


def space() -> SearchSpace:
    return SearchSpace(
        {
            "learning_rate": {"distribution": "log_uniform", "low": 1e-4, "high": 1e-1},
            "hidden_units": [64, 32],
            "activation": Choice(choices=["relu", "tanh"], weights=[0.7, 0.3]),
            "epochs": 20,
        }
    )


def test_search_space_round_trips_through_json() -> None:
    original = space()
    data = json.loads(json.dumps(original.to_dict()))
    assert SearchSpace.from_dict(data) == original
    assert data["learning_rate"] == {"distribution": "log_uniform", "low": 1e-4, "high": 0.1}
    assert list(original.searched) == ["learning_rate", "activation"]
    assert original.fixed == {"hidden_units": [64, 32], "epochs": 20}


def test_a_sample_is_complete_and_shares_no_list() -> None:
    original = space()
    params = original.sample(np.random.default_rng(0))
    assert list(params) == ["learning_rate", "hidden_units", "activation", "epochs"]
    params["hidden_units"].append(16)
    assert original.fixed["hidden_units"] == [64, 32]


def test_from_dict_refuses_a_mapping_without_a_known_distribution() -> None:
    with pytest.raises(ValidationError):
        SearchSpace.from_dict({"learning_rate": {"distribution": "loguniform", "low": 1}})


@pytest.mark.timeout(60)  # checked pair by pair, 200,000 values took tens of minutes
def test_a_choice_of_200000_values_is_checked_in_one_pass() -> None:
    big = Choice(choices=tuple(range(200_000)))
    assert len(big.choices) == 200_000
    with pytest.raises(ValidationError, match="must be distinct, but 7 is listed twice"):
        Choice(choices=(*range(200_000), 7))
