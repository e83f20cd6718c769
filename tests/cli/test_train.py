"""`hpsearch train`: one network with fixed hyperparameters, its curve printed epoch by epoch."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.data import DataSpec, load_dataset
from hpsearch.nn import Network

runner = CliRunner()


def test_train_prints_each_epoch_and_saves_the_network(tmp_path) -> None:
    saved = tmp_path / "net.npz"
    result = runner.invoke(
        app, ["train", "--dataset", "iris", "--set", "epochs=3", "--save", str(saved)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "epoch  train cost  train error   dev cost  dev error"
    assert [line.split()[0] for line in lines[1:4]] == ["1", "2", "3"]
    assert max(map(len, lines[:4])) <= 52, "an epoch's row fits 80 columns with room to spare"
    assert lines[4] == "complete after 3 epochs"
    assert float(lines[3].split()[4]) == float(lines[5].split("dev error ")[1].split()[0])
    dev_error = float(lines[5].split("dev error ")[1].split()[0])
    iris = load_dataset(DataSpec(dataset="iris"))
    network = Network.load(saved)
    assert np.isclose(network.error(iris.X_dev, iris.y_dev), dev_error, atol=5e-5)


def test_train_uses_a_study_file_whose_values_are_all_fixed(tmp_path) -> None:
    (tmp_path / "fixed.yaml").write_text(
        "data: {dataset: iris}\nhyperparameters: {epochs: 2, hidden_units: [8, 4]}\n"
    )
    result = runner.invoke(app, ["train", str(tmp_path / "fixed.yaml")])
    assert result.exit_code == 0, result.output
    assert "complete after 2 epochs" in result.stdout


def test_searched_hyperparameters_must_be_set(tmp_path) -> None:
    (tmp_path / "s.yaml").write_text(
        "data: {dataset: iris}\n"
        "hyperparameters:\n  learning_rate: {distribution: log_uniform, low: 1e-4, high: 1}\n"
    )
    refused = runner.invoke(app, ["train", str(tmp_path / "s.yaml")])
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"error: learning_rate is searched in {tmp_path / 's.yaml'}, but one training needs fixed "
        "values: add --set learning_rate=VALUE (`hpsearch best STUDY --output FILE` writes a "
        "study's chosen values as a config)\n"
    )
    given = runner.invoke(
        app, ["train", str(tmp_path / "s.yaml"), "--set", "learning_rate=1e-2", "--set", "epochs=1"]
    )
    assert given.exit_code == 0, given.output


def test_bad_settings_are_named_with_a_close_match() -> None:
    result = runner.invoke(app, ["train", "--set", "learnin_rate=1", "--set", "epochs=0"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --set: epochs: must be at least 1, but got 0; learnin_rate: unknown key; "
        "did you mean 'learning_rate'?\n"
    )
    assert runner.invoke(app, ["train", "--set", "epochs"]).stderr == (
        "error: --set takes NAME=VALUE (e.g. learning_rate=0.01), but got 'epochs'\n"
    )


def test_a_study_file_and_a_dataset_are_not_both_taken(tmp_path) -> None:
    (tmp_path / "s.yaml").write_text("data: {dataset: iris}\n")
    result = runner.invoke(app, ["train", str(tmp_path / "s.yaml"), "--dataset", "wine"])
    assert result.exit_code == 2
    assert "give a study file or --dataset, not both" in result.stderr


def test_a_diverging_network_exits_1() -> None:
    result = runner.invoke(
        app, ["train", "--set", "learning_rate=10", "--set", "batchnorm=false", "--set", "epochs=3"]
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("diverged after 1 epoch")
