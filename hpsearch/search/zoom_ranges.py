"""`hpsearch zoom --set NAME=LOW:HIGH`: a zoom's ranges set by hand, read from the command line and
checked as a config's bounds are, in the parameter's own units, within the first round's space."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from hpsearch.errors import ConfigError
from hpsearch.search.space import Choice, Distribution, SearchSpace
from hpsearch.userinput.messages import closest, one_line, show
from hpsearch.userinput.yaml_lines import read_yaml

USAGE = (
    "NAME=LOW:HIGH (e.g. learning_rate=1e-4:1e-2) or NAME=CHOICE,... (e.g. activation=relu,tanh)"
)

RangeSetting = tuple[Any, Any] | list[Any]  # (low, high) of a numeric parameter, or choices to keep


def parse_range(text: str) -> tuple[str, RangeSetting]:
    """`NAME=LOW:HIGH` → (name, (low, high)); `NAME=A,B` → (name, [A, B]). Values are read as
    YAML, so 1e-4 is a number and true a boolean."""
    name, _, value = (part.strip() for part in text.partition("="))
    if not (name and value):
        raise ConfigError(f"set takes {USAGE}, but got {show(text)}", option="set")
    if ":" not in value:
        return name, _read(f"[{value}]", text)
    bounds = [part.strip() for part in value.split(":")]
    if len(bounds) != 2 or not all(bounds):
        raise ConfigError(f"set takes {USAGE}, but got {show(text)}", option="set")
    return name, (_read(bounds[0], text), _read(bounds[1], text))


def check_ranges(
    space: SearchSpace, original: SearchSpace, ranges: Iterable[tuple[str, RangeSetting]]
) -> dict[str, Distribution]:
    """Each override as the distribution it sets; `original` is the first round's space."""
    chosen: dict[str, Distribution] = {}
    for name, value in ranges:
        if name in chosen:
            raise ConfigError(
                f"set {name} is given twice; give each hyperparameter once", option="set"
            )
        chosen[name] = _set_range(space, original, name, value)
    return chosen


def keep_choices(first: Choice, values: Iterable[Any]) -> Choice:
    """The choices of `first` that occur in `values`, in `first`'s order, weights renormalised."""
    seen = {json.dumps(v) for v in values}
    kept = [i for i, c in enumerate(first.choices) if json.dumps(c) in seen]
    choices = tuple(first.choices[i] for i in kept)
    if first.weights is None:
        return Choice(choices=choices)
    shares = [first.probabilities[i] for i in kept]
    # 12 digits: 0.375, not 0.37499999999999994, in a config; the weights are relative anyway.
    return Choice(choices=choices, weights=tuple(float(f"{p / sum(shares):.12g}") for p in shares))


def _set_range(space: SearchSpace, original: SearchSpace, name: str, value: RangeSetting) -> Any:
    _require_searched(space, name)
    first = original.searched[name]
    if isinstance(first, Choice) != isinstance(value, list):
        example = "CHOICE,CHOICE" if isinstance(first, Choice) else "LOW:HIGH"
        raise ConfigError(
            f"set {name}: {name} is a {first.distribution}, so write {name}={example}, "
            f"but got {name}={_written(value)}",
            option="set",
        )
    return _choices(first, name, value) if isinstance(first, Choice) else _range(first, name, value)


def _require_searched(space: SearchSpace, name: str) -> None:
    searched = ", ".join(space.searched)
    if name in space.fixed:
        raise ConfigError(
            f"set {name}: {name} is fixed at {show(space.fixed[name])} in this study, and a "
            f"zoom narrows only searched hyperparameters ({searched}); to search {name}, start a "
            "new study with a distribution for it",
            option="set",
        )
    if name not in space.searched:
        close = closest(name, list(space.searched))
        hint = f"; did you mean '{close}'?" if close else ""
        raise ConfigError(
            f"set NAME must name a searched hyperparameter ({searched}), "
            f"but got {show(name)}{hint}",
            option="set",
        )


def _choices(first: Choice, name: str, values: list[Any]) -> Choice:
    _validated(Choice, name, {"choices": values})
    keys = {json.dumps(c) for c in first.choices}
    strays = [v for v in values if json.dumps(v) not in keys]
    if strays:
        raise ConfigError(
            f"set {name}: a zoom keeps some of the study's choices ({first.describe()}), "
            f"but got {', '.join(show(v) for v in strays)}; to try others, start a new study",
            option="set",
        )
    return keep_choices(first, values)


def _range(first: Any, name: str, bounds: tuple[Any, Any]) -> Any:
    new = _validated(type(first), name, {"low": bounds[0], "high": bounds[1]})
    if new.low < first.low or new.high > first.high:
        raise ConfigError(
            f"set {name}: the range must lie within the first round's, {first.describe()}, "
            f"as a zoom never leaves it, but got {new.describe()}; to search beyond it, "
            "start a new study with wider bounds",
            option="set",
        )
    return new


def _validated(kind: Any, name: str, data: dict[str, Any]) -> Any:
    """`data` as a distribution of `kind`, or its problems, worded as a config's would be."""
    try:
        return kind.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            f"set {name}: {one_line(error.errors(), data, kind)}", option="set"
        ) from None


def _read(text: str, whole: str) -> Any:
    try:
        return read_yaml(text, "--set").data
    except ConfigError:
        raise ConfigError(f"set takes {USAGE}, but got {show(whole)}", option="set") from None


def _written(value: RangeSetting) -> str:
    if isinstance(value, list):
        return ",".join(show(v) for v in value)
    return f"{show(value[0])}:{show(value[1])}"
