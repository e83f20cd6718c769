"""Regression and the metrics through the command line, as a user types them: a regression study
on scikit-learn's diabetes data from `run` to `best --test`, `predict`, `load_model` and ONNX;
each metric ranking and naming what it ranks; every bad target and metric one message, exit
code 2, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import hpsearch
from hpsearch.cli.app import app
from hpsearch.data import DataSpec, load_dataset
from hpsearch.nn.metrics import score
from hpsearch.store.read_log import logged_reads
from hpsearch.study.best import choose
from hpsearch.study.snapshot import read_snapshot
from tests.data.test_target import CARAVAN, diabetes_csv
from tests.target_cases import TARGET_INPUTS

runner = CliRunner()
REGRESSION = """name: {name}
data: {{dataset: {dataset}, task: regression, test: diabetes-test.csv{more}}}
hyperparameters:
  learning_rate: {{distribution: log_uniform, low: 1e-3, high: 3e-2}}
  hidden_units: {{distribution: int_uniform, low: 8, high: 32}}
  epochs: 6
  batch_size: 32
search: {{trials: 4, seed: 3, workers: 1}}
"""


def hpsearch_cli(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def regression(tmp_path_factory) -> Path:
    """A finished regression study on diabetes: 350 rows to split, 92 as its test file."""
    folder = tmp_path_factory.mktemp("diabetes")
    lines = diabetes_csv(folder).read_text().splitlines()
    (folder / "diabetes.csv").write_text("\n".join(lines[:351]) + "\n")
    (folder / "diabetes-test.csv").write_text("\n".join(lines[:1] + lines[351:]) + "\n")
    study = REGRESSION.format(name="diabetes", dataset="diabetes.csv", more="")
    (folder / "study.yaml").write_text(study)
    done = hpsearch_cli("run", folder / "study.yaml", "--runs-dir", folder / "runs")
    assert done.exit_code == 0, done.output
    (folder / "run.out").write_text(done.stdout)
    return folder


def test_a_regression_study_reads_in_rmse_never_in_error(regression) -> None:
    out = (regression / "run.out").read_text()
    flat = " ".join(out.split())  # the prose as read, wrapped at any width
    best = r"^best: trial \d+ \(round 0\), dev RMSE \d+\.\d\d at epoch \d+ of \d+, train RMSE"
    assert re.search(best, out, re.M)
    baselines = r"^baselines on the same dev split: gradient boosting \d+\.\d+, ridge \d"
    assert re.search(baselines, out, re.M)
    assert "by dev RMSE" in flat and "t = 0.2 · dev RMSE" in flat
    assert "the variation in dev RMSE" in flat or "Too few complete trials" in flat
    assert "error" not in out.replace("target_error", "").replace("--target-error", "")
    shown = hpsearch_cli("show", "diabetes", "--runs-dir", regression / "runs", "--format", "csv")
    assert shown.stdout.startswith("rank,trial,round,state,dev_rmse,train_rmse,dev_cost")


def test_the_stored_dev_rmse_is_the_models_on_dev_in_the_targets_units(regression) -> None:
    snapshot = read_snapshot(regression / "runs" / "diabetes")
    chosen = choose(snapshot)
    data = load_dataset(snapshot.config.data)
    model = hpsearch.load_model(chosen.weights)
    predicted = model.network.predict(data.X_dev)
    assert 100 < predicted.mean() < 200  # the target's units (mean 152), not standardized ones
    assert chosen.record.dev_error == score("rmse", data.y_dev, predicted)
    ranked = [r.dev_error for _, r in snapshot.ranked()]
    assert ranked == sorted(ranked)


def test_predict_on_the_studys_test_rows_equals_best_test(regression) -> None:
    runs, test = regression / "runs", regression / "diabetes-test.csv"
    best = hpsearch_cli("best", "diabetes", "--runs-dir", runs, "--test")
    assert best.exit_code == 0, best.output
    reported = re.search(r"^test RMSE of trial (\d+): (\d+\.\d+) \(test cost", best.stdout, re.M)
    assert reported, best.stdout
    done = hpsearch_cli("predict", "diabetes", test, "--runs-dir", runs, "-o", regression / "p.csv")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-1] == (
        f"RMSE on these rows (their 'progression' column): {reported[2]} (92 rows)"
    )
    read = logged_reads(runs / "diabetes")[-1]
    values = np.loadtxt(regression / "p.csv", skiprows=1)
    truth = np.loadtxt(test, delimiter=",", skiprows=1)[:, -1]
    assert score("rmse", truth, values) == pytest.approx(read.test_error, rel=1e-7)
    assert (regression / "p.csv").read_text().startswith("prediction\n")


def test_load_model_predicts_a_regression_in_units_from_named_columns(regression) -> None:
    model = hpsearch.load_model(choose(read_snapshot(regression / "runs" / "diabetes")).weights)
    lines = (regression / "diabetes-test.csv").read_text().splitlines()
    names = lines[0].split(",")
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    columns = {name: rows[:, i] for i, name in enumerate(names)}  # any order, the target too
    values = model.predict(columns)
    assert values.shape == (92,) and values.dtype == np.float64
    assert np.array_equal(values, model.predict(rows[:, :-1]))
    assert (model.task, model.classes, model.info.metric) == ("regression", (), "rmse")
    with pytest.raises(hpsearch.errors.ModelError, match="predicts values, not class"):
        model.predict_proba(rows[:, :-1])


def test_proba_is_refused_for_a_regression_and_nothing_is_written(regression) -> None:
    out = regression / "refused.csv"
    done = hpsearch_cli(
        "predict", "diabetes", regression / "diabetes-test.csv", "--runs-dir",
        regression / "runs", "--proba", "-o", out,
    )  # fmt: skip
    assert done.exit_code == 2
    assert done.stderr.startswith("error: --proba: trial ") and "is a regression of" in done.stderr
    assert "leave --proba out" in done.stderr and not out.exists()


def test_the_onnx_graph_of_a_regression_gives_its_values(regression) -> None:
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    runs, path = regression / "runs", regression / "model.onnx"
    done = hpsearch_cli("export", "diabetes", "--runs-dir", runs, "--format", "onnx", "-o", path)
    assert done.exit_code == 0, done.output
    assert re.search(r"dev RMSE \d+\.\d\d\) of study diabetes", done.stdout)
    model = hpsearch.load_model(choose(read_snapshot(runs / "diabetes")).weights)
    X = np.loadtxt(regression / "diabetes-test.csv", delimiter=",", skiprows=1)[:, :-1]
    session = ort.InferenceSession(str(path))
    assert [o.name for o in session.get_outputs()] == ["value"]
    (value,) = session.run(None, {"X": X.astype(np.float32)})
    np.testing.assert_allclose(value[:, 0], model.predict(X), rtol=1e-5)
    meta = session.get_modelmeta().custom_metadata_map
    assert (meta["task"], meta["target"], meta["classes"]) == ("regression", "progression", "[]")


def test_plots_and_the_list_of_studies_name_the_metric(regression, tmp_path) -> None:
    runs = regression / "runs"
    plotted = hpsearch_cli("plot", "diabetes", "--runs-dir", runs)
    assert plotted.exit_code == 0, plotted.output
    assert (runs / "diabetes" / "plots" / "dev-rmse-by-hyperparameter.png").is_file()
    alone = hpsearch_cli("studies", "--runs-dir", runs)
    assert "best dev RMSE" in alone.stdout and re.search(r"  \d+\.\d\d  ", alone.stdout)
    (tmp_path / "iris.yaml").write_text(
        "name: iris\ndata: {dataset: iris}\nhyperparameters: {epochs: 2}\n"
        "search: {trials: 1, workers: 1}\n"
    )
    assert hpsearch_cli("run", tmp_path / "iris.yaml", "--runs-dir", runs).exit_code == 0
    mixed = hpsearch_cli("studies", "--runs-dir", runs)
    assert "best dev metric" in mixed.stdout
    assert re.search(r"RMSE \d+\.\d\d", mixed.stdout)
    assert re.search(r"error \d\.\d{4}", mixed.stdout)


def test_show_sorts_by_the_metrics_field_name(regression) -> None:
    runs = regression / "runs"
    by_name = hpsearch_cli("show", "diabetes", "--runs-dir", runs, "--sort", "train_rmse")
    by_column = hpsearch_cli("show", "diabetes", "--runs-dir", runs, "--sort", "train_error")
    assert by_name.exit_code == 0 and by_name.stdout == by_column.stdout
    assert "by train RMSE" in by_name.stdout


def test_hpsearch_train_prints_a_regressions_curve_in_its_metric(regression) -> None:
    study = regression / "study.yaml"
    text = study.read_text()
    fixed = text.replace("search: {", "metric: mae\nsearch: {")
    (regression / "train.yaml").write_text(fixed)
    done = hpsearch_cli(
        "train", regression / "train.yaml", "--set", "learning_rate=0.01", "--set",
        "hidden_units=16",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()  # a table of epochs, under the metric's name
    assert lines[0] == "epoch  train cost  train MAE   dev cost    dev MAE"
    assert re.search(r"^ +6 +\d\.\d+ +\d+\.\d\d +\d\.\d+ +\d+\.\d\d$", done.stdout, re.M)
    assert re.search(r"^train MAE \d+\.\d\d, dev MAE \d+\.\d\d on diabetes.csv", done.stdout, re.M)


@pytest.mark.parametrize("metric", ["balanced_error", "log_loss"])
def test_a_classification_ranks_by_its_metric_and_names_it(tmp_path, metric) -> None:
    study = tmp_path / "iris.yaml"
    study.write_text(
        "name: iris\ndata: {dataset: iris}\nhyperparameters:\n"
        "  learning_rate: {distribution: log_uniform, low: 1e-3, high: 1e-1}\n  epochs: 3\n"
        f"search: {{trials: 5, seed: 1, workers: 1, keep_models: 5}}\nmetric: {metric}\n"
    )
    done = hpsearch_cli("run", study, "--runs-dir", tmp_path / "runs")
    assert done.exit_code == 0, done.output
    label = metric.replace("_", " ")
    assert f"by dev {label}" in done.stdout and "best: trial" in done.stdout
    first = rf"^\[1/5\] trial \d: dev {label} \d\.\d{{4}}, train \d\.\d{{4}} \("  # named once
    assert re.search(first, done.stdout, re.M)
    assert "dev error" not in done.stdout
    # one worker trains in this process, and prints each epoch under the metric's name: a
    # name this long puts the splits on a header line of their own
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if re.match(r"  trial \d: +epoch ", line))
    assert lines[at - 1].split()[2:] == ["train", "train", "dev", "dev"]
    assert lines[at].split()[2:] == ["epoch", "cost", *label.split(), "cost", *label.split()]
    epoch = r"^  trial \d: +3 +\d\.\d+ +\d\.\d{4} +\d\.\d+ +\d\.\d{4}$"
    assert re.search(epoch, done.stdout, re.M)
    assert max(map(len, lines[at - 1 : at + 4])) <= 80
    rows = hpsearch_cli("show", "iris", "--runs-dir", tmp_path / "runs", "--format", "json")
    assert f'"dev_{metric}":' in rows.stdout and '"dev_error"' not in rows.stdout
    snapshot = read_snapshot(tmp_path / "runs" / "iris")
    data = load_dataset(snapshot.config.data)
    ranked = [record for _, record in snapshot.ranked()]
    assert [r.dev_error for r in ranked] == sorted(r.dev_error for r in ranked)
    for record in ranked:  # each stored value is the metric of the trial's model on dev
        network = hpsearch.load_model(snapshot.weights_path(record.number)).network
        assert record.dev_error == network.evaluate(data.X_dev, data.y_dev, metric)[1]


def test_caravans_imbalance_is_said_at_check_and_at_the_start_of_a_run(tmp_path) -> None:
    study = tmp_path / "caravan.yaml"
    study.write_text(
        f"name: caravan\ndata: {{dataset: {CARAVAN}, target: Purchase}}\n"
        "hyperparameters: {epochs: 2}\nsearch: {trials: 1, workers: 1}\n"
    )
    note = (
        "imbalanced classes: No 92.6%, Yes 7.4%; answering 'No' for every row would score "
        "error 0.0737: `metric: balanced_error` weighs every class the same"
    )
    checked = hpsearch_cli("check", study)
    assert checked.exit_code == 0, checked.output
    assert note in " ".join(checked.stdout.split())  # a sentence, wrapped at words
    ran = hpsearch_cli("run", study, "--runs-dir", tmp_path / "runs")
    assert " ".join(ran.stdout.split()).startswith(note)
    study.write_text(study.read_text() + "metric: balanced_error\n")
    balanced = hpsearch_cli("check", study)
    flat = " ".join(balanced.stdout.split())
    assert "ranked by dev balanced error (1 − the mean over the classes" in flat
    assert flat.count("imbalanced classes: No 92.6%, Yes 7.4%; ranked by balanced") == 1


def test_a_study_ranked_by_balanced_error_finds_caravans_buyers(tmp_path) -> None:
    """The model decides by each class's probability over its share of the train rows, in
    hpsearch and in its ONNX graph alike, so the rare class is answered where it is likely."""
    study = tmp_path / "caravan.yaml"
    study.write_text(
        f"name: caravan\ndata: {{dataset: {CARAVAN}, target: Purchase}}\n"
        "hyperparameters: {epochs: 4, learning_rate: 0.003}\n"
        "search: {trials: 1, workers: 1}\nmetric: balanced_error\n"
    )
    runs = tmp_path / "runs"
    assert hpsearch_cli("run", study, "--runs-dir", runs).exit_code == 0
    snapshot = read_snapshot(runs / "caravan")
    model = hpsearch.load_model(choose(snapshot).weights)
    data = load_dataset(snapshot.config.data)
    answered = model.network.predict(data.X_test)
    assert 0.1 < answered.mean() < 0.9  # "Yes" answered, well beyond its 7% share
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    path = tmp_path / "caravan.onnx"
    exported = hpsearch_cli("export", "caravan", "--runs-dir", runs, "--format", "onnx", "-o", path)
    assert exported.exit_code == 0, exported.output
    raw = data.X_test * model.std + model.mean  # the rows as the file has them
    _, labels = ort.InferenceSession(str(path)).run(None, {"X": raw})
    assert np.array_equal(labels, answered)


TARGET_CASES = [case for case in TARGET_INPUTS if not case.message.startswith("data:")]


@pytest.mark.parametrize("case", TARGET_CASES, ids=[case.id for case in TARGET_CASES])
def test_each_bad_target_is_one_message_at_its_line_exit_2_and_writes_nothing(
    tmp_path, case
) -> None:
    spec = case.write(tmp_path)
    data = "".join(f"  {key}: {value!r}\n" for key, value in spec.items())
    (tmp_path / "study.yaml").write_text(f"name: bad\ndata:\n{data}")
    result = hpsearch_cli("run", tmp_path / "study.yaml", "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 2, result.output
    where = "target" if "target" in spec else "dataset"  # the setting's line, else dataset's
    line = 3 + list(spec).index(where)
    assert result.stderr == (
        f"error: {tmp_path / 'study.yaml'}, line {line}: data.{where}: {case.expected(tmp_path)}\n"
    )
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            "data: {dataset: iris}\nmetric: rmse\n",
            "line 3: metric: rmse ranks a regression, but this study is a classification; use "
            "one of error, balanced_error, log_loss",
        ),
        (
            "data: {dataset: diabetes}\nmetric: balanced_error\n",
            "line 3: metric: balanced_error ranks a classification, but this study is a "
            "regression; use one of rmse, mae",
        ),
        (
            "data: {dataset: d.csv}\nmetric: mae\n",
            "line 3: metric: mae ranks a regression, but this study is a classification; set "
            "`task: regression` in `data:`, or use one of error, balanced_error, log_loss",
        ),
        (
            "data: {dataset: iris}\nmetric: balanced_error\ntarget_error: 1.5\n",
            "line 4: target_error: must be below 1, as the balanced error it estimates is a "
            "share of the rows, but got 1.5",
        ),
        (
            "data: {dataset: iris}\nmetric: accuracy\n",
            "line 3: metric: must be 'error', 'balanced_error', 'log_loss', 'rmse' or 'mae', "
            "but got 'accuracy'",
        ),
    ],
)
def test_a_metric_that_does_not_fit_the_task_is_refused_at_its_line(
    tmp_path, lines, message
) -> None:
    (tmp_path / "study.yaml").write_text("name: bad\n" + lines)
    result = hpsearch_cli("run", tmp_path / "study.yaml", "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {tmp_path / 'study.yaml'}, {message}\n"
    assert not (tmp_path / "runs").exists()


def test_a_target_error_in_the_targets_units_reads_a_regression(tmp_path) -> None:
    """target_error 1.5 is no share of rows for a regression: an RMSE in its units."""
    study = tmp_path / "d.yaml"
    study.write_text("name: d\ndata: {dataset: diabetes}\ntarget_error: 45.5\n")
    checked = hpsearch_cli("check", study)
    assert checked.exit_code == 0, checked.output
    assert "target_error: 45.5" in checked.stdout


def test_a_builtin_regression_needs_no_task(tmp_path) -> None:
    data = load_dataset(DataSpec(dataset="diabetes"))
    assert data.task == "regression" and data.feature_names[:3] == ("age", "sex", "bmi")
    assert data.X_train.shape[1] == 10 and 25 < data.y_train.min() < data.y_train.max() < 350
