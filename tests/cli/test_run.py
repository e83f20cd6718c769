"""`hpsearch run` as a user types it: the end-to-end run, kill -9 and resume, Ctrl-C, exit codes."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.data import DataSpec
from tests import study_trials
from tests.data_cases import BAD_INPUTS

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]

# Twenty trials of about a quarter of a second each: slow enough to be caught mid-run.
DIGITS = """\
name: digits
data: {dataset: digits}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-3, high: 1e-1}
  hidden_units: {distribution: int_uniform, low: 32, high: 96}
  epochs: 30
search: {trials: 20, seed: 1, workers: 2}
"""


def hpsearch(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "hpsearch", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def complete_rows(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT number, params, seed, dev_error, train_error, curves FROM trials "
                "WHERE state = 'complete' ORDER BY number"
            ).fetchall()
    except sqlite3.OperationalError:  # the study is being created
        return []


def wait_for_complete(db: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while len(complete_rows(db)) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)


def workers_of(pid: int) -> list[int]:
    """The loky worker processes of `pid`."""
    return [
        child
        for child in children_of(pid)
        if b"LokyProcess" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def wait_until_gone(pids: list[int], seconds: float = 5.0) -> list[int]:
    """Those of `pids` still alive after `seconds`."""
    deadline = time.monotonic() + seconds
    while (
        alive := [p for p in pids if Path(f"/proc/{p}").exists()]
    ) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        ppid = next((line.split()[1] for line in lines if line.startswith("PPid:")), None)
        if ppid == str(pid):
            found.append(int(status.parent.name))
    return found


def test_quickstart_runs_on_two_workers_and_ends_with_the_table_of_show(tmp_path) -> None:
    result = runner.invoke(
        app, ["run", str(ROOT / "configs/quickstart.yaml"), "--runs-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    show = runner.invoke(app, ["show", "quickstart", "--runs-dir", str(tmp_path)])
    assert show.exit_code == 0, show.output
    assert "best 10 of 30 complete trials, by dev error" in show.stdout
    assert result.stdout.endswith(f"{show.stdout}stored in {tmp_path / 'quickstart'}\n")
    _the_chosen_trial_retrains_bit_for_bit(tmp_path)


def _the_chosen_trial_retrains_bit_for_bit(runs: Path) -> None:
    """`best --output FILE`, then `hpsearch train FILE`: the chosen trial's dev error exactly."""
    from hpsearch.config import load_config
    from hpsearch.study.best import choose
    from hpsearch.study.snapshot import read_snapshot
    from hpsearch.study.train import fixed_hyperparameters, train_fixed

    chosen = runs / "chosen.yaml"
    best = runner.invoke(app, ["best", "quickstart", "--runs-dir", str(runs), "-o", str(chosen)])
    assert best.exit_code == 0, best.output
    trained = runner.invoke(app, ["train", str(chosen)])
    assert trained.exit_code == 0, trained.output
    record = choose(read_snapshot(runs / "quickstart")).record
    assert f"dev error {record.dev_error:.4f} on digits" in trained.stdout
    config = load_config(chosen)
    again = train_fixed(config, fixed_hyperparameters(config, []), None)
    assert again.dev_error == record.dev_error and again.train_error == record.train_error


@pytest.mark.slow
def test_kill_9_of_the_driver_loses_nothing_and_a_rerun_completes_the_study(tmp_path) -> None:
    (tmp_path / "digits.yaml").write_text(DIGITS)
    db = tmp_path / "runs/digits/study.db"
    first = hpsearch("run", "digits.yaml", "--quiet", cwd=tmp_path)
    wait_for_complete(db, 5, first)
    workers = workers_of(first.pid)
    first.kill()
    first.wait()
    before = complete_rows(db)
    assert len(workers) == 2 and not wait_until_gone(workers), "workers outlived their driver"
    rerun = hpsearch("run", "digits.yaml", "--quiet", cwd=tmp_path)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    after = complete_rows(db)
    assert [row[0] for row in after] == list(range(20))
    assert set(before) <= set(after), "a trial finished before the kill changed"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*) FROM trials").fetchone() == (20,)


@pytest.mark.slow
def test_ctrl_c_keeps_finished_trials_prints_the_table_and_exits_130(tmp_path) -> None:
    (tmp_path / "digits.yaml").write_text(DIGITS)
    db = tmp_path / "runs/digits/study.db"
    run = hpsearch("run", "digits.yaml", cwd=tmp_path)
    wait_for_complete(db, 3, run)
    workers = workers_of(run.pid)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 130, err
    assert "interrupted: every finished trial is kept" in out
    assert "study digits (1 round): " in out and "complete trials, by dev error" in out
    assert len(workers) == 2 and not wait_until_gone(workers, 1.0), "a worker was left"
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT state, COUNT(*) FROM trials GROUP BY state"))
    assert "running" not in states and states["complete"] >= 3


def test_a_failing_trial_makes_the_exit_code_1(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("hpsearch.study.run.run_trial", study_trials.raising_on_trial_2)
    (tmp_path / "digits.yaml").write_text(DIGITS.replace("trials: 20", "trials: 3"))
    result = runner.invoke(
        app, ["run", str(tmp_path / "digits.yaml"), "--workers", "1", "--runs-dir", str(tmp_path)]
    )
    assert result.exit_code == 1, result.output
    assert "trial 2 failed" in result.stdout and "RuntimeError: trial 2 broke" in result.stdout


FILE_PROBLEMS = [case for case in BAD_INPUTS if not case.message.startswith(("data.", "data:"))]


@pytest.mark.parametrize("case", FILE_PROBLEMS, ids=[case.id for case in FILE_PROBLEMS])
def test_each_bad_data_file_is_one_message_and_exit_code_2(tmp_path, case) -> None:
    spec = case.write(tmp_path)
    data = ", ".join(f"{key}: {value!r}" for key, value in spec.items())
    (tmp_path / "study.yaml").write_text(f"data: {{{data}}}\n")
    result = runner.invoke(app, ["check", str(tmp_path / "study.yaml")])
    assert result.exit_code == 2, result.output
    where = re.escape(f"error: {tmp_path / 'study.yaml'}, line 1: data.")  # the setting's line
    said = re.fullmatch(f"{where}(\\w+): (.*)\n", result.stderr, re.DOTALL)
    assert said and said[1] in DataSpec.model_fields, result.stderr
    assert said[2] == case.expected(tmp_path)
    assert "Traceback" not in result.output


def test_a_run_with_bad_data_writes_nothing(tmp_path) -> None:
    (tmp_path / "study.yaml").write_text("data: {dataset: missing.csv}\n")
    result = runner.invoke(app, ["run", str(tmp_path / "study.yaml"), "--runs-dir", "runs"])
    assert result.exit_code == 2
    missing = tmp_path / "missing.csv"
    assert result.stderr == (
        f"error: {tmp_path / 'study.yaml'}, line 1: data.dataset: dataset file '{missing}' does "
        "not exist; check the path\n"
    )
    assert not (tmp_path / "runs").exists() and not Path("runs/study").exists()
