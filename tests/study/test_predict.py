"""`hpsearch export` and `hpsearch predict` as a user types them, and `hpsearch.load_model`: the
predictions are the network's own, on raw rows, by column name, for softmax and sigmoid alike."""

from __future__ import annotations

import json
import re
import shutil
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import hpsearch
from hpsearch.cli.app import app
from hpsearch.data import DataSpec, load_dataset
from hpsearch.data.csvfile import read_csv
from hpsearch.nn import Network
from hpsearch.store.read_log import logged_reads
from hpsearch.study.best import choose
from hpsearch.study.predict import predict_file
from hpsearch.study.snapshot import read_snapshot
from tests.model_cases import ANIMALS, FEATURES, animal_rows, make_model_study, write_rows

runner = CliRunner()


def hpsearch_cli(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """Two studies (three classes, and two) under runs/, their CSV files beside them."""
    data = tmp_path_factory.mktemp("data")
    runs = data / "runs"
    for name, classes in (("animals", ANIMALS), ("pets", ("cat", "dog"))):
        make_model_study(runs, data, name, classes)
    return data


def chosen_weights(place, study):
    return choose(read_snapshot(place / "runs" / study)).weights


def test_predict_on_the_test_split_gives_the_error_best_test_reports(place) -> None:
    runs, test = place / "runs", place / "animals-test.csv"
    best = hpsearch_cli("best", "animals", "--runs-dir", runs, "--test")
    assert best.exit_code == 0, best.output
    reported = re.search(r"test error of trial \d+: (\d\.\d{4})", best.stdout)[1]
    done = hpsearch_cli("predict", "animals", test, "--runs-dir", runs)
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0] == "prediction" and len(lines) == 61 and set(lines[1:]) <= set(ANIMALS)
    number = chosen_weights(place, "animals").stem.removeprefix("trial-")
    read = logged_reads(runs / "animals")[-1]
    assert predict_file("animals", str(test), runs_dir=runs).score == read.test_error
    assert done.stderr.splitlines() == [
        f"predicted 60 rows with trial {number} of study animals",
        f"error on these rows (their 'kind' column): {reported} "
        f"({round(float(reported) * 60)} of 60 wrong)",
    ]


@pytest.mark.parametrize("study", ["animals", "pets"])
def test_an_exported_model_predicts_as_the_network_does_on_its_test_split(place, study) -> None:
    output = place / f"{study}-model.npz"
    result = hpsearch_cli("export", study, "--runs-dir", place / "runs", "--output", output)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote the model of trial ")
    model = hpsearch.load_model(output)
    dataset = load_dataset(read_snapshot(place / "runs" / study).config.data)
    raw = read_csv(str(place / f"{study}-test.csv"), "test", "kind").X
    own = Network.load(chosen_weights(place, study)).predict_proba(dataset.X_test)
    assert np.array_equal(model.predict_proba(raw), own)
    assert model.classes == dataset.classes and model.features == FEATURES
    expected = np.array(dataset.classes, dtype=object)[own.argmax(axis=1)]
    assert list(model.predict(raw)) == list(expected)


def test_named_columns_are_taken_by_name_in_any_order(place) -> None:
    model = hpsearch.load_model(chosen_weights(place, "animals"))
    X, _ = animal_rows(20, ANIMALS, 5)
    columns = {name: X[:, i] for i, name in reversed(list(enumerate(FEATURES)))}
    assert np.array_equal(model.predict_proba(columns), model.predict_proba(X))
    with pytest.raises(hpsearch.errors.ModelError) as error:
        model.predict({"weight": X[:, 0]})
    assert str(error.value) == (
        "the rows have no column height, legs, wings; the model needs weight, height, legs, wings"
    )


def test_shuffled_and_extra_columns_give_the_same_predictions(place) -> None:
    X, kinds = animal_rows(50, ANIMALS, 7)
    write_rows(place / "in-order.csv", X, kinds)
    write_rows(place / "shuffled.csv", X, kinds, columns=("wings", "legs", "weight", "height"))
    text = (place / "shuffled.csv").read_text().splitlines()
    extra = [f"{line},{'id' if i == 0 else i}" for i, line in enumerate(text)]
    (place / "shuffled.csv").write_text("\n".join(extra) + "\n")
    outputs = []
    for name in ("in-order", "shuffled"):
        output = place / f"{name}-predictions.csv"
        result = hpsearch_cli(
            "predict", "animals", place / f"{name}.csv", "--runs-dir", place / "runs",
            "--proba", "--output", output,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append((output.read_text(), result.stdout.splitlines()))
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][0].splitlines()[0] == "prediction,proba_bird,proba_cat,proba_dog"
    assert outputs[1][1][0] == "ignored 1 column the model does not take: id"
    assert outputs[0][1][0].startswith("predicted 50 rows with trial ")


def test_probabilities_are_written_in_full_and_sum_to_one(place) -> None:
    output = place / "pets-proba.csv"
    result = hpsearch_cli(
        "predict", "pets", place / "pets-test.csv", "--runs-dir", place / "runs", "--proba",
        "-o", output,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in output.read_text().splitlines()]
    assert rows[0] == ["prediction", "proba_cat", "proba_dog"] and len(rows) == 61
    p = np.array([[float(v) for v in row[1:]] for row in rows[1:]], dtype=np.float32)
    model = hpsearch.load_model(chosen_weights(place, "pets"))
    raw = read_csv(str(place / "pets-test.csv"), "test", "kind").X
    assert np.array_equal(p, model.predict_proba(raw))
    assert [row[0] for row in rows[1:]] == list(model.predict(raw))


def test_npz_and_npy_rows_are_read_in_the_models_order(place) -> None:
    X, kinds = animal_rows(30, ANIMALS, 9)
    np.save(place / "rows.npy", X)
    np.savez(place / "rows.npz", X=X, y=np.array(kinds))
    model = hpsearch.load_model(chosen_weights(place, "animals"))
    expected = "\n".join(["prediction", *model.predict(X)]) + "\n"
    for name in ("rows.npy", "rows.npz"):
        result = hpsearch_cli("predict", "animals", place / name, "--runs-dir", place / "runs")
        assert result.exit_code == 0, result.output
        assert result.stdout == expected
    wrong = int(np.sum(model.predict(X) != np.array(kinds)))
    assert f"({wrong} of 30 wrong)" in result.stderr


def test_onnx_runtime_gives_the_same_probabilities(place) -> None:
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    for study in ("animals", "pets"):
        output = place / f"{study}.onnx"
        result = hpsearch_cli(
            "export", study, "--runs-dir", place / "runs", "-o", output, "--format", "onnx"
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("wrote the ONNX graph of trial ")
        model = hpsearch.load_model(chosen_weights(place, study))
        X, _ = animal_rows(500, model.classes, 11)
        session = ort.InferenceSession(str(output), providers=["CPUExecutionProvider"])
        probabilities, labels = session.run(None, {"X": X})
        assert np.abs(probabilities - model.predict_proba(X)).max() <= 1e-5
        assert (np.array(model.classes)[labels] == model.predict(X)).mean() > 0.99
        meta = session.get_modelmeta().custom_metadata_map
        assert meta["classes"] == '["' + '", "'.join(model.classes) + '"]'


def test_export_upgrades_weights_of_the_older_form(place, tmp_path) -> None:
    study = tmp_path / "animals"
    shutil.copytree(place / "runs" / "animals", study)
    weights = chosen_weights(place, "animals")
    network = Network.load(weights)
    network.save(study / "models" / weights.name)  # weights only, as before model files
    result = hpsearch_cli("best", study, "--test")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {study / 'models' / weights.name} is a model of an older form (weights only: "
        "no standardization, feature or class names); export it again with `hpsearch export "
        "STUDY --trial N --output FILE`, which adds them from the study's data"
    )
    output = tmp_path / "upgraded.npz"
    assert hpsearch_cli("export", study, "-o", output).exit_code == 0
    raw, _ = animal_rows(40, ANIMALS, 3)
    expected = hpsearch.load_model(weights).predict_proba(raw)
    assert np.array_equal(hpsearch.load_model(output).predict_proba(raw), expected)


def test_a_model_file_of_format_1_is_read_as_a_classifier(place, tmp_path) -> None:
    """Files written before the task and metric were: no such keys, format 1."""
    path = tmp_path / "old.npz"
    with np.load(chosen_weights(place, "animals")) as archive:
        arrays = {name: archive[name] for name in archive.files}
    info = json.loads(str(arrays["model"]))
    old = {key: value for key, value in info.items() if key not in ("task", "metric")}
    arrays["model"] = np.array(json.dumps({**old, "format_version": 1}))
    np.savez(path, **arrays)
    model = hpsearch.load_model(path)
    assert (model.task, model.info.metric, model.classes) == ("classification", "error", ANIMALS)
    rows = np.genfromtxt(
        place / "animals-test.csv", delimiter=",", names=True, dtype=None, encoding="utf-8"
    )
    raw = np.column_stack([rows[name] for name in FEATURES])
    expected = hpsearch.load_model(chosen_weights(place, "animals")).predict(raw)
    assert np.array_equal(model.predict(raw), expected)


def test_train_save_writes_a_model_file_of_no_trial(tmp_path) -> None:
    saved = tmp_path / "net.npz"
    result = hpsearch_cli("train", "--dataset", "iris", "--set", "epochs=2", "--save", saved)
    assert result.exit_code == 0, result.output
    model = hpsearch.load_model(saved)
    iris = load_dataset(DataSpec(dataset="iris"))
    assert (model.features, model.classes) == (iris.feature_names, iris.classes)
    assert (model.info.study, model.info.trial, model.info.round) == ("train", None, None)
    assert np.array_equal(model.mean, iris.mean) and np.array_equal(model.std, iris.std)
    refused = hpsearch_cli("train", "--dataset", "iris", "--save", tmp_path / "no" / "net.npz")
    assert refused.stderr == (
        f"error: --save {tmp_path}/no/net.npz cannot be written (No such file or directory); "
        "give a file in an existing, writable folder\n"
    )


def test_onnx_without_its_package_says_how_to_install_it(place, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    output = place / "none.onnx"
    result = hpsearch_cli(
        "export", "pets", "--runs-dir", place / "runs", "-o", output, "--format", "onnx"
    )
    assert result.exit_code == 2 and not output.exists()
    assert result.stderr == (
        "error: --format onnx needs the onnx package: pip install 'hpsearch[onnx]'\n"
    )


def test_rows_are_multiplied_in_blocks_at_fixed_places_whatever_the_blocks_read() -> None:
    from hpsearch.study.predict import Inputs as Block
    from hpsearch.study.predict import aligned

    X = np.arange(46, dtype=np.float32).reshape(23, 2)
    labels = [str(i) for i in range(23)]

    def read_in(size: int) -> list[Block]:
        return [Block(X[i : i + size], labels[i : i + size]) for i in range(0, 23, size)]

    expected = [(X[i : i + 7], labels[i : i + 7]) for i in range(0, 23, 7)]
    for size in (1, 3, 5, 7, 8, 23, 30):
        got = list(aligned(read_in(size), 7))
        assert [len(b.X) for b in got] == [7, 7, 7, 2]
        for block, (x, y) in zip(got, expected, strict=True):
            assert np.array_equal(block.X, x) and block.labels == y


def test_a_model_file_of_format_1_still_predicts_the_same(place, tmp_path) -> None:
    """Format 1 had numeric columns only, one input each: read without `columns`, `inputs` and
    `scaling`, it gives the same probabilities as the file of today."""
    current = chosen_weights(place, "animals")
    with np.load(current) as archive:
        arrays = {name: archive[name] for name in archive.files}
    info = json.loads(str(arrays["model"]))
    for key in ("columns", "inputs", "scaling"):
        del info[key]
    arrays["model"] = np.array(json.dumps({**info, "format_version": 1}))
    older = tmp_path / "older.npz"
    np.savez(older, **arrays)
    X, _ = animal_rows(20, ANIMALS, 5)
    old, new = hpsearch.load_model(older), hpsearch.load_model(current)
    assert old.info.format_version == 1 and old.info.columns == ()
    assert np.array_equal(old.predict_proba(X), new.predict_proba(X))
