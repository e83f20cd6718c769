"""The baselines: fitted on the train split alone, scored on dev with the study's metric, stored
with the study when it is made, on test in `best --test`'s one read; `baseline: false` fits
nothing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.data import DataSpec, load_dataset
from hpsearch.nn import metrics
from hpsearch.store.read_log import logged_reads
from hpsearch.store.study_store import StudyStore
from hpsearch.study import baselines
from hpsearch.study.baselines import fit_baselines, train_rows
from tests.conftest import iris_yaml

runner = CliRunner()


def hpsearch(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def wine():
    return load_dataset(DataSpec(dataset="wine"))


def test_baselines_are_fitted_on_the_train_split_alone(wine) -> None:
    """Other dev and test rows (noise, other labels) leave the fitted models as they were, to
    the last bit of every probability: no dev or test row reaches a fit."""
    rng = np.random.default_rng(0)

    def other(X, y):
        return rng.normal(size=X.shape).astype(X.dtype), rng.permutation(y)

    swapped = dataclasses.replace(
        wine, **dict(zip(("X_dev", "y_dev"), other(wine.X_dev, wine.y_dev), strict=True)),
        **dict(zip(("X_test", "y_test"), other(wine.X_test, wine.y_test), strict=True)),
    )  # fmt: skip
    mine, theirs = fit_baselines(wine, "error"), fit_baselines(swapped, "error")
    for ours, others in zip(mine, theirs, strict=True):
        assert ours.baseline.name == others.baseline.name and ours.model is not None
        probe = np.concatenate([wine.X_train, wine.X_dev])
        ours_p, others_p = ours.model.predict_proba(probe), others.model.predict_proba(probe)
        assert ours_p.tobytes() == others_p.tobytes()
        assert ours.baseline.rows == ours.baseline.train_rows == len(wine.y_train)
        by_hand = metrics.error(wine.y_dev, ours.model.predict_proba(wine.X_dev).argmax(axis=1))
        assert ours.baseline.dev_error == by_hand == ours.scores["dev"]  # scored on dev
        assert set(ours.scores) == {"dev"}  # the test split is not looked at
    assert [f.baseline.name for f in mine] == ["gradient boosting", "logistic"]
    assert mine[0].baseline.model == "HistGradientBoostingClassifier(random_state=0)"


def test_a_regression_is_scored_by_its_metric_in_its_units() -> None:
    data = load_dataset(DataSpec(dataset="diabetes"))
    boosting, ridge = fit_baselines(data, "mae", parts=("dev", "test"))
    assert ridge.baseline.name == "ridge" and ridge.baseline.model == "Ridge()"
    for fitted in (boosting, ridge):
        by_hand = metrics.mae(data.y_test, fitted.model.predict(data.X_test))
        assert fitted.scores["test"] == by_hand and 30 < by_hand < 70  # units of the target


def test_balanced_error_decides_by_probability_over_the_class_share() -> None:
    """As the network decides: the class of the largest p(c)/π(c), π the train share; the
    most probable class would answer the common class for every row."""

    class Fixed:
        classes_ = np.array([0, 1])

        def predict_proba(self, X):
            p = np.array([0.1, 0.15, 0.1, 0.12, 0.3])
            return np.c_[1 - p, p]

    y, X = np.array([0, 0, 0, 0, 1]), np.zeros((5, 1))
    prior = metrics.decision_prior("balanced_error", y, 2)  # 0.8, 0.2
    assert baselines._scored(Fixed(), X, y, "balanced_error", 2, prior) == 0.0
    assert baselines._scored(Fixed(), X, y, "balanced_error", 2, None) == 0.5
    assert baselines._scored(Fixed(), X, y, "error", 2, None) == 0.2


def test_the_rows_are_capped_with_every_class_kept() -> None:
    y = np.r_[np.zeros(29_000, int), np.ones(990, int), np.full(10, 2)]
    rows = train_rows(y, stratified=True, limit=2_000)
    assert 1_990 <= len(rows) <= 2_000 and np.all(np.diff(rows) > 0)
    assert np.bincount(y[rows]).tolist()[1:] == [66, 1]  # each class in its share, at least one
    assert rows.tolist() == train_rows(y, stratified=True, limit=2_000).tolist()  # fixed
    assert train_rows(y[:1_500], stratified=True, limit=2_000).tolist() == list(range(1_500))
    assert len(train_rows(y.astype(float), stratified=False, limit=500)) == 500


def _iris(tmp_path: Path, after: str = "") -> Path:
    config = tmp_path / "iris.yaml"
    text = iris_yaml(high=8, epochs=3, search="trials: 2, seed: 0, workers: 1", after=after)
    config.write_text(text)
    return config


def test_a_study_is_made_with_its_baselines_shown_above_the_ranking(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert hpsearch("run", _iris(tmp_path), "--runs-dir", runs, "--quiet").exit_code == 0
    with StudyStore.open(runs / "iris") as store:
        stored = store.baselines()
    data = load_dataset(DataSpec(dataset="iris"))
    expected = [f.baseline.dev_error for f in fit_baselines(data, "error")]
    assert [b.name for b in stored] == ["gradient boosting", "logistic"]
    assert [b.dev_error for b in stored] == expected
    lines = hpsearch("show", "iris", "--runs-dir", runs).stdout.splitlines()
    best = next(i for i, line in enumerate(lines) if line.startswith("best: "))
    said = next(line for line in lines[best:] if line.startswith("baselines on "))
    assert said == (
        f"baselines on the same dev split: gradient boosting {expected[0]:.4f}, "
        f"logistic {expected[1]:.4f}"
    )
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("#"))
    assert lines.index(said) < header  # above the ranking
    tested = hpsearch("best", "iris", "--runs-dir", runs, "--test")
    assert tested.exit_code == 0, tested.output
    on_test = [f.scores["test"] for f in fit_baselines(data, "error", parts=("test",))]
    line = f"baselines on the same test split: gradient boosting {on_test[0]:.4f}, logistic "
    assert line + f"{on_test[1]:.4f}\n" in tested.stdout
    (read,) = logged_reads(runs / "iris")  # one read of the test split, the baselines' in it
    assert read.baselines == {"gradient boosting": on_test[0], "logistic": on_test[1]}
    log = json.loads((runs / "iris" / "test-reads.jsonl").read_text())
    assert log["baselines"] == read.baselines


def test_baseline_false_fits_nothing(tmp_path: Path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a baseline was fitted")

    monkeypatch.setattr(baselines, "fit_baselines", refuse)
    monkeypatch.setattr("hpsearch.study.run.baselines_for", refuse)
    runs = tmp_path / "runs"
    config = _iris(tmp_path, after="baseline: false\n")
    assert hpsearch("run", config, "--runs-dir", runs, "--quiet").exit_code == 0
    with StudyStore.open(runs / "iris") as store:
        assert store.baselines() == []
    assert "baselines" not in hpsearch("show", "iris", "--runs-dir", runs).stdout
    tested = hpsearch("best", "iris", "--runs-dir", runs, "--test")
    assert tested.exit_code == 0 and "baselines" not in tested.stdout
    assert logged_reads(runs / "iris")[0].baselines == {}
