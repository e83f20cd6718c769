"""Running a study through the library: resume, refusals, saved models, failures as data."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from hpsearch.config import parse_config
from hpsearch.data import load_dataset
from hpsearch.errors import StoreError
from hpsearch.execution.factory import make_executor
from hpsearch.execution.worker import worker_id
from hpsearch.search.ranking import rank
from hpsearch.store.study_store import StudyStore
from hpsearch.study.run import Execution, Observer, run_study
from hpsearch.trial import TrialSpec, TrialState
from tests import study_trials
from tests.conftest import iris_yaml

IRIS = iris_yaml(
    high=16, epochs=5, batch_size=True, search="trials: %(trials)d, seed: 3, keep_models: 2"
)


BASE = {"epochs": 5, "batch_size": 32}


def config(trials: int = 6, text: str = IRIS):
    return parse_config(text % {"trials": trials}, "iris.yaml")


def run(tmp_path, trials: int = 6, workers: int = 1, **options):
    study = config(trials, options.pop("text", IRIS))
    return run_study(study, tmp_path, Execution.of(study.search, workers=workers), **options)


def rows(outcome) -> list[tuple]:
    return [(r.number, r.round, r.params, r.seed, r.state, r.dev_error) for r in outcome.records]


def test_a_study_runs_every_trial_and_keeps_the_best_models(tmp_path) -> None:
    outcome = run(tmp_path)
    assert outcome.exit_code == 0 and not outcome.interrupted
    assert [r.number for r in outcome.records] == list(range(6))
    assert all(r.state is TrialState.COMPLETE and r.epochs == 5 for r in outcome.records)
    best = {r.number for r in rank(outcome.records)[:2]}
    saved = {int(p.stem.removeprefix("trial-")) for p in (tmp_path / "iris/models").iterdir()}
    assert saved == best


def test_a_study_keeps_its_split_sizes_and_a_resume_adds_them_to_an_older_one(tmp_path) -> None:
    run(tmp_path, trials=2)
    with StudyStore.open(tmp_path / "iris") as store:
        assert store.info.splits == {"train": 90, "dev": 30, "test": 30}  # iris: 60/20/20
    with sqlite3.connect(tmp_path / "iris" / "study.db") as conn:  # as a study of before
        conn.execute("UPDATE study SET splits = '{}'")
    run(tmp_path, trials=3)
    with StudyStore.open(tmp_path / "iris") as store:
        assert store.info.splits == {"train": 90, "dev": 30, "test": 30}


def test_the_same_seed_gives_the_same_trials_on_one_or_two_workers(tmp_path) -> None:
    alone = run(tmp_path / "one", workers=1)
    together = run(tmp_path / "two", workers=2)
    assert rows(alone) == rows(together)
    assert {r.worker for r in alone.records} == {worker_id()}, "one worker runs in-process"
    assert worker_id() not in {r.worker for r in together.records}


def test_a_larger_trials_count_extends_the_study_and_keeps_what_ran(tmp_path) -> None:
    first = run(tmp_path, trials=4)
    second = run(tmp_path, trials=6)
    assert rows(second)[:4] == rows(first)
    assert [r.number for r in second.records] == list(range(6))
    assert [r.started for r in second.records[:4]] == [r.started for r in first.records]


def test_interrupted_and_orphaned_trials_run_again_with_their_seed(tmp_path) -> None:
    complete = run(tmp_path, trials=4)
    with sqlite3.connect(tmp_path / "iris/study.db") as conn:  # as a driver that died leaves them
        conn.execute("UPDATE trials SET state = 'running', dev_error = NULL WHERE number = 2")
        conn.execute("UPDATE trials SET state = 'interrupted', dev_error = NULL WHERE number = 3")
    resumed = run(tmp_path, trials=4)
    assert rows(resumed) == rows(complete)
    assert [r.started for r in resumed.records[:2]] == [r.started for r in complete.records[:2]]


def test_a_changed_config_is_refused_and_the_store_left_unchanged(tmp_path) -> None:
    run(tmp_path, trials=4)
    before = (tmp_path / "iris/study.db").read_bytes()
    changed = IRIS.replace("high: 16", "high: 32")
    with pytest.raises(StoreError) as refusal:
        run(tmp_path, trials=4, text=changed)
    assert str(refusal.value) == (
        "study 'iris' was made with another config: hyperparameters.hidden_units.high: 16 → 32. "
        "To run the changed config, start afresh with `hpsearch run CONFIG --new` (the old study "
        "is kept, renamed), or give it a new `name:` in its file; to resume the study, undo the "
        "change"
    )
    assert (tmp_path / "iris/study.db").read_bytes() == before


def test_new_sets_the_old_study_aside(tmp_path) -> None:
    run(tmp_path, trials=2)
    outcome = run(tmp_path, trials=3, text=IRIS.replace("high: 16", "high: 32"), new=True)
    assert len(outcome.records) == 3
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("iris.")]
    assert len(aside) == 1 and len(StudyStore.open(aside[0]).trials()) == 2


def test_a_second_run_of_a_running_study_is_refused(tmp_path) -> None:
    run(tmp_path, trials=1)
    with StudyStore.open(tmp_path / "iris", writer=True), pytest.raises(StoreError) as refusal:
        run(tmp_path, trials=2)
    assert str(refusal.value).startswith("study 'iris' is being run by pid ")


def test_a_raising_trial_is_recorded_as_failed_and_the_others_complete(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr("hpsearch.study.run.run_trial", study_trials.raising_on_trial_2)
    outcome = run(tmp_path, trials=4, workers=2)
    states = [r.state for r in outcome.records]
    assert states == ["complete", "complete", "failed", "complete"]
    failed = outcome.records[2]
    assert failed.message == "RuntimeError: trial 2 broke" and "RuntimeError" in failed.traceback
    assert outcome.exit_code == 1
    assert rank(outcome.records)[-1].number == 2


def test_a_worker_killed_once_reruns_its_trial_and_keeps_the_others(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HPSEARCH_TEST_MARKERS", str(tmp_path))
    monkeypatch.setattr("hpsearch.study.run.run_trial", study_trials.killing_worker_on_trial_1)
    outcome = run(tmp_path, trials=4, workers=2)
    assert (tmp_path / "killed-1").exists(), "the worker of trial 1 died once"
    assert [r.number for r in outcome.records] == list(range(4))
    assert [r.state for r in outcome.records] == ["complete"] * 4
    assert rows(outcome) == rows(run(tmp_path / "calm", trials=4, workers=1))


DIVERGING = IRIS.replace(
    "learning_rate: {distribution: log_uniform, low: 1e-3, high: 1e-1}",
    "learning_rate: {distribution: choice, choices: [10.0, 0.01]}\n  batchnorm: false",
)


def test_diverging_trials_stop_in_their_first_epoch_and_never_rank_first(tmp_path) -> None:
    outcome = run(tmp_path, trials=6, text=DIVERGING)
    diverged = [r for r in outcome.records if r.state is TrialState.DIVERGED]
    assert diverged and all(r.params["learning_rate"] == 10.0 for r in diverged)
    assert all(r.epochs == 1 and r.message for r in diverged)
    assert rank(outcome.records)[0].state is TrialState.COMPLETE
    assert outcome.exit_code == 0


def test_panda_mode_reports_each_epoch_as_it_trains(tmp_path) -> None:
    seen = []

    class Epochs(Observer):
        def epoch(self, number: int, epoch: int, row: dict[str, float]) -> None:
            seen.append((number, epoch))
            assert set(row) >= {"train_cost", "train_error", "dev_error"}

    run(tmp_path, trials=2, workers=1, observer=Epochs())
    assert seen == [(n, e) for n in range(2) for e in range(1, 6)]


def test_the_store_passes_its_integrity_check(tmp_path) -> None:
    run(tmp_path, trials=2)
    with sqlite3.connect(tmp_path / "iris/study.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_workers_get_train_and_dev_but_never_the_test_split(tmp_path, monkeypatch) -> None:
    given = []

    def recording(trial_fn, context, **options):
        given.append(context)
        return make_executor(trial_fn, context, **options)

    monkeypatch.setattr("hpsearch.study.run.make_executor", recording)
    run(tmp_path, trials=1)
    dataset = load_dataset(config().data)
    (context,) = given
    arrays = [value for value in vars(context).values() if isinstance(value, np.ndarray)]
    assert len(arrays) == 4 and not hasattr(context, "X_test")
    assert all(not np.shares_memory(a, dataset.X_test) for a in arrays)
    sent = {a.tobytes() for a in arrays}
    assert dataset.X_test.tobytes() not in sent and dataset.y_test.tobytes() not in sent
    assert context.X_train.tobytes() == dataset.X_train.tobytes()


def test_the_first_trials_are_the_ones_this_seed_always_gave(tmp_path) -> None:
    """Fixed values, not the sampler's own output: a change to how trials are drawn from the
    seed would silently change every existing study's resume."""
    records = run(tmp_path, trials=2).records
    new = {**BASE, "keep_best_epoch": True}  # a new study's default, fixed: it draws nothing
    assert [r.spec for r in records] == [
        TrialSpec(0, 0, {**new, "learning_rate": 0.010339195907952764, "hidden_units": 16},
                  seed=7218073595935665271),
        TrialSpec(1, 0, {**new, "learning_rate": 0.0130317047081414, "hidden_units": 15},
                  seed=8780201594564811036),
    ]  # fmt: skip


def test_specs_are_planned_from_the_seed(tmp_path) -> None:
    outcome = run(tmp_path, trials=2)
    again = run(tmp_path / "again", trials=2)
    assert [r.spec for r in outcome.records] == [r.spec for r in again.records]
    assert all(isinstance(r.spec, TrialSpec) for r in outcome.records)


def test_a_trial_past_its_timeout_is_recorded_as_timed_out(tmp_path) -> None:
    slow = IRIS.replace("epochs: 5", "epochs: 100000").replace(
        "keep_models: 2", "trial_timeout: 0.3"
    )
    outcome = run(tmp_path, trials=2, workers=2, text=slow)
    assert [r.state for r in outcome.records] == ["timed_out", "timed_out"]
    assert all(0.25 <= r.duration_s < 5 and r.dev_error is not None for r in outcome.records)
    assert all(r.message.startswith("deadline passed in epoch") for r in outcome.records)
    assert outcome.exit_code == 3, "no trial completed: nothing usable"


DIGITS = """\
name: digits
data: {dataset: digits}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-3, high: 1e-1}
  hidden_units: {distribution: int_uniform, low: 96, high: 160}
  epochs: 12
search: {trials: %(trials)d, seed: 5}
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", "dask"])
def test_every_backend_gives_bit_identical_trials(tmp_path, backend) -> None:
    """Networks large enough for BLAS to split its products over threads, were it allowed to."""
    alone = run(tmp_path / "alone", trials=4, workers=1, text=DIGITS)
    study = config(4, DIGITS)
    execution = Execution.of(study.search, workers=2, backend=backend)
    parallel = run_study(study, tmp_path / backend, execution)
    assert rows(parallel) == rows(alone)
    assert [r.curves for r in parallel.records] == [r.curves for r in alone.records]
