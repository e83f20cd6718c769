"""Signals a running `hpsearch run` gets from outside: `kill -9` while the study is created,
SIGTERM (`kill`, `systemd stop`, a scheduler's time limit) at each moment of a run, a driver-only
`kill -9` while its workers start, and the terminal's Ctrl-C to the whole process group."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.store.creation import STEPS
from tests.cli.test_run import DIGITS, ROOT, children_of, complete_rows, workers_of
from tests.store.test_faults import IRIS, states

runner = CliRunner()
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# A driver whose `code` runs first: it patches a step or a function, then runs the CLI.
DRIVER = """\
import os, signal, sys
{code}
from hpsearch.cli.app import app
app(sys.argv[1:], prog_name="hpsearch")
"""


def driver(code: str, *args: str, cwd: Path, group: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER.format(code=code), *args],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=group,
    )


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        children = children_of(todo.pop())
        found += children
        todo += children
    return found


def alive_after(pids: list[int], seconds: float) -> list[int]:
    """Those of `pids` still running (not zombies) after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [pid for pid in pids if _running(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def reap(pids: list[int]) -> None:
    """Never leave a process behind, even when a test fails."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def until(condition, process: subprocess.Popen, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run did not get there"
        time.sleep(0.005)


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_kill_9_at_any_step_of_creation_then_a_rerun_completes_the_study(tmp_path, step) -> None:
    (tmp_path / "iris.yaml").write_text(IRIS)
    code = (
        "from hpsearch.store import creation\n"
        f"creation.reached = lambda s: s == {step!r} and os.kill(os.getpid(), signal.SIGKILL)"
    )
    killed = driver(code, "run", "iris.yaml", "--quiet", cwd=tmp_path)
    killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL
    rerun = runner.invoke(app, ["run", str(tmp_path / "iris.yaml"), "--runs-dir",
                                str(tmp_path / "runs"), "--quiet"])  # fmt: skip
    assert rerun.exit_code == 0, rerun.output
    assert states(tmp_path / "runs/iris/study.db") == {"complete": 40}


def sigterm_case(tmp_path: Path, moment: str) -> tuple[subprocess.Popen, list[int]]:
    """A run of the digits study sent SIGTERM at `moment`; returns it and its processes."""
    (tmp_path / "digits.yaml").write_text(DIGITS)
    db = tmp_path / "runs/digits/study.db"
    code = ""
    if moment == "table":  # SIGTERM as the final table is drawn
        code = (
            "import hpsearch.cli.report as report\nrender = report.render_view\n"
            "def late(*a):\n    os.kill(os.getpid(), signal.SIGTERM)\n    render(*a)\n"
            "report.render_view = late"
        )
        (tmp_path / "digits.yaml").write_text(DIGITS.replace("trials: 20", "trials: 4"))
    run = driver(code, "run", "digits.yaml", cwd=tmp_path)
    if moment == "start":
        until(lambda: workers_of(run.pid), run)
    elif moment == "mid-run":
        until(lambda: len(complete_rows(db)) >= 3, run)
    processes = descendants(run.pid)
    if moment != "table":
        run.send_signal(signal.SIGTERM)
    return run, processes


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["start", "mid-run", "table"])
def test_sigterm_stops_a_run_as_ctrl_c_does_and_exits_143(tmp_path, moment) -> None:
    run, processes = sigterm_case(tmp_path, moment)
    try:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 143, err
        assert "Traceback" not in out + err and "Fatal Python error" not in out + err
        assert not alive_after(processes, 30.0), "a worker outlived the SIGTERM"
    finally:
        reap([run.pid, *processes])
    if moment == "start" and not (tmp_path / "runs/digits/study.db").exists():
        # A new study's workers start while it is made: stopped then, nothing was stored.
        assert err.splitlines()[-1] == "terminated" and "to resume" not in out
        return
    with sqlite3.connect(tmp_path / "runs/digits/study.db") as conn:
        found = dict(conn.execute("SELECT state, COUNT(*) FROM trials GROUP BY state"))
    assert "running" not in found
    if moment == "table":
        assert found == {"complete": 4} and err.splitlines()[-1] == "terminated"
    else:
        resume = "every finished trial is kept; to resume, run\n  hpsearch run digits.yaml\n"
        assert resume in out
        assert out.rstrip().endswith("stored in runs/digits")
    if moment == "mid-run":
        assert found.get("complete", 0) >= 3 and found.get("interrupted", 0) >= 1


@pytest.mark.slow
def test_kill_9_of_the_driver_alone_as_its_workers_start_leaves_no_process(tmp_path) -> None:
    (tmp_path / "digits.yaml").write_text(DIGITS)
    for _ in range(3):
        run = driver("", "run", "digits.yaml", "--quiet", "--new", cwd=tmp_path)
        until(lambda: workers_of(run.pid), run)  # noqa: B023 (used at once)
        processes = descendants(run.pid)
        run.kill()
        run.communicate(timeout=30)
        try:
            assert not alive_after(processes, 5.0), "a worker or tracker outlived its driver"
        finally:
            reap([run.pid, *processes])


@pytest.mark.slow
def test_ctrl_c_to_the_process_group_as_workers_start_is_only_acknowledged(tmp_path) -> None:
    (tmp_path / "digits.yaml").write_text(DIGITS)
    run = driver("", "run", "digits.yaml", cwd=tmp_path, group=True)
    until(lambda: workers_of(run.pid), run)
    processes = descendants(run.pid)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal does
    try:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 130, err
        assert "Traceback" not in out + err and "Fatal Python error" not in out + err
        if (tmp_path / "runs/digits/study.db").exists():
            assert "interrupted: every finished trial is kept" in out
        else:  # a new study's workers start while it is made: stopped then, nothing was stored
            assert err.splitlines()[-1] == "interrupted" and "to resume" not in out
        assert not alive_after(processes, 5.0)
    finally:
        reap([run.pid, *processes])


def test_a_worker_started_after_its_driver_died_exits_at_once(tmp_path) -> None:
    """The driver's pid comes from the driver: a worker whose parent is already someone else
    when it initialises (the driver died while it started) exits instead of watching that."""
    code = (
        "import os, sys, time\n"
        "from hpsearch.execution.worker import init_process\n"
        "driver = os.getpid()\n"
        "if os.fork():\n    os._exit(0)\n"  # the driver dies; its worker initialises late
        "while os.getppid() == driver:\n    time.sleep(0.01)\n"
        f"init_process(None, None, {str(tmp_path)!r}, driver=driver)\n"
        "time.sleep(30)\nprint('still here', flush=True)\n"
    )
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 0 and "still here" not in result.stdout
    assert time.monotonic() - started < 20
