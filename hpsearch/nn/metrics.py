"""The metrics a study ranks by, as pure functions of the true targets and a model's answers, so
that a network, a baseline model or a test can score with the same code. Each equals
scikit-learn's function of that name (tests/nn/test_metrics.py); each is lower-is-better.

`READS` says what each one reads: class labels (indices 0…C−1), class probabilities (n × C) or
values in the target's units. The names are those of `hpsearch.tasks.METRICS`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

Reads = Literal["labels", "probabilities", "values"]


def error(y: np.ndarray, labels: np.ndarray) -> float:
    """The share of rows misclassified (1 − `accuracy_score`)."""
    return float(np.mean(labels != y))


def balanced_error(y: np.ndarray, labels: np.ndarray) -> float:
    """1 − `balanced_accuracy_score`: one minus the mean recall over the classes that `y` holds,
    so that every class weighs the same however rare it is."""
    y, labels = np.asarray(y, np.intp), np.asarray(labels, np.intp)
    n = int(max(y.max(initial=0), labels.max(initial=0))) + 1
    rows = np.bincount(y, minlength=n)
    right = np.bincount(y[labels == y], minlength=n)
    present = rows > 0
    return float(1.0 - np.mean(right[present] / rows[present]))


def log_loss(y: np.ndarray, probabilities: np.ndarray) -> float:
    """The mean of −log(the probability of the true class), probabilities clipped to
    [eps, 1 − eps] of their float type, as scikit-learn's `log_loss` does."""
    p = np.asarray(probabilities, np.float64)
    eps = np.finfo(p.dtype).eps
    picked = np.clip(p[np.arange(len(y)), np.asarray(y, np.intp)], eps, 1 - eps)
    return float(-np.mean(np.log(picked)))


def rmse(y: np.ndarray, values: np.ndarray) -> float:
    """√(mean squared error), in the target's units (`root_mean_squared_error`)."""
    difference = np.asarray(values, np.float64) - np.asarray(y, np.float64)
    return float(np.sqrt(np.mean(difference * difference)))


def mae(y: np.ndarray, values: np.ndarray) -> float:
    """The mean absolute error, in the target's units (`mean_absolute_error`)."""
    return float(np.mean(np.abs(np.asarray(values, np.float64) - np.asarray(y, np.float64))))


FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "error": error,
    "balanced_error": balanced_error,
    "log_loss": log_loss,
    "rmse": rmse,
    "mae": mae,
}
READS: dict[str, Reads] = {
    "error": "labels",
    "balanced_error": "labels",
    "log_loss": "probabilities",
    "rmse": "values",
    "mae": "values",
}


def score(metric: str, y: np.ndarray, answers: np.ndarray) -> float:
    """`metric` of `answers` (what READS[metric] says it reads) against the true `y`."""
    return FUNCTIONS[metric](y, answers)


def score_probabilities(metric: str, y: np.ndarray, probabilities: np.ndarray) -> float:
    """`metric` of a classifier known by its probabilities (a baseline's `predict_proba`):
    labels, where the metric reads them, are the most probable class."""
    if READS[metric] == "labels":
        return score(metric, y, np.argmax(probabilities, axis=1))
    return score(metric, y, probabilities)
