"""The `hyperparameters:` section → a `SearchSpace`, every value checked by `HyperParams` itself,
the one place that says what a network accepts (no second copy of its names or ranges here).

A fixed value, each bound of a distribution and each choice is validated as that field alone;
rules across fields (three `hidden_units` for two `layers`) and values only a draw can produce
(floats from `log_uniform` for an integer field) are caught by validating the corners of the space
and a few seeded draws as whole `HyperParams`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hpsearch.config.habits import habit_hint
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.space import DISTRIBUTIONS, Choice, SearchSpace
from hpsearch.userinput.messages import problems_from, show, suggestion
from hpsearch.userinput.yaml_lines import Location, Problem

DRAWS = 32  # seeded draws checked besides the two corners; HyperParams validates in microseconds
KNOWN = tuple(HyperParams.model_fields)


def check_space(section: Any) -> tuple[SearchSpace | None, list[Problem]]:
    """The space of the `hyperparameters:` section, or None and the problems (located inside it)."""
    if section is None:
        section = {}  # `hyperparameters:` with nothing under it: every default, nothing searched
    if not isinstance(section, dict):
        message = "must be a mapping of hyperparameter names to fixed values or distributions"
        return None, [Problem((), f"{message}, but got {show(section)}")]
    parameters, problems = {}, []
    for name, value in section.items():
        parameters[name], found = _parameter(name, value)
        problems += found
    if problems:
        return None, problems
    space = SearchSpace(parameters)
    return space, _draw_problems(space)


def _parameter(name: str, value: Any) -> tuple[Any, list[Problem]]:
    if name not in KNOWN:
        return None, [
            Problem((name,), "unknown hyperparameter" + suggestion(name, KNOWN, listing=True))
        ]
    if not isinstance(value, dict):
        return value, _field_problems(name, value, (name,))
    if hint := habit_hint(name, value):
        return None, [Problem((name,), hint)]
    if "distribution" not in value:
        example = show(HyperParams.model_fields[name].default)
        return None, [
            Problem(
                (name,),
                f"a searched hyperparameter needs `distribution:` (one of "
                f"{', '.join(DISTRIBUTIONS)}); a fixed value is written "
                f"plainly, e.g. {name}: {example}",
            )
        ]
    return _distribution(name, value)


def _distribution(name: str, value: dict[str, Any]) -> tuple[Any, list[Problem]]:
    kind = value["distribution"]
    cls = DISTRIBUTIONS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        hint = suggestion(kind, list(DISTRIBUTIONS), listing=True)
        return None, [Problem((name, "distribution"), f"unknown distribution {show(kind)}{hint}")]
    try:
        distribution = cls.model_validate(value)
    except ValidationError as error:
        return None, _within((name,), problems_from(error.errors(), value, cls))
    return distribution, _bound_problems(name, distribution, value)


def _bound_problems(name: str, distribution: Any, written: dict[str, Any]) -> list[Problem]:
    """Each bound or choice, as written (16, not the float 16.0 a log scale keeps), must itself
    be a value the field accepts."""
    if isinstance(distribution, Choice):
        values = {("choices", i): c for i, c in enumerate(written["choices"])}
    else:
        values = {("low",): written["low"], ("high",): written["high"]}
    return [p for at, v in values.items() for p in _field_problems(name, v, (name, *at))]


def _field_problems(name: str, value: Any, at: Location) -> list[Problem]:
    """`value` validated as field `name` alone; rules across fields are checked on draws."""
    try:
        HyperParams.model_validate({name: value})
    except ValidationError as error:
        errors = [e for e in error.errors() if e["loc"][:1] == (name,)]
        return _within(at, problems_from(errors, {name: value}), drop=1)
    return []


def _draw_problems(space: SearchSpace) -> list[Problem]:
    import numpy as np  # a study file read from a store is not drawn from: `show` needs none

    rng = np.random.default_rng(0)
    corners = [{n: d.from_unit(u) for n, d in space.searched.items()} for u in (0.0, 1.0)]
    draws = [space.complete(c) for c in corners] + [space.sample(rng) for _ in range(DRAWS)]
    problems: dict[tuple, Problem] = {}
    for params in draws:
        try:
            HyperParams.model_validate(params)
        except ValidationError as error:
            for key, problem in _explain(space, params, error.errors()):
                problems.setdefault(key, problem)
    return list(problems.values())


def _explain(
    space: SearchSpace, params: dict[str, Any], errors: list[ErrorDetails]
) -> list[tuple[tuple, Problem]]:
    """(what the problem is, the problem shown with the draw that revealed it)."""
    names = dict.fromkeys(e["loc"][0] for e in errors if e["loc"])
    refused = [_refused(space, name, params[name], errors) for name in names]
    broken = [_broken(space, params, e) for e in errors if not e["loc"]]
    return refused + broken


def _refused(
    space: SearchSpace, name: str, value: Any, errors: list[ErrorDetails]
) -> tuple[tuple, Problem]:
    """A field refuses a value its distribution draws (a float for an integer)."""
    field_errors = [e for e in errors if e["loc"][:1] == (name,)]
    refusal = problems_from(field_errors, {name: value})[0].message.split(", but got ")[0]
    hint = "; use int_uniform, or choice" if field_errors[0]["type"] == "int_type" else ""
    source = space.searched[name].distribution if name in space.searched else "the space"
    message = f"{source} draws values such as {show(value)}, but {name} {refusal}{hint}"
    return (name,), Problem((name,), message)


def _broken(
    space: SearchSpace, params: dict[str, Any], error: ErrorDetails
) -> tuple[tuple, Problem]:
    """A rule across fields fails for a draw: the searched values it names are shown."""
    rule = error["msg"].removeprefix("Value error, ")
    names = [n for n in params if n in space.searched and n in rule]
    where = ", ".join(f"{n}={show(params[n])}" for n in names)
    message = f"{rule} (in a draw with {where})" if names else rule
    # One problem per rule: the same names (in different draws), or the same words.
    return ("rule", *(names or [rule])), Problem((), message)


def _within(at: Location, problems: list[Problem], drop: int = 0) -> list[Problem]:
    return [Problem((*at, *p.location[drop:]), p.message) for p in problems]
