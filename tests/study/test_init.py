"""What `hpsearch init` proposes for the search: a wide space's budget goes to the asynchronous
schedule (about three configurations per full trial's epochs), a narrow one's to as many plain
trials; the written comment says what the schedule does with the counts `check` prints, and how
to go back to plain random search; the file checks and runs as written, the same every time."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from hpsearch.config import load_config
from hpsearch.config.presets import PRESETS, STRONG, Searched, log_uniform
from hpsearch.study.check import check_study
from hpsearch.study.init import init_study
from hpsearch.study.run import Execution, run_study

FILES = Path(__file__).resolve().parents[1] / "files"
PENGUINS = FILES / "penguins.csv"


def _search(text: str) -> str:
    return text.split("\nsearch:\n")[1]


@pytest.mark.parametrize("preset", ["strong", "course"])
def test_a_wide_space_s_budget_goes_to_the_asynchronous_schedule(tmp_path, preset) -> None:
    study = tmp_path / "p.yaml"
    made = init_study(PENGUINS, "species", output=study, runs_dir=tmp_path, preset=preset)
    config = load_config(study)
    assert (config.search.schedule, config.search.budget) == ("asha", 40 * 60)  # 206 train rows
    proposed = made.proposed
    # what the comment and init's output say is what `check` plans
    told = check_study(study, 0).outlook
    assert told is not None and told.schedule == "asha" and told.budget == 2400
    assert (proposed.configurations, proposed.full) == (told.outlook.configurations, 15)
    assert told.outlook.full == 15 and config.search.trials == proposed.configurations == 123
    assert proposed.configurations / 40 == pytest.approx(3, abs=0.2)  # per full trial's epochs
    comment = " ".join(line.strip(" #") for line in _search(study.read_text()).splitlines()[:-3])
    for said in (
        "a budget of 40 full trials' worth of epochs (40 × 60 = 2,400)",
        "6 hyperparameters searched",
        "about 123 configurations on rungs of 8, 16, 32 and 60 epochs",
        "about 15 reach the full 60 epochs",
        "write schedule: plain (the budget then holds 40 trials of 60 epochs)",
        "or trials: 40 in place of these two lines",
    ):
        assert said in comment, comment
    assert _search(study.read_text()).endswith("  schedule: asha\n  budget: 2400\n  seed: 0\n")


def test_the_way_back_to_plain_random_search_is_the_one_the_comment_gives(tmp_path) -> None:
    study = tmp_path / "p.yaml"
    init_study(PENGUINS, "species", output=study, runs_dir=tmp_path)
    text = study.read_text()
    for edited in (
        text.replace("  schedule: asha\n", "  schedule: plain\n"),
        text.replace("  schedule: asha\n  budget: 2400\n", "  trials: 40\n"),
    ):
        study.write_text(edited)
        search = load_config(study).search
        assert (search.schedule, search.trials) == ("plain", 40)


def test_a_narrow_space_s_budget_goes_to_plain_trials(tmp_path, monkeypatch) -> None:
    narrow = replace(
        STRONG,
        hyperparameters=(
            Searched("learning_rate", log_uniform(1e-3, 1e-1), "α", 1),
            Searched("layers", {"distribution": "int_uniform", "low": 1, "high": 3}, "L", 3),
        ),
    )  # two hyperparameters, α over two decades
    monkeypatch.setitem(PRESETS, "strong", narrow)
    study = tmp_path / "p.yaml"
    made = init_study(PENGUINS, "species", output=study, runs_dir=tmp_path)
    search = _search(study.read_text())
    assert search.startswith("  trials: 40\n  # 206 train rows (up to 2,000): 40 trials of 60")
    assert "schedule" not in search and "budget" not in search
    assert made.proposed.schedule == "plain" and load_config(study).search.trials == 40


def test_init_writes_the_same_file_and_it_runs_the_same_on_any_workers(tmp_path) -> None:
    texts = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        study = tmp_path / folder / "p.yaml"
        init_study(PENGUINS, "species", output=study, runs_dir=tmp_path / folder / "runs")
        texts.append(study.read_text())
    assert texts[0] == texts[1]
    # as written, but of 4 epochs and a budget of 8 full trials' worth: rungs of 1, 2 and 4
    small = re.sub(r"(?m)^  epochs: 60$", "  epochs: 4", texts[0]).replace(
        "budget: 2400", "budget: 32"
    )
    tables = []
    for workers in (1, 2):
        study = tmp_path / f"small-{workers}.yaml"
        study.write_text(small)
        config = load_config(study)
        done = run_study(config, tmp_path / f"runs-{workers}", Execution(workers=workers))
        assert done.exit_code == 0
        with sqlite3.connect(done.folder / "study.db") as db:
            tables.append(
                db.execute(
                    "SELECT number, state, epochs, dev_error FROM trials ORDER BY number"
                ).fetchall()
            )
    assert tables[0] == tables[1]
    assert len(tables[0]) == load_config(tmp_path / "small-1.yaml").search.trials > 8
    assert {state for _, state, _, _ in tables[0]} >= {"complete", "stopped"}
