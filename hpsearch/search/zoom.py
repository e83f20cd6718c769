"""Coarse to fine: the region where a study's best trials cluster, as a narrower search space.

Every searched hyperparameter is narrowed on the unit interval of its first-round distribution,
which is linear in the parameter's own scale (log10 α, log10(1 − β), plain units): the best
trials' span there, widened by a margin on each side, never narrower than a minimum width, and
clipped to [0, 1]. So a zoom never leaves the first round's space, and a later zoom, drawn from
the best trials of every round, may widen back out towards it. Categories keep the choices that
occur among the best trials. The defaults and their reasons are in docs/zoom.md."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from typing import Any, Literal

import yaml

from hpsearch.errors import ConfigError
from hpsearch.search.ranking import rank
from hpsearch.search.space import Choice, Distribution, IntUniform, SearchSpace
from hpsearch.search.zoom_ranges import RangeSetting, check_ranges, keep_choices, parse_range
from hpsearch.trial import TrialRecord, TrialState

MARGIN = 0.5  # of the best trials' span, added on each side
MIN_WIDTH = 0.05  # of the first round's range, in its own scale: the narrowest a zoom goes
TOP_PERCENT = 20  # by default as many as the best fifth of the latest round, at least MIN_TOP
MIN_TOP = 3
TIDY = 0.01  # a float bound is rounded outward, moving by at most this share of its new range

__all__ = ["RangeSetting", "Zoom", "ZoomRow", "choose_top", "narrow", "parse_range", "zoom_yaml"]

How = Literal["span", "minimum width", "set"]


@dataclass(frozen=True)
class ZoomRow:
    """One hyperparameter's zoom. `kept` is the new range's share of the old one: of its width
    on its own scale, of its values for an integer, of its choices for a category. `how` names
    the rule that made it: the best trials' span, the minimum width, or `--set`."""

    name: str
    scale: str
    old: Distribution
    new: Distribution
    kept: float
    how: How


@dataclass(frozen=True)
class Zoom:
    """A narrowed space and how it came about, for the CLI to show and the study to run."""

    space: SearchSpace
    rows: tuple[ZoomRow, ...]
    top: tuple[int, ...]  # the numbers of the trials the region was drawn from, best first
    volume_kept: float  # the new space's share of the old one: the product of the rows' `kept`
    volume_of_first: float  # its share of the first round's space
    top_rounds: tuple[int, ...] = ()  # the round of each of `top`


# Under a halving schedule, the trials that went furthest count: stopped ones rank below every
# complete one, the later their rung the higher.
ZOOMED_STATES = (TrialState.COMPLETE, TrialState.STOPPED)


def choose_top(records: Iterable[TrialRecord], top: int | None = None) -> list[TrialRecord]:
    """The `top` best completed trials of all rounds, by dev error, then dev cost, then duration.
    By default as many as the best 20% of the latest round's completed trials, at least 3: a
    count that grew with every round would stop repeated zooms from narrowing."""
    records = list(records)
    complete = [r for r in records if r.state in ZOOMED_STATES]
    needed = top_count(Counter(r.round for r in complete), len(records), top)
    return rank(complete)[:needed]


def top_count(completed: Mapping[int, int], trials: int, top: int | None = None) -> int:
    """How many trials `choose_top` takes, from the completed trials of each round (`trials`
    in all); refused when the study has fewer."""
    if top is not None and top < 1:
        raise ConfigError(f"top must be at least 1, but got {top}", option="top")
    count = sum(completed.values())
    latest = max((round for round, n in completed.items() if n), default=0)
    needed = top or max(MIN_TOP, -(-completed.get(latest, 0) * TOP_PERCENT // 100))  # ceiling
    if count < needed:
        rule = (
            f"the best {top}" if top else f"the best {TOP_PERCENT}% of a round, at least {MIN_TOP}"
        )
        others = f" of {trials} trials" if trials > count else ""
        fix = "run more trials first" + (", or zoom around fewer" if top else "")
        raise ConfigError(
            f"zoom needs at least {needed} completed trials ({rule}), but the study has "
            f"{count}{others} completed; {fix}"
        )
    return needed


def narrow(
    space: SearchSpace,
    original: SearchSpace,
    top_records: Sequence[TrialRecord],
    *,
    margin: float = MARGIN,
    ranges: Iterable[tuple[str, RangeSetting]] = (),
    min_width: float = MIN_WIDTH,
) -> Zoom:
    """`space` narrowed to where `top_records` cluster, each range measured and clipped on the
    unit interval of `original`, the first round's space; `ranges` set ranges by hand."""
    if not (math.isfinite(margin) and margin >= 0):
        raise ConfigError(
            f"margin must be a number ≥ 0 (a share of the span), but got {margin}", option="margin"
        )
    if not (top_records and 0 < min_width <= 1):
        raise ValueError(f"narrow needs trials and 0 < min_width <= 1, but got {min_width}")
    _same_parameters(space, original)
    chosen = check_ranges(space, original, ranges)
    made = {
        name: (chosen[name], "set")
        if name in chosen
        else _narrowed(first, [r.params[name] for r in top_records], margin, min_width)
        for name, first in original.searched.items()
    }
    rows = tuple(_row(n, space.searched[n], original.searched[n], *made[n]) for n in space.searched)
    return Zoom(
        space=SearchSpace(space.complete({row.name: row.new for row in rows})),
        rows=rows,
        top=tuple(r.number for r in top_records),
        top_rounds=tuple(r.round for r in top_records),
        volume_kept=math.prod(row.kept for row in rows),
        volume_of_first=math.prod(_share(original.searched[r.name], r.new) for r in rows),
    )


def zoom_yaml(space: SearchSpace) -> str:
    """The `hyperparameters:` section of `space`, ready to paste into a study file: one line per
    hyperparameter, as the example configs write them."""
    section = space.to_dict()
    for name in space.searched:
        section[name] = {k: v for k, v in section[name].items() if v is not None}
    lines = ["hyperparameters:"]
    for name, value in section.items():
        flow = yaml.safe_dump(
            {name: value}, default_flow_style=True, width=math.inf, sort_keys=False
        )
        lines.append("  " + flow.strip()[1:-1])  # `{name: value}` without its outer braces
    return "\n".join(lines) + "\n"


def _same_parameters(space: SearchSpace, original: SearchSpace) -> None:
    kinds = {n: type(d) for n, d in space.searched.items()}
    if kinds != {n: type(d) for n, d in original.searched.items()}:
        raise ValueError(
            "a zoomed space must search the parameters of the first round, with the same "
            f"distributions, but got {sorted(space.searched)} for {sorted(original.searched)}"
        )


def _narrowed(
    first: Distribution, values: list[Any], margin: float, min_width: float
) -> tuple[Distribution, How]:
    """The span of `values` on the unit interval of `first`, widened by `margin` of it on each
    side and clipped to [0, 1]; a narrower one becomes `min_width` around its centre."""
    if isinstance(first, Choice):
        return keep_choices(first, values), "span"
    # Every scale is monotonic, so the span's ends are those of the extreme values (20,000 of
    # them when the best 20% of a large round are zoomed around).
    units = [min(max(first.to_unit(v), 0.0), 1.0) for v in (min(values), max(values))]
    pad = margin * (max(units) - min(units))
    low, high, how = max(min(units) - pad, 0.0), min(max(units) + pad, 1.0), "span"
    if high - low < min_width:
        centre = min(max((low + high) / 2, min_width / 2), 1 - min_width / 2)
        low, high, how = centre - min_width / 2, centre + min_width / 2, "minimum width"
    return _between(first, low, high), how


def _between(first: Any, low: float, high: float) -> Distribution:
    """The distribution of `first`'s kind from unit `low` to `high`: an integer range rounded
    outward, a float one tidied to few significant digits."""
    if isinstance(first, IntUniform):
        # Rounded to 9 decimals first: float noise must not turn 93.99999999999999 into 93.
        low, high = (round(first.low + u * (first.high - first.low), 9) for u in (low, high))
        return IntUniform(
            low=max(math.floor(low), first.low), high=min(math.ceil(high), first.high)
        )
    tolerance = TIDY * (high - low)
    return type(first)(
        low=_tidy(first, first.from_unit(low), ROUND_FLOOR, tolerance),
        high=_tidy(first, first.from_unit(high), ROUND_CEILING, tolerance),
    )


def _tidy(first: Any, value: float, rounding: str, tolerance: float) -> float:
    """`value` rounded outward to the fewest significant digits (of 1 − β for a β) that move it
    by at most `tolerance` on `first`'s unit interval, and kept within `first`'s bounds."""
    exact = Decimal(value)
    magnitude = Decimal(1) - exact if first.scale == "one_minus_log" else abs(exact)
    if magnitude == 0:
        return value
    for digits in range(1, 18):
        quantum = Decimal(1).scaleb(magnitude.adjusted() - digits + 1)
        rounded = float(exact.quantize(quantum, rounding, Context(prec=100)))
        rounded = min(max(rounded, first.low), first.high)
        if abs(first.to_unit(rounded) - first.to_unit(value)) <= tolerance:
            return rounded
    return value


def _row(name: str, old: Any, first: Any, new: Any, how: How) -> ZoomRow:
    return ZoomRow(name, old.scale, old, new, _share(first, new) / _share(first, old), how)


def _share(first: Any, distribution: Any) -> float:
    """How much of `first`'s range `distribution` covers, as a sample from it sees it."""
    if isinstance(first, Choice):
        return len(distribution.choices) / len(first.choices)
    if isinstance(first, IntUniform):
        return (distribution.high - distribution.low + 1) / (first.high - first.low + 1)
    return first.to_unit(distribution.high) - first.to_unit(distribution.low)
