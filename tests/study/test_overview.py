import pytest

from hpsearch.errors import ConfigError
from hpsearch.search.ranking import rank
from hpsearch.store.study_store import StudyStore
from hpsearch.study.overview import ShowOptions, view_study
from hpsearch.study.snapshot import read_snapshot
from hpsearch.trial import TrialResult, TrialState
from tests.results_cases import make_study

OTHERS = {
    2: TrialState.FAILED,
    3: TrialState.DIVERGED,
    5: TrialState.TIMED_OUT,
    7: TrialState.INTERRUPTED,
    15: TrialState.RUNNING,
}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("runs"), trials=12, zoomed=4, others=OTHERS)


def test_rows_are_the_complete_trials_in_rank_order(study) -> None:
    view = view_study(read_snapshot(study), ShowOptions(top=None), summary=False)
    with StudyStore.open(study) as store:
        ranked = [r.number for r in rank(store.trials()) if r.state is TrialState.COMPLETE]
    assert [row.record.number for row in view.rows] == ranked
    assert [row.rank for row in view.rows] == list(range(1, 12))
    assert view.best is not None and view.best.record.number == ranked[0]
    assert list(view.rows[0].params) == ["learning_rate", "beta1", "hidden_units", "activation"]
    assert view.fixed == {"epochs": 5, "keep_best_epoch": True} and view.rounds == 2
    assert view.importance is None


def test_all_adds_every_other_state_after_the_complete_ones(study) -> None:
    view = view_study(read_snapshot(study), ShowOptions(top=None, all=True))
    states = [row.record.state for row in view.rows]
    assert states[:11] == [TrialState.COMPLETE] * 11
    assert set(states[11:]) == set(OTHERS.values())
    assert view.counts[TrialState.COMPLETE] == 11 and view.considered == 16
    assert view.importance is not None


def test_top_round_and_sort_choose_the_rows(study) -> None:
    view = view_study(read_snapshot(study), ShowOptions(top=2, round=1, sort="trial"))
    assert [row.record.number for row in view.rows] == [12, 13]
    assert view.counts[TrialState.RUNNING] == 1 and sum(view.counts.values()) == 4
    everyone = view_study(read_snapshot(study), ShowOptions(top=None), summary=False)
    places = {row.record.number: row.rank for row in everyone.rows}
    assert [row.rank for row in view.rows] == [places[12], places[13]]  # the study's ranks


def test_the_target_error_of_the_options_overrides_the_configs(study) -> None:
    plain = view_study(read_snapshot(study), ShowOptions(top=1), summary=False)
    assert plain.target_error is None and plain.rows[0].diagnosis == "both"
    blurry = view_study(read_snapshot(study), ShowOptions(top=1, target_error=0.03), summary=False)
    assert blurry.target_error == 0.03 and blurry.rows[0].diagnosis == "variance"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ShowOptions(round=2), "round must be one of the study's rounds (0, 1), but got 2"),
        (ShowOptions(top=0), "top must be at least 1, but got 0"),
        (ShowOptions(sort="speed"), "sort must be one of dev_error, train_error, duration, "
         "trial, learning_rate, beta1, hidden_units, activation, but got 'speed'"),
    ],
)  # fmt: skip
def test_bad_options_say_what_must_hold(study, options, message) -> None:
    with pytest.raises(ConfigError) as error:
        view_study(read_snapshot(study), options)
    assert str(error.value) == message


def test_a_study_is_shown_while_its_runner_holds_it_and_writes(tmp_path) -> None:
    folder = make_study(tmp_path, trials=8, others={7: TrialState.RUNNING})
    with StudyStore.open(folder, writer=True) as writer:
        assert view_study(read_snapshot(folder), ShowOptions(), summary=False).complete == 7
        with StudyStore.open(folder) as reader:
            record = reader.trial(7)
        writer.record(_finished(record))
        assert view_study(read_snapshot(folder), ShowOptions(), summary=False).complete == 8


def _finished(record) -> TrialResult:
    return TrialResult(
        record.number, record.round, TrialState.COMPLETE,
        dev_error=0.5, train_error=0.25, dev_cost=1.0, train_cost=0.5, epochs=5,
    )  # fmt: skip


def test_the_importance_a_run_kept_is_used_only_while_the_study_holds_its_trials(
    tmp_path, monkeypatch
) -> None:
    import hpsearch.study.overview as overview
    from hpsearch.study.snapshot import snapshot_of

    folder = make_study(tmp_path, trials=30, others={29: TrialState.RUNNING})
    estimated = view_study(read_snapshot(folder), ShowOptions()).importance
    with StudyStore.open(folder, writer=True) as store:
        overview.keep_importance(store, view_study(snapshot_of(store), ShowOptions()))
    made: list[int] = []
    real = overview.importance_of
    monkeypatch.setattr(overview, "importance_of", lambda *a, **k: made.append(1) or real(*a, **k))
    assert view_study(read_snapshot(folder), ShowOptions()).importance == estimated
    assert made == [], "read from the study, not estimated again"
    assert view_study(read_snapshot(folder), ShowOptions(round=0)).importance == estimated
    assert made == [1], "kept for every round, not for round 0 alone"
    with StudyStore.open(folder, writer=True) as store:
        store.record(_finished(store.trial(29)))
    after = view_study(read_snapshot(folder), ShowOptions()).importance
    assert made == [1, 1] and after.n_trials == estimated.n_trials + 1, "never stale"
