import pytest

from hpsearch.errors import ConfigError
from hpsearch.search.space import Choice, IntUniform, LogUniform, OneMinusLogUniform, SearchSpace
from hpsearch.search.zoom_ranges import USAGE, check_ranges, keep_choices, parse_range
from tests.search.test_zoom import FIRST

SEARCHED = "learning_rate, beta1, hidden_units, activation"


def check(*texts: str, space: SearchSpace = FIRST) -> dict:
    return check_ranges(space, FIRST, [parse_range(t) for t in texts])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("learning_rate=1e-4:1e-2", ("learning_rate", (1e-4, 1e-2))),
        (" beta1 = 0.9 : 0.99 ", ("beta1", (0.9, 0.99))),
        ("hidden_units=32:64", ("hidden_units", (32, 64))),
        ("activation=relu, tanh", ("activation", ["relu", "tanh"])),
        ("activation=tanh", ("activation", ["tanh"])),
        ("batchnorm=true,false", ("batchnorm", [True, False])),
        ("hidden_units=[64, 32],[128]", ("hidden_units", [[64, 32], [128]])),
    ],
)
def test_parse_override_reads_ranges_and_choices_as_yaml(text, expected) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize(
    "text", ["learning_rate", "=1:2", "learning_rate=", "lr=1:2:3", "lr=:1", "lr=1:", "lr=[1"]
)
def test_a_malformed_override_shows_the_usage(text) -> None:
    with pytest.raises(ConfigError) as error:
        parse_range(text)
    assert str(error.value) == f"set takes {USAGE}, but got '{text}'"


def test_ranges_and_choices_become_distributions_of_the_parameters_kind() -> None:
    chosen = check("learning_rate=1e-3:1e-2", "beta1=0.95:0.99", "hidden_units=32:64")
    assert chosen["learning_rate"] == LogUniform(low=1e-3, high=1e-2)
    assert chosen["beta1"] == OneMinusLogUniform(low=0.95, high=0.99)
    assert chosen["hidden_units"] == IntUniform(low=32, high=64)
    activation = check("activation=sigmoid,relu")["activation"]
    assert activation.choices == ("relu", "sigmoid")
    assert activation.weights == (0.714285714286, 0.285714285714)


def test_an_override_may_widen_back_out_to_the_first_range() -> None:
    narrowed = SearchSpace(FIRST.complete({"learning_rate": LogUniform(low=1e-3, high=1e-2)}))
    assert check("learning_rate=1e-4:1", space=narrowed)["learning_rate"] == LogUniform(
        low=1e-4, high=1.0
    )


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (
            ["learnin_rate=1e-3:1e-2"],
            f"set NAME must name a searched hyperparameter ({SEARCHED}), but got "
            "'learnin_rate'; did you mean 'learning_rate'?",
        ),
        (
            ["layers=1:3"],
            f"set NAME must name a searched hyperparameter ({SEARCHED}), but got 'layers'",
        ),
        (
            ["epochs=1:10"],
            f"set epochs: epochs is fixed at 5 in this study, and a zoom narrows only searched "
            f"hyperparameters ({SEARCHED}); to search epochs, start a new study with a "
            "distribution for it",
        ),
        (
            ["learning_rate=1e-2:1e-3"],
            "set learning_rate: `low < high` must hold, but got low=0.01, high=0.001",
        ),
        (
            ["learning_rate=-1:1e-3"],
            "set learning_rate: low: must be > 0 on a log scale, but got -1",
        ),
        (
            ["learning_rate=abc:1e-3"],
            "set learning_rate: low: must be a number, but got 'abc'",
        ),
        (
            ["beta1=0.9:1"],
            "set beta1: high: must be inside (0, 1), as 1 − value is sampled on a log scale, "
            "but got 1",
        ),
        (
            ["hidden_units=32.5:64"],
            "set hidden_units: low: int_uniform bounds must be whole numbers, but got 32.5",
        ),
        (
            ["learning_rate=1e-5:1e-3"],
            "set learning_rate: the range must lie within the first round's, 0.0001 to 1, as a "
            "zoom never leaves it, but got 1e-05 to 0.001; to search beyond it, start a new "
            "study with wider bounds",
        ),
        (
            ["activation=relu,swish"],
            "set activation: a zoom keeps some of the study's choices (relu (50%), tanh (30%), "
            "sigmoid (20%)), but got 'swish'; to try others, start a new study",
        ),
        (
            ["activation=relu,relu"],
            "set activation: choices: must be distinct, but 'relu' is listed twice",
        ),
        (
            ["activation=1:2"],
            "set activation: activation is a choice, so write activation=CHOICE,CHOICE, "
            "but got activation=1:2",
        ),
        (
            ["learning_rate=0.01"],
            "set learning_rate: learning_rate is a log_uniform, so write "
            "learning_rate=LOW:HIGH, but got learning_rate=0.01",
        ),
        (
            ["learning_rate=1e-3:1e-2", "learning_rate=1e-3:1e-1"],
            "set learning_rate is given twice; give each hyperparameter once",
        ),
    ],
)
def test_a_bad_override_is_refused_with_the_fix(texts, message) -> None:
    with pytest.raises(ConfigError) as error:
        check(*texts)
    assert str(error.value) == message


def test_keep_choices_keeps_the_study_order_and_unweighted_stays_unweighted() -> None:
    kept = keep_choices(Choice(choices=["a", 1, True, None]), [None, "a", None, True])
    assert kept == Choice(choices=["a", True, None])  # True is not the choice 1
    assert keep_choices(FIRST.searched["activation"], ["tanh"]).weights == (1.0,)
