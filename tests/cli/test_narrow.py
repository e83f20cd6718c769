"""At 80 columns (`COLUMNS=80`), every command a study goes through keeps each value that
identifies a row whole: no value cut with "…", no line wider than the terminal, and each
trial number, hyperparameter, study and dataset name on one line."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.data import BUILTIN_DATASETS
from tests.conftest import iris_yaml

NARROW = {"COLUMNS": "80", "HPSEARCH_RUNS": ""}
MORE = (
    "  learning_rate_decay: {distribution: log_uniform, low: 1e-4, high: 1e-1}\n"
    "  beta1: {distribution: one_minus_log_uniform, low: 0.8, high: 0.999}\n"
    "  activation: {distribution: choice, choices: [relu, tanh]}\n"
)
IRIS = iris_yaml(high=64, epochs=2, search="trials: 12, seed: 4, workers: 1", more=MORE)
NAMES = ("learning_rate", "hidden_units", "learning_rate_decay", "beta1", "activation")


def narrow(*args: str):
    result = CliRunner().invoke(app, list(args), env=NARROW)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output, result.output
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80, max(lines, key=len)
    return result.stdout


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The iris study run at 80 columns in a folder of its own, set aside once and run again."""
    here = tmp_path_factory.mktemp("narrow")
    (here / "iris.yaml").write_text(IRIS)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(here)
        first = narrow("run", "iris.yaml")
        narrow("run", "iris.yaml", "--new", "--quiet")
        yield first, here


def test_run_and_show_keep_each_trial_and_value_whole(study) -> None:
    ran, here = study
    assert re.search(r"^\[12/12\] trial \d+: dev error", ran, re.M)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(here)
        shown = narrow("show", "iris", "--top", "12")
    for text, rows in ((ran, 10), (shown, 12)):  # run's table: the best 10
        ranks = [
            line.split()[:2] for line in text.splitlines() if re.match(r"\s*\d+\s+\d+\s", line)
        ]
        assert [int(rank) for rank, _ in ranks] == list(range(1, rows + 1))
        assert len({trial for _, trial in ranks}) == rows and all(int(t) < 12 for _, t in ranks)
        items = re.findall(r"(\w+)=(\S+)", text)
        assert {name for name, _ in items} >= set(NAMES), "every hyperparameter as name=value"


def test_studies_keeps_each_name_whole(study) -> None:
    _, here = study
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(here)
        listed = narrow("studies")
    aside = next(p.name for p in (here / "runs").iterdir() if p.name.startswith("iris."))
    rows = [line.split() for line in listed.splitlines()]
    names = [row[0] for row in rows if len(row) > 1 and row[1].isdigit()]
    assert names == ["iris", aside]


def test_zoom_keeps_each_hyperparameter_name_whole(study) -> None:
    _, here = study
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(here)
        zoomed = narrow("zoom", "iris", "--trials", "2")
    table = [line.split("│")[1].strip() for line in zoomed.splitlines() if line.startswith("│")]
    assert [name for name in table if name] == list(NAMES)


def test_check_train_and_datasets_fit_80_columns(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris.yaml").write_text(IRIS)
    checked = narrow("check", "iris.yaml", "--draws", "12")
    names = [line.split("│")[1].strip() for line in checked.splitlines() if line.startswith("│")]
    assert names.count("learning_rate_decay") >= 3, "the space, then the trials in 2 tables +"
    assert all(f"trial {n}" in checked for n in range(12))
    trained = narrow("train", "--dataset", "iris", "--set", "epochs=3")
    assert trained.splitlines()[0] == "epoch  train cost  train error   dev cost  dev error"
    listed = narrow("datasets")
    assert all(re.search(rf"^{info.name} ", listed, re.M) for info in BUILTIN_DATASETS)


def test_a_metric_with_a_long_name_fits_80_columns_too(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    search = "trials: 3, seed: 4, workers: 1"
    study = iris_yaml(high=64, epochs=2, search=search, more=MORE, after="metric: balanced_error\n")
    (tmp_path / "iris.yaml").write_text(study)
    ran = narrow("run", "iris.yaml")
    finished = r"^\[3/3\] trial \d+: dev balanced error \d\.\d{4}, train \d\.\d{4} "  # named once
    assert re.search(finished, ran, re.M)
    assert re.search(r"^  trial 2: epoch +cost +balanced error +cost +balanced error$", ran, re.M)
    shown = narrow("show", "iris")
    assert "best 3 of 3 complete trials, by dev balanced error" in shown
    rows = re.findall(r"^(\d) +(\d) +\d\.\d{4} +\d\.\d{4} +\w+ +learning_rate=", shown, re.M)
    assert [rank for rank, _ in rows] == ["1", "2", "3"] and len({t for _, t in rows}) == 3
    listed = narrow("studies")
    assert re.search(r"^iris\s+1\s+3 of 3\s+\d\.\d{4}\s", listed, re.M)
    assert "balanced error" in listed
