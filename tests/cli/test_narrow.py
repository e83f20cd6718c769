"""At 80 columns (`COLUMNS=80`), every command a study goes through keeps each value that
identifies a row whole: no value cut with "…", no line wider than the terminal, and each
trial number, hyperparameter, study and dataset name on one line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

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
    here = str(Path.cwd())  # a path stays whole; how long the test's folder is depends on the run
    lines = [line for line in result.stdout.splitlines() if here not in line]
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


def test_studies_keeps_damaged_and_set_aside_studies_whole(study, tmp_path, monkeypatch) -> None:
    """A damaged study and the copies set aside (by `run --new`, by `recover`) are listed with
    each name whole: in the table while the names fit it, then each study under its name. Their
    notes wrap as prose with each command on one line."""
    _, here = study
    runs = tmp_path / "runs"
    shutil.copytree(here / "runs", runs)
    monkeypatch.chdir(tmp_path)
    aside = next(p.name for p in runs.iterdir() if p.name.startswith("iris."))
    shutil.copytree(runs / "iris", runs / "broken")
    with open(runs / "broken/study.db", "r+b") as file:
        file.write(b"\xff" * 100)  # a header no SQLite reads
    listed = narrow("studies")
    rows = [line.split() for line in listed.splitlines()]
    assert [row[0] for row in rows if len(row) > 4 and row[1] in "–0123456789"] == [
        "broken", "iris", aside
    ]  # fmt: skip
    assert ["broken", "–", "–", "–", "damaged"] in [row[:5] for row in rows]
    commands = [f"hpsearch {verb} runs/broken" for verb in ("recover", "remove")]
    commands += [f"hpsearch {verb} runs/{aside}" for verb in ("show", "remove")]
    for command in commands:  # each on one line, whole
        assert any(f"`{command}`" in line for line in listed.splitlines()), command
    assert re.search(r"^broken: runs/broken/study.db is damaged \(file is not a", listed, re.M)
    assert re.search(rf"^{re.escape(aside)}: set aside when study iris began anew", listed, re.M)

    long = "iris_as_measured_in_the_field"  # its damaged copy's name is too long for the table
    shutil.copytree(runs / "iris", runs / long)
    with open(runs / long / "study.db", "r+b") as file:
        file.write(bytes(100))
    narrow("recover", long)
    [copy] = [p.name for p in runs.iterdir() if p.name.startswith(f"{long}.damaged-")]
    listed = narrow("studies")
    for name in ("broken", "iris", aside, long, copy):
        assert re.search(rf"^{re.escape(name)}\n    \S", listed, re.M), name
    assert re.search(rf"^{re.escape(copy)}\n    damaged, last change \d{{4}}-", listed, re.M)
    assert re.search(r"^iris\n    rounds \d+, trials done \d+ of \d+, best dev error", listed, re.M)
    assert f"`hpsearch remove runs/{copy}`" in listed
    assert re.search(rf"^{re.escape(copy)}: the damaged copy that\b", listed, re.M)


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


FILES = Path(__file__).resolve().parents[1] / "files"
PENGUINS = ("island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
            "sex", "year")  # fmt: skip
LONG = "bill length in millimetres as the field team measured it"  # too long for a table


def test_check_of_a_csv_keeps_each_column_and_level_whole(tmp_path, monkeypatch) -> None:
    """The columns table at 80 columns: each column's name, type and levels whole, what is done
    with it wrapped; the data lines wrap as prose with each name whole; a name too long for a
    table puts each column under its name."""
    monkeypatch.chdir(tmp_path)
    text = (FILES / "penguins.csv").read_text()
    (tmp_path / "long.csv").write_text(text.replace("bill_length_mm", LONG, 1))
    for name, data, target in (("penguins", FILES / "penguins.csv", "species"),
                               ("diamonds", FILES / "diamonds.csv", "price"),
                               ("long", "long.csv", "species")):  # fmt: skip
        narrow("init", str(data), "--target", target, "-o", f"{name}.yaml")
    checked = narrow("check", "penguins.yaml")
    rows = re.findall(r"^(\w+) +(numeric|categorical) ", checked, re.M)
    assert [name for name, _ in rows] == list(PENGUINS), checked
    for level in ("Biscoe,", "Dream,", "Torgersen", "male,", "female"):  # broken between levels
        assert re.search(rf"(^| ){level}( |$)", checked, re.M), level
    assert len(re.findall(r"\bflagged\b", checked)) == 4, "what is done, wrapped, not cut"
    filled = " ".join(line for line in checked.split("data: gaps filled: ")[1].splitlines()[:3])
    assert filled.startswith("bill_length_mm 2 (train 1, test 1), bill_depth_mm 2 (train 1,")
    for name in PENGUINS[1:5]:
        assert re.search(rf"(^|: |, ){name} 2 \(train", checked, re.M), name
    diamonds = _checked("diamonds.yaml")  # more levels than shown: "…" is no cut
    assert re.search(r"^cut +categorical +5 levels: Ideal, Premium, +– +one-hot", diamonds, re.M)
    assert re.search(r"^ +Very Good, Good, … *$", diamonds, re.M), diamonds
    long = _checked("long.yaml")
    assert f"\n{LONG}\n    numeric, 32.1 to 59.6, 0.5% missing → scaled;" in long
    assert f"\ndata: gaps filled: {LONG} 2\n(train 1, test 1), " in long


def _checked(study: str) -> str:
    """`check` at 80 columns, where only the data's path (whole, as YAML) may be wider."""
    result = CliRunner().invoke(app, ["check", study], env=NARROW)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if not line.startswith("  dataset: ")]
    assert max(map(len, lines)) <= 80, max(lines, key=len)
    return result.stdout
