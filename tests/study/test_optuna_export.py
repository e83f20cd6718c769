"""`hpsearch export --format optuna`: the study as Optuna's own `load_study` reads it, against
`show --format json`, for a plain, a zoomed and a Hyperband study; a re-export adds only the
trials finished since; a running study is written as it stood."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import hpsearch
from hpsearch.cli.app import app
from hpsearch.store.study_store import StudyStore
from hpsearch.trial import TrialSpec
from tests.api_cases import IRIS, show_json

optuna = pytest.importorskip("optuna")
runner = CliRunner()

HYPERBAND = {
    "name": "hyperband",
    "data": {"dataset": "iris"},
    "hyperparameters": {
        "learning_rate": {"distribution": "log_uniform", "low": 1e-3, "high": 3e-1},
        "hidden_units": {"distribution": "choice", "choices": [[8, 8], [16, 4]]},
        "layers": 2,
        "epochs": 9,
    },
    "search": {"trials": 9, "seed": 4, "workers": 1, "schedule": "hyperband", "eta": 3},
}
STATES = {"complete": "COMPLETE", "stopped": "PRUNED", "diverged": "FAIL", "failed": "FAIL"}


def export(runs, name: str, output) -> str:
    done = runner.invoke(
        app, ["export", name, "--format", "optuna", "-o", str(output), "--runs-dir", str(runs)],
        env={"COLUMNS": "1000"},  # each sentence on one line, however long the test's folder
    )
    assert done.exit_code == 0, done.output
    return done.stdout


def load(path, name: str):
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    return optuna.load_study(study_name=name, storage=storage)


def same_as_show(study, rows: list[dict]) -> None:
    """Optuna's study holds every trial `show` lists, with the same params, value and state."""
    trials = {t.user_attrs["trial"]: t for t in study.trials}
    assert sorted(trials) == sorted(row["trial"] for row in rows)
    for row in rows:
        trial = trials[row["trial"]]
        params = {
            name: json.loads(v) if isinstance(row["params"][name], list) else v
            for name, v in trial.params.items()
        }
        assert params == row["params"]
        assert trial.state.name == STATES[row["state"]]
        assert trial.user_attrs["state"] == row["state"]
        assert trial.user_attrs["round"] == row["round"]
        assert trial.value == (row["dev_error"] if trial.state.name != "FAIL" else None)
        assert trial.user_attrs["train_error"] == row["train_error"]
        curve = trial.intermediate_values
        assert sorted(curve) == list(range(1, row["epochs"] + 1))
        kept = row["best_epoch"] or row["epochs"]
        assert trial.user_attrs.get("best_epoch") == row["best_epoch"]
        assert curve[kept] == row["dev_error"] or row["state"] != "complete"
    complete = [row["dev_error"] for row in rows if row["state"] == "complete"]
    assert study.best_value == min(complete)
    best = study.best_trial.user_attrs["trial"]
    assert {r["trial"]: r["dev_error"] for r in rows}[best] == min(complete)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    hpsearch.run(IRIS, runs_dir=runs)
    hpsearch.run({**IRIS, "name": "zoomed"}, runs_dir=runs)
    hpsearch.zoom("zoomed", runs_dir=runs, trials=4, top=2, workers=1)
    hpsearch.run(HYPERBAND, runs_dir=runs)
    return runs


@pytest.mark.parametrize("name", ["iris", "zoomed", "hyperband"])
def test_optunas_load_study_reads_what_show_lists(runs, tmp_path, name):
    said = export(runs, name, tmp_path / "study.journal")
    study = load(tmp_path / "study.journal", name)
    rows = show_json(runs, name)
    same_as_show(study, rows)
    assert said.startswith(
        f"wrote {len(rows)} new trials to {tmp_path / 'study.journal'}\n"
        f"it holds {len(rows)} finished trials of study {name}, as the study stood at "
    )
    assert study.direction.name == "MINIMIZE"
    assert [t.number for t in study.trials] == sorted(r["trial"] for r in rows)


def test_each_hyperparameter_on_its_scale_and_how_beta_was_drawn(runs, tmp_path):
    export(runs, "zoomed", tmp_path / "study.journal")
    study = load(tmp_path / "study.journal", "zoomed")
    distributions = study.trials[0].distributions
    rate, units = distributions["learning_rate"], distributions["hidden_units"]
    assert (rate.low, rate.high, rate.log) == (1e-3, 1e-1, True)
    assert isinstance(units, optuna.distributions.IntDistribution)
    assert (units.low, units.high) == (4, 16)
    assert distributions["activation"].choices == ("relu", "tanh")
    assert "1 − beta1 log-uniform" in study.user_attrs["drawn"]["beta1"]
    assert [r["round"] for r in study.user_attrs["rounds"]] == [0, 1]
    assert {t.user_attrs["round"] for t in study.trials} == {0, 1}


def test_the_hyperband_study_says_each_stopped_trials_rung(runs, tmp_path):
    export(runs, "hyperband", tmp_path / "study.journal")
    study = load(tmp_path / "study.journal", "hyperband")
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    assert pruned and all(t.user_attrs["rung"] == t.user_attrs["epochs"] for t in pruned)
    assert all(t.user_attrs["rung"] == 9 for t in study.trials if t.state.name == "COMPLETE")


def test_a_re_export_adds_only_the_trials_finished_since(tmp_path):
    runs, output = tmp_path / "runs", tmp_path / "grown.journal"
    small = {**IRIS, "search": {**IRIS["search"], "trials": 3}}
    hpsearch.run(small, runs_dir=runs)
    export(runs, "iris", output)
    before = output.read_bytes()
    hpsearch.run(IRIS, runs_dir=runs)  # grows to 5 trials
    said = export(runs, "iris", output)
    assert said.startswith(f"wrote 2 new trials to {output}\nit holds 5 finished trials of ")
    assert output.read_bytes().startswith(before), "what the first export wrote is untouched"
    same_as_show(load(output, "iris"), show_json(runs, "iris"))
    again = export(runs, "iris", output)
    assert again.startswith(f"wrote no new trial to {output}\nit holds 5 finished trials of ")
    assert len(load(output, "iris").trials) == 5


def test_a_running_trial_is_left_for_the_next_export(tmp_path):
    runs, output = tmp_path / "runs", tmp_path / "running.journal"
    small = {**IRIS, "search": {**IRIS["search"], "trials": 3}}
    hpsearch.run(small, runs_dir=runs)
    with StudyStore.open(runs / "iris", writer=True) as store:
        store.extend_round(0, 4)
        store.mark_running(TrialSpec(3, 0, {"learning_rate": 0.01}, 7), "elsewhere")
    said = export(runs, "iris", output)
    assert "\nleft out 1 unfinished trial (running, paused or interrupted); export again" in said
    assert sorted(t.user_attrs["trial"] for t in load(output, "iris").trials) == [0, 1, 2]


def test_a_file_of_another_study_of_that_name_is_refused(tmp_path):
    output = tmp_path / "iris.journal"
    hpsearch.run(IRIS, runs_dir=tmp_path / "one")
    export(tmp_path / "one", "iris", output)
    hpsearch.run(IRIS, runs_dir=tmp_path / "two")
    done = runner.invoke(
        app,
        ["export", "iris", "--format", "optuna", "-o", str(output),
         "--runs-dir", str(tmp_path / "two")],
    )  # fmt: skip
    assert done.exit_code == 2
    assert f"--output {output} holds another study named 'iris'" in done.stderr
    assert len(load(output, "iris").trials) == 5


def test_an_output_inside_the_study_or_a_trial_are_refused(runs):
    done = runner.invoke(
        app,
        ["export", "iris", "--format", "optuna", "-o", str(runs / "iris" / "study.db"),
         "--runs-dir", str(runs)],
    )  # fmt: skip
    assert done.exit_code == 2 and "the store" in done.stderr
    done = runner.invoke(
        app,
        ["export", "iris", "--format", "optuna", "--trial", "1", "-o", "x.journal",
         "--runs-dir", str(runs)],
    )  # fmt: skip
    assert done.exit_code == 2
    assert "--format optuna writes every trial, so leave it out" in done.stderr


def test_without_optuna_the_export_says_how_to_install_it(runs, tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "optuna", None)
    done = runner.invoke(
        app,
        ["export", "iris", "--format", "optuna", "-o", str(tmp_path / "x.journal"),
         "--runs-dir", str(runs)],
    )  # fmt: skip
    assert done.exit_code == 2
    assert "--format optuna needs the optuna package; install it with" in done.stderr
    assert not (tmp_path / "x.journal").exists()


def test_at_80_columns_the_export_says_it_in_lines_that_fit(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(
        app,
        ["export", "iris", "--format", "optuna", "-o", "iris.journal", "--runs-dir", str(runs)],
        env={"COLUMNS": "80"},
    )
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0] == "wrote 5 new trials to iris.journal"
    assert max(map(len, lines)) <= 80 and "`optuna-dashboard iris.journal`" in done.stdout
