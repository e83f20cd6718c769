"""The store's partial reads agree with reading every trial: the SQL ranking is `rank`, the
trial groups are the counts, a numbered read is those records."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from pathlib import Path

from hpsearch.search.ranking import rank
from hpsearch.trial import TrialResult, TrialSpec, TrialState
from tests.store.test_store import new_store

ERRORS = [0.1, 0.1, 0.2, 0.0, -0.0, math.inf, -math.inf, math.nan, None, 0.3]


def awkward_trials(n: int, seed: int = 0) -> list[tuple[TrialSpec, TrialResult]]:
    """Every state, ties on every key of the ranking, and every kind of missing number."""
    rng = random.Random(seed)
    trials = []
    for number in range(n):
        result = TrialResult(
            number, number % 3, rng.choice(list(TrialState)),
            dev_error=rng.choice(ERRORS), dev_cost=rng.choice(ERRORS),
            epochs=rng.choice([1, 3, 9]), duration_s=rng.choice([0.5, 1.0]),
            engine=rng.choice(["numpy", "numba", ""]),
        )  # fmt: skip
        trials.append((TrialSpec(number, number % 3, {"x": number}, seed=number), result))
    return trials


def test_the_sql_ranking_is_rank_with_each_trials_place(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        for round in range(3):
            store.add_round({}, "random", 200, 200 * round)
        store.add_finished(awkward_trials(600))
        records = store.trials()
        expected = rank(records)
        assert [r.number for _, r in store.ranked()] == [r.number for r in expected]
        places = {r.number: place for place, r in enumerate(expected, start=1)}
        for round, states in itertools.product((None, 1), (None, [TrialState.COMPLETE])):
            got = store.ranked(7, round=round, states=states)
            want = [
                r for r in expected
                if round in (None, r.round) and (states is None or r.state in states)
            ][:7]  # fmt: skip
            assert [(place, r.number) for place, r in got] == [
                (places[r.number], r.number) for r in want
            ]
            assert [r for _, r in got] == want


def test_trial_groups_count_what_a_full_read_counts(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        for round in range(3):
            store.add_round({}, "random", 100, 100 * round)
        store.add_finished(awkward_trials(300))
        records = store.trials()
        groups = store.trial_groups(budget=3)
        assert Counter({(t.round, t.state, t.engine): t.n_trials for t in groups}) == Counter(
            (r.round, r.state, r.engine) for r in records
        )
        assert sum(t.full for t in groups) == sum(r.epochs >= 3 for r in records)
        assert sum(t.epochs for t in groups) == sum(r.epochs for r in records)
        complete = [
            (r.number, r.dev_error) for r in records
            if r.state is TrialState.COMPLETE and r.dev_error is not None
            and math.isfinite(r.dev_error)
        ]  # fmt: skip
        assert store.complete_errors() == complete
        assert store.numbered([250, 3, 9999, 17]) == [records[3], records[17], records[250]]
