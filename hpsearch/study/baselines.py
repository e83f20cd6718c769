"""The yardstick beside every study: scikit-learn's HistGradientBoosting with its default
settings and a linear model (logistic regression; ridge for a regression), fitted on the study's
train split and scored with the study's metric, so that a user sees whether the tuned network is
any good. They are fitted once, when the study is made, and scored on dev (`run`); `best --test`
fits them again, to the same models, for their test metric beside the chosen trial's. Never
ranked among the trials.

Seconds, not minutes: at most ROWS train rows (a fixed sample, every class kept), one thread
(scikit-learn's OpenMP threads make the same model on any machine only with a fixed count, and
on a busy machine two threads took gradient boosting ten times as long as one), and
`random_state=0`, so the same split gives the same models. A classifier's class is decided as
the network's is: by the metric's best rule (`metrics.decision_prior`: balanced error weighs
each class by one over its share)."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hpsearch.nn.metrics import READS, decision_prior, score
from hpsearch.store.sqlite import Baseline

if TYPE_CHECKING:
    from hpsearch.data import Dataset

ROWS = 20_000  # train rows a baseline is fitted on, at most


@dataclass(frozen=True)
class Fitted:
    """A baseline fitted on the train split, and its metric on each part asked for."""

    baseline: Baseline  # with its dev metric, when dev was asked for
    scores: dict[str, float | None]  # "dev", "test" → the metric; None where it failed
    model: Any = None  # the fitted estimator; None where fitting failed


def fit_baselines(
    dataset: Dataset, metric: str, parts: Sequence[str] = ("dev",)
) -> list[Fitted]:
    """Each baseline fitted on the train split (at most ROWS rows of it) and scored with
    `metric` on each of `parts` ("dev", "test"); only the parts named are looked at. A model
    that cannot be fitted is a Baseline without figures and with the reason."""
    from threadpoolctl import threadpool_limits

    rows = train_rows(dataset.y_train, dataset.task == "classification")
    X, y = dataset.X_train[rows], dataset.y_train[rows]
    n_classes = None if dataset.task == "regression" else dataset.n_classes
    prior = decision_prior(metric, dataset.y_train, n_classes)
    fitted = []
    for name, make in _yardsticks(dataset.task):
        model, start = make(), time.perf_counter()
        scores: dict[str, float | None] = dict.fromkeys(parts)
        message = ""
        try:
            with threadpool_limits(1), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a linear model that converges slowly
                model.fit(X, y)
                for part in parts:
                    X_part, y_part = getattr(dataset, f"X_{part}"), getattr(dataset, f"y_{part}")
                    scores[part] = _scored(model, X_part, y_part, metric, n_classes, prior)
        except Exception as error:  # the yardstick fails alone; the study goes on
            message, model = f"{type(error).__name__}: {error}", None
        seconds = time.perf_counter() - start
        baseline = Baseline(
            name, _described(make), scores.get("dev"), len(rows), len(dataset.y_train),
            seconds, message,
        )  # fmt: skip
        fitted.append(Fitted(baseline, scores, model))
    return fitted


def train_rows(y: np.ndarray, stratified: bool, limit: int = ROWS) -> np.ndarray:
    """The train rows a baseline is fitted on, in order: all of them up to `limit`, else a
    fixed sample of `limit`, each class in its share (and at least one row of each)."""
    if len(y) <= limit:
        return np.arange(len(y))
    rng = np.random.default_rng(0)
    if not stratified:
        return np.sort(rng.choice(len(y), limit, replace=False))
    classes, counts = np.unique(y, return_counts=True)
    takes = np.maximum(1, np.floor(counts * limit / len(y)).astype(int))
    chosen = [
        rng.choice(np.flatnonzero(y == c), min(take, count), replace=False)
        for c, take, count in zip(classes, takes, counts, strict=True)
    ]
    return np.sort(np.concatenate(chosen))


def _scored(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    metric: str,
    n_classes: int | None,
    prior: np.ndarray | None,
) -> float:
    if n_classes is None:
        return score(metric, y, model.predict(X))
    p = np.zeros((len(X), n_classes))
    p[:, model.classes_] = model.predict_proba(X)  # a class the sample lacked: probability 0
    if READS[metric] != "labels":
        return score(metric, y, p)
    decided = p if prior is None else p / prior
    return score(metric, y, np.argmax(decided, axis=1))


def _yardsticks(task: str) -> list[tuple[str, Callable[[], Any]]]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge

    if task == "regression":
        return [
            ("gradient boosting", lambda: HistGradientBoostingRegressor(random_state=0)),
            ("ridge", Ridge),
        ]
    return [
        ("gradient boosting", lambda: HistGradientBoostingClassifier(random_state=0)),
        ("logistic", lambda: LogisticRegression(max_iter=1000)),
    ]


def _described(make: Callable[[], Any]) -> str:
    """The estimator as constructed: its class and the settings it is given."""
    return repr(make()).replace("\n", "").replace(" ", "")


def baselines_for(dataset: Dataset, metric: str) -> list[Baseline]:
    """What a study is made with: each baseline and its dev metric."""
    return [fitted.baseline for fitted in fit_baselines(dataset, metric)]
