"""The two tasks a study may train for and the metrics that rank its trials: their names, which
task each fits, and how a table names and writes each. Plain Python, no NumPy, so that the study
file's checks and every reading command can use it; the metrics themselves, as functions of
arrays, are `hpsearch.nn.metrics`, under the same names.

Every metric is lower-is-better, so one ranking, one zoom and one promotion rule serve them all."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Task = Literal["classification", "regression"]
TASKS: tuple[Task, ...] = ("classification", "regression")
MetricName = Literal["error", "balanced_error", "log_loss", "rmse", "mae"]


@dataclass(frozen=True)
class Metric:
    """One metric: `label` is how messages and tables name it ("dev RMSE"), `unit` how a plot's
    axis says what it counts; `fraction` says it lies in [0, 1] (a share of rows), so that a
    target error for it must too."""

    name: MetricName
    task: Task
    label: str
    meaning: str
    unit: str
    fraction: bool = False

    def cell(self, value: float | None) -> str:
        """`value` as tables write it: fractions and log loss to four decimals (0.0251), a
        regression's metric, in the target's own units, to four significant digits (541.3)."""
        if value is None or not math.isfinite(value):
            return "–"
        if self.task == "classification":
            return f"{value:.4f}"
        return significant(value)


def significant(value: float, digits: int = 4) -> str:
    """At least `digits` significant digits, never in exponent form for a number a user reads
    in the target's units: 541.3, 53.72, 0.01235, 12,346."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:,.{decimals}f}"


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric(
            "error",
            "classification",
            "error",
            "the share of rows misclassified",
            "fraction misclassified",
            True,
        ),
        Metric(
            "balanced_error",
            "classification",
            "balanced error",
            "1 − the mean over the classes of the share of each class's rows predicted right; "
            "answering the commonest class for every row scores 1 − 1/classes",
            "mean fraction misclassified per class",
            True,
        ),
        Metric(
            "log_loss",
            "classification",
            "log loss",
            "the mean of −log(the probability given to the right class), as scikit-learn's "
            "log_loss",
            "nats per row",
        ),
        Metric(
            "rmse",
            "regression",
            "RMSE",
            "√(the mean squared error), in the target's units",
            "the target's units",
        ),
        Metric(
            "mae",
            "regression",
            "MAE",
            "the mean absolute error, in the target's units",
            "the target's units",
        ),
    )
}
DEFAULT_METRICS: dict[str, MetricName] = {"classification": "error", "regression": "rmse"}


def default_metric(task: str) -> MetricName:
    """The metric a study of `task` ranks by when its file names none."""
    return DEFAULT_METRICS[task]


def metric_of(name: str | None, task: str = "classification") -> Metric:
    """The metric called `name`, or the task's default for None."""
    return METRICS[name or default_metric(task)]


def metrics_of(task: str) -> tuple[str, ...]:
    """The names of the metrics that fit `task`, its default first."""
    return tuple(name for name, metric in METRICS.items() if metric.task == task)
