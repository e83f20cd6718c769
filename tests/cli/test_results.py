"""`hpsearch show`, `best` and `plot` as a user types them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.config import parse_config
from hpsearch.store.study_store import StudyStore
from hpsearch.study.run import Execution, run_study
from hpsearch.trial import TrialState
from tests.results_cases import make_study
from tests.study.test_best import IRIS

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    make_study(runs, trials=12, others={3: TrialState.FAILED})
    config = parse_config(IRIS, "iris.yaml")
    run_study(config, runs, Execution.of(config.search))
    return runs


def hpsearch(*args: str):
    return runner.invoke(app, [str(arg) for arg in args])


def test_show_prints_the_summary_then_the_table_in_80_columns(runs) -> None:
    result = runner.invoke(
        app, ["show", "synthetic", "--runs-dir", str(runs)], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "study synthetic (1 round): 12 trials, 11 complete, 1 failed"
    assert "best 10 of 11 complete trials, by dev error" in lines
    assert max(len(line) for line in lines) <= 80
    table = lines[lines.index("best 10 of 11 complete trials, by dev error") + 1 :]
    note = next(at for at, line in enumerate(table) if line.startswith("diagnosis: "))
    assert " ".join(table[note:]).endswith("`show --target-error`")


def test_show_takes_the_path_of_a_study_folder_too(runs) -> None:
    by_name = hpsearch("show", "synthetic", "--runs-dir", runs)
    by_path = hpsearch("show", runs / "synthetic")
    assert by_path.exit_code == 0 and by_path.stdout == by_name.stdout


def test_machine_formats_print_only_the_data_of_every_trial(runs) -> None:
    as_csv = hpsearch("show", "synthetic", "--runs-dir", runs, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 11 and as_csv.stdout.startswith("rank,trial,round,state,dev_error,")
    as_json = hpsearch("show", "synthetic", "--runs-dir", runs, "--format", "json", "--all")
    assert len(json.loads(as_json.stdout)) == 12
    top = hpsearch("show", "synthetic", "--runs-dir", runs, "--format", "json", "--top", "2")
    assert [t["rank"] for t in json.loads(top.stdout)] == [1, 2]
    markdown = hpsearch("show", "synthetic", "--runs-dir", runs, "--format", "markdown")
    assert markdown.stdout.startswith("| # | trial |") and len(markdown.stdout.splitlines()) == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "nothing"], "--runs-dir {runs} holds no study 'nothing'; it holds: iris, "
         "synthetic. The runs folder is $HPSEARCH_RUNS when set, else runs/ in the working "
         "directory (not the study file's folder)"),
        (["show", "synthetc"], "--runs-dir {runs} holds no study 'synthetc'; did you mean "
         "'synthetic'? It holds: iris, synthetic. The runs folder is $HPSEARCH_RUNS when set, "
         "else runs/ in the working directory (not the study file's folder)"),
        (["show", "synthetic", "--sort", "speed"], "--sort must be one of dev_error, "
         "train_error, duration, trial, learning_rate, beta1, hidden_units, activation, "
         "but got 'speed'"),
        (["show", "synthetic", "--round", "1"],
         "--round must be one of the study's rounds (0), but got 1"),
        (["best", "iris", "--output", "/no/such/folder/chosen.yaml"], "--output "
         "/no/such/folder/chosen.yaml cannot be written (No such file or directory); give a "
         "file in an existing, writable folder"),
        (["best", "nothing"], "--runs-dir {runs} holds no study 'nothing'; it holds: iris, "
         "synthetic. The runs folder is $HPSEARCH_RUNS when set, else runs/ in the working "
         "directory (not the study file's folder)"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_on_stderr_and_exit_code_2(runs, args, message) -> None:
    result = hpsearch(*args, "--runs-dir", runs)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message.format(runs=runs)}\n"


def test_best_prints_the_chosen_trial_and_its_configuration(runs) -> None:
    result = hpsearch("best", "iris", "--runs-dir", runs)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("chosen: trial ") and lines[0].endswith(
        "of study iris, the best of 4 complete trials by dev error"
    )
    assert lines[2].startswith("curves: 5 epochs, the lowest dev error ")
    number = int(lines[0].split()[2])
    assert (
        f"# Every hyperparameter is fixed: `hpsearch train FILE` retrains trial {number} exactly"
        in lines
    )
    record = next(r for r in StudyStore.open(Path(runs) / "iris").trials() if r.number == number)
    assert f"  training_seed: {record.seed}" in lines
    assert "test error" not in result.stdout and "test split" not in result.stdout


def test_best_output_writes_a_file_that_check_accepts(runs, tmp_path) -> None:
    output = tmp_path / "chosen.yaml"
    result = hpsearch("best", "iris", "--runs-dir", runs, "--output", output)
    assert result.exit_code == 0, result.output
    assert (
        f"configuration written to {output}; `hpsearch train {output}` retrains the chosen "
        "trial exactly" in result.stdout.replace("\n", " ")
    )
    checked = hpsearch("check", output, "--draws", "0")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith(f"✓ {output} is valid: study iris-trial-")


def test_best_test_prints_the_test_error_and_how_often_it_was_read(runs) -> None:
    first = hpsearch("best", "iris", "--runs-dir", runs, "--test")
    assert first.exit_code == 0, first.output
    assert "the test split was read for the first time" in first.stdout
    second = hpsearch("best", "iris", "--runs-dir", runs, "--test")
    assert "the test split has now been read 2 times" in second.stdout
    assert line_of_test_error(second) == line_of_test_error(
        first
    )  # one model, one split, one error
    show = hpsearch("show", "iris", "--runs-dir", runs)
    assert "test split read 2 times by `hpsearch best --test`" in show.stdout.replace("\n", " ")


def line_of_test_error(result) -> str:
    return next(line for line in result.stdout.splitlines() if line.startswith("test error of"))


def test_plot_prints_the_paths_of_its_pngs(runs) -> None:
    result = hpsearch("plot", "synthetic", "--runs-dir", runs, "--top", "3")
    assert result.exit_code == 0, result.output
    folder = runs / "synthetic" / "plots"
    assert result.stdout.splitlines() == [
        str(folder / name)
        for name in ("dev-error-by-hyperparameter.png", "learning-curves.png", "best-so-far.png")
    ]
