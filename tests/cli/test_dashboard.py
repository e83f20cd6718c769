"""`hpsearch dashboard` as a user sees it: optuna-dashboard started on an exported study, asked
over loopback through its HTTP API, against `show --format json`; a taken port and a missing
package said plainly."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hpsearch
from hpsearch.cli.app import app
from tests.api_cases import IRIS, show_json

pytest.importorskip("optuna_dashboard")
runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60  # for the first line under a loaded machine; a healthy start takes a second


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    hpsearch.run(IRIS, runs_dir=runs)
    return runs


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=WAIT_S) as response:
        return json.load(response)


def lines_of(process: subprocess.Popen) -> queue.Queue:
    """The process's stdout, line by line, read aside so that a wait can time out."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_the_dashboard_serves_the_study_that_show_lists(runs):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "hpsearch", "dashboard", "iris", "--port", "0",
         "--runs-dir", str(runs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        lines, said = lines_of(process), []
        while not any("serves it at" in line for line in said):
            line = lines.get(timeout=WAIT_S)
            assert line is not None, f"the dashboard ended: {''.join(said)}{process.stderr.read()}"
            said.append(line)
        url = said[-1].split("serves it at ")[1].strip()
        assert url.startswith("http://127.0.0.1:") and "/dashboard/studies/" in url
        base, study_id = url.split("/dashboard/studies/")
        (summary,) = get(f"{base}/api/studies")["study_summaries"]
        assert summary["study_name"] == "iris"
        detail = get(f"{base}/api/studies/{study_id}")
        rows = show_json(runs, "iris")
        assert len(detail["trials"]) == len(rows) == 5
        (best,) = detail["best_trials"]
        assert best["values"] == [rows[0]["dev_error"]]
        attributes = {a["key"]: a["value"] for a in best["user_attrs"]}
        shown = next(r for r in rows if str(r["trial"]) == attributes["trial"])
        params = {p["name"]: p["param_external_value"] for p in best["params"]}
        assert params == {name: str(value) for name, value in shown["params"].items()}
        assert said[0].startswith("wrote 5 new trials to ")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=WAIT_S) == 0, "Ctrl-C is how a dashboard ends"
        rest = iter(lambda: lines.get(timeout=WAIT_S), None)
        assert "dashboard stopped\n" in list(rest)
    finally:
        process.kill()
        process.wait()


def test_a_taken_port_is_a_message_before_anything_is_written(runs):
    shutil.rmtree(runs / "iris" / "dashboard", ignore_errors=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = runner.invoke(
            app, ["dashboard", "iris", "--port", str(port), "--runs-dir", str(runs)]
        )
    assert done.exit_code == 2
    assert done.stderr == (
        f"error: --port {port} on 127.0.0.1 is taken (another dashboard, or another program); "
        f"choose another with --port, e.g. --port {port + 1}, or --port 0 for any free one\n"
    )
    assert not (runs / "iris" / "dashboard").exists()


def test_without_optuna_dashboard_the_message_says_what_to_install(runs, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna_dashboard", None)
    done = runner.invoke(app, ["dashboard", "iris", "--runs-dir", str(runs)])
    assert done.exit_code == 2
    assert done.stderr.startswith(
        "error: hpsearch dashboard needs optuna-dashboard; install it with "
        "`pip install optuna-dashboard`"
    )


def test_a_link_planted_for_the_dashboards_storage_is_refused(runs, tmp_path):
    shutil.rmtree(runs / "iris" / "dashboard", ignore_errors=True)
    (runs / "iris" / "dashboard").symlink_to(tmp_path)
    try:
        done = runner.invoke(app, ["dashboard", "iris", "--port", "0", "--runs-dir", str(runs)])
    finally:
        (runs / "iris" / "dashboard").unlink()
    assert done.exit_code == 2
    assert "hpsearch writes a study's files only inside its folder" in done.stderr
    assert not list(tmp_path.iterdir())
