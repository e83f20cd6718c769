import pytest

from hpsearch.cli.cells import duration_cell, error_cell, param_cell, scientific
from hpsearch.search.space import Choice, IntUniform, LogUniform, OneMinusLogUniform, Uniform

ALPHA = LogUniform(low=1e-4, high=1.0)
BETA = OneMinusLogUniform(low=0.9, high=0.999)
UNITS = IntUniform(low=8, high=64)
KEEP = Uniform(low=0.5, high=1.0)
ACTIVATION = Choice(choices=("relu", "tanh"))


@pytest.mark.parametrize(
    ("distribution", "value", "cell"),
    [
        (ALPHA, 0.0031622776, "3.16e-3"),  # α and λ: scientific notation
        (ALPHA, 1.0, "1.00e0"),
        (ALPHA, 0.000123456, "1.23e-4"),
        (BETA, 0.99371, "0.9937"),  # β: four decimals
        (BETA, 0.9, "0.9000"),
        (UNITS, 110, "110"),  # integers as integers
        (KEEP, 0.87346, "0.8735"),
        (KEEP, 1.0, "1.000"),
        (ACTIVATION, "tanh", "tanh"),
        (Choice(choices=([64, 32], [128])), [64, 32], "[64, 32]"),
        (None, True, "true"),  # a fixed value, as YAML writes it
        (None, 15, "15"),
        (ALPHA, None, "–"),
    ],
)
def test_each_value_reads_on_its_scale(distribution, value, cell) -> None:
    assert param_cell(distribution, value) == cell


def test_scientific_notation_round_trips_to_three_digits() -> None:
    assert float(scientific(0.019709209736792587)) == 0.0197
    assert scientific(float("inf")) == "inf"


@pytest.mark.parametrize(
    ("seconds", "cell"),
    [(0.04, "0.0s"), (9.94, "9.9s"), (9.96, "10s"), (59.4, "59s"), (59.6, "1m00s"),
     (185, "3m05s"), (7620, "2h07m")],
)  # fmt: skip
def test_durations_stay_short(seconds, cell) -> None:
    assert duration_cell(seconds) == cell


def test_errors_have_four_decimals_and_a_dash_when_missing() -> None:
    assert [error_cell(v) for v in (0.033426, 0.0, None, float("nan"))] == [
        "0.0334",
        "0.0000",
        "–",
        "–",
    ]
