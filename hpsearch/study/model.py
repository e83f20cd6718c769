"""A chosen model, usable: `load_model(path)` gives an object that predicts from raw rows, as a
notebook wants it, and `pack_trial` writes a trial's network in the model file's form.

The object applies the train split's standardization itself and answers in class names, or a
regression's values in the target's units, so a user never has to know how the study prepared
its data."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.errors import ModelError
from hpsearch.nn.network import Network
from hpsearch.store.model_file import ModelFile, ModelInfo, pack_model, read_model
from hpsearch.trial import TrialRecord


class Model:
    """A trained network with its input standardization, feature names and class names (a
    regression: the target's name, and values in its units)."""

    def __init__(self, network: Network, info: ModelInfo, mean: np.ndarray, std: np.ndarray):
        self.network, self.info = network, info
        self.mean, self.std = np.asarray(mean, np.float32), np.asarray(std, np.float32)

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names; column i of `predict_proba` is `classes[i]`."""
        return self.info.classes

    @property
    def features(self) -> tuple[str, ...]:
        """The input columns, in the order a plain array must give them."""
        return self.info.features

    @property
    def task(self) -> str:
        """"classification" or "regression"."""
        return self.info.task

    def predict(self, X: Any) -> np.ndarray:
        """The class name of each row of raw (not standardized) features, or a regression's
        value of it in the target's units (float64)."""
        inputs = self.inputs(X)
        if self.task == "regression":
            return self.network.predict(inputs)
        return np.asarray(self.classes, dtype=object)[self.labels(inputs)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, len(classes)) probabilities of each row of raw features."""
        if self.task == "regression":
            raise ModelError(
                f"this model is a regression of '{self.info.target}': it predicts values, not "
                "class probabilities; use predict"
            )
        return self.probabilities(self.inputs(X))

    def inputs(self, X: Any) -> np.ndarray:
        """Raw rows → the network's inputs: columns picked by name when `X` names them (a
        DataFrame, a mapping of columns, a structured array), standardized with the train
        split's statistics, exactly as the study standardized its splits (in float32)."""
        X = np.array(_by_name(X, self.features), dtype=np.float32, ndmin=2)
        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise ModelError(
                f"rows must have {len(self.features)} feature columns ({', '.join(self.features)}"
                f"), but got an array of shape {X.shape}"
            )
        X -= self.mean
        X /= self.std
        return X

    def labels(self, inputs: np.ndarray) -> np.ndarray:
        """Class indices of standardized inputs."""
        return self.network.predict(inputs)

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """Class probabilities of standardized inputs."""
        return self.network.predict_proba(inputs)


def _by_name(X: Any, features: Sequence[str]) -> Any:
    """The columns `features` of `X` in that order when `X` has named columns, else `X`."""
    names = getattr(getattr(X, "dtype", None), "names", None) or (
        list(X.columns) if hasattr(X, "columns") else list(X) if isinstance(X, dict) else None
    )
    if names is None:
        return X
    missing = [name for name in features if name not in names]
    if missing:
        raise ModelError(
            f"the rows have no column {', '.join(missing)}; the model needs {', '.join(features)}"
        )
    return np.column_stack([np.asarray(X[name], dtype=np.float32) for name in features])


def load_model(path: str | Path) -> Model:
    """The model file at `path` (`hpsearch export`, or a study's `models/trial-N.npz`)."""
    return model_of(read_model(Path(path)), Path(path))


def model_of(file: ModelFile, path: Path) -> Model:
    try:
        # Prediction takes the same NumPy path on either engine: no kernels to compile.
        network = Network.load(io.BytesIO(file.network), engine="numpy")
    except (KeyError, ValueError) as error:
        raise ModelError(f"{path} is damaged ({error}); export it again") from None
    classes = None if file.info.task == "regression" else len(file.info.classes)
    if network.n_features != len(file.info.features) or network.n_classes != classes:
        raise ModelError(f"{path} is damaged (its network does not fit its features or classes)")
    return Model(network, file.info, file.mean, file.std)


def pack_trial(data: Any, study: str, metric: str, record: TrialRecord, weights: bytes) -> bytes:
    """A trial's network archive as a model file; `data` is the `Dataset` it was trained on
    (anything with feature_names, classes, target, task, fingerprint, mean and std), `metric`
    what its study ranks by."""
    origin = (record.round, record.number, record.dev_error)
    return pack_network(data, study, weights, origin, metric)


def pack_network(
    data: Any,
    study: str,
    weights: bytes,
    origin: tuple[int | None, int | None, float | None],
    metric: str,
) -> bytes:
    """A network's archive as a model file; `origin` is (round, trial, dev metric), the first
    two None for a network that `hpsearch train` trained outside any study."""
    info = ModelInfo(
        features=tuple(data.feature_names),
        classes=tuple(str(name) for name in data.classes),
        target=data.target,
        fingerprint=data.fingerprint,
        study=study,
        round=origin[0],
        trial=origin[1],
        dev_error=origin[2],
        task=data.task,
        metric=metric,
    )
    return pack_model(weights, info, data.mean, data.std)
