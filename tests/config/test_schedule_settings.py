"""The schedule's and the budget's settings: what they settle in the study file, and each
mistake as a message at its key, at once, whatever the epochs and η."""

from __future__ import annotations

import pytest

from hpsearch.config import parse_config
from hpsearch.errors import ConfigError

STUDY = """\
name: sized
data: {dataset: iris}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-4, high: 1}
  epochs: %(epochs)s
search: {%(search)s}
"""


def config(search: str, epochs: str = "27"):
    return parse_config(STUDY % {"search": search, "epochs": epochs}, "sized.yaml")


def problem(search: str, epochs: str = "27") -> str:
    with pytest.raises(ConfigError) as refused:
        config(search, epochs)
    return str(refused.value)


def test_a_budget_in_epochs_sizes_the_first_round():
    assert config("budget: 729").search.trials == 27  # plain: budget ÷ epochs
    asha = config("budget: 729, schedule: asha").search
    assert (asha.trials, asha.min_epochs, asha.eta) == (79, 4, 2)
    assert config("budget: 729, schedule: hyperband").search.trials == 46


def test_the_first_rung_and_eta_default_to_a_ninth_and_two_and_are_part_of_the_identity():
    study = config("schedule: halving, trials: 30")
    assert study.study_identity()["schedule"] == {
        "schedule": "halving", "min_epochs": 4, "eta": 2, "brackets": None,
    }  # fmt: skip
    assert config("schedule: halving, trials: 30, min_epochs: 2, eta: 3").search.min_epochs == 2


@pytest.mark.parametrize(
    ("search", "epochs", "message"),
    [
        (
            "budget: 100, trials: 4",
            "27",
            "sized.yaml, line 6: search.budget: is given with search.trials, and both size the "
            "first round; keep one: budget (the epochs it trains in all) or trials (how many "
            "configurations)",
        ),
        (
            "budget: 100",
            "{distribution: int_uniform, low: 1, high: 9}",
            "sized.yaml, line 6: search.budget: counts epochs, so hyperparameters.epochs must be "
            "one fixed value (the epochs of a full trial), not searched; or give search.trials "
            "instead",
        ),
        (
            "budget: 20",
            "27",
            "sized.yaml, line 6: search.budget: must hold one full trial: at least 27 epochs, "
            "but got 20",
        ),
        (
            "budget: 20, schedule: asha",
            "27",
            "sized.yaml, line 6: search.budget: must hold the 2 configurations schedule: asha "
            "with eta=2 needs: at least 31 epochs, but got 20",
        ),
        (
            "budget: 100000000",
            "1",
            "sized.yaml, line 6: search.budget: holds more than 1,000,000 configurations of 1 "
            "epochs under schedule: plain, the most a round may have, but got 100,000,000; "
            "lower it",
        ),
    ],
)
def test_a_budget_that_holds_no_round_says_what_it_holds(search, epochs, message):
    assert problem(search, epochs) == message


@pytest.mark.parametrize(
    ("search", "epochs", "needs"),
    [
        (
            "schedule: hyperband, eta: 2, min_epochs: 1, trials: 20",
            "1000000",
            "needs at least 211009 trials",
        ),
        (
            "schedule: hyperband, eta: 2, min_epochs: 1, trials: 20",
            "1000000000",
            "more than a round may have",
        ),
        ("schedule: halving, eta: 100000, trials: 20", "27", "needs at least 100000 trials"),
        ("schedule: asha, eta: 10000000, trials: 20", "1000000000", "more than a round may"),
    ],
)
def test_huge_epochs_or_eta_are_a_message_at_once(search, epochs, needs):
    """These hung `check` (a search over trial counts) or ended in a ValueError traceback."""
    message = problem(search, epochs)
    assert message.startswith("sized.yaml, line 6: search.trials: schedule: ") and needs in message
