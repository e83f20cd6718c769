"""The asynchronous schedule's rule as a pure function: Optuna's top-⌊m/η⌋ over the trials
numbered up to each one, in trial order, an earlier tied trial that went on holding its place;
ties, uneven counts and missing values."""

from __future__ import annotations

import math
import random

import pytest

from hpsearch.search.asha import AsyncRung, decide_in_order, slots


def optuna_rule(values: list[float], eta: int) -> list[bool]:
    """Optuna's `_is_trial_promotable_to_next_rung`, written out: each value against the sorted
    values up to it, its own included."""
    decided = []
    for i, value in enumerate(values):
        competing = sorted(values[: i + 1])
        index = max(0, len(competing) // eta - 1)
        decided.append(value <= competing[index] and math.isfinite(value))
    return decided


def tie_rule(values: list[float], eta: int) -> list[bool]:
    """The rule with ties, written out: a trial goes on while fewer than ⌊m/η⌋ (at least 1) of
    the trials before it are better, or tie with it and went on."""
    decided = []
    for i, value in enumerate(values):
        ahead = sum(
            v < value or (v == value and went) for v, went in zip(values[:i], decided, strict=True)
        )
        decided.append(ahead < max(1, (i + 1) // eta) and math.isfinite(value))
    return decided


@pytest.mark.parametrize("eta", [2, 3, 4])
def test_without_ties_the_rule_is_optunas_over_the_trials_numbered_up_to_each(eta):
    rng = random.Random(eta)
    for _ in range(50):
        values = [rng.random() for _ in range(rng.randint(1, 60))]
        assert decide_in_order(values, eta) == optuna_rule(values, eta)


@pytest.mark.parametrize("eta", [2, 3, 4])
def test_with_ties_an_earlier_tied_trial_that_went_on_holds_its_place(eta):
    rng = random.Random(eta)
    for _ in range(200):
        values = [
            rng.choice([rng.random(), round(rng.random(), 1), math.inf])
            for _ in range(rng.randint(1, 60))
        ]
        assert decide_in_order(values, eta) == tie_rule(values, eta)


def test_the_first_trials_go_on_while_they_are_the_best_so_far():
    # fewer than η results: only a value at or below every one before it goes on
    assert decide_in_order([0.5, 0.6, 0.4], 4) == [True, False, True]
    # from η results on, the best ⌊m/η⌋: the 4th of 0.5, 0.6, 0.4, 0.45 is within the best 2
    assert decide_in_order([0.5, 0.6, 0.4, 0.45], 2) == [True, False, True, True]
    assert [slots(m, 3) for m in range(1, 10)] == [1, 1, 1, 1, 1, 2, 2, 2, 3]


def test_ties_take_the_places_a_rung_has_and_missing_values_never_go_on():
    # Optuna would promote all four: each is at or below the 2nd lowest of the rung so far
    assert decide_in_order([0.2, 0.2, 0.2, 0.2], 2) == [True, False, False, True]
    assert sum(decide_in_order([0.25] * 90, 3)) == 30  # a rung of ties: its ⌊m/η⌋ go on
    # a stopped tie is no obstacle: the 4th trial ties the 2nd, which stopped
    assert decide_in_order([0.1, 0.3, 0.5, 0.3], 2) == [True, False, False, True]
    assert decide_in_order([None, math.nan, 0.3, math.inf, 0.1], 2) == [
        False, False, True, False, True,
    ]  # fmt: skip


def test_a_verdict_says_the_threshold_it_was_held_to():
    rung = AsyncRung(2)
    for value in (0.5, 0.2, 0.4):
        rung.add(value)
    verdict = rung.add(0.45)  # 4 results: the best 2 are 0.2 and 0.4
    assert (verdict.promoted, verdict.threshold, verdict.slots, verdict.count) == (
        False, 0.4, 2, 4,
    )  # fmt: skip
    assert not verdict.tied
    rung = AsyncRung(2)
    rung.add(0.3)
    tie = rung.add(0.3)  # 2 results, 1 place, taken by the first 0.3
    assert (tie.promoted, tie.threshold, tie.tied) == (False, 0.3, True)


def test_the_last_trials_of_a_budget_are_held_to_all_the_trials_before_them():
    """No rung is 'closed' at the end: the last trial faces every earlier result, however few
    trials come after it."""
    values = [i / 100 for i in range(20)]  # each worse than every one before it
    decided = decide_in_order(values, 2)
    assert decided[0] and not any(decided[1:])
    assert decide_in_order([*values, -1.0], 2)[-1]  # a last trial better than all goes on


def test_a_verdict_costs_log_time_on_a_long_rung():
    rung = AsyncRung(3)
    rng = random.Random(0)
    for _ in range(200_000):
        rung.add(rng.random())
    assert rung.count == 200_000


def test_it_equals_optunas_pruner_run_on_one_worker():
    """The same table of dev errors through Optuna's SuccessiveHalvingPruner, one trial after
    another, and through the rule: every trial stops at the same rung."""
    optuna = pytest.importorskip("optuna")
    from hpsearch.search.brackets import BracketState, RungResult
    from hpsearch.search.halving import plan_brackets

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = random.Random(7)
    n, rungs = 40, [1, 2, 4, 8]
    values = {(t, e): rng.random() for t in range(n) for e in rungs}
    study = optuna.create_study(
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    reached = {}

    def objective(trial):
        for step in range(1, 9):
            trial.report(values.get((trial.number, step), 0.5), step)
            reached[trial.number] = step
            if step < 8 and trial.should_prune():
                raise optuna.TrialPruned()
        return values[trial.number, 8]

    study.optimize(objective, n_trials=n)
    (bracket,) = plan_brackets(range(n), schedule="asha", min_epochs=1, eta=2, epochs=8)
    state, ours = BracketState(bracket, 2, "async", rungs), {}
    for go in state.fresh():  # one worker: each trial to its end before the next
        todo = [go]
        while todo:
            go = todo.pop()
            ours[go.number] = go.until
            paused = go.until < 8
            todo += state.record(
                RungResult(go.number, go.until, values[go.number, go.until], paused)
            ).go
    assert ours == reached
