"""Each hyperparameter's axis on its own scale: a log axis for α and λ, a log axis of 1 − β
(labelled in β, rising to the right) for momentum-like β, positions for categories."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from hpsearch.search.space import Choice, Distribution


def position(distribution: Distribution, value: Any) -> float:
    """Where `value` goes on the axis: β as 1 − β, a category as its index."""
    if isinstance(distribution, Choice):
        return float([_key(c) for c in distribution.choices].index(_key(value)))
    if distribution.scale == "one_minus_log":
        return 1.0 - value
    return float(value)


def spans(axis: Distribution, searched: Distribution) -> list[tuple[float, float]]:
    """The region a round searched (`searched`), in positions on `axis`, the first round's
    distribution of the parameter: one interval, or a slot per category it kept."""
    if isinstance(axis, Choice) and isinstance(searched, Choice):
        return [(at - 0.4, at + 0.4) for at in (position(axis, c) for c in searched.choices)]
    low, high = position(axis, searched.low), position(axis, searched.high)
    return [(min(low, high), max(low, high))]


def jitter(distribution: Distribution, count: int, rng: np.random.Generator) -> np.ndarray:
    """Small offsets that keep the points of one category (or integer) apart."""
    if isinstance(distribution, Choice):
        return rng.uniform(-0.15, 0.15, count)
    if distribution.distribution == "int_uniform":
        return rng.uniform(-0.2, 0.2, count) * min(1.0, (distribution.high - distribution.low) / 20)
    return np.zeros(count)


def set_scale(ax: Axes, name: str, distribution: Distribution) -> None:
    """The axis's scale, ticks and label for `name`."""
    scale = distribution.scale
    if isinstance(distribution, Choice):
        labels = [c if isinstance(c, str) else json.dumps(c) for c in distribution.choices]
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.set_xlabel(f"{name} (category)")
    elif scale == "log":
        ax.set_xscale("log")
        ax.set_xlabel(f"{name} (log scale)")
        if distribution.high / distribution.low < 30:  # a decade or so: label minor ticks too
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.2g}"))
            ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: f"{x:.2g}"))
            ax.tick_params(axis="x", which="minor", labelsize="x-small")
        else:  # unlabelled minor ticks only cost the drawing its time
            ax.xaxis.set_major_formatter(FuncFormatter(decade_label))
            ax.xaxis.set_minor_locator(NullLocator())
    elif scale == "one_minus_log":
        ax.set_xscale("log")
        ax.invert_xaxis()  # β rises to the right, as 1 − β falls
        ax.xaxis.set_major_formatter(FuncFormatter(_beta_label))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel(f"{name} (log scale of 1 − {name})")
    elif distribution.distribution == "int_uniform":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no tick at 1.25 layers
        ax.set_xlabel(f"{name} (integer)")
    else:
        ax.set_xlabel(f"{name} (linear)")


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_label(x: float, _: int = 0) -> str:
    """10⁻³ for a power of ten, else the number: a log axis's labels as plain text, which
    spares a plot the time of loading and running matplotlib's mathtext."""
    if x > 0 and math.isclose(exponent := round(math.log10(x)), math.log10(x), abs_tol=1e-9):
        return "1" if exponent == 0 else f"10{str(exponent).translate(SUPERSCRIPTS)}"
    return f"{x:g}"


def _beta_label(x: float, _: int) -> str:
    """The β at 1 − β = x: 0.9, 0.99, 0.999 (as many decimals as the decade needs)."""
    if not 0 < x < 1:
        return ""
    decimals = max(1, math.ceil(-math.log10(x) - 1e-9))
    return f"{1 - x:.{decimals}f}"


def _key(value: Any) -> str:
    return json.dumps(value)
