import math

import pytest
from pydantic import ValidationError

from hpsearch.nn import HyperParams


def _error(**fields) -> str:
    with pytest.raises(ValidationError) as info:
        HyperParams(**fields)
    return str(info.value)


def test_defaults_are_the_documented_ones():
    hp = HyperParams()
    assert (hp.layers, hp.hidden_units, hp.activation, hp.init) == (2, 64, "relu", "auto")
    assert (hp.batchnorm, hp.bn_momentum, hp.keep_prob, hp.l2) == (True, 0.9, 1.0, 0.0)
    assert (hp.optimizer, hp.learning_rate, hp.beta1, hp.beta2, hp.epsilon) == (
        "adam",
        1e-3,
        0.9,
        0.999,
        1e-8,
    )
    assert (hp.decay_schedule, hp.learning_rate_decay, hp.decay_every) == ("none", 0.0, 10)
    assert (hp.batch_size, hp.epochs, hp.patience) == (64, 20, None)


def test_is_frozen_and_forbids_unknown_fields():
    hp = HyperParams()
    with pytest.raises(ValidationError):
        hp.layers = 3
    assert "Extra inputs are not permitted" in _error(learning_rat=0.1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("layers", True),
        ("batch_size", False),
        ("learning_rate", True),
        ("hidden_units", True),
        ("keep_prob", (True,)),
        ("batchnorm", 1),
        ("layers", 2.0),
        ("learning_rate", "0.1"),
    ],
)
def test_booleans_numbers_and_strings_are_not_coerced(field, value):
    assert field in _error(**{field: value})


def test_an_integer_is_a_valid_float():
    assert HyperParams(learning_rate=1).learning_rate == 1.0


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_floats_must_be_finite(value):
    assert "finite number" in _error(l2=value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"layers": -1}, "greater than or equal to 0"),
        ({"hidden_units": 0}, "greater than or equal to 1"),
        ({"keep_prob": 0.0}, "greater than 0"),
        ({"keep_prob": 1.5}, "less than or equal to 1"),
        ({"bn_momentum": 1.0}, "less than 1"),
        ({"beta1": 1.0}, "less than 1"),
        ({"learning_rate": 0.0}, "greater than 0"),
        ({"epsilon": 0.0}, "greater than 0"),
        ({"l2": -0.1}, "greater than or equal to 0"),
        ({"patience": 0}, "greater than or equal to 1"),
        ({"activation": "gelu"}, "'relu', 'leaky_relu', 'tanh' or 'sigmoid'"),
    ],
)
def test_ranges_name_the_field_the_rule_and_the_value(fields, message):
    text = _error(**fields)
    (field,) = fields
    assert field in text and message in text and f"input_value={fields[field]!r}" in text


def test_per_layer_values_need_one_value_per_layer():
    hp = HyperParams(layers=3, hidden_units=[32, 16, 8], keep_prob=(1.0, 0.8, 0.5))
    assert hp.units_per_layer() == (32, 16, 8)
    assert hp.keep_prob_per_layer() == (1.0, 0.8, 0.5)
    assert HyperParams(layers=2, hidden_units=10).units_per_layer() == (10, 10)
    assert "hidden_units has 2 values but layers is 3" in _error(layers=3, hidden_units=(4, 4))
    assert "keep_prob has 1 values but layers is 2" in _error(keep_prob=(0.5,))


def test_multiplicative_decay_must_be_in_zero_one():
    text = _error(decay_schedule="exponential", learning_rate_decay=1.5)
    assert "learning_rate_decay must be in (0, 1] with decay_schedule=exponential" in text
    assert "but got 1.5" in text
    assert "but got 0.0" in _error(decay_schedule="staircase")
    assert HyperParams(decay_schedule="inverse_time", learning_rate_decay=3.0)


def test_batchnorm_needs_batches_of_two():
    text = _error(batch_size=1)
    assert "batch_size must be at least 2 with batchnorm" in text and "but got 1" in text
    assert HyperParams(batch_size=1, batchnorm=False).batch_size == 1
    assert HyperParams(batch_size=1, layers=0).batch_size == 1


def test_json_round_trip():
    hp = HyperParams(layers=2, hidden_units=(8, 4), keep_prob=0.5, patience=3, learning_rate=1)
    assert HyperParams.model_validate_json(hp.model_dump_json()) == hp


def test_the_additions_default_to_off():
    hp = HyperParams()
    assert (hp.weight_decay, hp.warmup_epochs, hp.label_smoothing) == (0.01, 0, 0.0)
    assert hp.keep_best_epoch is False  # a study file's default is true (config.study_file)


def test_a_warm_up_belongs_to_the_cosine_and_leaves_it_an_epoch():
    assert "warmup_epochs applies to decay_schedule: cosine" in _error(warmup_epochs=2)
    assert "warmup_epochs must be below epochs" in _error(
        decay_schedule="cosine", warmup_epochs=5, epochs=5
    )
    HyperParams(decay_schedule="cosine", warmup_epochs=4, epochs=5)


@pytest.mark.parametrize(("field", "value"), [("label_smoothing", 1.0), ("weight_decay", -0.1)])
def test_smoothing_below_one_and_decay_not_negative(field, value):
    assert field in _error(**{field: value})
