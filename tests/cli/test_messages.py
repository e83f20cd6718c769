"""Messages a newcomer reads: each one exact, each hint a command that works."""

from __future__ import annotations

import sys

import pytest

from hpsearch.cli.commands.train import TRAIN_NEEDS
from tests.cli.test_dead_ends import IRIS, hpsearch
from tests.results_cases import make_study

SMALL = IRIS.replace("trials: 14", "trials: 2")


@pytest.fixture
def iris(tmp_path):
    (tmp_path / "iris.yaml").write_text(SMALL)
    return tmp_path / "iris.yaml"


def test_dask_missing_writes_nothing_and_says_the_readmes_install_command(
    iris, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "hpsearch.execution.dask_cluster", raising=False)
    runs = iris.parent / "runs"
    result = hpsearch("run", iris, "--backend", "dask", "--runs-dir", runs)
    assert result.exit_code == 2
    assert 'install it with `pip install -e ".[dask]"` in a checkout of hpsearch' in result.stderr
    assert not runs.exists(), "a refused run leaves no empty study behind"


def test_a_finished_study_says_so_and_an_unknown_backend_is_refused(iris) -> None:
    runs = iris.parent / "runs"
    assert hpsearch("run", iris, "--runs-dir", runs, "--quiet").exit_code == 0
    again = hpsearch("run", iris, "--runs-dir", runs, "--quiet")
    assert again.exit_code == 0
    lines = again.stdout.splitlines()
    assert lines[-2:] == [f"  hpsearch zoom {runs / 'iris'}", f"stored in {runs / 'iris'}"]
    assert " ".join(again.stdout.split()).endswith(
        "nothing to run: every planned trial of the study has finished; raise search.trials in "
        f"its file, or zoom in for a new round: hpsearch zoom {runs / 'iris'} stored in "
        f"{runs / 'iris'}"
    )
    unknown = hpsearch("run", iris, "--runs-dir", runs, "--backend", "ray")
    assert unknown.exit_code == 2
    assert unknown.stderr == ("error: `backend` must be 'local' or 'dask', but got backend='ray'\n")


def test_train_without_arguments_explains_itself_and_its_hints_work() -> None:
    result = hpsearch("train")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"error: {TRAIN_NEEDS}\n"
    hinted = hpsearch("train", "--dataset", "iris", "--set", "epochs=1")
    assert hinted.exit_code == 0, hinted.output
    assert "complete after 1 epoch\n" in hinted.stdout


def test_sort_suggests_a_close_column_and_format_lists_the_formats(tmp_path) -> None:
    make_study(tmp_path)
    sort = hpsearch("show", "synthetic", "--runs-dir", tmp_path, "--sort", "dev_eror")
    assert sort.exit_code == 2
    assert sort.stderr == (
        "error: --sort must be one of dev_error, train_error, duration, trial, learning_rate, "
        "beta1, hidden_units, activation, but got 'dev_eror'; did you mean 'dev_error'?\n"
    )
    xml = hpsearch("show", "synthetic", "--runs-dir", tmp_path, "--format", "xml")
    assert xml.exit_code == 2
    assert xml.stderr == (
        "error: --format must be one of: table (the summary and the ranked table); csv (the rows "
        "alone, for a spreadsheet); json (the rows alone, for a program); markdown (the rows "
        "alone, for a document); but got 'xml'\n"
    )


def test_help_shows_flags_as_flags_and_values_by_name() -> None:
    run = hpsearch("run", "--help", env={"COLUMNS": "100"}).stdout
    assert "  --new " in run and "<bool>" not in run and "--workers N " in run
    zoom = hpsearch("zoom", "--help", env={"COLUMNS": "100"}).stdout
    assert "--set NAME=LOW:HIGH" in zoom and "list[str]" not in zoom and "--dry-run  " in zoom
    train = " ".join(hpsearch("train", "--help").stdout.split())
    assert (
        "--dataset NAME Without CONFIG: a built-in dataset (digits when only --set is given)."
        in (train)
    )


HEAD = "name: t\ndata: {dataset: iris}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hyperparameters:\n\tepochs: 5\n", "t.yaml, line 4, column 1: a tab indents this line: "
         "'\\tepochs: 5'; YAML indents with spaces, not tabs"),
        ("hyperparameters:\n  learning_rate:\n    distribution: log_uniform\n   low: 1e-3\n",
         "t.yaml, line 6, column 4: this line is indented differently from the keys around it: "
         "'   low: 1e-3'; keys of one mapping start in the same column, and a key's contents two "
         "spaces further in"),
        ("search:\n  trials: a: b\n",
         "t.yaml, line 4, column 12: a value holds ': ': '  trials: a: b'; put the value in "
         "quotes"),
        ("hyperparameters:\n  learning_rate: {distribution: log_uniform, min: 1e-3, max: 0.1}\n",
         "t.yaml, line 4: hyperparameters.learning_rate: `min`/`max` are `low`/`high` in a study "
         "file: write `learning_rate: {distribution: log_uniform, low: 0.001, high: 0.1}`"),
        ("hyperparameters:\n  hidden_units: {values: [8, 16]}\n",
         "t.yaml, line 4: hyperparameters.hidden_units: a list to choose from is `distribution: "
         "choice` with `choices:`: write `hidden_units: {distribution: choice, choices: [8, 16]}`"),
        ("hyperparameters:\n  learning_rate: {distribution: uniform, low: 0.001, high: 0.1, "
         "log: true}\n",
         "t.yaml, line 4: hyperparameters.learning_rate: a log scale is a distribution of its "
         "own, `log_uniform`: write `learning_rate: {distribution: log_uniform, low: 0.001, "
         "high: 0.1}`"),
        ("hyperparameters:\n  hidden_units: {distribution: q_uniform, low: 8, high: 64}\n",
         "t.yaml, line 4: hyperparameters.hidden_units: `q_uniform` is called `int_uniform` "
         "here: write `hidden_units: {distribution: int_uniform, low: 8, high: 64}`"),
        ("hyperparameters:\n  activation: {distribution: categorical, choices: [relu, tanh]}\n",
         "t.yaml, line 4: hyperparameters.activation: `categorical` is called `choice` here: "
         "write `activation: {distribution: choice, choices: [relu, tanh]}`"),
    ],
)  # fmt: skip
def test_yaml_slips_and_other_tools_habits_are_said_plainly(tmp_path, text, message) -> None:
    (tmp_path / "t.yaml").write_text(HEAD + text)
    result = hpsearch("check", tmp_path / "t.yaml")
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path!s}/{message}\n"


def table(separator: str) -> str:
    rows = ["a,b,label"] + [f"{i / 10},{i % 3},{'xy'[i % 2]}" for i in range(30)]
    return "\n".join(row.replace(",", separator) for row in rows) + "\n"


@pytest.mark.parametrize(
    ("data", "files", "message"),
    [
        ("  dataset: d.csv\n  target: labl\n", {"d.csv": table(",")},
         "t.yaml, line 4: data.target: target column 'labl' is not in {folder}/d.csv; did you "
         "mean 'label'? Its columns are: a, b, label"),
        ("  dataset: d.csv\n", {"d.csv": table(";")},
         "t.yaml, line 3: data.dataset: dataset file '{folder}/d.csv' seems to be separated by "
         "semicolons, not commas (its header: 'a;b;label'); hpsearch reads comma-separated "
         "files: save it as CSV with commas (pandas: pd.read_csv(path, sep=';')"
         ".to_csv(new_path, index=False))"),
        ("  dataset: d.tsv\n", {"d.tsv": table("\t")},
         "t.yaml, line 3: data.dataset: 'd.tsv': hpsearch reads comma-separated .csv files, and "
         ".npz or .npy arrays; save a tab-separated file as .csv with commas (pandas: "
         "pd.read_csv(path, sep='\\t').to_csv(new_path, index=False))"),
        ("  dataset: missing.csv\n", {},
         "t.yaml, line 3: data.dataset: dataset file '{folder}/missing.csv' does not exist; "
         "check the path"),
    ],
)  # fmt: skip
def test_data_errors_name_the_line_and_the_separator(tmp_path, data, files, message) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "t.yaml").write_text(f"name: t\ndata:\n{data}")
    result = hpsearch("check", tmp_path / "t.yaml")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {tmp_path}/{message.format(folder=tmp_path)}\n"


def test_a_file_name_that_cannot_name_the_study_says_why(tmp_path) -> None:
    (tmp_path / "my study.yaml").write_text("data: {dataset: iris}\n")
    result = hpsearch("check", tmp_path / "my study.yaml")
    assert result.stderr == (
        f"error: {tmp_path}/my study.yaml: the study needs a `name:`: without one it is named "
        "after the file, but 'my study' cannot name its folder (letters, digits, `_`, `.` and "
        "`-`, no spaces); add `name: my-study` to the file, or rename the file\n"
    )
