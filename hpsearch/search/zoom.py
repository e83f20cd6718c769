"""Coarse to fine: the region where a study's best trials cluster, as a narrower search space.

Every searched hyperparameter is narrowed on the unit interval of its first-round distribution,
which is linear in the parameter's own scale (log10 α, log10(1 − β), plain units): the best
trials' span there, widened by a margin on each side, never narrower than a minimum width, and
clipped to [0, 1]. So a zoom never leaves the first round's space, and a later zoom, drawn from
the best trials of every round, may widen back out towards it. Categories keep the choices that
occur among the best trials. A bound moves in, and a choice goes, only on evidence: enough
trials beyond it, none of them among the best, that chance would put them all there in fewer
than 5% of studies where the hyperparameter does not matter. The defaults and their reasons
are in docs/zoom.md."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from typing import Any, Literal

import yaml

from hpsearch.errors import ConfigError
from hpsearch.search.ranking import rank
from hpsearch.search.space import Choice, Distribution, IntUniform, SearchSpace
from hpsearch.search.zoom_ranges import RangeSetting, check_ranges, keep_choices, parse_range
from hpsearch.trial import TrialRecord, TrialState

MARGIN = 0.5  # of the best trials' span, added on each side: at most, and for 3 trials
EVIDENCE = 0.1  # how unlikely by chance the trials beyond a moved bound must be
MIN_WIDTH = 0.05  # of the first round's range, in its own scale: the narrowest a zoom goes
TOP_PERCENT = 20  # by default as many as the best fifth of the latest round, at least MIN_TOP
MIN_TOP = 3
TIDY = 0.01  # a float bound is rounded outward, moving by at most this share of its new range

__all__ = [
    "RangeSetting", "Zoom", "ZoomRow", "choose_top", "counted", "narrow", "parse_range",
    "zoom_yaml",
]  # fmt: skip

How = Literal["span", "minimum width", "set", "too few trials"]
Side = Literal["below", "above", "is"]
Bound = tuple[
    str, Side, Any
]  # a hyperparameter, and the values beyond a bound: below, above, equal


@dataclass(frozen=True)
class Evidence:
    """The trials a zoom weighs before it moves a bound in: those of the round it narrows with
    a verdict on their values (`weighed` of them), that round's best `top`, and `count`: how
    many of them lie beyond each of some bounds."""

    weighed: int
    top: Sequence[TrialRecord]
    count: Callable[[Sequence[Bound]], list[int]]
    level: float = EVIDENCE  # the chance below which the trials beyond a bound are evidence


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
    # The trials beyond each bound that moved (low, high; for a choice, those of each one
    # dropped) and, in `held`, beyond each that could have moved but had too few.
    beyond: tuple[tuple[str, int], ...] = ()
    held: tuple[tuple[str, int], ...] = ()

    @property
    def narrowed(self) -> bool:
        return self.kept < 1 - 1e-9


@dataclass(frozen=True)
class Zoom:
    """A narrowed space and how it came about, for the CLI to show and the study to run."""

    space: SearchSpace
    rows: tuple[ZoomRow, ...]
    top: tuple[int, ...]  # the numbers of the trials the region was drawn from, best first
    volume_kept: float  # the new space's share of the old one: the product of the rows' `kept`
    volume_of_first: float  # its share of the first round's space
    top_rounds: tuple[int, ...] = ()  # the round of each of `top`
    weighed: int = 0  # the trials whose values were weighed as evidence (0: none was asked for)
    needed: int = 0  # the fewest trials beyond a bound for it to move
    margin: float = MARGIN  # the margin the span was widened by


# Under a halving schedule, the trials that went furthest count: stopped ones rank below every
# complete one, the later their rung the higher.
ZOOMED_STATES = (TrialState.COMPLETE, TrialState.STOPPED)
# What a zoom weighs as evidence of where the good region is not: every trial with a verdict on
# its values (a failed or timed-out trial says nothing of them).
WEIGHED_STATES = (TrialState.COMPLETE, TrialState.STOPPED, TrialState.DIVERGED)


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


def default_margin(top: int) -> float:
    """The margin for `top` best trials: the expected gap between K points spread evenly over
    an interval and its ends is span/(K − 1); 0.5 at most (3 trials or fewer)."""
    return min(MARGIN, 1 / max(top - 1, 1))


def needed_beyond(weighed: int, top: int, evidence: float = EVIDENCE) -> int:
    """The fewest trials beyond a bound, none of them among the best `top` of the `weighed`,
    for that to happen by chance in fewer than `evidence` of studies where the hyperparameter
    does not matter: the hypergeometric chance C(N − n, K) / C(N, K) below `evidence`. Above
    `weighed` when no count is enough."""

    def chance(n: int) -> float:
        if n > weighed - top:
            return 0.0
        log = (
            math.lgamma(weighed - n + 1) - math.lgamma(weighed - n - top + 1)
            - math.lgamma(weighed + 1) + math.lgamma(weighed - top + 1)
        )  # fmt: skip
        return math.exp(log)

    low, high = 0, weighed - top + 1  # chance(high) = 0
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if chance(middle) >= evidence else (low, middle)
    return high if chance(high) < evidence else weighed + 1


def counted(
    records: Iterable[TrialRecord], top: int | None = None, level: float = EVIDENCE
) -> Evidence:
    """The evidence of trials in memory: those of the latest round that completed, stopped or
    diverged, and its best `top` (by default as many as `choose_top` takes)."""
    records = list(records)
    latest = max((r.round for r in records), default=0)
    weighed = [r for r in records if r.round == latest and r.state in WEIGHED_STATES]
    best = choose_top([r for r in records if r.round == latest], top)

    def count(bounds: Sequence[Bound]) -> list[int]:
        return [sum(_beyond(r.params.get(n), s, v) for r in weighed) for n, s, v in bounds]

    return Evidence(len(weighed), best, count, level)


def narrow(
    space: SearchSpace,
    original: SearchSpace,
    top_records: Sequence[TrialRecord],
    *,
    margin: float | None = None,
    ranges: Iterable[tuple[str, RangeSetting]] = (),
    min_width: float = MIN_WIDTH,
    evidence: Evidence | None = None,
) -> Zoom:
    """`space` narrowed to where `top_records` cluster, each range measured and clipped on the
    unit interval of `original`, the first round's space; `ranges` set ranges by hand. With
    `evidence`, a bound moves and a choice goes only when enough of the trials it weighs lie
    beyond it (`needed_beyond`); without, every bound moves as the span says."""
    margin = default_margin(len(top_records)) if margin is None else margin
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
    weighed, needed, proof = 0, 0, {}
    if evidence is not None:
        needed = needed_beyond(evidence.weighed, len(evidence.top), evidence.level)
        weighed, proof = evidence.weighed, _weigh(space, made, evidence, needed)
    rows = tuple(
        _row(n, space.searched[n], original.searched[n], *made[n], *proof.get(n, ((), ())))
        for n in space.searched
    )
    return Zoom(
        space=SearchSpace(space.complete({row.name: row.new for row in rows})),
        rows=rows,
        top=tuple(r.number for r in top_records),
        top_rounds=tuple(r.round for r in top_records),
        volume_kept=math.prod(row.kept for row in rows),
        volume_of_first=math.prod(_share(original.searched[r.name], r.new) for r in rows),
        weighed=weighed,
        needed=needed,
        margin=margin,
    )


def _weigh(space: SearchSpace, made: dict, evidence: Evidence, needed: int) -> dict:
    """Puts back in `made` the current round's bound wherever the new one would be tighter on
    too little evidence: fewer than `needed` trials of the round beyond it, or one of its best
    among them. A bound the best trials push outward moves without more evidence. Returns the
    evidence of each row: the trials beyond the bounds that moved, and beyond those held."""
    bounds: list[Bound] = []
    for name, (new, how) in made.items():
        if how != "set":
            bounds += _tighter(name, space.searched[name], new)
    counts = evidence.count(bounds)
    found: dict[str, dict[Bound, int]] = {}
    for bound, count in zip(bounds, counts, strict=True):
        if any(_beyond(r.params.get(bound[0]), bound[1], bound[2]) for r in evidence.top):
            count = 0  # one of the round's best lies beyond it: no evidence against the region
        found.setdefault(bound[0], {})[bound] = count
    proof = {}
    for name, beyond in found.items():
        current, (new, how) = space.searched[name], made[name]
        held = {bound: n for bound, n in beyond.items() if n < needed}
        moved = {bound: n for bound, n in beyond.items() if n >= needed}
        if held:
            new = _put_back(current, new, held)
            how = "too few trials" if not moved and new == current else how
        made[name] = (new, how)
        proof[name] = (_said(moved), _said(held))
    return proof


def _tighter(name: str, current: Distribution, new: Distribution) -> list[Bound]:
    """The values the new range leaves out of the current one: below its low, above its high,
    or each choice dropped."""
    if isinstance(current, Choice):
        return [(name, "is", c) for c in current.choices if c not in new.choices]
    bounds: list[Bound] = []
    if new.low > current.low:
        bounds.append((name, "below", new.low))
    if new.high < current.high:
        bounds.append((name, "above", new.high))
    return bounds


def _put_back(current: Distribution, new: Distribution, held: dict[Bound, int]) -> Distribution:
    """`new` with each held side (or dropped choice) as it is in `current`."""
    if isinstance(current, Choice):
        back = {json.dumps(value) for _, _, value in held}
        kept = [c for c in current.choices if c in new.choices or json.dumps(c) in back]
        return keep_choices(current, kept)
    sides = {side for _, side, _ in held}
    low = current.low if "below" in sides else new.low
    high = current.high if "above" in sides else new.high
    return type(current)(low=low, high=high)


def _said(bounds: dict[Bound, int]) -> tuple[tuple[str, int], ...]:
    """Each bound as the zoom table names it: `below`, `above`, or the choice."""
    return tuple(
        (side if side != "is" else json.dumps(value), n) for (_, side, value), n in bounds.items()
    )


def _beyond(value: Any, side: Side, bound: Any) -> bool:
    if value is None:
        return False
    if side == "is":
        return json.dumps(value) == json.dumps(bound)
    return value < bound if side == "below" else value > bound


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


def _row(
    name: str, old: Any, first: Any, new: Any, how: How, beyond: tuple = (), held: tuple = ()
) -> ZoomRow:
    kept = _share(first, new) / _share(first, old)
    return ZoomRow(name, old.scale, old, new, kept, how, beyond, held)


def _share(first: Any, distribution: Any) -> float:
    """How much of `first`'s range `distribution` covers, as a sample from it sees it."""
    if isinstance(first, Choice):
        return len(distribution.choices) / len(first.choices)
    if isinstance(first, IntUniform):
        return (distribution.high - distribution.low + 1) / (first.high - first.low + 1)
    return first.to_unit(distribution.high) - first.to_unit(distribution.low)
