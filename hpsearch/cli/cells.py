"""How numbers read in a table: each hyperparameter on its own scale (α and λ in scientific
notation, β to four decimals, integers as integers), errors to four decimals, durations short."""

from __future__ import annotations

import json
import math
from typing import Any

from hpsearch.search.space import Distribution
from hpsearch.tasks import Metric, metric_of

MISSING = "–"


def param_cell(distribution: Distribution | None, value: Any) -> str:
    """`value` as its scale reads best; a category or a fixed value as written in YAML."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    scale = distribution.scale if distribution is not None else "linear"
    if scale == "log":
        return scientific(value)
    if scale == "one_minus_log":
        return f"{value:.4f}"
    return f"{value:#.4g}"  # trailing zeros kept: 1.000 beside 0.9431


def scientific(value: float) -> str:
    """Three significant digits and a bare exponent: 3.16e-3, 1.00e+0 → 1.00e0."""
    if not math.isfinite(value):
        return str(value)
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def error_cell(value: float | None) -> str:
    return MISSING if value is None or not math.isfinite(value) else f"{value:.4f}"


def duration_cell(seconds: float) -> str:
    """0.1s, 42s, 3m05s, 2h07m: short enough for a narrow column."""
    if seconds < 9.95:
        return f"{seconds:.1f}s"
    if seconds < 59.5:
        return f"{seconds:.0f}s"
    minutes = round(seconds) // 60
    if minutes < 60:
        return f"{minutes}m{round(seconds) % 60:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


def epoch_line(epoch: int, row: dict[str, float], metric: Metric | None = None) -> str:
    """One epoch of a learning curve, as `hpsearch train` and the panda mode print it: the
    costs, and the `*_error` values as the metric they hold ("dev RMSE 53.72")."""
    metric = metric or metric_of(None)
    return f"epoch {epoch:>3}: " + ", ".join(
        f"{k.split('_')[0]} {metric.label} {metric.cell(v)}"
        if k.endswith("_error")
        else f"{k.replace('_', ' ')} {v:.4f}"
        for k, v in row.items()
    )
