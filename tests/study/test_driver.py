"""The one driver: the same table and rungs for every schedule whatever the completion order,
after a kill at any phase of its work, and after Ctrl-C; a finished trial never runs again."""

from __future__ import annotations

import random
import sqlite3

import pytest

import hpsearch.study.run as study_run
from hpsearch.config import parse_config
from hpsearch.search.ranking import rank
from hpsearch.store.rungs import RungStore
from hpsearch.store.study_store import StudyStore
from hpsearch.study.recording import Recorder
from hpsearch.study.run import Execution, Observer, run_study
from hpsearch.trial import TrialState
from tests.study import scripted

STUDY = """\
name: driven
data: {dataset: iris}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-4, high: 1}
  hidden_units: {distribution: int_uniform, low: 1, high: 32}
  epochs: 8
search: {trials: %(trials)d, seed: 5, schedule: %(schedule)s, min_epochs: 1, eta: 2}
"""
SCHEDULES = ["plain", "halving", "hyperband", "asha"]


def config(schedule: str, trials: int = 20):
    return parse_config(STUDY % {"schedule": schedule, "trials": trials}, "driven.yaml")


def run(tmp_path, schedule, executor=None, observer=None, trials=20):
    """`run_study` on `executor` (default: one in-process worker), trials made by `scripted`."""
    study = config(schedule, trials)
    made = executor or scripted.Adversarial(1, lambda running: 0)
    patch = pytest.MonkeyPatch()
    patch.setattr(study_run, "executor_for", lambda *args: made)
    try:
        return run_study(study, tmp_path, Execution.of(study.search), observer=observer)
    finally:
        patch.undo()


def table(folder) -> tuple[list[tuple], list[tuple]]:
    """Every trial's fate and every rung recorded, but times and workers."""
    with sqlite3.connect(folder / "driven/study.db") as conn:
        trials = conn.execute(
            "SELECT number, state, epochs, dev_error, message FROM trials ORDER BY number"
        ).fetchall()
        rungs = conn.execute(
            "SELECT trial, epochs, dev_error, go_on FROM rungs ORDER BY trial, epochs"
        ).fetchall()
    return trials, rungs


def random_order(seed: int):
    """Which running trial finishes next: any, at random."""
    rng = random.Random(seed)
    return lambda running: rng.randrange(len(running))


ORDERS = {
    "first started": lambda running: 0,
    "last started": lambda running: len(running) - 1,
    "highest number": lambda running: max(range(len(running)), key=lambda i: running[i].number),
    "shortest rung last": lambda running: max(
        range(len(running)), key=lambda i: running[i].until or 0
    ),
}


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_completion_order_gives_the_same_table(tmp_path, schedule):
    alone = run(tmp_path / "alone", schedule)
    expected = table(tmp_path / "alone")
    states = {state for _, state, *_ in expected[0]}
    assert states <= {"complete", "stopped", "diverged"} and "complete" in states
    assert ("stopped" in states) == (schedule != "plain")
    assert alone.utilisation is not None and alone.utilisation.workers == 1
    runs = [(w, name, pick) for w in (2, 8) for name, pick in ORDERS.items()]
    runs += [(w, f"random {i}", random_order(i)) for i, w in enumerate((3, 5))]
    for workers, name, pick in runs:
        executor = scripted.Adversarial(workers, pick)
        run(tmp_path / f"{workers}-{name}", schedule, executor)
        assert table(tmp_path / f"{workers}-{name}") == expected, (workers, name)
        assert executor.most_queued == 0, "the driver hands out no more trials than workers"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The table of each schedule's study run once, undisturbed: what every resume must give."""
    tables = {}

    def of(schedule: str):
        if schedule not in tables:
            folder = tmp_path_factory.mktemp(schedule)
            run(folder, schedule)
            tables[schedule] = table(folder)
        return tables[schedule]

    return of


class Killed(BaseException):
    """As `kill -9`: nothing after it runs, nothing catches it; what was committed stays."""


PHASES = {  # where the kill strikes: (the method, before or after it runs)
    "trial started": (StudyStore, "mark_running", "after"),
    "checkpoint written": (RungStore, "keep_checkpoint", "after"),
    "result being recorded": (StudyStore, "record", "before"),
    "result recorded": (StudyStore, "record", "after"),
    "checkpoint let go": (RungStore, "release", "after"),
    "stops being written": (RungStore, "stop", "before"),
    "stops written": (RungStore, "stop", "after"),
    "best model kept": (Recorder, "_keep_if_best", "after"),
}


def killing(cls, name, when, at):
    """`cls.name`, raising `Killed` at its `at`-th call, before or after it runs."""
    real, calls = getattr(cls, name), [0]

    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == at and when == "before":
            raise Killed
        done = real(*args, **kwargs)
        if calls[0] == at:
            raise Killed
        return done

    return wrapped


@pytest.mark.parametrize("schedule", ["plain", "halving", "asha"])  # Hyperband drives as halving
@pytest.mark.parametrize("phase", PHASES)
def test_a_kill_at_any_phase_resumes_to_the_same_table_training_no_recorded_rung_again(
    tmp_path, schedule, phase, uninterrupted
):
    expected = uninterrupted(schedule)
    cls, name, when = PHASES[phase]
    killed_any = False
    for at in (1,) if phase == "best model kept" else (3,):  # few trials complete
        folder = tmp_path / f"{phase}-{at}"
        patch = pytest.MonkeyPatch()
        patch.setattr(cls, name, killing(cls, name, when, at))
        try:
            run(folder, schedule, scripted.Adversarial(3, ORDERS["last started"]))
        except Killed:
            killed_any = True
        finally:
            patch.undo()
        if not (folder / "driven/study.db").exists():
            continue
        recorded = _recorded(folder)
        scripted.CALLS.clear()
        run(folder, schedule, scripted.Adversarial(2, ORDERS["first started"]))
        assert table(folder) == expected, (phase, at)
        assert not recorded & set(scripted.CALLS), "a recorded rung was trained again"
        assert not list((folder / "driven/checkpoints").glob("*")), "no checkpoint is left"
    rungs_only = ("checkpoint written", "checkpoint let go", "stops being written", "stops written")
    assert killed_any or (schedule == "plain" and phase in rungs_only)


def _recorded(folder) -> set[tuple[int, int]]:
    """The (trial, epochs) results a killed run had committed: its rungs, or its finished
    trials' epochs for a plain round."""
    trials, rungs = table(folder)
    done = {(n, epochs) for n, state, epochs, *_ in trials if state in ("complete", "stopped")}
    return done | {(n, epochs) for n, epochs, *_ in rungs}


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_ctrl_c_marks_the_running_trials_interrupted_and_the_rerun_ends_the_same(
    tmp_path, schedule
):
    run(tmp_path / "once", schedule)
    calls = [0]

    def interrupting(spec, *args, **kwargs):
        calls[0] += 1
        if calls[0] == 12:
            raise KeyboardInterrupt
        return scripted.scripted(spec)

    stopped = run(
        tmp_path / "twice", schedule, scripted.Adversarial(3, ORDERS["first started"], interrupting)
    )
    assert stopped.interrupted and stopped.exit_code == 130
    states = [r.state for r in stopped.records]
    assert TrialState.INTERRUPTED in states and TrialState.RUNNING not in states
    resumed = run(tmp_path / "twice", schedule)
    assert not resumed.interrupted and table(tmp_path / "twice") == table(tmp_path / "once")


def test_a_finished_trial_whose_rung_row_was_lost_is_not_trained_again(tmp_path):
    """A store written when a trial's row and its rung's were two transactions, killed between
    them: the trial reads complete, and resuming must keep it so."""
    run(tmp_path / "once", "halving")
    expected = table(tmp_path / "once")
    run(tmp_path / "lost", "halving")
    best = rank(StudyStore.open(tmp_path / "lost/driven").trials())[0]
    with sqlite3.connect(tmp_path / "lost/driven/study.db") as conn:
        conn.execute("DELETE FROM rungs WHERE trial = ? AND epochs = 8", (best.number,))
    scripted.CALLS.clear()
    run(tmp_path / "lost", "halving")
    assert scripted.CALLS == [] and table(tmp_path / "lost")[0] == expected[0]
    assert not list((tmp_path / "lost/driven/checkpoints").glob("*"))


def test_a_study_of_a_million_trials_starts_its_first_at_once_in_little_memory(tmp_path):
    """Planned as its trials start: before, every spec was made first (226 MB, and no trial
    after 20 s)."""
    import tracemalloc

    class FirstStart(Observer):
        def started(self, spec, worker):
            raise Killed

    for schedule in ("plain", "asha"):
        tracemalloc.start()
        with pytest.raises(Killed):
            run(tmp_path / schedule, schedule, observer=FirstStart(), trials=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 30 * 2**20, f"{schedule}: {peak / 2**20:.0f} MiB"
