"""keep_best_epoch through the command line: a trial whose last epoch is worse than an earlier one
reports, saves, exports and predicts with its best epoch's weights, and `show` and `best` say which
epoch that was."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.store.study_store import StudyStore
from tests.model_cases import ANIMALS, animal_rows, write_rows

runner = CliRunner()
STUDY = """\
name: bouncy
data: {dataset: bouncy.csv, dev: bouncy-dev.csv, test: bouncy-test.csv, target: kind}
hyperparameters:
  learning_rate: 0.3
  optimizer: momentum
  beta1: 0.5
  hidden_units: 16
  epochs: 15
  batch_size: 16
search: {trials: 1, seed: 3, workers: 1}
"""


def hpsearch(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bouncy")
    for suffix, rows, seed in (("", 300, 0), ("-dev", 90, 1), ("-test", 90, 2)):
        write_rows(folder / f"bouncy{suffix}.csv", *animal_rows(rows, ANIMALS, seed))
    (folder / "bouncy.yaml").write_text(STUDY)
    done = hpsearch("run", folder / "bouncy.yaml", "--runs-dir", folder / "runs", "--quiet")
    assert done.exit_code == 0, done.output
    with StudyStore.open(folder / "runs" / "bouncy") as store:
        (record,) = store.trials()
    return folder, record


def test_the_trial_reports_its_best_epoch_not_its_last(study) -> None:
    folder, record = study
    curve = record.curves["dev_error"]
    assert curve[-1] > min(curve)  # the last epoch is worse than an earlier one
    assert record.params["keep_best_epoch"] is True  # the study file's default
    cost = record.curves["dev_cost"]
    best = min(range(1, 16), key=lambda e: (curve[e - 1], cost[e - 1]))  # the ranking's order
    assert record.dev_error == min(curve) and record.best_epoch == best
    shown = hpsearch("show", "bouncy", "--runs-dir", folder / "runs").stdout
    assert f"dev error {record.dev_error:.4f} at epoch {record.best_epoch} of 15" in shown
    chosen = hpsearch("best", "bouncy", "--runs-dir", folder / "runs").stdout
    assert f"(the weights of epoch {record.best_epoch}, its best on dev)" in chosen


def test_export_writes_and_predict_uses_the_best_epochs_weights(study) -> None:
    folder, record = study
    model = folder / "chosen.npz"
    exported = hpsearch("export", "bouncy", "--runs-dir", folder / "runs", "--output", model)
    assert exported.exit_code == 0, exported.output
    for source in (model, "bouncy"):  # the exported file, and the study's kept model
        predicted = hpsearch(
            "predict", source, folder / "bouncy-dev.csv", "--runs-dir", folder / "runs",
            "--output", folder / "p.csv",
        )  # fmt: skip
        assert predicted.exit_code == 0, predicted.output
        scored = r"error on these rows[^:]*: (\d\.\d+) \((\d+) of 90 wrong\)"
        said = re.search(scored, predicted.output)
        assert said, predicted.output
        assert int(said[2]) / 90 == pytest.approx(record.dev_error)  # the best epoch's
        assert int(said[2]) / 90 != pytest.approx(record.curves["dev_error"][-1])
