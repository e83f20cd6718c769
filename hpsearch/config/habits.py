"""Distributions written as other tools write them (Optuna, Ray Tune, W&B sweeps, Hyperopt),
translated into a study file's words, so that a habit gets its hpsearch spelling, whole:
`{min: 1e-4, max: 0.1, log: true}` → `{distribution: log_uniform, low: 0.0001, high: 0.1}`."""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

ALIASES = {  # another tool's name, lower case without `_`, `-` or spaces → hpsearch's
    "loguniform": "log_uniform",
    "logunif": "log_uniform",
    "reciprocal": "log_uniform",
    "qloguniform": "log_uniform",
    "float": "uniform",
    "quniform": "int_uniform",
    "randint": "int_uniform",
    "qrandint": "int_uniform",
    "int": "int_uniform",
    "integer": "int_uniform",
    "intuniform": "int_uniform",
    "categorical": "choice",
    "choices": "choice",
    "category": "choice",
    "gridsearch": "choice",
    "oneof": "choice",
    "values": "choice",
}
ORDER = ("distribution", "low", "high", "choices", "weights")


def habit_hint(name: str, value: dict[str, Any]) -> str | None:
    """`written as another tool writes it; in a study file: NAME: {...}` when `value` uses
    another tool's keys or names; None when it does not."""
    translated, said = _translated(value)
    if translated is None:
        return None
    flow = yaml.safe_dump(
        {name: translated}, default_flow_style=True, width=math.inf, sort_keys=False
    ).strip()[1:-1]
    return f"{'; '.join(said)}: write `{flow}`"


def _translated(value: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    out, said = dict(value), []
    if "min" in out or "max" in out:
        out["low"], out["high"] = out.pop("min", out.get("low")), out.pop("max", out.get("high"))
        said.append("`min`/`max` are `low`/`high` in a study file")
    if "values" in out:
        out = {"distribution": "choice", "choices": out.pop("values")}
        said.append("a list to choose from is `distribution: choice` with `choices:`")
    if out.pop("log", False) is True:
        out["distribution"] = "log_uniform"
        said.append("a log scale is a distribution of its own, `log_uniform`")
    kind = out.get("distribution")
    alias = ALIASES.get(re.sub(r"[\s_-]", "", kind.lower())) if isinstance(kind, str) else None
    if alias and alias != kind:
        out["distribution"] = alias
        said.append(f"`{kind}` is called `{alias}` here")
    if not said:
        return None, said
    ordered = {key: out[key] for key in ORDER if key in out}
    return {**ordered, **{k: v for k, v in out.items() if k not in ordered}}, said
