"""The metrics a study ranks by, as pure functions of the true targets and a model's answers, so
that a network, a baseline model or a test can score with the same code. Each equals
scikit-learn's function of that name (tests/nn/test_metrics.py); each is lower-is-better.

`READS` says what each one reads: class labels (indices 0…C−1), class probabilities (n × C) or
values in the target's units. The names are those of `hpsearch.tasks.METRICS`.

Every metric is a function of sums over the rows (`totals`), so a file too large to hold is
scored block by block, with the same code: `finish(metric, totals of each block, added)`."""

from __future__ import annotations

from typing import Literal

import numpy as np

Reads = Literal["labels", "probabilities", "values"]
READS: dict[str, Reads] = {
    "error": "labels",
    "balanced_error": "labels",
    "log_loss": "probabilities",
    "rmse": "values",
    "mae": "values",
}


def decision_prior(metric: str, y: np.ndarray, n_classes: int | None) -> np.ndarray | None:
    """Each class's share of the rows `y` (the train split's), for the metrics whose best
    decision is not the most probable class; else None. Balanced error weighs a class by one
    over its share, so the decision that minimises it takes the class of the largest
    p(c | x) / π(c): the most probable class would answer the commonest class nearly always."""
    if metric != "balanced_error" or n_classes is None:
        return None
    counts = np.bincount(np.asarray(y, np.intp), minlength=n_classes).astype(np.float64)
    return np.maximum(counts, 1.0) / counts.sum()


def totals(
    metric: str, y: np.ndarray, answers: np.ndarray, n_classes: int | None = None
) -> np.ndarray:
    """The sums over the rows that `metric` is made of, in float64; those of two blocks of rows
    add up to those of both. `n_classes` sizes the per-class counts of balanced error
    (default: enough for the classes seen)."""
    if metric == "error":
        return np.array([np.count_nonzero(answers != y), len(y)], np.float64)
    if metric == "balanced_error":
        y, labels = np.asarray(y, np.intp), np.asarray(answers, np.intp)
        n = n_classes or int(max(y.max(initial=0), labels.max(initial=0))) + 1
        rows = np.bincount(y, minlength=n)
        right = np.bincount(y[labels == y], minlength=n)
        return np.concatenate([rows, right]).astype(np.float64)
    if metric == "log_loss":
        p = np.asarray(answers, np.float64)
        eps = np.finfo(p.dtype).eps
        picked = np.clip(p[np.arange(len(y)), np.asarray(y, np.intp)], eps, 1 - eps)
        return np.array([-np.add.reduce(np.log(picked)), len(y)])
    difference = np.asarray(answers, np.float64) - np.asarray(y, np.float64)
    if metric == "rmse":
        return np.array([np.add.reduce(difference * difference), len(y)])
    if metric == "mae":
        return np.array([np.add.reduce(np.abs(difference)), len(y)])
    raise ValueError(f"unknown metric {metric!r}; metrics: {', '.join(READS)}")


def finish(metric: str, sums: np.ndarray) -> float:
    """The metric from its `totals` (of all the rows, or added up block by block)."""
    if metric == "balanced_error":
        rows, right = np.split(sums, 2)
        present = rows > 0
        return float(1.0 - np.mean(right[present] / rows[present]))
    mean = float(sums[0] / sums[1])
    return float(np.sqrt(mean)) if metric == "rmse" else mean


def score(metric: str, y: np.ndarray, answers: np.ndarray) -> float:
    """`metric` of `answers` (what READS[metric] says it reads) against the true `y`."""
    return finish(metric, totals(metric, y, answers))


def error(y: np.ndarray, labels: np.ndarray) -> float:
    """The share of rows misclassified (1 − `accuracy_score`)."""
    return score("error", y, labels)


def balanced_error(y: np.ndarray, labels: np.ndarray) -> float:
    """1 − `balanced_accuracy_score`: one minus the mean recall over the classes that `y` holds,
    so that every class weighs the same however rare it is."""
    return score("balanced_error", y, labels)


def log_loss(y: np.ndarray, probabilities: np.ndarray) -> float:
    """The mean of −log(the probability of the true class), probabilities clipped to
    [eps, 1 − eps] of their float type, as scikit-learn's `log_loss` does."""
    return score("log_loss", y, probabilities)


def rmse(y: np.ndarray, values: np.ndarray) -> float:
    """√(mean squared error), in the target's units (`root_mean_squared_error`)."""
    return score("rmse", y, values)


def mae(y: np.ndarray, values: np.ndarray) -> float:
    """The mean absolute error, in the target's units (`mean_absolute_error`)."""
    return score("mae", y, values)


def score_probabilities(metric: str, y: np.ndarray, probabilities: np.ndarray) -> float:
    """`metric` of a classifier known by its probabilities (a baseline's `predict_proba`):
    labels, where the metric reads them, are the most probable class."""
    if READS[metric] == "labels":
        return score(metric, y, np.argmax(probabilities, axis=1))
    return score(metric, y, probabilities)
