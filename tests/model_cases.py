"""Studies with real saved models, for the model file, `export` and `predict` tests: one of three
named classes (softmax, batch-normalized) and one of two (sigmoid), each on CSV files whose test
split is a file of its own, so that a test can predict on exactly the rows `best --test` reads."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from hpsearch.config import parse_config
from hpsearch.study.run import Execution, run_study

FEATURES = ("weight", "height", "legs", "wings")
ANIMALS = ("bird", "cat", "dog")
STUDY = """\
name: {name}
data: {{dataset: {name}.csv, test: {name}-test.csv, target: kind}}
hyperparameters:
  learning_rate: {{distribution: log_uniform, low: 1e-2, high: 1e-1}}
  hidden_units: 8
  layers: 2
  activation: {activation}
  batchnorm: {batchnorm}
  epochs: 8
  batch_size: 32
search: {{trials: 2, seed: 1, keep_models: 1, workers: 1}}
"""


def write_rows(path: Path, X: np.ndarray, kinds: list[str], columns=FEATURES) -> None:
    """A CSV of the features in `columns` order (each named in FEATURES) and a `kind` column."""
    order = [FEATURES.index(name) for name in columns]
    lines = [",".join([*columns, "kind"])]
    lines += [
        ",".join([*(repr(float(v)) for v in row[order]), kind])
        for row, kind in zip(X, kinds, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def animal_rows(n: int, classes: tuple[str, ...], seed: int) -> tuple[np.ndarray, list[str]]:
    """Rows whose class shifts every feature, on scales far from 0 and 1 (standardization
    matters)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(classes), n)
    X = rng.normal(size=(n, len(FEATURES))) + labels[:, None] * 1.5
    X = (X * [3.0, 20.0, 0.5, 0.1] + [50.0, 100.0, 3.0, 1.0]).astype(np.float32)
    return X, [classes[i] for i in labels]


def make_model_study(runs: Path, data: Path, name: str, classes: tuple[str, ...]) -> Path:
    """Writes `name`.csv (300 rows) and `name`-test.csv (60 rows) in `data` and runs a study of
    two trials on them; returns the study's folder."""
    write_rows(data / f"{name}.csv", *animal_rows(300, classes, 0))
    write_rows(data / f"{name}-test.csv", *animal_rows(60, classes, 1))
    binary = len(classes) == 2
    text = STUDY.format(
        name=name, activation="tanh" if binary else "relu", batchnorm=str(not binary).lower()
    )
    (data / f"{name}.yaml").write_text(text, encoding="utf-8")
    config = parse_config(text, f"{name}.yaml", folder=data)
    return run_study(config, runs, Execution.of(config.search)).folder


def rewrite_model(path: Path, **changes) -> None:
    """Changes entries of a model file's `model` record in place (a newer format, other data)."""
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    info = json.loads(str(arrays["model"]))
    arrays["model"] = np.array(json.dumps({**info, **changes}))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
