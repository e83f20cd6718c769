"""A study under a halving schedule: the same promotions and table on every backend and worker
count and after a crash and resume, without retraining a finished rung."""

from __future__ import annotations

import sqlite3

import pytest

from hpsearch.config import parse_config
from hpsearch.errors import StoreError
from hpsearch.search.ranking import rank
from hpsearch.study.run import Execution, Observer, run_study
from hpsearch.trial import TrialState

HALVING = """\
name: halving
data: {dataset: digits}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-3, high: 3e-1}
  hidden_units: {distribution: int_uniform, low: 8, high: 48}
  patience: %(patience)s
  epochs: 9
search: {trials: %(trials)d, seed: 4, schedule: %(schedule)s, eta: 3, keep_models: 2}
"""


def config(schedule="halving", trials=9, patience="null"):
    values = {"schedule": schedule, "trials": trials, "patience": patience}
    return parse_config(HALVING % values, "halving.yaml")


def run(folder, study, workers=1, backend="local", observer=None):
    execution = Execution.of(study.search, workers=workers, backend=backend)
    return run_study(study, folder, execution, observer=observer)


def table(outcome) -> list[tuple]:
    """What `show --all` lists, but the times and workers."""
    return [
        (r.number, r.state, r.epochs, r.dev_error, r.train_error, r.message, r.curves)
        for r in rank(outcome.records)
    ]


def rungs(folder) -> list[tuple]:
    with sqlite3.connect(folder / "halving/study.db") as conn:
        query = "SELECT trial, epochs, dev_error, go_on FROM rungs ORDER BY trial, epochs"
        return conn.execute(query).fetchall()


def test_halving_stops_the_losers_and_trains_the_winner_to_the_full_budget(tmp_path):
    outcome = run(tmp_path, config())
    states = [r.state for r in outcome.records]
    assert states.count(TrialState.STOPPED) == 8 and states.count(TrialState.COMPLETE) == 1
    assert sorted(r.epochs for r in outcome.records) == [1] * 6 + [3] * 2 + [9]
    best = rank(outcome.records)[0]
    assert best.state is TrialState.COMPLETE and best.epochs == 9
    assert all(rank(outcome.records).index(r) > 0 for r in outcome.records if r.epochs < 9)
    stopped = [r for r in outcome.records if r.state is TrialState.STOPPED and r.epochs == 3]
    assert all(r.message.startswith("stopped at rung 2 (3 epochs): dev error ") for r in stopped)
    assert all(r.message.endswith(" of 3; the best went on") for r in stopped)
    assert outcome.overview.savings.epochs == 6 * 1 + 2 * 3 + 9
    assert not list((tmp_path / "halving/checkpoints").glob("*")), "no trial is left to go on"
    assert outcome.snapshot.weights_path(best.number) is not None


def test_a_promoted_trial_ends_as_if_trained_straight(tmp_path):
    outcome = run(tmp_path / "halving", config())
    best = rank(outcome.records)[0]
    straight = parse_config(
        (HALVING % {"schedule": "plain", "trials": 9, "patience": "null"}), "halving.yaml"
    )
    plain = {r.number: r for r in run(tmp_path / "plain", straight).records}
    assert (best.dev_error, best.curves) == (
        plain[best.number].dev_error,
        plain[best.number].curves,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("schedule", "workers", "backend"),
    [
        ("hyperband", 2, "local"),
        ("hyperband", 2, "dask"),
        ("asha", 2, "local"),
        ("asha", 2, "dask"),
    ],
)
def test_promotions_and_table_are_the_same_on_every_backend(tmp_path, schedule, workers, backend):
    study = config(schedule, trials=12, patience=2)
    alone = run(tmp_path / "alone", study)
    parallel = run(tmp_path / backend, study, workers=workers, backend=backend)
    assert table(parallel) == table(alone)
    assert rungs(tmp_path / backend) == rungs(tmp_path / "alone")


def test_one_run_is_fed_as_results_come_and_a_promotion_goes_before_a_new_trial(
    tmp_path, monkeypatch
):
    """Workers never wait for a slow rung: the run takes each decision's promotions as it is
    made, ahead of the trials not yet started."""
    import hpsearch.study.run as study_run
    from hpsearch.execution.contract import TrialStarted
    from hpsearch.execution.in_process import InProcessExecutor

    class Watched(InProcessExecutor):
        runs, order = 0, []

        def run(self, specs):
            Watched.runs += 1
            for event in super().run(specs):
                if isinstance(event, TrialStarted):
                    Watched.order.append((event.spec.number, event.spec.until))
                yield event

    make = study_run.executor_for

    def watched(*args):
        made = make(*args)
        return Watched(made._trial_fn, made._context)

    monkeypatch.setattr(study_run, "executor_for", watched)
    run(tmp_path, config("asha", trials=12))  # rungs at 1, 3 and 9 epochs
    assert Watched.runs == 1
    # trial 0, the best so far at each rung, goes on to the full budget before trial 1 starts
    assert Watched.order[:4] == [(0, 1), (0, 3), (0, 9), (1, 1)]


class Crash(Observer):
    """Dies like a killed driver when the `at`-th trial of the second rung starts: nothing is
    marked interrupted, the running trial stays `running`."""

    def __init__(self, at: int) -> None:
        self.at, self.seen = at, 0

    def started(self, spec, worker) -> None:
        self.seen += spec.until == 3
        if self.seen == self.at:
            raise SystemExit("crash")


class Epochs(Observer):
    def __init__(self) -> None:
        self.trained = 0

    def epoch(self, number, epoch, row) -> None:
        self.trained += 1


def test_a_crash_mid_rung_resumes_with_the_same_promotions_and_retrains_no_rung(tmp_path):
    study = config()
    uninterrupted = run(tmp_path / "once", study)
    with pytest.raises(SystemExit):
        run(tmp_path / "twice", study, observer=Crash(at=3))
    recorded = rungs(tmp_path / "twice")
    assert len(recorded) == 9 + 2  # the first rung, and two trials of the second
    counting = Epochs()
    resumed = run(tmp_path / "twice", study, observer=counting)
    assert counting.trained == 2 + 6  # the third trial's second rung, then the winner's last
    assert table(resumed) == table(uninterrupted)
    assert rungs(tmp_path / "twice") == rungs(tmp_path / "once")
    assert set(recorded) <= set(rungs(tmp_path / "twice"))


def test_a_trial_that_patience_stops_completes_in_its_rung_and_frees_its_slot(tmp_path):
    outcome = run(tmp_path, config(trials=9, patience=1))
    (best, *_) = rank(outcome.records)
    assert best.state is TrialState.COMPLETE and 3 < best.epochs < 9  # stopped in the last rung
    assert best.message.startswith("returned the weights of epoch")
    assert outcome.overview.savings.full == 0  # none trained all 9 epochs
    assert all(r.state is not TrialState.PAUSED for r in outcome.records)


def test_a_scheduled_study_refuses_to_grow_its_first_round(tmp_path):
    run(tmp_path, config(trials=9))
    with pytest.raises(StoreError) as refused:
        run(tmp_path, config(trials=12))
    assert str(refused.value) == (
        "study 'halving' runs under schedule: halving, whose brackets were cut from its first 9 "
        "trials, so it cannot grow to 12; run more trials with `hpsearch zoom --trials N`, or "
        "start afresh with --new"
    )


def test_resuming_with_another_schedule_is_refused(tmp_path):
    run(tmp_path, config(trials=9))
    with pytest.raises(StoreError, match=r"schedule: \{schedule: halving, .*\} → \(absent\)\."):
        run(tmp_path, config("plain", trials=9))


def test_a_study_made_with_the_old_defaults_is_refused_with_how_to_resume_it(tmp_path):
    run(tmp_path, config(trials=9))  # eta: 3 written; the first rung, 1 epoch, by default
    new_defaults = parse_config(
        (HALVING % {"schedule": "halving", "trials": 9, "patience": "null"}).replace(
            ", eta: 3", ""
        ),
        "halving.yaml",
    )
    with pytest.raises(StoreError) as refused:
        run(tmp_path, new_defaults)
    message = str(refused.value)
    assert "schedule.eta: 3 → 2" in message and "schedule.min_epochs: 1 → 3" in message
    assert message.endswith(
        "(hpsearch's defaults for a schedule changed (eta 3 → 2, min_epochs 1 → about epochs / "
        "9): to resume a study made with the old ones, write them in its file's search: section)"
    )
