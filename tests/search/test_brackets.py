"""A bracket fed its results in any order makes the same decisions: for every rule, whatever
trials run at once and whichever finishes first."""

from __future__ import annotations

import random

import pytest

from hpsearch.search.brackets import BracketState, Go, RungResult
from hpsearch.search.halving import plan_brackets

RUNGS = [1, 2, 4, 8]


def value(number: int, epochs: int) -> float | None:
    """A dev error per trial and rung; a few trials diverge, a few end by themselves."""
    if number % 11 == 5 and epochs >= 2:
        return None
    return round(((number * 7919 + epochs * 104729) % 1000) / 1000 / epochs**0.3, 3)


def result(go: Go) -> RungResult:
    error = value(go.number, go.until)
    ends = error is None or go.number % 13 == 3  # diverged, or stopped by its own patience
    return RungResult(go.number, go.until, error, go.until < RUNGS[-1] and not ends)


def simulate(rule: str, trials: int, workers: int, pick, eta: int = 2) -> dict:
    """Runs one bracket as the driver does: `workers` trials at a time, promotions first; `pick`
    chooses which running trial finishes next. Returns each trial's fate."""
    (bracket,) = plan_brackets(
        range(100, 100 + trials), schedule="halving", min_epochs=1, eta=eta, epochs=8
    )
    state = BracketState(bracket, eta, rule, RUNGS)
    fresh, promoted, running, fate = state.fresh(), [], [], {}
    while True:
        while len(running) < workers:
            if promoted:
                running.append(promoted.pop(0))
            elif (go := next(fresh, None)) is not None:
                running.append(go)
            else:
                break
        if not running:
            return fate
        go = running.pop(pick(running))
        decided = state.record(result(go))
        fate[go.number] = ("ran", go.until)
        fate |= {stop.number: ("stopped", stop.epochs, stop.reason) for stop in decided.stops}
        promoted = sorted(promoted + decided.go, key=lambda g: (-g.until, g.number))


ORDERS = {
    "first started": lambda running: 0,
    "last started": lambda running: len(running) - 1,
    "highest number": lambda running: max(range(len(running)), key=lambda i: running[i].number),
    "longest rung last": lambda running: min(range(len(running)), key=lambda i: running[i].until),
}


def random_order(seed: int):
    """Which running trial finishes next: any, at random."""
    rng = random.Random(seed)
    return lambda running: rng.randrange(len(running))


@pytest.mark.parametrize("rule", ["sync", "async"])
@pytest.mark.parametrize("trials", [1, 7, 40])
def test_every_completion_order_and_worker_count_makes_the_same_decisions(rule, trials):
    alone = simulate(rule, trials, 1, ORDERS["first started"])
    assert any(f[0] == "stopped" for f in alone.values()) == (trials > 1)
    for workers in (2, 3, 8):
        for order in ORDERS.values():
            assert simulate(rule, trials, workers, order) == alone
        for seed in range(5):
            assert simulate(rule, trials, workers, random_order(workers * 10 + seed)) == alone


@pytest.mark.parametrize("rule", ["sync", "async"])
def test_results_replayed_in_any_order_decide_as_they_did(rule):
    """A resumed run feeds the recorded rungs back in whatever order the store lists them."""
    (bracket,) = plan_brackets(range(30), schedule="halving", min_epochs=1, eta=2, epochs=8)
    first = BracketState(bracket, 2, rule, RUNGS)
    recorded, todo = [], list(first.fresh())
    stops = []
    while todo:
        go = todo.pop(0)
        recorded.append(result(go))
        decided = first.record(recorded[-1])
        todo += decided.go
        stops += decided.stops
    for seed in range(5):
        shuffled = recorded[:]
        random.Random(seed).shuffle(shuffled)
        again = BracketState(bracket, 2, rule, RUNGS)
        replayed = [s for r in shuffled for s in again.record(r).stops]
        assert sorted(replayed, key=lambda s: s.number) == sorted(stops, key=lambda s: s.number)
        assert again.done and list(again.fresh()) == []


def test_the_asynchronous_rule_waits_for_the_trials_numbered_before():
    (bracket,) = plan_brackets(range(4), schedule="asha", min_epochs=1, eta=2, epochs=8)
    state = BracketState(bracket, 2, "async", RUNGS)
    assert state.record(RungResult(1, 1, 0.1, True)).go == []  # trial 0's result decides it
    decided = state.record(RungResult(0, 1, 0.5, True))
    assert decided.go == [Go(0, 2, 1), Go(1, 2, 1)]  # each the best so far among 0..i
    assert [s.number for s in state.record(RungResult(2, 1, 0.3, True)).stops] == [2]
    stop = state.record(RungResult(3, 1, 0.9, True)).stops[0]
    assert stop.reason == (
        "stopped at rung 1 (1 epoch): dev error 0.900; the best 2 of the 4 trials up to trial 3 "
        "at this rung went on (dev error 0.300 or lower)"
    )


def test_a_trial_that_ties_the_one_that_took_the_place_stops_and_is_told_why():
    (bracket,) = plan_brackets(range(2), schedule="asha", min_epochs=1, eta=2, epochs=8)
    state = BracketState(bracket, 2, "async", RUNGS)
    assert state.record(RungResult(0, 1, 0.25, True)).go == [Go(0, 2, 1)]
    (stop,) = state.record(RungResult(1, 1, 0.25, True)).stops
    assert stop.reason == (
        "stopped at rung 1 (1 epoch): dev error 0.250; the best of the 2 trials up to trial 1 "
        "at this rung went on (dev error 0.250 or lower, the earlier trials at that value first)"
    )


def test_a_plain_bracket_decides_nothing_and_lists_every_trial():
    (bracket,) = plan_brackets(range(3), schedule="plain", min_epochs=1, eta=2, epochs=8)
    state = BracketState(bracket, 2, "plain", [8])
    assert [go.number for go in state.fresh()] == [0, 1, 2]
    assert state.record(RungResult(0, 8, 0.1, False)).go == []
