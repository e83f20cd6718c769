"""A halving study as a user drives it: run, show, zoom, best, and kill -9 mid-rung."""

from __future__ import annotations

import re
import sqlite3

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.cli.progress import rung_line
from hpsearch.study.recording import RungNews
from tests.cli.test_run import hpsearch as spawn
from tests.conftest import iris_yaml

runner = CliRunner()

DIGITS = """\
name: digits
data: {dataset: digits}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-3, high: 3e-1}
  hidden_units: {distribution: int_uniform, low: 8, high: 48}
  epochs: 9
search: {trials: 12, seed: 4, schedule: hyperband, workers: %(workers)d}
"""


def hpsearch(*args: str, runs_dir):
    return runner.invoke(app, [*args, "--runs-dir", str(runs_dir)])


@pytest.fixture
def study(tmp_path):
    (tmp_path / "digits.yaml").write_text(DIGITS % {"workers": 1})
    result = hpsearch("run", str(tmp_path / "digits.yaml"), "--quiet", runs_dir=tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path


def test_run_and_show_say_what_the_schedule_saved(study):
    shown = hpsearch("show", "digits", "--all", runs_dir=study)
    assert shown.exit_code == 0, shown.output
    saved = next(line for line in shown.stdout.splitlines() if line.startswith("schedule "))
    assert saved.startswith("schedule hyperband: 12 configurations tried, ")
    assert " trained to the full 9 epochs; " in saved
    assert "trial " in shown.stdout and "stopped at rung 1 (3 epochs): dev error" in shown.stdout
    best = hpsearch("best", "digits", runs_dir=study)
    assert best.exit_code == 0, best.output


def test_rung_lines_name_the_bracket_when_there_are_several():
    decided = RungNews(0, 1, 1, 2, 4, 3, 9, 3)
    assert rung_line(decided) == "rung 2 of 4 (3 epochs): 9 trials, 3 go on"
    assert rung_line(RungNews(0, 2, 3, 2, 3, 1, 1, 0)) == (
        "bracket 2 of 3, rung 2 of 3 (1 epoch): 1 trial, none goes on"
    )
    promoted = RungNews(0, 1, 1, 1, 4, 4, 5, 2, trial=7, promoted=True)
    assert rung_line(promoted) == (
        "trial 7 goes on to rung 2 of 4: 2 of the 5 trials up to it at 4 epochs went on"
    )


def test_zoom_runs_its_round_with_the_same_schedule(study):
    zoomed = hpsearch("zoom", "digits", "--quiet", runs_dir=study)
    assert zoomed.exit_code == 0, zoomed.output
    with sqlite3.connect(study / "digits/study.db") as conn:
        states = conn.execute(
            "SELECT state, COUNT(*) FROM trials WHERE round = 1 GROUP BY state"
        ).fetchall()
    assert dict(states).get("stopped", 0) > 0 and "paused" not in dict(states)


def round_states(folder, round: int) -> dict[str, int]:
    with sqlite3.connect(folder / "study.db") as conn:
        query = "SELECT state, COUNT(*) FROM trials WHERE round = ? GROUP BY state"
        return dict(conn.execute(query, (round,)).fetchall())


def test_zoom_may_run_its_round_under_another_schedule_and_the_next_zoom_keeps_it(study):
    plain = hpsearch("zoom", "digits", "--schedule", "plain", "--trials", "4", runs_dir=study)
    assert plain.exit_code == 0, plain.output
    assert "running 4 trials in a new round\n" in plain.output and "rung" not in plain.output
    again = hpsearch("zoom", "digits", "--quiet", "--trials", "4", runs_dir=study)
    assert again.exit_code == 0, again.output
    for round in (1, 2):
        assert round_states(study / "digits", round) == {"complete": 4}
    shown = hpsearch("show", "digits", runs_dir=study)
    assert "schedule hyperband/plain: 20 configurations tried, " in shown.output


def test_a_plain_study_zooms_into_a_halving_round_and_refuses_one_it_cannot_run(tmp_path):
    (tmp_path / "plain.yaml").write_text(
        DIGITS.replace("schedule: hyperband, ", "") % {"workers": 1}
    )
    hpsearch("run", str(tmp_path / "plain.yaml"), "--quiet", runs_dir=tmp_path)
    zoom = ("zoom", "digits", "--schedule")
    too_few = hpsearch(*zoom, "halving", "--trials", "1", runs_dir=tmp_path)
    assert too_few.exit_code == 2
    assert too_few.output.startswith(
        "error: --trials must be at least 2 under schedule halving with eta=2, so that the best "
        "1/2 of every first rung is one trial at least, but got 1"
    )
    unknown = hpsearch("zoom", "digits", "--schedule", "sha", runs_dir=tmp_path)
    assert "--schedule must be one of plain, halving, hyperband, asha, but got 'sha'" in (
        unknown.output
    )
    halving = hpsearch(*zoom, "halving", "--trials", "9", runs_dir=tmp_path)
    assert halving.exit_code == 0, halving.output
    assert "running 9 trials in a new round under schedule halving" in halving.output
    assert "rung 1 of 3 (3 epochs): 9 trials, 4 go on" in halving.output
    assert round_states(tmp_path / "digits", 0) == {"complete": 12}
    assert round_states(tmp_path / "digits", 1) == {"complete": 2, "stopped": 7}


def test_a_study_that_searches_its_epochs_cannot_zoom_into_a_halving_round(tmp_path):
    text = DIGITS.replace("schedule: hyperband, ", "").replace(
        "epochs: 9", "epochs: {distribution: int_uniform, low: 3, high: 9}"
    )
    (tmp_path / "plain.yaml").write_text(text.replace("trials: 12", "trials: 3") % {"workers": 1})
    hpsearch("run", str(tmp_path / "plain.yaml"), "--quiet", runs_dir=tmp_path)
    refused = hpsearch("zoom", "digits", "--schedule", "hyperband", runs_dir=tmp_path)
    assert refused.exit_code == 2
    assert "error: --schedule hyperband does not fit this study: hyperparameters.epochs must be " \
        "one fixed value with schedule: hyperband" in refused.output  # fmt: skip


def rows(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT number, state, epochs, dev_error, message, curves FROM trials ORDER BY number"
        ).fetchall()


def rung_count(db) -> int:
    """Rungs past the first recorded, read without creating the file the run will create."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT COUNT(*) FROM rungs WHERE epochs > 3").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("schedule", ["hyperband", "asha"])
def test_kill_9_mid_rung_resumes_to_the_same_table(tmp_path, schedule):
    import time

    text = DIGITS.replace("schedule: hyperband", f"schedule: {schedule}")
    (tmp_path / "digits.yaml").write_text(text % {"workers": 1})
    straight = hpsearch("run", str(tmp_path / "digits.yaml"), "--quiet", runs_dir=tmp_path)
    assert straight.exit_code == 0, straight.output
    (tmp_path / "killed").mkdir()
    (tmp_path / "killed/digits.yaml").write_text(text % {"workers": 2})
    db = tmp_path / "killed/runs/digits/study.db"
    first = spawn("run", "digits.yaml", "--quiet", cwd=tmp_path / "killed")
    deadline = time.monotonic() + 600  # a bound against a hang, not a timing: machines are shared
    while rung_count(db) < 1:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.kill()
    first.wait()
    rerun = spawn("run", "digits.yaml", "--quiet", cwd=tmp_path / "killed")
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert rows(db) == rows(tmp_path / "digits/study.db")


def test_a_fresh_run_resumes_nothing_and_its_counter_counts_up_against_one_total(tmp_path):
    """A fresh Hyperband run said "resuming: 28 of 50 trials to run (22 finished are kept)" and
    its counter went [43/60] → [23/50] → [41/60]."""
    (tmp_path / "digits.yaml").write_text(DIGITS % {"workers": 1})
    result = hpsearch("run", str(tmp_path / "digits.yaml"), runs_dir=tmp_path)
    assert result.exit_code == 0, result.output
    assert "resuming" not in result.output
    counters = re.findall(r"^\[(\d+)/(\d+)\] ", result.output, re.M)
    assert {total for _, total in counters} == {"12"}
    assert [int(done) for done, _ in counters] == list(range(1, 13))
    assert "round 0: schedule hyperband on rungs of 3, 6 and 9 epochs tries 12 configurations" in (
        result.output
    )


BUDGET = (
    DIGITS.replace("name: digits", "name: budget")
    .replace("trials: 12", "budget: 108")
    .replace("schedule: hyperband", "schedule: asha")
    % {"workers": 1}
)


def test_a_budget_says_what_it_holds_and_the_asynchronous_schedule_runs_it(tmp_path):
    (tmp_path / "budget.yaml").write_text(BUDGET)
    checked = runner.invoke(app, ["check", str(tmp_path / "budget.yaml")])
    assert checked.exit_code == 0, checked.output
    told = (
        "round 0: schedule asha on rungs of 3, 6 and 9 epochs tries 21 configurations; about 5 "
        "reach the full 9 epochs, about 108 epochs in all, as many as 12.0 full trials (the "
        "budget: 108)"
    )
    assert told in checked.output.replace("\n", " ")
    ran = hpsearch("run", str(tmp_path / "budget.yaml"), runs_dir=tmp_path)
    assert ran.exit_code == 0, ran.output
    assert told in ran.output.replace("\n", " ")
    assert "goes on to rung 2 of 3" in ran.output
    shown = hpsearch("show", "budget", runs_dir=tmp_path)
    saved = next(line for line in shown.stdout.splitlines() if line.startswith("schedule "))
    assert saved.startswith("schedule asha: 21 configurations tried, ")
    zoomed = hpsearch("zoom", "budget", "--schedule", "plain", "--dry-run", runs_dir=tmp_path)
    assert zoomed.exit_code == 0, zoomed.output
    assert "the new round would run 12 trials" in zoomed.output  # 108 epochs ÷ 9


TIES = iris_yaml(
    low=8, high=32, epochs=9, search="budget: 108, seed: 0, schedule: asha, workers: 1"
).replace("name: iris", "name: tie")


def test_tied_trials_keep_the_budget_and_an_overrun_is_said_with_its_size(tmp_path):
    """Iris's 30 dev examples make dev errors tie at the rungs. Under Optuna's rule every tie
    went on and this round trained 123 epochs; here the earlier tied trials hold the places,
    and what remains over the budget (the rungs' first trials, judged against few results) is
    said by show."""
    (tmp_path / "tie.yaml").write_text(TIES)
    ran = hpsearch("run", str(tmp_path / "tie.yaml"), "--quiet", runs_dir=tmp_path)
    assert ran.exit_code == 0, ran.output
    shown = runner.invoke(app, ["show", "tie", "--runs-dir", str(tmp_path)], env={"COLUMNS": "500"})
    saved = next(line for line in shown.stdout.splitlines() if line.startswith("schedule "))
    assert "; 114 epochs in all, " in saved  # the README's figure
    assert saved.endswith(
        "; 6 epochs more than the budget of 108, as asha judges a rung's first trials against "
        "few results"
    )
