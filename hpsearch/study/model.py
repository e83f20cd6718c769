"""A chosen model, usable: `load_model(path)` gives an object that predicts from raw rows, as a
notebook wants it, and `pack_trial` writes a trial's network in the model file's form.

The object applies the train split's standardization itself and answers in class names, so a
user never has to know how the study prepared its data."""

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
    """A trained network with its input standardization, feature names and class names."""

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

    def predict(self, X: Any) -> np.ndarray:
        """The class name of each row of raw (not standardized) features."""
        return np.asarray(self.classes, dtype=object)[self.labels(self.inputs(X))]

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, len(classes)) probabilities of each row of raw features."""
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
    if network.n_features != len(file.info.features) or network.n_classes != len(file.info.classes):
        raise ModelError(f"{path} is damaged (its network does not fit its features or classes)")
    return Model(network, file.info, file.mean, file.std)


def pack_trial(data: Any, study: str, record: TrialRecord, weights: bytes) -> bytes:
    """A trial's network archive as a model file; `data` is the `Dataset` it was trained on
    (anything with feature_names, classes, target, fingerprint, mean and std)."""
    return pack_network(data, study, weights, (record.round, record.number, record.dev_error))


def pack_network(
    data: Any, study: str, weights: bytes, origin: tuple[int | None, int | None, float | None]
) -> bytes:
    """A network's archive as a model file; `origin` is (round, trial, dev error), the first
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
    )
    return pack_model(weights, info, data.mean, data.std)
