"""No output path overwrites a study: `export`, `predict`, `best --output` and `train --save`
refuse a path that is, or lies in, a study's store, run lock, kept models, checkpoints or
test-read log, however it is spelt (a link, `..`), before they write anything; `plot` writes
only inside its study's folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from tests.model_cases import ANIMALS, make_model_study

runner = CliRunner()


def hpsearch(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("data")
    make_model_study(data / "runs", data, "animals", ANIMALS)
    return data


PARTS = {
    "study.db": "is the store",
    "study.db-wal": "is the store",
    "study.lock": "is the run lock",
    "test-reads.jsonl": "is the log of test reads",
    "models/trial-0.npz": "lies in the kept models' folder",
    "checkpoints/trial-0-epoch-1.npz": "lies in the checkpoints' folder",
}


def commands(place: Path, output: Path) -> dict[str, tuple]:
    runs = place / "runs"
    return {
        "export": ("export", "animals", "--runs-dir", runs, "--output", output),
        "predict": ("predict", "animals", place / "animals-test.csv", "--runs-dir", runs,
                    "--output", output),
        "best": ("best", "animals", "--runs-dir", runs, "--output", output),
        "train": ("train", place / "animals.yaml", "--set", "hidden_units=4",
                  "--set", "learning_rate=0.1", "--save", output),
    }  # fmt: skip


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("command", ["export", "predict", "best", "train"])
def test_an_output_into_a_part_of_a_study_is_refused(place, tmp_path, part, command) -> None:
    folder = place / "runs/animals"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    output = folder / part
    args = commands(place, output)[command]
    result = hpsearch(*args)
    option = "--save" if command == "train" else "--output"
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {option} {output} {PARTS[part]} of the study in {folder}: writing it would "
        "destroy the study; give a file outside the study's store, lock, models and "
        "checkpoints\n",
    )
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before, "the study was written to"


@pytest.mark.parametrize("spelling", ["link", "dots"])
def test_however_the_path_is_spelt_the_store_is_refused(place, tmp_path, spelling) -> None:
    store = place / "runs/animals/study.db"
    if spelling == "link":
        output = tmp_path / "predictions.csv"
        output.symlink_to(store)
    else:
        output = place / "runs/animals/models/../study.db"
    before = store.read_bytes()
    for args in commands(place, output).values():
        result = hpsearch(*args)
        assert result.exit_code == 2 and "is the store of the study in" in result.stderr, args
    assert store.read_bytes() == before


def test_a_file_of_ones_own_in_a_study_folder_may_be_written(place) -> None:
    output = place / "runs/animals/chosen.yaml"
    result = hpsearch("best", "animals", "--runs-dir", place / "runs", "--output", output)
    assert result.exit_code == 0, result.output
    output.unlink()


def test_plot_refuses_a_plots_folder_that_links_out_of_the_study(place, tmp_path) -> None:
    folder = place / "runs/animals"
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / "plots").symlink_to(outside)
    try:
        result = hpsearch("plot", "animals", "--runs-dir", place / "runs")
    finally:
        (folder / "plots").unlink()
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {folder / 'plots'} is a link to {outside}: hpsearch writes a study's files only "
        "inside its folder; remove the link"
    )
    assert list(outside.iterdir()) == []


def test_plot_replaces_a_planted_link_to_a_file_instead_of_writing_through_it(place, tmp_path):
    folder = place / "runs/animals"
    target = tmp_path / "victim.txt"
    target.write_text("mine")
    (folder / "plots").mkdir(exist_ok=True)
    planted = folder / "plots/best-so-far.png"
    planted.unlink(missing_ok=True)
    planted.symlink_to(target)
    result = hpsearch("plot", "animals", "--runs-dir", place / "runs")
    assert result.exit_code == 0, result.output
    assert target.read_text() == "mine"
    assert not planted.is_symlink() and planted.read_bytes()[:4] == b"\x89PNG"
    assert oct(os.stat(planted).st_mode & 0o777) == "0o644"
