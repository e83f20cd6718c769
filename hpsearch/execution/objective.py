"""One trial: its parameters become a network, trained on train and scored on dev.

`run_trial` is what every backend calls in its workers, so it is a plain function of picklable
arguments, and it never raises: whatever goes wrong becomes a FAILED result with its reason."""

from __future__ import annotations

import io
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hpsearch.nn import HyperParams, TrainResult, train
from hpsearch.nn.checkpoint import Checkpoint
from hpsearch.trial import TrialResult, TrialSpec, TrialState

if TYPE_CHECKING:
    from hpsearch.data import Dataset

EpochCallback = Callable[[int, int, dict[str, float]], None]  # (trial number, epoch, row)


@dataclass(frozen=True)
class TrainingData:
    """What a worker needs: train and dev only; the test split never leaves the driver. A
    regression has `n_classes` None, its targets in their units and the train split's
    `target_scale` (mean, std); `metric` is what the trials are scored by."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    n_classes: int | None
    metric: str | None = None  # None: the error rate, or a regression's RMSE
    target_scale: tuple[float, float] = (0.0, 1.0)


def training_data(dataset: Dataset, metric: str | None = None) -> TrainingData:
    """What the workers get: train and dev, never test; scored by `metric`."""
    regression = dataset.task == "regression"
    return TrainingData(
        dataset.X_train,
        dataset.y_train,
        dataset.X_dev,
        dataset.y_dev,
        None if regression else dataset.n_classes,
        metric,
        dataset.target_scale,
    )


def run_trial(
    spec: TrialSpec,
    data: TrainingData,
    deadline: float | None = None,
    on_epoch: EpochCallback | None = None,
) -> TrialResult:
    """Trains `spec.params` with `spec.seed`; stops at `deadline` (a `time.monotonic()` value)."""
    start = time.perf_counter()
    try:
        outcome = _train(spec, data, deadline, on_epoch)
    except Exception as error:
        return TrialResult(
            spec.number,
            spec.round,
            TrialState.FAILED,
            duration_s=time.perf_counter() - start,
            message=f"{type(error).__name__}: {error}",
            traceback=traceback.format_exc(),
        )
    return _result(spec, outcome, time.perf_counter() - start)


def _train(
    spec: TrialSpec, data: TrainingData, deadline: float | None, on_epoch: EpochCallback | None
) -> TrainResult:
    report = None if on_epoch is None else lambda epoch, row: on_epoch(spec.number, epoch, row)
    resume = None if spec.resume is None else Checkpoint.from_bytes(spec.resume)
    hp = HyperParams(**spec.params)
    return train_seeded(hp, data, spec.seed, report, deadline, until=spec.until, resume=resume)


def train_seeded(
    hyperparameters: HyperParams,
    data: TrainingData,
    seed: int,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    deadline: float | None = None,
    until: int | None = None,
    resume: Checkpoint | None = None,
) -> TrainResult:
    """The one training call: on train, scored on dev, every random draw from `seed`. A trial
    and `hpsearch train` both train through it, so a trial retrains to the same errors. `until`
    and `resume`: a halving schedule's rung (`nn.training.train`)."""
    return train(
        hyperparameters,
        data.X_train,
        data.y_train,
        data.X_dev,
        data.y_dev,
        n_classes=data.n_classes,
        rng=np.random.default_rng(seed),
        on_epoch=on_epoch,
        deadline=deadline,
        until=until,
        resume=resume,
        metric=data.metric,
        target_scale=data.target_scale,
    )


def _result(spec: TrialSpec, outcome: TrainResult, duration_s: float) -> TrialResult:
    paused = outcome.checkpoint is not None
    return TrialResult(
        spec.number,
        spec.round,
        TrialState.PAUSED if paused else TrialState(outcome.state),
        dev_error=outcome.dev_error,
        train_error=outcome.train_error,
        dev_cost=outcome.dev_cost,
        train_cost=outcome.train_cost,
        epochs=outcome.epochs,
        curves=outcome.curves,
        duration_s=duration_s,
        message=outcome.message,
        engine=outcome.network.engine,
        best_epoch=outcome.kept_epoch,
        weights=_weights(outcome) if outcome.state == "complete" and not paused else None,
        checkpoint=outcome.checkpoint.to_bytes() if paused else None,
    )


def _weights(outcome: TrainResult) -> bytes:
    buffer = io.BytesIO()
    outcome.network.save(buffer)
    return buffer.getvalue()
