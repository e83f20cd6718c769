"""A chosen model, usable: `load_model(path)` gives an object that predicts from raw rows, as a
notebook wants it, and `pack_trial` writes a trial's network in the model file's form.

The object encodes and scales rows itself, as the study did its splits (a gap filled with the
train split's median, a level one-hot, an unseen level sent to "(other)"), and answers in class
names, or a regression's values in the target's units, so a user never has to know how the study
prepared its data."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.data.columns import Column, plan_inputs
from hpsearch.data.encode import Filled, encode
from hpsearch.data.frame import rows_table
from hpsearch.data.scale import Scaling, apply_scaling
from hpsearch.data.table import Table
from hpsearch.errors import DataError, ModelError
from hpsearch.nn.network import Network
from hpsearch.store.model_file import ModelFile, ModelInfo, pack_model, read_model
from hpsearch.trial import TrialRecord


class Model:
    """A trained network with what turns raw rows into its inputs, and its class names (a
    regression: the target's name, and values in its units)."""

    def __init__(self, network: Network, info: ModelInfo, scaling: Scaling):
        self.network, self.info, self.scaling = network, info, scaling
        self.columns = tuple(Column.from_dict(c) for c in info.columns) or tuple(
            Column(name, "numeric") for name in info.features
        )

    @property
    def mean(self) -> np.ndarray:
        return self.scaling.center

    @property
    def std(self) -> np.ndarray:
        return self.scaling.scale

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names; column i of `predict_proba` is `classes[i]`."""
        return self.info.classes

    @property
    def features(self) -> tuple[str, ...]:
        """The data's columns, in the order a plain array must give them."""
        return self.info.features

    @property
    def task(self) -> str:
        """"classification" or "regression"."""
        return self.info.task

    @property
    def categorical(self) -> tuple[str, ...]:
        """The columns read as text (levels), not numbers."""
        return tuple(c.name for c in self.columns if c.kind == "categorical")

    def predict(self, X: Any) -> np.ndarray:
        """The class name of each row of raw (not encoded or scaled) columns, or a
        regression's value of it in the target's units (float64)."""
        inputs = self.inputs(X)
        if self.task == "regression":
            return self.network.predict(inputs)
        return np.asarray(self.classes, dtype=object)[self.labels(inputs)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, len(classes)) probabilities of each row of raw columns."""
        if self.task == "regression":
            raise ModelError(
                f"this model is a regression of '{self.info.target}': it predicts values, not "
                "class probabilities; use predict"
            )
        return self.probabilities(self.inputs(X))

    def inputs(self, X: Any) -> np.ndarray:
        """Raw rows → the network's inputs. `X` is a 2-D array of the columns in `features`
        order (numbers, or text for a categorical column; NaN, None or an empty text where
        missing), or anything that names its columns (a DataFrame, a mapping of columns, a
        structured array), picked by name."""
        try:
            return self.encoded(rows_table(X, self.columns))[0]
        except DataError as error:
            raise ModelError(str(error)) from None

    def encoded(self, table: Table) -> tuple[np.ndarray, tuple[Filled, ...]]:
        """A table of raw rows → the network's inputs, exactly as the study made its splits
        (in float32), and what was filled on the way."""
        inputs, filled = encode(table, self.columns)
        if inputs is table.X:
            inputs = inputs.copy()  # scaled in place below: never the caller's array
        apply_scaling(inputs, self.scaling)
        return inputs, filled

    def labels(self, inputs: np.ndarray) -> np.ndarray:
        """Class indices of encoded inputs."""
        return self.network.predict(inputs)

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """Class probabilities of encoded inputs."""
        return self.network.predict_proba(inputs)


def load_model(path: str | Path) -> Model:
    """The model file at `path` (`hpsearch export`, or a study's `models/trial-N.npz`)."""
    return model_of(read_model(Path(path)), Path(path))


def model_of(file: ModelFile, path: Path) -> Model:
    try:
        # Prediction takes the same NumPy path on either engine: no kernels to compile.
        network = Network.load(io.BytesIO(file.network), engine="numpy")
    except (KeyError, ValueError) as error:
        raise ModelError(f"{path} is damaged ({error}); export it again") from None
    info = file.info
    classes = None if info.task == "regression" else len(info.classes)
    if network.n_features != len(info.input_names) or network.n_classes != classes:
        raise ModelError(f"{path} is damaged (its network does not fit its inputs or classes)")
    clip = np.zeros(len(info.input_names), bool) if file.clip is None else file.clip
    model = Model(network, info, Scaling(info.scaling, file.mean, file.std, clip))
    if info.columns and plan_inputs(model.columns) != info.input_names:
        raise ModelError(f"{path} is damaged (its columns do not give its inputs)")
    return model


def pack_trial(data: Any, study: str, metric: str, record: TrialRecord, weights: bytes) -> bytes:
    """A trial's network archive as a model file; `data` is the `Dataset` it was trained on
    (anything with feature_names, columns, classes, target, task, fingerprint, mean, std and
    clip), `metric` what its study ranks by."""
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
    columns = tuple(getattr(data, "columns", ()) or ())
    info = ModelInfo(
        features=tuple(c.name for c in columns) or tuple(data.feature_names),
        classes=tuple(str(name) for name in data.classes),
        target=data.target,
        fingerprint=data.fingerprint,
        study=study,
        round=origin[0],
        trial=origin[1],
        dev_error=origin[2],
        columns=tuple(c.to_dict() for c in columns),
        inputs=tuple(data.feature_names),
        scaling=getattr(data, "scaling", "standard"),
        task=data.task,
        metric=metric,
    )
    return pack_model(weights, info, data.mean, data.std, getattr(data, "clip", None))
