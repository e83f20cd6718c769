"""`hpsearch.run(config)` and `hpsearch.zoom(study)` from Python: the same store, resume and table
as the command line; a dict's mistakes told as a file's are, at their key paths."""

from __future__ import annotations

import csv
import io
import re

import pytest
import yaml
from typer.testing import CliRunner

import hpsearch
from hpsearch.cli.app import app
from hpsearch.errors import ConfigError
from hpsearch.study.recording import Observer
from tests.api_cases import IRIS

runner = CliRunner()


def shown(runs_dir) -> list[list[str]]:
    """`show --format csv --all` without what differs from run to run: times and workers."""
    done = runner.invoke(
        app, ["show", "iris", "--format", "csv", "--all", "--runs-dir", str(runs_dir)]
    )
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(done.stdout)))
    drop = {rows[0].index("duration_s"), rows[0].index("worker")}
    return [[cell for i, cell in enumerate(row) if i not in drop] for row in rows]


def test_run_of_a_dict_gives_the_table_hpsearch_run_gives_its_file(tmp_path):
    study = hpsearch.run(IRIS, runs_dir=tmp_path / "python")
    (tmp_path / "iris.yaml").write_text(yaml.safe_dump(IRIS, sort_keys=False))
    done = runner.invoke(
        app, ["run", str(tmp_path / "iris.yaml"), "--quiet", "--runs-dir", str(tmp_path / "cli")]
    )
    assert done.exit_code == 0, done.output
    table = shown(tmp_path / "cli")
    assert len(table) == 1 + 5 and shown(tmp_path / "python") == table
    assert study.outcome.exit_code == 0 and study.outcome.ran == 5
    assert study.folder == tmp_path / "python" / "iris"


def test_run_again_resumes_and_each_zoom_from_python_adds_a_round(tmp_path):
    first = hpsearch.run(IRIS, runs_dir=tmp_path)
    again = hpsearch.run(IRIS, runs_dir=tmp_path)
    assert again.outcome.ran == 0, "every trial was finished: nothing runs twice"
    zoomed = hpsearch.zoom(first, trials=3, workers=1)
    frame = zoomed.trials_frame()
    assert list(frame["round"]) == [0] * 5 + [1] * 3
    assert list(frame["number"]) == list(range(8))
    by_name = hpsearch.zoom("iris", runs_dir=tmp_path, trials=2, workers=1)
    assert list(by_name.trials_frame()["round"]) == [0] * 5 + [1] * 3 + [2] * 2
    with pytest.raises(ConfigError, match="write hidden_units=LOW:HIGH"):
        hpsearch.zoom(first, ranges=["hidden_units=4-16"])


def test_the_cli_and_the_python_zoom_give_the_same_round(tmp_path):
    hpsearch.run(IRIS, runs_dir=tmp_path / "python")
    hpsearch.run(IRIS, runs_dir=tmp_path / "cli")
    hpsearch.zoom("iris", runs_dir=tmp_path / "python", trials=3, top=2, workers=1)
    done = runner.invoke(
        app,
        ["zoom", "iris", "--trials", "3", "--top", "2", "--workers", "1", "--quiet",
         "--runs-dir", str(tmp_path / "cli")],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert shown(tmp_path / "python") == shown(tmp_path / "cli")


def test_a_dicts_mistakes_are_a_files_at_their_key_paths(tmp_path):
    bad = {
        **IRIS,
        "hyperparameters": {
            **IRIS["hyperparameters"],
            "learning_rate": {"distribution": "log_uniform", "low": -1, "high": 1e-1},
        },
        "search": {"trails": 5},
    }
    (tmp_path / "iris.yaml").write_text(yaml.safe_dump(bad, sort_keys=False))
    with pytest.raises(ConfigError) as from_file:
        hpsearch.run(tmp_path / "iris.yaml", runs_dir=tmp_path)
    with pytest.raises(ConfigError) as from_dict:
        hpsearch.run(bad, runs_dir=tmp_path)
    file_lines = str(from_file.value).splitlines()
    assert len(file_lines) == 2 and all(", line " in line for line in file_lines)
    unlined = [re.sub(r"^\S+iris\.yaml, line \d+: ", "config: ", line) for line in file_lines]
    assert str(from_dict.value).splitlines() == unlined
    assert unlined == [
        "config: hyperparameters.learning_rate.low: must be > 0 on a log scale, but got -1",
        "config: search.trails: unknown key; did you mean 'trials'?",
    ]
    assert not list(tmp_path.glob("iris/*")), "nothing is written for a config with mistakes"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"data": {"dataset": "iris"}}, "config: `name` is required"),
        ({"name": "x", 1: 2}, "config: a key must be text, but got 1; quote it"),
        ({"name": "x", "search": {"trials": "many"}}, "config: search.trials: "),
        ([1, 2], "config must be a study file's path or a dict of its settings"),
        (42, "config must be a study file's path or a dict of its settings"),
    ],
)
def test_a_dict_that_cannot_be_a_study_says_what_to_change(config, message, tmp_path):
    with pytest.raises(ConfigError) as raised:
        hpsearch.run(config, runs_dir=tmp_path)
    assert str(raised.value).startswith(message)


class _CtrlC(Observer):
    """Ctrl-C as the second trial finishes."""

    def __init__(self) -> None:
        self.count = 0

    def finished(self, record) -> None:
        self.count += 1
        if self.count == 2:
            raise KeyboardInterrupt


def test_ctrl_c_stops_the_python_run_too_and_a_rerun_resumes_it(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        hpsearch.run(IRIS, runs_dir=tmp_path / "python", observer=_CtrlC())
    kept = hpsearch.open_study("iris", runs_dir=tmp_path / "python").trials_frame()
    assert (kept["state"] == "complete").sum() == 2, "every finished trial is kept"
    resumed = hpsearch.run(IRIS, runs_dir=tmp_path / "python")
    assert resumed.outcome.exit_code == 0 and resumed.outcome.ran == 3
    hpsearch.run(IRIS, runs_dir=tmp_path / "straight")
    assert shown(tmp_path / "python") == shown(tmp_path / "straight")
