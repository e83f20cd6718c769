"""The training loop: shuffled mini-batches, per-epoch learning curves, early stopping on the dev
metric, and divergence and deadline reported as results, never raised."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hpsearch.nn.checkpoint import (
    Checkpoint,
    check_fits,
    optimizer_state,
    restore_optimizer,
)
from hpsearch.nn.engine import training_engine
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.nn.metrics import decision_prior
from hpsearch.nn.network import Network, NetworkState, check_targets
from hpsearch.nn.optimizer_choice import make_optimizer
from hpsearch.nn.optimizers import Optimizer
from hpsearch.nn.schedules import learning_rate

MONITOR_SIZE = 10_000  # train examples the per-epoch train cost and metric are measured on
# The curves' names: `*_error` holds the metric the training is scored by (the misclassification
# rate unless a metric is given), under the names the stored studies have always used.
CURVES = ("train_cost", "train_error", "dev_cost", "dev_error")

State = Literal["complete", "diverged", "timed_out"]


@dataclass(frozen=True)
class TrainResult:
    """How training went. `curves` holds train_cost, train_error, dev_cost and dev_error per
    completed epoch, the errors being the metric's values. The final metrics and costs are those
    of `network` as returned, on the whole train and dev splits in prediction mode; None where
    the weights are not finite or diverged before any epoch completed."""

    network: Network
    state: State
    epochs: int  # epochs run, the interrupted one included
    best_epoch: int | None  # the epoch (from 1) with the lowest dev metric (see `_better`)
    curves: dict[str, list[float]]
    train_error: float | None
    dev_error: float | None
    train_cost: float | None
    dev_cost: float | None
    message: str = ""  # why training stopped early, and which epoch's weights were returned
    checkpoint: Checkpoint | None = None  # paused at `until` before `hp.epochs`: how to go on
    kept_epoch: int | None = None  # the epoch whose weights `network` holds, if not the last


@dataclass(frozen=True)
class Stop:
    """Why an epoch ended early."""

    state: State
    message: str


class Batches:
    """The train split in mini-batches, reshuffled every epoch.

    Each batch is gathered into one preallocated buffer just before its step: the rows are read
    once and land in cache for the step's first matrix product, where shuffling the whole split
    up front would write and read every example once more (measured on 60,000 × 784 examples:
    epochs a third longer)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, batch_size: int) -> None:
        self.X, self.y, self.batch_size = X, y, min(batch_size, len(X))
        self._X = np.empty((self.batch_size, X.shape[1]), X.dtype)
        self._y = np.empty(self.batch_size, y.dtype)

    def shuffled(self, rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yields (X, y) views of the buffer, valid until the next batch; the last batch keeps
        the remainder, however small."""
        order = rng.permutation(len(self.X))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            X, y = self._X[: len(rows)], self._y[: len(rows)]
            np.take(self.X, rows, axis=0, out=X, mode="clip")  # "clip": no bounds checks
            np.take(self.y, rows, out=y, mode="clip")
            yield X, y


class Divergence:
    """Says when training has diverged: a mini-batch cost that is not finite, or that rose more
    than FACTOR times above the first batch's (or above log C, if that is larger; for a
    regression above 1, what predicting the mean of the standardized target costs).

    Well-behaved runs stay within a few times their first cost; a step size that throws the
    weights out jumps by orders of magnitude within a few batches (Adam with α = 10 on digits:
    ×500,000 at the second batch) long before float32 overflows, then lingers as dead units."""

    FACTOR = 1000.0

    def __init__(self, n_classes: int | None) -> None:
        self.floor = 1.0 if n_classes is None else math.log(n_classes)
        self.reference: float | None = None

    def reason(self, cost: float) -> str | None:
        if not math.isfinite(cost):
            return f"cost became {cost}"
        if self.reference is None:
            self.reference = max(cost, self.floor)
        elif cost > self.FACTOR * self.reference:
            start = self.reference
            return f"cost rose over {self.FACTOR:g}-fold ({start:.3g} → {cost:.3g})"
        return None


def train_epoch(
    network: Network,
    optimizer: Optimizer,
    batches: Batches,
    *,
    epoch: int,
    learning_rate: float,
    rng: np.random.Generator,
    divergence: Divergence | None = None,
    deadline: float | None = None,
) -> Stop | None:
    """One pass over the reshuffled train split; a Stop if training diverged (a non-finite cost
    is always checked) or the deadline (a `time.monotonic()` value) passed. The last, partial
    batch is kept."""
    divergence = divergence or Divergence(network.n_classes)
    for number, (X, y) in enumerate(batches.shuffled(rng), start=1):
        cost = network.loss_and_grads(X, y, rng)
        if (reason := divergence.reason(cost)) is not None:
            return Stop("diverged", f"{reason} in epoch {epoch}, batch {number}")
        optimizer.step(network.flat_params, network.flat_grads, learning_rate)
        if deadline is not None and time.monotonic() > deadline:
            return Stop("timed_out", f"deadline passed in epoch {epoch}, batch {number}")
    return None


def train(
    hp: HyperParams,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_dev: np.ndarray,
    y_dev: np.ndarray,
    *,
    n_classes: int | None,
    rng: np.random.Generator,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    deadline: float | None = None,
    engine: str | None = None,
    until: int | None = None,
    resume: Checkpoint | None = None,
    metric: str | None = None,
    target_scale: tuple[float, float] = (0.0, 1.0),
) -> TrainResult:
    """Trains a new float32 network; all randomness (init, shuffling, dropout) comes from `rng`,
    so the same seed gives bit-identical weights and curves.

    The per-epoch train cost and error are measured in prediction mode on a fixed, evenly
    strided subsample of at most MONITOR_SIZE train examples, so that a large train split does not
    double the epoch's time; the final ones cover the whole split. With `patience`, training
    stops after that many epochs without a lower dev metric and returns the best epoch's weights.
    A mini-batch cost that is not finite or rose a thousandfold (see Divergence), or a parameter
    that is not finite (checked every epoch), ends training as "diverged", restoring the best
    epoch's weights when there is one. `engine` ("numpy", "numba"; None: this process's) changes
    the speed only, never the result.

    `until` pauses training after that many epochs (of `hp.epochs`): the result is that of
    training straight to `until` epochs, and its `checkpoint` goes on from there when given
    back as `resume` (with any `rng`: its state comes from the checkpoint), ending bit-identical
    to training straight on. A run stopped by patience, divergence or its deadline has none.

    `n_classes` None trains a regression: `y` in the target's units, standardized for the loss
    with `target_scale` (the train split's mean and std). `metric` (`metrics.FUNCTIONS`; default
    the error rate, a regression's RMSE) is what the curves, patience and the best epoch read;
    balanced error also sets how the network decides a class (`metrics.decision_prior`)."""
    X_train, y_train = _checked(X_train, y_train, n_classes, "train", None)
    X_dev, y_dev = _checked(X_dev, y_dev, n_classes, "dev", X_train.shape[1])
    if engine is None:
        engine = training_engine(hp, X_train.shape, n_classes)
    init_rng = rng if resume is None else np.random.default_rng(0)  # weights: the checkpoint's
    prior = decision_prior(metric or "", y_train, n_classes)
    network = Network(
        hp, X_train.shape[1], n_classes, init_rng, engine=engine, target_scale=target_scale,
        class_prior=prior,
    )  # fmt: skip
    metric = metric or network.default_metric
    run = _Run(hp, network, (X_train, y_train), (X_dev, y_dev), on_epoch, metric)
    with np.errstate(all="ignore"):  # overflow is detected and reported as divergence
        stop, epochs = run.fit(rng, deadline, min(until or hp.epochs, hp.epochs), resume)
        return run.result(stop, epochs)


Split = tuple[np.ndarray, np.ndarray]


class _Run:
    """The epoch loop's bookkeeping: curves, the best epoch so far, and the final result."""

    def __init__(
        self,
        hp: HyperParams,
        network: Network,
        train_split: Split,
        dev: Split,
        on_epoch: Callable[[int, dict[str, float]], None] | None,
        metric: str,
    ) -> None:
        self.hp, self.network, self.on_epoch, self.metric = hp, network, on_epoch, metric
        self.train_split, self.dev = train_split, dev
        self.monitor = _strided(*train_split, MONITOR_SIZE)
        self.curves: dict[str, list[float]] = {name: [] for name in CURVES}
        self.best: tuple[int, float, NetworkState] | None = None  # epoch, dev metric, weights
        self.checkpoint: Checkpoint | None = None

    def fit(
        self,
        rng: np.random.Generator,
        deadline: float | None,
        until: int,
        resume: Checkpoint | None,
    ) -> tuple[Stop | None, int]:
        optimizer = make_optimizer(self.hp, self.network.engine, self.network.n_weights)
        X, y = self.train_split
        fitted = self.network.standardized(y) if self.network.is_regression else y
        batches = Batches(X, fitted, self.hp.batch_size)
        divergence = Divergence(self.network.n_classes)
        start = 0 if resume is None else self._resume(resume, optimizer, divergence, rng)
        for epoch in range(start + 1, until + 1):
            rate = learning_rate(self.hp, epoch - 1)
            stop = train_epoch(
                self.network,
                optimizer,
                batches,
                epoch=epoch,
                learning_rate=rate,
                rng=rng,
                divergence=divergence,
                deadline=deadline,
            )
            if stop is not None or (stop := self._end_of_epoch(epoch)) is not None:
                return stop, epoch
            if self._patience_ran_out(epoch):
                return None, epoch
        if until < self.hp.epochs:
            self.checkpoint = Checkpoint(
                until,
                self.network.state(),
                optimizer_state(optimizer),
                rng.bit_generator.state,
                {name: list(values) for name, values in self.curves.items()},
                self.best,
                divergence.reference,
            )
        return None, until

    def _resume(
        self,
        checkpoint: Checkpoint,
        optimizer: Optimizer,
        divergence: Divergence,
        rng: np.random.Generator,
    ) -> int:
        """Puts back what `checkpoint` kept; returns the epoch it ended."""
        check_fits(checkpoint, self.network.state())
        self.network.restore(checkpoint.network)
        restore_optimizer(optimizer, checkpoint.optimizer)
        rng.bit_generator.state = checkpoint.rng
        self.curves = {name: list(values) for name, values in checkpoint.curves.items()}
        self.best = checkpoint.best
        divergence.reference = checkpoint.divergence_reference
        return checkpoint.epoch

    def _end_of_epoch(self, epoch: int) -> Stop | None:
        train_cost, train_error = self.network.evaluate(*self.monitor, self.metric)
        dev_cost, dev_error = self.network.evaluate(*self.dev, self.metric)
        if not (self.network.is_finite() and math.isfinite(train_cost + dev_cost)):
            return Stop("diverged", f"parameters or costs became non-finite in epoch {epoch}")
        values = dict(zip(CURVES, (train_cost, train_error, dev_cost, dev_error), strict=True))
        for name in CURVES:
            self.curves[name].append(values[name])
        if self._better(dev_error, dev_cost):
            self.best = (epoch, dev_error, self.network.state())
        if self.on_epoch is not None:
            self.on_epoch(epoch, values)
        return None

    def _better(self, dev_error: float, dev_cost: float) -> bool:
        """Whether this epoch beats the best so far: a strictly lower dev metric; with
        `keep_best_epoch` also an equal one at a lower dev cost, the trials' own ranking rule
        (a metric that counts rows often ties between epochs). Patience alone keeps the strict
        rule, as every study made before `keep_best_epoch` trained."""
        if self.best is None or dev_error < self.best[1]:
            return True
        if not self.hp.keep_best_epoch or dev_error != self.best[1]:
            return False
        return dev_cost < self.curves["dev_cost"][self.best[0] - 1]

    def _patience_ran_out(self, epoch: int) -> bool:
        patience = self.hp.patience
        return patience is not None and self.best is not None and epoch - self.best[0] >= patience

    def result(self, stop: Stop | None, epochs: int) -> TrainResult:
        """Restores the best epoch's weights with `keep_best_epoch` or early stopping, or after
        a divergence. A paused run restores them too, for its result: the checkpoint has kept
        the last epoch's, to go on from."""
        state: State = "complete" if stop is None else stop.state
        messages = [] if stop is None else [stop.message]
        best_epoch = None if self.best is None else self.best[0]
        kept = self.hp.keep_best_epoch or self.hp.patience is not None or state == "diverged"
        kept_epoch = best_epoch if kept else None
        if self.best is not None and kept:
            self.network.restore(self.best[2])
            if best_epoch != epochs or state != "complete":
                messages.append(f"returned the weights of epoch {best_epoch}")
        return TrainResult(
            self.network,
            state,
            epochs,
            best_epoch,
            self.curves,
            *self._final_metrics(diverged_at_once=state == "diverged" and best_epoch is None),
            message="; ".join(messages),
            checkpoint=self.checkpoint,
            kept_epoch=kept_epoch,
        )

    def _final_metrics(
        self, diverged_at_once: bool
    ) -> tuple[float | None, float | None, float | None, float | None]:
        """(train_error, dev_error, train_cost, dev_cost) of the network as returned; None for
        weights that diverged before any epoch completed."""
        if diverged_at_once or not self.network.is_finite():
            return None, None, None, None
        train_cost, train_error = self.network.evaluate(*self.train_split, self.metric)
        dev_cost, dev_error = self.network.evaluate(*self.dev, self.metric)
        if not math.isfinite(train_cost + dev_cost):
            return None, None, None, None
        return train_error, dev_error, train_cost, dev_cost


def _checked(
    X: np.ndarray, y: np.ndarray, n_classes: int | None, split: str, n_features: int | None
) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    if X.ndim != 2 or len(X) == 0 or (n_features is not None and X.shape[1] != n_features):
        want = "(n ≥ 1, features)" if n_features is None else f"(n ≥ 1, {n_features})"
        raise ValueError(f"X_{split} must have shape {want}, but got {X.shape}")
    y = check_targets(y, len(X), n_classes)
    return np.ascontiguousarray(X, dtype=np.float32), y


def _strided(X: np.ndarray, y: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    if len(X) <= size:
        return X, y
    rows = np.linspace(0, len(X) - 1, size).astype(np.intp)
    return X[rows], y[rows]
