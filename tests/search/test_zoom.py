import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpsearch.config import parse_config
from hpsearch.config.study_defaults import with_study_defaults
from hpsearch.errors import ConfigError
from hpsearch.search.sampler import plan_trials
from hpsearch.search.space import (
    Choice,
    IntUniform,
    LogUniform,
    OneMinusLogUniform,
    SearchSpace,
    Uniform,
)
from hpsearch.search.zoom import (
    MARGIN,
    MIN_WIDTH,
    choose_top,
    counted,
    narrow,
    needed_beyond,
    parse_range,
    zoom_yaml,
)
from hpsearch.trial import TrialRecord, TrialState

FIRST = SearchSpace(
    {
        "learning_rate": LogUniform(low=1e-4, high=1.0),
        "beta1": OneMinusLogUniform(low=0.9, high=0.999),
        "hidden_units": IntUniform(low=16, high=256),
        "activation": Choice(choices=["relu", "tanh", "sigmoid"], weights=[0.5, 0.3, 0.2]),
        "epochs": 5,
    }
)
OPTIMUM = {"learning_rate": 10**-2.5, "beta1": 0.99, "hidden_units": 100, "activation": "tanh"}


def fake_dev_error(params: dict) -> float:
    """A bowl in log10 α, log10(1 − β) and hidden units, lowest at OPTIMUM; tanh is best."""
    alpha = math.log10(params["learning_rate"]) - math.log10(OPTIMUM["learning_rate"])
    beta = math.log10(1 - params["beta1"]) - math.log10(1 - OPTIMUM["beta1"])
    units = (params["hidden_units"] - OPTIMUM["hidden_units"]) / 50
    penalty = {"tanh": 0.0, "relu": 0.01, "sigmoid": 0.2}[params["activation"]]
    return 0.05 + 0.02 * alpha**2 + 0.03 * beta**2 + 0.02 * units**2 + penalty


def record(number: int, values: dict, dev_error: float = 0.1, **fields) -> TrialRecord:
    fields = {"round": 0, "state": TrialState.COMPLETE, "params": FIRST.complete(values), **fields}
    return TrialRecord(number, seed=0, dev_error=dev_error, **fields)


def tops(**values: list) -> list[TrialRecord]:
    """Trials at the optimum but for `values`, one trial per position in the lists."""
    count = len(next(iter(values.values())))
    return [record(i, {**OPTIMUM, **{n: v[i] for n, v in values.items()}}) for i in range(count)]


def search(rounds: int, trials: int, seed: int) -> list:
    """Sample a round, "train" it with the fake, zoom from the best of all rounds, repeat."""
    space, records, zooms = FIRST, [], []
    for r in range(rounds):
        numbers = range(r * trials, (r + 1) * trials)  # trial numbers continue across rounds
        for spec in plan_trials(space, "random", seed=seed, round=r, numbers=numbers):
            records.append(record(spec.number, spec.params, fake_dev_error(spec.params), round=r))
        zooms.append(narrow(space, FIRST, choose_top(records), evidence=counted(records)))
        space = zooms[-1].space
    return zooms


def row(zoom, name: str):
    return next(r for r in zoom.rows if r.name == name)


@pytest.mark.parametrize("seed", range(6))
def test_repeated_zooms_keep_the_optimum_and_narrow(seed) -> None:
    zooms = search(rounds=4, trials=30, seed=seed)
    for zoom in zooms:
        for name, best in OPTIMUM.items():
            new = zoom.space.searched[name]
            assert best in new.choices if name == "activation" else new.low <= best <= new.high
        assert zoom.space.fixed == {"epochs": 5}
    shares = [z.volume_of_first for z in zooms]
    assert shares[-1] < min(shares[0] / 2, 0.2)


def test_a_zoom_moves_a_bound_in_only_on_the_evidence_of_enough_trials() -> None:
    for seed in range(6):
        for zoom in search(rounds=4, trials=30, seed=seed):
            assert (zoom.weighed, zoom.needed) == (30, 9)  # the last round's 30, 9 beyond a bound
            for row in zoom.rows:
                assert all(n >= zoom.needed for _, n in row.beyond), row
                assert all(n < zoom.needed for _, n in row.held), row
                if not row.beyond and row.kept < 1 and row.how != "set":
                    raise AssertionError(f"{row.name} narrowed without evidence")


def test_each_zoom_draws_on_the_best_trials_of_all_rounds() -> None:
    first, second = search(rounds=2, trials=30, seed=0)
    assert len(first.top) == len(second.top) == 6  # 20% of a round of 30
    assert any(n < 30 for n in second.top) and any(n >= 30 for n in second.top)


NUMERIC = ("learning_rate", "beta1", "hidden_units")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(*[st.floats(0, 1)] * 3), min_size=1, max_size=8),
    st.floats(0, 3),
)
def test_the_region_holds_every_best_value_within_the_first_space(units, margin) -> None:
    points = [dict(zip(NUMERIC, us, strict=True)) for us in units]
    values = [{n: FIRST.searched[n].from_unit(u) for n, u in p.items()} for p in points]
    top = [record(i, {**OPTIMUM, **v}) for i, v in enumerate(values)]
    zoom = narrow(FIRST, FIRST, top, margin=margin)
    for name in NUMERIC:
        first, new = FIRST.searched[name], zoom.space.searched[name]
        assert type(new) is type(first) and type(new.low) is type(first.low)
        assert first.low <= new.low < new.high <= first.high
        assert all(new.low <= v[name] <= new.high for v in values)
        assert first.to_unit(new.high) - first.to_unit(new.low) >= MIN_WIDTH - 1e-9


def test_learning_rate_range_is_geometric_around_the_best_values() -> None:
    zoom = narrow(FIRST, FIRST, tops(learning_rate=[1e-3, 3e-3, 1e-2]))
    new = zoom.space.searched["learning_rate"]
    # 1 decade between the extremes, widened by half a decade on each side in log10 space
    # (tidied outward by at most 1% of the new width: 0.02 decade).
    assert -3.5 - 0.02 <= math.log10(new.low) <= -3.5
    assert -1.5 <= math.log10(new.high) <= -1.5 + 0.02
    assert math.sqrt(new.low * new.high) == pytest.approx(math.sqrt(1e-3 * 1e-2), rel=0.05)
    assert row(zoom, "learning_rate").kept == pytest.approx(2 / 4, abs=0.01)


def test_beta_range_is_computed_in_log_of_one_minus_beta() -> None:
    new = narrow(FIRST, FIRST, tops(beta1=[0.99, 0.999])).space.searched["beta1"]
    # 1 − β from 1e-2 to 1e-3: 1 decade, widened by half a decade on each side, clipped at 0.999.
    assert new.high == 0.999
    assert -1.5 <= math.log10(1 - new.low) <= -1.5 + 0.02
    assert new.low < 0.99 - MARGIN * 0.009  # lower than a linear margin would put it


def test_integer_bounds_stay_whole_and_are_rounded_outward() -> None:
    new = narrow(FIRST, FIRST, tops(hidden_units=[50, 55, 60])).space.searched["hidden_units"]
    assert (new.low, new.high) == (45, 65)  # 50 − 5 and 60 + 5
    assert type(new.low) is int and type(new.high) is int


def test_float_bounds_are_tidied_outward_to_few_digits() -> None:
    space = SearchSpace({"l2": Uniform(low=-2.0, high=3.0)})
    top = [record(i, {}, params={"l2": v}) for i, v in enumerate([-0.1234, 0.4321])]
    new = narrow(space, space, top).space.searched["l2"]
    # −0.40115 to 0.70985, each moved outward by at most 1% of the new range (0.011).
    assert (new.low, new.high) == (-0.41, 0.71)


def test_categories_keep_the_choices_of_the_best_with_weights_renormalised() -> None:
    zoom = narrow(FIRST, FIRST, tops(activation=["sigmoid", "relu", "relu"]))
    new = zoom.space.searched["activation"]
    assert new.choices == ("relu", "sigmoid")  # in the study's order
    assert new.weights == pytest.approx((0.5 / 0.7, 0.2 / 0.7))
    assert row(zoom, "activation").kept == pytest.approx(2 / 3)


def test_a_zero_span_keeps_the_minimum_width_around_the_best_value() -> None:
    zoom = narrow(FIRST, FIRST, tops(learning_rate=[1e-2] * 3, hidden_units=[100] * 3))
    alpha, units = zoom.space.searched["learning_rate"], zoom.space.searched["hidden_units"]
    width = MIN_WIDTH * 4  # decades: 5% of the first round's 4
    assert math.log10(alpha.high / alpha.low) == pytest.approx(width, abs=0.01)
    assert math.sqrt(alpha.low * alpha.high) == pytest.approx(1e-2, rel=0.01)
    assert (units.low, units.high) == (94, 106)  # 100 ± 5% of 240 / 2
    assert row(zoom, "learning_rate").how == row(zoom, "hidden_units").how == "minimum width"


def test_a_zero_span_at_a_bound_slides_inside_the_first_range() -> None:
    new = narrow(FIRST, FIRST, tops(learning_rate=[1e-4] * 3)).space.searched["learning_rate"]
    assert new.low == 1e-4
    assert math.log10(new.high) == pytest.approx(-4 + MIN_WIDTH * 4, abs=0.01)


def test_ranges_are_clipped_to_the_first_round_but_may_widen_back_out() -> None:
    clipped = narrow(FIRST, FIRST, tops(learning_rate=[1e-4, 1e-3], hidden_units=[200, 256]))
    assert clipped.space.searched["learning_rate"].low == 1e-4
    assert clipped.space.searched["hidden_units"].high == 256
    # A later zoom, whose best trials include one of round 0 outside the current range.
    current = FIRST.complete({"learning_rate": LogUniform(low=1e-3, high=1e-2)})
    zoom = narrow(SearchSpace(current), FIRST, tops(learning_rate=[2e-4, 2e-3, 5e-3]))
    new = zoom.space.searched["learning_rate"]
    assert 1e-4 <= new.low < 2e-4 and new.high > 5e-3
    assert row(zoom, "learning_rate").kept > 1


def test_fixed_parameters_stay_fixed_and_the_order_is_kept() -> None:
    zoom = narrow(FIRST, FIRST, tops(hidden_units=[90, 110, 100]))
    assert list(zoom.space.root) == list(FIRST.root)
    assert zoom.space.fixed == {"epochs": 5}


def test_volume_kept_is_the_product_of_the_rows() -> None:
    zoom = narrow(FIRST, FIRST, tops(learning_rate=[1e-3, 1e-2], activation=["tanh", "tanh"]))
    assert zoom.volume_kept == pytest.approx(math.prod(r.kept for r in zoom.rows))
    assert row(zoom, "activation").kept == pytest.approx(1 / 3)
    assert row(zoom, "hidden_units").kept == pytest.approx(13 / 241)  # 100 ± 6, as an integer
    assert zoom.volume_of_first == zoom.volume_kept  # zoomed from the first round itself
    assert zoom.top == (0, 1)


def test_overrides_replace_the_narrowed_range() -> None:
    ranges = [parse_range("learning_rate=1e-3:1e-2"), parse_range("activation=tanh,relu")]
    zoom = narrow(FIRST, FIRST, tops(hidden_units=[90, 110]), ranges=ranges)
    assert zoom.space.searched["learning_rate"] == LogUniform(low=1e-3, high=1e-2)
    assert zoom.space.searched["activation"].choices == ("relu", "tanh")
    assert [r.how for r in zoom.rows] == ["set", "minimum width", "span", "set"]


def test_a_negative_margin_is_refused() -> None:
    with pytest.raises(ConfigError) as error:
        narrow(FIRST, FIRST, tops(hidden_units=[90, 110]), margin=-0.1)
    assert str(error.value) == "margin must be a number ≥ 0 (a share of the span), but got -0.1"


def test_a_margin_of_zero_keeps_the_span_of_the_best() -> None:
    zoom = narrow(FIRST, FIRST, tops(hidden_units=[90, 110]), margin=0)
    assert zoom.space.searched["hidden_units"] == IntUniform(low=90, high=110)


def test_choose_top_ranks_by_dev_error_then_dev_cost_then_duration() -> None:
    records = [
        record(0, OPTIMUM, 0.2),
        record(1, OPTIMUM, 0.1, dev_cost=0.5),
        record(2, OPTIMUM, 0.1, dev_cost=0.3, duration_s=9.0),
        record(3, OPTIMUM, 0.1, dev_cost=0.3, duration_s=2.0),
        record(4, OPTIMUM, None, state=TrialState.DIVERGED),
        record(5, OPTIMUM, 0.01, state=TrialState.FAILED),
    ]
    assert [r.number for r in choose_top(records, 3)] == [3, 2, 1]


def test_by_default_the_best_fifth_of_the_latest_round_at_least_three() -> None:
    round_0 = [record(i, OPTIMUM, i / 100) for i in range(30)]
    assert len(choose_top(round_0)) == 6
    assert len(choose_top(round_0[:14])) == 3
    round_1 = [record(30 + i, OPTIMUM, i / 100, round=1) for i in range(11)]
    assert len(choose_top(round_0 + round_1)) == 3  # 20% of 11 is 2.2: at least 3
    assert len(choose_top(round_0[:16] + round_1)) == 3


def test_too_few_completed_trials_are_refused() -> None:
    records = [record(0, OPTIMUM), record(1, OPTIMUM), record(2, OPTIMUM, state=TrialState.FAILED)]
    with pytest.raises(ConfigError) as error:
        choose_top(records)
    assert str(error.value) == (
        "zoom needs at least 3 completed trials (the best 20% of a round, at least 3), but the "
        "study has 2 of 3 trials completed; run more trials first"
    )
    with pytest.raises(ConfigError) as error:
        choose_top(records[:2], 5)
    assert str(error.value) == (
        "zoom needs at least 5 completed trials (the best 5), but the study has 2 completed; "
        "run more trials first, or zoom around fewer"
    )
    with pytest.raises(ConfigError, match=r"^top must be at least 1, but got 0$"):
        choose_top(records, 0)


def test_zoom_yaml_is_a_hyperparameters_section_that_parses_back() -> None:
    space = search(rounds=2, trials=30, seed=0)[-1].space
    text = zoom_yaml(space)
    assert text.startswith("hyperparameters:\n  learning_rate: {distribution: log_uniform, low: ")
    assert "\n  epochs: 5\n" in text and "null" not in text
    assert parse_config(text, "zoomed.yaml").hyperparameters == with_study_defaults(space)[0]


def test_zoom_yaml_keeps_weights_lists_and_fixed_nulls() -> None:
    space = SearchSpace(
        {
            "hidden_units": Choice(choices=[[64, 32], [128, 64]], weights=[1.0, 3.0]),
            "layers": 2,
            "patience": None,
        }
    )
    assert zoom_yaml(space) == (
        "hyperparameters:\n"
        "  hidden_units: {distribution: choice, choices: [[64, 32], [128, 64]], "
        "weights: [1.0, 3.0]}\n"
        "  layers: 2\n"
        "  patience: null\n"
    )
    parsed = parse_config(zoom_yaml(space), "zoomed.yaml").hyperparameters
    assert parsed == with_study_defaults(space)[0]  # a new study file's defaults added


def test_the_evidence_a_bound_needs_falls_with_the_share_of_best_trials():
    assert [needed_beyond(27, 6, 0.1), needed_beyond(30, 6, 0.1), needed_beyond(50, 10, 0.1)] == [
        8, 9, 10,
    ]  # fmt: skip
    assert needed_beyond(27, 6, 0.05) == 10 and needed_beyond(10, 0, 0.1) == 11  # never


def choice_study(tried: int) -> list[TrialRecord]:
    """27 trials of which `tried` use sigmoid, none of them among the best 6."""
    records = []
    for i in range(27):
        activation = "sigmoid" if i >= 27 - tried else ("tanh" if i % 2 else "relu")
        records.append(record(i, {**OPTIMUM, "activation": activation}, dev_error=i / 100))
    return records


def test_a_choice_goes_only_when_enough_trials_tried_it():
    """Before, a batch size was dropped on the evidence of 6 trials."""
    for tried, dropped in ((6, False), (12, True)):
        records = choice_study(tried)
        zoom = narrow(FIRST, FIRST, choose_top(records), evidence=counted(records))
        activation = row(zoom, "activation")
        assert ("sigmoid" not in zoom.space.searched["activation"].choices) is dropped
        assert (activation.beyond if dropped else activation.held) == (('"sigmoid"', tried),)
        assert activation.how == ("span" if dropped else "too few trials")


def test_with_many_hyperparameters_the_zoom_narrows_those_that_matter_and_only_those():
    """Before, the zoom of an 8-hyperparameter study narrowed nothing ("100.00% of the last
    round's"): the span of the best 10 of 50 covered every range, widened by half of it."""
    space = SearchSpace(
        {
            **FIRST.searched,
            "keep_prob": Uniform(low=0.5, high=1.0),
            "l2": LogUniform(low=1e-6, high=1e-1),
            "batch_size": Choice(choices=[32, 64, 128, 256]),
            "layers": IntUniform(low=1, high=4),
        }
    )
    narrowed = {name: 0 for name in space.searched}
    for seed in range(5):
        specs = plan_trials(space, "random", seed=seed, round=0, numbers=range(50))
        records = [record(s.number, s.params, fake_dev_error(s.params)) for s in specs]
        records = [replace(r, params=s.params) for r, s in zip(records, specs, strict=True)]
        zoom = narrow(space, space, choose_top(records), evidence=counted(records))
        assert len(zoom.top) == 10
        for r in zoom.rows:
            narrowed[r.name] += r.narrowed
    assert narrowed["learning_rate"] == 5  # the one that matters most, in every seed
    idle = ("keep_prob", "l2", "batch_size", "layers")  # 20 chances, a false cut at 10% each
    assert sum(narrowed[name] for name in idle) <= 3
