"""The network: dense hidden layers (optionally batch-normalized, with dropout) and a softmax or
sigmoid output (a classifier), or one linear output (a regression), with its parameters, their
gradients and the running statistics.

Parameters and gradients are dicts with the same keys (W1, gamma1, beta1, …, W3, b3), CS231n
style. The dicts hold views into one flat vector each, laid out with all W's first, so that an
optimizer step, the L2 term and the divergence check are each a few passes over one array."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np

from hpsearch.nn.backprop import TrainingPass
from hpsearch.nn.engine import resolve
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.nn.layers import activation_forward, batchnorm_predict, dense_forward
from hpsearch.nn.losses import output_loss
from hpsearch.nn.metrics import READS, score

_CHUNK = 8192  # rows per block at prediction time, to bound the memory of large inputs


@dataclass(frozen=True)
class NetworkState:
    """A copy of everything training changes: parameters and running statistics."""

    params: np.ndarray
    running: dict[str, np.ndarray]


class Network:
    """A classifier of `n_features` inputs into `n_classes` (≥ 2) integer labels 0…C−1, or, with
    `n_classes` None, a regression of one number in the target's units."""

    def __init__(
        self,
        hp: HyperParams,
        n_features: int,
        n_classes: int | None,
        rng: np.random.Generator,
        dtype: type | np.dtype = np.float32,
        engine: str | None = None,
        target_scale: tuple[float, float] = (0.0, 1.0),
        class_prior: np.ndarray | None = None,
    ) -> None:
        """`engine` is "numpy" or "numba" (fused kernels, the same weights bit for bit); None
        takes this process's (`engine.engine_name()`). A regression trains on targets
        standardized with `target_scale`, the train split's (mean, std), and answers in the
        target's units: value = output·std + mean. A classifier given `class_prior` (each
        class's share of the train rows) decides each row's class by its probability over that
        share, not by the probability alone (`metrics.decision_prior`)."""
        if n_features < 1 or (n_classes is not None and n_classes < 2):
            raise ValueError(
                f"a network needs n_features ≥ 1 and n_classes ≥ 2 (or None: a regression), "
                f"but got n_features={n_features}, n_classes={n_classes}"
            )
        self.hp, self.n_features, self.n_classes = hp, n_features, n_classes
        mean, std = (float(value) for value in target_scale)
        if not (np.isfinite(mean) and np.isfinite(std) and std > 0):
            raise ValueError(f"target_scale must be a finite mean and a std > 0: {target_scale}")
        self.target_mean, self.target_std = mean, std
        self.class_prior = None if class_prior is None else np.asarray(class_prior, np.float64)
        self.dtype = np.dtype(dtype)
        self.engine = resolve(engine)
        self.loss = output_loss(n_classes, hp.label_smoothing)
        self.sizes = (n_features, *hp.units_per_layer(), self.loss.n_outputs(n_classes))
        shapes = _parameter_shapes(self.sizes, hp.batchnorm)
        total = sum(int(np.prod(s)) for s in shapes.values())
        self.flat_params = np.zeros(total, self.dtype)
        self.flat_grads = np.zeros(total, self.dtype)
        self.params = _views(self.flat_params, shapes)
        self.grads = _views(self.flat_grads, shapes)
        self.n_weights = sum(int(np.prod(s)) for k, s in shapes.items() if k.startswith("W"))
        self.running = _running_statistics(self.sizes, hp.batchnorm, self.dtype)
        self._initialize(rng)
        self._pass = self._training_pass()
        self._scratch = (np.empty(0, self.dtype), np.empty(0, self.dtype))

    def _training_pass(self) -> TrainingPass:
        hp, kind = self.hp, TrainingPass
        # The kernels' column sums follow NumPy's order only for two or more units (fused.py).
        if self.engine == "numba" and min(self.sizes[1:-1], default=2) >= 2:
            from hpsearch.nn.fused import FusedTrainingPass as kind
        return kind(
            sizes=self.sizes,
            activation=hp.activation,
            batchnorm=hp.batchnorm,
            bn_momentum=hp.bn_momentum,
            keep_probs=hp.keep_prob_per_layer(),
            l2=hp.l2,
            loss=self.loss,
            params=self.params,
            grads=self.grads,
            running=self.running,
            weights=(self.flat_params[: self.n_weights], self.flat_grads[: self.n_weights]),
            dtype=self.dtype,
        )

    def _initialize(self, rng: np.random.Generator) -> None:
        """W ~ N(0, gain/n_in): He (gain 2) for ReLU-like units, Xavier (gain 1) for tanh and
        sigmoid, which keeps the activations' variance steady across layers."""
        init = self.hp.init
        if init == "auto":
            init = "he" if self.hp.activation in ("relu", "leaky_relu") else "xavier"
        gain = 2.0 if init == "he" else 1.0
        for layer in range(1, len(self.sizes)):
            W = self.params[f"W{layer}"]
            rng.standard_normal(out=W, dtype=self.dtype)
            W *= math.sqrt(gain / W.shape[0])
        for name, gamma in self.params.items():
            if name.startswith("gamma"):
                gamma.fill(1)

    def loss_and_grads(
        self,
        X: np.ndarray,
        y: np.ndarray,
        rng: np.random.Generator | None = None,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> float:
        """One training-mode pass: returns the batch's cost (L2 term included) and fills `grads`.

        Batch normalization uses the batch's statistics and updates the running ones; dropout
        masks come from `rng`, or from `masks` (one 0/1 keep array per hidden layer)."""
        return self._pass.run(np.asarray(X, self.dtype), y, rng, masks)

    def logits(self, X: np.ndarray) -> np.ndarray:
        """Prediction mode: running statistics for batch normalization, no dropout. Overflow in
        a diverged network gives inf or nan, not warnings."""
        X = self._check_features(X)
        with np.errstate(all="ignore"):
            blocks = [self._logits(X[i : i + _CHUNK]) for i in range(0, max(len(X), 1), _CHUNK)]
        return np.concatenate(blocks)

    def _logits(self, x: np.ndarray) -> np.ndarray:
        p, last = self.params, len(self.sizes) - 1
        for layer in range(1, last):
            z = self._hidden_buffer(layer % 2, len(x), self.sizes[layer])
            dense_forward(x, p[f"W{layer}"], p.get(f"b{layer}"), z)
            if self.hp.batchnorm:
                mean, var = (
                    self.running[f"running_mean{layer}"],
                    self.running[f"running_var{layer}"],
                )
                batchnorm_predict(z, p[f"gamma{layer}"], p[f"beta{layer}"], mean, var)
            activation_forward(self.hp.activation, z, z)
            x = z
        out = np.empty((len(x), self.sizes[-1]), self.dtype)
        dense_forward(x, p[f"W{last}"], p[f"b{last}"], out)
        return out

    def _hidden_buffer(self, which: int, rows: int, units: int) -> np.ndarray:
        """A contiguous (rows, units) view of one of two buffers kept between calls: fresh
        arrays of this size on every evaluation make the allocator map and unmap memory each
        epoch, which slowed training by a tenth in worker processes."""
        if self._scratch[which].size < rows * units:
            grown = np.empty(rows * max(self.sizes[1:-1]), self.dtype)
            self._scratch = (grown, self._scratch[1]) if which == 0 else (self._scratch[0], grown)
        return self._scratch[which][: rows * units].reshape(rows, units)

    @property
    def is_regression(self) -> bool:
        return self.n_classes is None

    @property
    def default_metric(self) -> str:
        return "rmse" if self.is_regression else "error"

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(n, n_classes) probabilities; for two classes the columns are [1 − p, p]."""
        if self.is_regression:
            raise ValueError("a regression network predicts values, not class probabilities")
        z = self.logits(X)
        with np.errstate(all="ignore"):
            return self.loss.probabilities(z)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class indices, or a regression's values in the target's units (float64)."""
        return self.answers(self.logits(X), "values" if self.is_regression else "labels")

    def answers(self, z: np.ndarray, reads: str) -> np.ndarray:
        """The outputs `z` as a metric reads them (`metrics.READS`): class indices, class
        probabilities (in float64, so that no probability rounds to 0) or values in the
        target's units."""
        with np.errstate(all="ignore"):
            if reads == "probabilities":
                return self.loss.probabilities(z.astype(np.float64))
            if reads == "labels":
                return self._labels(z)
            return z[:, 0].astype(np.float64) * self.target_std + self.target_mean

    def _labels(self, z: np.ndarray) -> np.ndarray:
        """The most probable class; with a class prior, the class of the largest probability
        over its prior: log p(c) − log π(c), which is z_c − log π_c up to a shift per row, and
        for one sigmoid unit z > log(π1 / π0)."""
        if self.class_prior is None:
            return self.loss.labels(z)
        log_prior = np.log(self.class_prior)
        if self.n_classes == 2:
            return (z[:, 0].astype(np.float64) > log_prior[1] - log_prior[0]).astype(np.intp)
        return np.argmax(z.astype(np.float64) - log_prior, axis=1)

    def standardized(self, y: np.ndarray) -> np.ndarray:
        """A regression's targets as the loss sees them, (y − mean)/std, in the network's dtype."""
        y = np.asarray(y, np.float64)
        return ((y - self.target_mean) / self.target_std).astype(self.dtype)

    def error(self, X: np.ndarray, y: np.ndarray) -> float:
        """Misclassification rate (a regression: RMSE in the target's units)."""
        return self.evaluate(X, y)[1]

    def cost(self, X: np.ndarray, y: np.ndarray) -> float:
        """The loss in prediction mode plus λ/(2m)·Σ‖W‖², m = len(X): cross-entropy, or a
        regression's mean squared error on the standardized target."""
        return self.evaluate(X, y)[0]

    def evaluate(
        self, X: np.ndarray, y: np.ndarray, metric: str | None = None
    ) -> tuple[float, float]:
        """(cost, metric) from one prediction pass; `metric` one of `metrics.FUNCTIONS`,
        default the misclassification rate, or a regression's RMSE. A regression's `y` is in
        the target's units, and so is its metric."""
        if len(X) == 0:
            raise ValueError("cost and error need at least one example, but X is empty")
        y = check_targets(y, len(X), self.n_classes)
        z = self.logits(X)
        fitted = self.standardized(y) if self.is_regression else y
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self.loss.loss_sum(z, fitted) / len(y)
            weights = self.flat_params[: self.n_weights].astype(np.float64)
            cost = loss + self.hp.l2 / (2 * len(y)) * float(np.dot(weights, weights))
        metric = metric or self.default_metric
        with np.errstate(all="ignore"):
            value = score(metric, y, self.answers(z, READS[metric]))
        return float(cost), value

    def is_finite(self) -> bool:
        arrays = (self.flat_params, *self.running.values())
        return all(np.isfinite(a).all() for a in arrays)

    def state(self) -> NetworkState:
        return NetworkState(self.flat_params.copy(), {k: v.copy() for k, v in self.running.items()})

    def restore(self, state: NetworkState) -> None:
        np.copyto(self.flat_params, state.params)
        for name, values in state.running.items():
            np.copyto(self.running[name], values)

    def save(self, file: str | os.PathLike | IO[bytes]) -> None:
        """Writes an .npz archive (weights, running statistics, hyperparameters as JSON) to a path
        — exactly that path, no suffix added — or to a binary file object."""
        meta = {
            "hyperparams": self.hp.model_dump(mode="json"),
            "n_features": self.n_features,
            "n_classes": self.n_classes,
            "dtype": self.dtype.name,
        }
        if self.is_regression:  # a classifier's archive stays as it was before regressions
            meta["target_scale"] = [self.target_mean, self.target_std]
        if self.class_prior is not None:
            meta["class_prior"] = self.class_prior.tolist()
        arrays = {**self.params, **self.running, "meta": np.array(json.dumps(meta))}
        if isinstance(file, str | os.PathLike):
            with open(file, "wb") as handle:
                np.savez(handle, **arrays)
        else:
            np.savez(file, **arrays)

    @classmethod
    def load(cls, file: str | os.PathLike | IO[bytes], engine: str | None = None) -> Network:
        """Reads what `save` wrote; raises ValueError if the archive is not a saved network.
        `engine` as for `Network` ("numpy" predicts the same and needs no kernels compiled)."""
        with np.load(file, allow_pickle=False) as archive:
            if "meta" not in archive.files:
                raise ValueError("not a saved network: the archive has no 'meta' entry")
            meta = json.loads(str(archive["meta"]))
            hp = HyperParams.model_validate(meta["hyperparams"])
            rng = np.random.default_rng(0)  # the weights are overwritten just below
            dtype = np.dtype(meta["dtype"])
            scale = tuple(meta.get("target_scale", (0.0, 1.0)))
            prior = meta.get("class_prior")
            network = cls(
                hp, meta["n_features"], meta["n_classes"], rng, dtype, engine, scale, prior
            )
            for name, target in {**network.params, **network.running}.items():
                value = archive[name]  # bytes when the entry is not in NumPy's format
                if not isinstance(value, np.ndarray) or value.shape != target.shape or (
                    value.dtype.kind != "f"
                ):
                    raise ValueError(f"its entry {name!r} is not {target.shape} numbers")
                np.copyto(target, value)
        return network

    def _check_features(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"X must have shape (n, {self.n_features}) for this network, but got {X.shape}"
            )
        return np.ascontiguousarray(X, dtype=self.dtype)


def check_targets(y: np.ndarray, n: int, n_classes: int | None) -> np.ndarray:
    """`check_labels` for a classifier; a regression's targets as n finite float64 values."""
    if n_classes is not None:
        return check_labels(y, n, n_classes)
    y = np.asarray(y)
    if y.shape != (n,) or y.dtype.kind not in "iuf":
        raise ValueError(f"y must be {n} numbers, but got {y.dtype} of shape {y.shape}")
    y = y.astype(np.float64, copy=False)
    if not np.isfinite(y).all():
        raise ValueError("a regression's targets must be finite numbers")
    return y


def check_labels(y: np.ndarray, n: int, n_classes: int) -> np.ndarray:
    """Labels as a 1-D integer array of n values in 0…n_classes−1, or ValueError saying why not."""
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be {n} integer labels, but got {y.dtype} of shape {y.shape}")
    if n and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"labels must be in 0…{n_classes - 1}, but got values from {y.min()} to {y.max()}"
        )
    return y.astype(np.intp, copy=False)


def _parameter_shapes(sizes: Sequence[int], batchnorm: bool) -> dict[str, tuple[int, ...]]:
    """Every W first (the L2 term then covers one contiguous slice), then b, γ, β."""
    last = len(sizes) - 1
    shapes: dict[str, tuple[int, ...]] = {
        f"W{layer}": (sizes[layer - 1], sizes[layer]) for layer in range(1, last + 1)
    }
    for layer in range(1, last + 1):
        if batchnorm and layer < last:  # the bias is redundant before batch normalization's β
            shapes[f"gamma{layer}"] = shapes[f"beta{layer}"] = (sizes[layer],)
        else:
            shapes[f"b{layer}"] = (sizes[layer],)
    return shapes


def _views(flat: np.ndarray, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    views, offset = {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        views[name] = flat[offset : offset + size].reshape(shape)
        offset += size
    return views


def _running_statistics(
    sizes: Sequence[int], batchnorm: bool, dtype: np.dtype
) -> dict[str, np.ndarray]:
    running: dict[str, np.ndarray] = {}
    if batchnorm:
        for layer in range(1, len(sizes) - 1):
            running[f"running_mean{layer}"] = np.zeros(sizes[layer], dtype)
            running[f"running_var{layer}"] = np.ones(sizes[layer], dtype)
    return running
