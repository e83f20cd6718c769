"""`hpsearch recover` reads what the damaged file still holds: the pages a truncated file kept,
rows behind a garbage header or a zeroed page of the table's tree, the readable cells of a row
whose long values are lost (kept without them, and said), the rung results and verified
checkpoints of a halving study. A rerun then gives the table the study had."""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.config import load_config
from hpsearch.study.run import Execution, run_study
from tests.conftest import iris_yaml
from tests.study.test_halving_run import HALVING, Crash, Epochs

runner = CliRunner()
PAGE = 4096
# 40 trials whose curves (60 epochs) overflow their row's page: one overflow page per trial.
IRIS = iris_yaml(low=8, high=32, epochs=60, search="trials: 40, seed: 3, workers: 1")


def hpsearch(*args: object, **options):
    return runner.invoke(app, [str(arg) for arg in args], **options)


def table(runs: Path, name: str = "iris") -> list[dict]:
    shown = hpsearch("show", name, "--all", "--format", "csv", "--runs-dir", runs)
    assert shown.exit_code == 0, shown.output
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    return [{k: v for k, v in row.items() if k not in ("duration_s", "worker")} for row in rows]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, list[dict]]:
    """The study run once, and its table: what every recovery, then a rerun, gives again."""
    runs = tmp_path_factory.mktemp("made")
    (runs / "iris.yaml").write_text(IRIS)
    assert hpsearch("run", runs / "iris.yaml", "--runs-dir", runs, "--quiet").exit_code == 0
    return runs, table(runs)


@pytest.fixture
def study(made, tmp_path) -> Path:
    """A copy of the made study, to damage; returns its runs folder."""
    shutil.copytree(made[0], tmp_path / "runs")
    return tmp_path / "runs"


def rows_in(data: bytes, db: Path) -> set[int]:
    """The trials whose row (its parameters, which never leave the row's own page) lies whole
    in `data`."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        params = conn.execute("SELECT number, params FROM trials").fetchall()
    return {number for number, text in params if text.encode() in data}


def recover(runs: Path):
    done = hpsearch("recover", "iris", "--runs-dir", runs)
    assert done.exit_code == 0, done.output
    return done, int(done.stdout.split()[1])


def rerun_gives_the_table_again(runs: Path, whole: list[dict]) -> None:
    again = hpsearch("run", runs / "iris.yaml", "--runs-dir", runs, "--quiet")
    assert again.exit_code == 0, again.output
    assert table(runs) == whole


@pytest.mark.parametrize("pages_left", ["all but one", "60%"])
def test_a_truncated_store_keeps_every_row_on_the_pages_it_still_has(study, made, pages_left):
    db = study / "iris/study.db"
    pages = db.stat().st_size // PAGE
    left = pages - 1 if pages_left == "all but one" else int(pages * 0.6)
    os.truncate(db, left * PAGE)
    expected = rows_in(db.read_bytes(), made[0] / "iris/study.db")
    _, kept = recover(study)
    assert kept == len(expected) > 0
    rerun_gives_the_table_again(study, made[1])


def test_a_header_of_random_bytes_loses_no_row(study, made):
    db = study / "iris/study.db"
    with open(db, "r+b") as file:
        file.write(random.Random(7).randbytes(100))
    shown = hpsearch("show", "iris", "--runs-dir", study)
    assert shown.exit_code == 2 and "is damaged (file is not a database)" in shown.stderr
    _, kept = recover(study)
    assert kept == 40
    assert table(study) == made[1]


def test_a_zeroed_page_of_the_tables_tree_loses_no_row_on_the_pages_below_it(study, made):
    db = study / "iris/study.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'trials'").fetchone()
    with open(db, "r+b") as file:  # the root of 40 rows with overflow: an interior page
        file.seek((root[0] - 1) * PAGE)
        assert file.read(1) == b"\x05", "the trials table's root is not an interior page"
        file.seek((root[0] - 1) * PAGE)
        file.write(bytes(PAGE))
    _, kept = recover(study)
    assert kept == 40
    assert table(study) == made[1]


def overflow_page_of(db: Path, trial: int) -> int:
    """The page that holds the end of the trial's curves (its row's overflow page)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (curves,) = conn.execute("SELECT curves FROM trials WHERE number = ?", (trial,)).fetchone()
    at = db.read_bytes().index(curves[-300:].encode())
    return at // PAGE


def test_a_trial_whose_curves_are_lost_is_kept_without_them_and_said(study, made):
    db = study / "iris/study.db"
    page = overflow_page_of(db, 5)
    with open(db, "r+b") as file:
        file.seek(page * PAGE)
        file.write(bytes(PAGE))
    done, kept = recover(study)
    assert kept == 40
    said = " ".join(done.stdout.split())  # prose, wrapped to the console's width
    assert said.count("kept without") == 1
    assert (
        "; 0 could not be read kept without what could not be read back, left empty: trial 5 "
        "(curves) the damaged study is kept in "
    ) in said
    after = {int(row["trial"]): row for row in table(study)}
    before = {int(row["trial"]): row for row in made[1]}
    assert after[5] == before[5]  # its parameters, errors, costs, epochs: the table's columns
    shown = hpsearch("show", "iris", "--runs-dir", study, "--format", "json", "--all")
    assert shown.exit_code == 0, shown.output
    plotted = hpsearch("plot", "iris", "--runs-dir", study)
    assert plotted.exit_code == 0, plotted.output


def test_a_timestamp_of_nul_bytes_loses_the_timestamp_not_the_trial(study, made):
    db = study / "iris/study.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE trials SET finished = ? WHERE number = 7", ("\x00" * 29,))
    done, kept = recover(study)
    assert kept == 40
    assert "left empty: trial 7 (finished)" in done.stdout
    assert table(study) == made[1]


def test_recovering_the_damaged_copy_again_is_refused_and_remove_deletes_it(study):
    with open(study / "iris/study.db", "r+b") as file:
        file.write(bytes(100))
    recover(study)
    [aside] = study.glob("iris.damaged-*")
    again = hpsearch("recover", aside)
    assert again.exit_code == 2
    assert again.stderr == (
        f"error: {aside} is the damaged copy that `hpsearch recover` set aside: its readable "
        f"trials are in {study / 'iris'} already; delete it with `hpsearch remove {aside}`\n"
    )
    assert list(study.glob("iris.damaged-*")) == [aside], "a copy of the copy was set aside"
    listed = hpsearch("studies", "--runs-dir", study, env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert f"{aside.name}: the damaged copy that `hpsearch recover` set aside" in listed.stdout
    gone = hpsearch("remove", aside, "--yes")
    assert gone.exit_code == 0, gone.output
    assert not aside.exists()


def test_recovering_a_halving_study_keeps_its_rungs_and_checkpoints(tmp_path):
    """Killed mid-rung, recovered, resumed: no rung it had recorded trains again."""
    config_file = tmp_path / "halving.yaml"
    config_file.write_text(HALVING % {"schedule": "hyperband", "trials": 12, "patience": "null"})
    config = load_config(config_file)
    execution = Execution.of(config.search, workers=1)
    runs = {name: tmp_path / name for name in ("whole", "plain", "recovered")}
    run_study(config, runs["whole"], execution)
    for name in ("plain", "recovered"):
        with pytest.raises(SystemExit):
            run_study(config, runs[name], execution, observer=Crash(at=2))
    before = sorted((runs["recovered"] / "halving/checkpoints").iterdir())
    done = hpsearch("recover", "halving", "--runs-dir", runs["recovered"])
    assert done.exit_code == 0, done.output
    assert f"and {len(before)} checkpoints of " in done.stdout
    epochs = {}
    for name in ("plain", "recovered"):
        counting = Epochs()
        run_study(config, runs[name], execution, observer=counting)
        epochs[name] = counting.trained
    assert epochs["recovered"] == epochs["plain"]  # what a resume without recovery trains
    assert table_of(runs["recovered"]) == table_of(runs["whole"])


def table_of(runs: Path) -> list[dict]:
    shown = hpsearch("show", "halving", "--all", "--format", "csv", "--runs-dir", runs)
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    return [{k: v for k, v in row.items() if k not in ("duration_s", "worker")} for row in rows]
