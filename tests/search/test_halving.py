"""Rung arithmetic, brackets and promotion: counts, ties, uneven divisions."""

import math

import pytest

from hpsearch.search.brackets import BracketState, Go, RungResult
from hpsearch.search.budget import Ladder, fewest_trials
from hpsearch.search.halving import (
    Savings,
    bracket_shares,
    kept,
    plan_brackets,
    promote,
    rung_epochs,
    split_trials,
)


@pytest.mark.parametrize(
    ("min_epochs", "eta", "epochs", "rungs"),
    [
        (1, 3, 27, [1, 3, 9, 27]),
        (1, 3, 20, [1, 3, 9, 20]),  # the last rung is the full budget, not 27
        (2, 2, 16, [2, 4, 8, 16]),
        (5, 3, 5, [5]),
        (3, 4, 10, [3, 10]),
    ],
)
def test_rungs_grow_by_eta_up_to_the_full_budget(min_epochs, eta, epochs, rungs):
    assert rung_epochs(min_epochs, eta, epochs) == rungs


def test_rungs_refuse_a_first_rung_above_the_budget():
    with pytest.raises(ValueError, match="min_epochs=30, epochs=20"):
        rung_epochs(30, 3, 20)


@pytest.mark.parametrize(
    ("n", "eta", "k"), [(27, 3, 9), (26, 3, 8), (10, 3, 3), (2, 3, 1), (0, 3, 0)]
)
def test_the_best_one_in_eta_go_on_at_least_one(n, eta, k):
    assert kept(n, eta) == k


def test_promotion_takes_the_lowest_errors_and_breaks_ties_by_trial_number():
    errors = {7: 0.10, 3: 0.20, 5: 0.10, 1: 0.30, 2: 0.05, 4: 0.20}
    decision = promote(errors, set(errors), eta=3, rung=1, epochs=3)
    assert decision.promoted == (2, 5)  # 0.05, then 0.10 of trials 5 and 7: 5 is lower
    assert sorted(decision.stopped) == [1, 3, 4, 7]
    assert decision.stopped[7] == (
        "stopped at rung 1 (3 epochs): dev error 0.100, 3rd of 6; the best 2 went on"
    )


def test_a_promotion_by_another_metric_names_it():
    errors = {0: 51.2, 1: 60.75, 2: 48.0}
    decision = promote(errors, set(errors), eta=3, rung=1, epochs=3, metric="rmse")
    assert decision.promoted == (2,)
    assert decision.stopped[1] == (
        "stopped at rung 1 (3 epochs): dev RMSE 60.75, 3rd of 3; the best went on"
    )


def test_promotion_does_not_depend_on_the_order_results_came_in():
    errors = {n: (n * 7919 % 13) / 100 for n in range(27)}
    reverse = dict(reversed(list(errors.items())))
    assert promote(errors, set(errors), eta=3, rung=1, epochs=1) == promote(
        reverse, set(reverse), eta=3, rung=1, epochs=1
    )


def test_a_slot_passes_over_trials_that_cannot_go_on_and_no_error_never_goes_on():
    errors = {0: 0.01, 1: None, 2: 0.5, 3: math.nan, 4: 0.2, 5: 0.3}
    decision = promote(errors, {1, 2, 3, 4, 5}, eta=3, rung=2, epochs=9)
    assert decision.promoted == (4, 5)  # trial 0 stopped by itself (patience): 2 slots of 6
    assert sorted(decision.stopped) == [2]  # 1 and 3 have no error: they ended by themselves
    assert decision.stopped[2].endswith("4th of 6; the best 2 went on")


def test_halving_is_one_bracket_and_plain_the_full_budget_only():
    (halving,) = plan_brackets(range(10), schedule="halving", min_epochs=1, eta=3, epochs=9)
    assert halving.rungs == (1, 3, 9) and halving.numbers == range(10)
    assert halving.sizes(3) == [10, 3, 1]
    assert halving.planned_epochs(3) == 10 * 1 + 3 * 2 + 1 * 6
    (plain,) = plan_brackets(range(4), schedule="plain", min_epochs=1, eta=3, epochs=9)
    assert plain.rungs == (9,) and plain.planned_epochs(3) == 36


def test_hyperband_brackets_follow_li_et_al():
    # R = 27 epochs, η = 3: s_max = 3; bracket sizes 27, 12, 6, 4 in the paper's Table 1 units
    assert bracket_shares(4, 3, 4) == pytest.approx([27 / 49, 12 / 49, 6 / 49, 4 / 49])
    plan = plan_brackets(range(100, 149), schedule="hyperband", min_epochs=1, eta=3, epochs=27)
    assert [len(b.numbers) for b in plan] == [27, 12, 6, 4]
    assert [b.rungs for b in plan] == [(1, 3, 9, 27), (3, 9, 27), (9, 27), (27,)]
    assert plan[1].numbers == range(127, 139)  # contiguous blocks in trial order
    assert [b.sizes(3) for b in plan] == [[27, 9, 3, 1], [12, 4, 1], [6, 2], [4]]


def test_fewer_brackets_keep_the_most_aggressive_ones():
    plan = plan_brackets(
        range(20), schedule="hyperband", min_epochs=1, eta=3, epochs=27, brackets=2
    )
    assert [b.rungs[0] for b in plan] == [1, 3]
    assert sum(len(b.numbers) for b in plan) == 20


@pytest.mark.parametrize(
    ("n", "shares"), [(10, [0.5, 0.3, 0.2]), (7, [1 / 3] * 3), (1, [0.6, 0.4])]
)
def test_uneven_splits_lose_no_trial(n, shares):
    counts = split_trials(n, shares)
    assert sum(counts) == n
    assert all(abs(c - n * s) < 1 for c, s in zip(counts, shares, strict=True))


@pytest.mark.parametrize("schedule", ["halving", "hyperband"])
def test_fewest_trials_is_the_first_count_that_fills_every_bracket(schedule):
    need = fewest_trials(Ladder(schedule, 1, 3, 20))
    for n, ok in ((need, True), (need - 1, False)):
        plan = plan_brackets(range(n), schedule=schedule, min_epochs=1, eta=3, epochs=20)
        assert all(len(b.numbers) >= 3 or len(b.rungs) == 1 for b in plan) is ok


def test_a_bracket_decides_rung_by_rung_from_its_recorded_results():
    (bracket,) = plan_brackets(range(9), schedule="halving", min_epochs=1, eta=3, epochs=9)
    state = BracketState(bracket, 3, "sync", [1, 3, 9])
    assert list(state.fresh()) == [Go(n, 1, None) for n in range(9)]
    for n in range(8):  # trial 8 still runs
        assert state.record(RungResult(n, 1, n / 10, True)).go == []
    decided = state.record(RungResult(8, 1, 0.0, True))
    assert decided.go == [Go(n, 3, 1) for n in (0, 1, 8)]
    assert [s.number for s in decided.stops] == [2, 3, 4, 5, 6, 7]
    assert decided.stops[-1].reason == (
        "stopped at rung 1 (1 epoch): dev error 0.700, 9th of 9; the best 3 went on"
    )
    assert list(state.fresh()) == []
    state.record(RungResult(0, 3, 0.3, True))
    state.record(RungResult(1, 3, 0.1, True))
    decided = state.record(RungResult(8, 3, None, False))  # 8 diverged: it ended by itself
    assert decided.go == [Go(1, 9, 3)] and [s.number for s in decided.stops] == [0]
    state.record(RungResult(1, 9, 0.05, False))
    assert state.done


def test_the_savings_say_a_budget_overrun_and_only_an_overrun():
    within = Savings("asha", tried=21, full=5, epochs=108, budget=9, allowed=108)
    assert within.sentence().endswith("every configuration to the full budget")
    unsized = Savings("asha", tried=21, full=5, epochs=140, budget=9)
    assert unsized.sentence().endswith("every configuration to the full budget")
    over = Savings("asha", tried=21, full=9, epochs=1_129, budget=9, allowed=108)
    assert over.sentence().endswith(
        "; 1,021 epochs more than the budget of 108, as asha judges a rung's first trials "
        "against few results"
    )
    synchronous = Savings("halving", tried=21, full=9, epochs=120, budget=9, allowed=108)
    assert synchronous.sentence().endswith("; 12 epochs more than the budget of 108")
