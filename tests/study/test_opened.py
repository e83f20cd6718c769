"""`hpsearch.open_study`: a study read from Python, as `show` and `best` read it, its trials as a
pandas DataFrame shaped like Optuna's."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

import hpsearch
from hpsearch.errors import ConfigError, StoreError
from tests.api_cases import IRIS, show_json

pd = pytest.importorskip("pandas")
runner = CliRunner()

HALVING = {
    **IRIS,
    "name": "halving",
    "hyperparameters": {**IRIS["hyperparameters"], "epochs": 4},
    "search": {"trials": 4, "seed": 1, "workers": 1, "schedule": "halving", "eta": 2},
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    hpsearch.run(IRIS, runs_dir=runs)
    hpsearch.run(HALVING, runs_dir=runs)
    return runs


def test_the_frame_has_one_row_per_trial_as_show_lists_them(runs):
    study = hpsearch.open_study("iris", runs_dir=runs)
    frame = study.trials_frame()
    rows = {row["trial"]: row for row in show_json(runs, "iris")}
    assert list(frame["number"]) == sorted(rows) == list(range(5))
    for trial in frame.itertuples():
        row = rows[trial.number]
        assert (trial.round, trial.state, trial.epochs) == (row["round"], row["state"], 3)
        assert (trial.dev_error, trial.train_error) == (row["dev_error"], row["train_error"])
        assert trial.diagnosis == row["diagnosis"]
        assert (None if pd.isna(trial.best_epoch) else trial.best_epoch) == row["best_epoch"]
        params = {name: getattr(trial, f"params_{name}") for name in row["params"]}
        assert params == row["params"]
    assert frame["rung"].isna().all(), "a plain round has no rung"
    assert frame["datetime_start"].notna().all() and (frame["duration_s"] > 0).all()


def test_best_is_the_trial_best_chooses_and_curves_are_its_epochs(runs):
    study = hpsearch.open_study(runs / "iris")
    best = study.best
    top = show_json(runs, "iris")[0]
    assert (best.number, best.value, best.state) == (top["trial"], top["dev_error"], "complete")
    assert best.model is not None and best.model.is_file()
    curves = study.curves(best)
    assert list(curves.index) == [1, 2, 3] and curves.index.name == "epoch"
    assert curves["dev_error"][best.record.best_epoch or 3] == best.value
    assert curves.equals(study.curves(best.number))


def test_a_halving_studys_frame_names_each_trials_last_rung(runs):
    frame = hpsearch.open_study("halving", runs_dir=runs).trials_frame()
    stopped = frame[frame["state"] == "stopped"]
    assert len(stopped) and (stopped["rung"] == stopped["epochs"]).all()
    assert set(frame["rung"].dropna()) <= {1, 2, 4}
    assert (frame[frame["state"] == "complete"]["rung"] == 4).all()


def test_a_study_that_is_not_there_or_a_trial_that_is_not_say_so(runs):
    with pytest.raises(StoreError, match="holds no study 'irsi'; did you mean 'iris'"):
        hpsearch.open_study("irsi", runs_dir=runs)
    with pytest.raises(ConfigError, match="has no trial 99; its trials are numbered from 0 to 4"):
        hpsearch.open_study("iris", runs_dir=runs).curves(99)


def test_without_pandas_a_frame_says_how_to_install_it(runs, monkeypatch):
    study = hpsearch.open_study("iris", runs_dir=runs)
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` fails, as when missing
    with pytest.raises(ConfigError, match=r"pip install pandas"):
        study.trials_frame()
    assert study.best.number == show_json(runs, "iris")[0]["trial"], "the rest needs no pandas"


def test_a_study_with_no_trial_yet_has_an_empty_frame_with_every_column(runs, tmp_path):
    from hpsearch.store.study_store import StudyStore

    full = hpsearch.open_study("iris", runs_dir=runs).trials_frame()
    config = hpsearch.open_study("iris", runs_dir=runs).config
    StudyStore.create(
        tmp_path / "iris", "iris", config.model_dump(mode="json"), config.study_identity(),
        "fp", "abc",
    ).close()  # fmt: skip
    empty = hpsearch.open_study(tmp_path / "iris").trials_frame()
    assert len(empty) == 0 and list(empty.columns) == list(full.columns)
    with pytest.raises(StoreError, match="has no complete trial yet"):
        hpsearch.open_study(tmp_path / "iris").best  # noqa: B018
