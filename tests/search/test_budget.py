"""Budget arithmetic: configurations a budget of epochs holds under each schedule, those that
reach the full budget, the fewest trials a schedule needs, the default first rung; closed
form, for any epochs and η."""

from __future__ import annotations

import math

import pytest

from hpsearch.search.budget import (
    MAX_TRIALS,
    Ladder,
    default_min_epochs,
    fewest_trials,
    outlook,
    proposal,
    trials_for_budget,
)
from hpsearch.search.halving import plan_brackets, rung_epochs

LADDERS = [
    Ladder("plain", 1, 2, 27),
    Ladder("halving", 4, 2, 27),
    Ladder("asha", 4, 2, 27),
    Ladder("asha", 1, 3, 9),
    Ladder("hyperband", 4, 2, 27),
    Ladder("hyperband", 1, 3, 27, brackets=2),
]


@pytest.mark.parametrize("ladder", LADDERS, ids=lambda ladder: f"{ladder}")
@pytest.mark.parametrize("budget", [27, 100, 27 * 27, 3 * 27 * 27, 10**6])
def test_a_budget_holds_the_most_configurations_whose_planned_epochs_fit(ladder, budget):
    n = trials_for_budget(ladder, budget)
    assert outlook(ladder, n).epochs <= budget < outlook(ladder, n + 1).epochs or n == 0


def test_plain_runs_budget_over_epochs_trials_and_a_schedule_tries_more():
    assert trials_for_budget(Ladder("plain", 1, 2, 27), 27 * 27) == 27
    asha = Ladder("asha", 4, 2, 27)
    n = trials_for_budget(asha, 27 * 27)
    planned = outlook(asha, n)
    # rungs 4, 8, 16, 27: each configuration costs 4 + 4/2 + 8/4 + 11/8 ≈ 9.4 epochs
    assert (n, planned.full) == (79, 9) and planned.epochs == 723
    assert planned.equivalent == pytest.approx(723 / 27)


def test_the_counts_follow_the_brackets():
    ladder = Ladder("hyperband", 1, 3, 27)
    plan = plan_brackets(range(49), schedule="hyperband", min_epochs=1, eta=3, epochs=27)
    planned = outlook(ladder, 49)
    assert planned.epochs == sum(b.planned_epochs(3) for b in plan)
    assert planned.full == sum(b.sizes(3)[-1] for b in plan) == 1 + 1 + 2 + 4


def test_a_budget_past_the_largest_round_says_so():
    assert trials_for_budget(Ladder("plain", 1, 2, 1), 10**9) == MAX_TRIALS + 1
    assert trials_for_budget(Ladder("hyperband", 1, 2, 10**9), 10**18) == MAX_TRIALS + 1


def brute_force_fewest(ladder: Ladder) -> int:
    for n in range(1, 100_000):
        if all(len(b.numbers) >= ladder.eta or len(b.rungs) == 1 for b in ladder.plan(n)):
            return n
    raise AssertionError


@pytest.mark.parametrize("schedule", ["halving", "asha", "hyperband"])
@pytest.mark.parametrize(("min_epochs", "eta", "epochs"), [(1, 3, 20), (1, 2, 27), (3, 2, 81)])
def test_fewest_trials_is_the_first_count_that_fills_every_bracket(
    schedule, min_epochs, eta, epochs
):
    ladder = Ladder(schedule, min_epochs, eta, epochs)
    assert fewest_trials(ladder) == brute_force_fewest(ladder)


@pytest.mark.parametrize(
    ("ladder", "need"),
    [
        (Ladder("hyperband", 1, 2, 10**6), 211_009),
        (Ladder("hyperband", 1, 2, 10**9), 71_762_287),  # more than a round may have
        (Ladder("halving", 1, 100_000, 27), 100_000),
        (Ladder("hyperband", 1, 10**7, 10**9), 10**7),
    ],
)
def test_fewest_trials_is_closed_form_for_huge_ladders(ladder, need):
    """A search over trial counts took seconds at 10⁵ epochs and never returned at 10⁹."""
    assert fewest_trials(ladder) >= need > 0


@pytest.mark.parametrize("eta", [2, 3, 4])
@pytest.mark.parametrize("epochs", [1, 2, 5, 9, 10, 20, 27, 50, 81, 100, 300, 10**6])
def test_the_default_first_rung_is_about_a_ninth_with_a_whole_last_step(epochs, eta):
    first = default_min_epochs(epochs, eta)
    rungs = rung_epochs(first, eta, epochs)
    assert len(rungs) == 1 or rungs[-1] >= rungs[-2] * math.sqrt(eta)
    assert first <= max(3, epochs / 9 * eta**2)
    assert default_min_epochs(27, 2) == 4 and default_min_epochs(27, 3) == 3


def test_a_wide_first_search_is_proposed_under_the_asynchronous_schedule():
    from hpsearch.search.space import Choice, IntUniform, LogUniform, SearchSpace

    wide = SearchSpace({"learning_rate": LogUniform(low=1e-5, high=1.0)})
    assert proposal(wide, 27, 27) == {"schedule": "asha", "budget": 729}
    narrow = SearchSpace(
        {"learning_rate": LogUniform(low=1e-3, high=1e-1), "layers": IntUniform(low=1, high=3)}
    )
    assert proposal(narrow, 27, 27) == {"trials": 27}
    many = SearchSpace(
        {
            **narrow.searched,
            "hidden_units": IntUniform(low=16, high=64),
            "activation": Choice(choices=["relu", "tanh"]),
        }
    )
    assert proposal(many, 20, 24) == {"schedule": "asha", "budget": 480}
    # about three configurations per full trial's epochs, at the defaults
    assert trials_for_budget(Ladder("asha", 4, 2, 27), 729) / 27 == pytest.approx(2.9, abs=0.1)
