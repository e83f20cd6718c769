"""pydantic's validation errors → problems a user can act on: located at the key as written in the
file, one per mistake, worded "what must hold, but got what", with a close match where one exists.

pydantic reports a union field's failure once per branch (`hidden_units: abc` fails as an integer
and as a list); only the branch that fits the input is kept, or one merged line when none does."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from hpsearch.userinput.yaml_lines import Location, Problem, dotted

_KINDS = {
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "text",
    "none_type": "null",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}
_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


@dataclass(frozen=True)
class _Located:
    index: int
    error: ErrorDetails
    location: Location  # in the data as written: union branch labels left out
    union: Location | None = None  # where the first union was entered, if any
    branch: str = ""


def problems_from(
    errors: Sequence[ErrorDetails], data: Any, model: type[BaseModel] | None = None
) -> list[Problem]:
    """Problems for pydantic `errors` of validating `data` (as `model`, which names the keys
    that an unknown key may have meant)."""
    located = [_locate(i, error, data) for i, error in enumerate(errors)]
    chosen = sorted(_one_branch_per_union(located), key=lambda item: item.index)
    return [_problem(item, model) for item in chosen if not _misspelt(item, chosen, model)]


def one_line(errors: Sequence[ErrorDetails], data: Any, model: type[BaseModel]) -> str:
    """The problems as one line, each at its key: for values given on the command line."""
    problems = problems_from(errors, data, model)
    return "; ".join(
        f"{dotted(p.location)}: {p.message}" if p.location else p.message for p in problems
    )


def _misspelt(item: _Located, items: list[_Located], model: type[BaseModel] | None) -> bool:
    """A required key is missing because it was misspelt: the unknown key's hint says it all."""
    if item.error["type"] != "missing":
        return False
    parent, keys = item.location[:-1], _keys_at(model, item.location[:-1])
    return any(
        other.error["type"] == "extra_forbidden"
        and other.location[:-1] == parent
        and closest(other.location[-1], keys) == item.location[-1]
        for other in items
    )


def show(value: Any) -> str:
    """A value as it reads in YAML, shortened."""
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 40 else f"'{value[:37]}...'"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value[:6]) + (", ...]" if len(value) > 6 else "]")
    if isinstance(value, dict):
        return "a mapping"
    return str(value)[:40]


def suggestion(word: Any, candidates: Sequence[str], *, listing: bool = False) -> str:
    """`; did you mean 'x'?` when a candidate is close, and with `listing` all the candidates."""
    close = closest(word, candidates)
    text = f"; did you mean '{close}'?" if close else ""
    if listing:
        text += (" Known: " if close else "; known: ") + ", ".join(candidates)
    return text


def closest(word: Any, candidates: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(str(word), list(candidates), n=1)
    return close[0] if close else None


def _locate(index: int, error: ErrorDetails, data: Any) -> _Located:
    kept: list[str | int] = []
    union, branch, current = None, "", data
    for i, part in enumerate(error["loc"]):
        if _has(current, part):
            current = current[part]
        elif not (error["type"] == "missing" and i == len(error["loc"]) - 1):
            if union is None:  # a union branch's label, such as 'constrained-int'
                union, branch = tuple(kept), str(part)
            continue
        kept.append(part)
    return _Located(index, error, tuple(kept), union, branch)


def _has(data: Any, part: str | int) -> bool:
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def _one_branch_per_union(items: list[_Located]) -> list[_Located]:
    chosen = [item for item in items if item.union is None]
    unions: dict[Location, dict[str, list[_Located]]] = {}
    for item in items:
        if item.union is not None:
            unions.setdefault(item.union, {}).setdefault(item.branch, []).append(item)
    for root, branches in unions.items():
        fitting = [errors for errors in branches.values() if not all(map(_wrong_kind, errors))]
        if fitting:
            chosen += min(fitting, key=len)
        else:
            chosen.append(_merged(root, [e for errors in branches.values() for e in errors]))
    return chosen


def _wrong_kind(item: _Located) -> bool:
    """The input is not even of the branch's kind (a string given to an integer-or-list)."""
    return item.location == item.union and item.error["type"] in _KINDS


def _merged(root: Location, items: list[_Located]) -> _Located:
    kinds = " or ".join(dict.fromkeys(_KINDS[item.error["type"]] for item in items))
    first = items[0]
    message = f"must be {kinds}, but got {show(first.error['input'])}"
    error = ErrorDetails(type="merged", loc=root, msg=message, input=first.error["input"])
    return _Located(first.index, error, root)


def _problem(item: _Located, model: type[BaseModel] | None) -> Problem:
    error, location = item.error, item.location
    kind, got = error["type"], show(error.get("input"))
    if kind == "merged":
        return Problem(location, error["msg"])
    if kind == "missing":
        return Problem(location[:-1], f"`{location[-1]}` is required")
    if kind == "extra_forbidden":
        return Problem(location, _unknown_key(location, model))
    if kind == "value_error":
        return Problem(location, error["msg"].removeprefix("Value error, "))
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        hint = suggestion(error.get("input"), re.findall(r"'([^']*)'", expected))
        return Problem(location, f"must be {expected}, but got {got}{hint}")
    if kind in _KINDS:
        return Problem(location, f"must be {_KINDS[kind]}, but got {got}")
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        limit = repr(error["ctx"][key]).removesuffix(".0")
        return Problem(location, f"must be {words} {limit}, but got {got}")
    if kind in ("too_short", "too_long"):
        return Problem(location, _length_message(error))
    return Problem(location, f"{error['msg'].replace('Input should be', 'must be')}, but got {got}")


def _length_message(error: ErrorDetails) -> str:
    ctx = error.get("ctx", {})
    limit = (
        f"at least {ctx['min_length']}" if "min_length" in ctx else f"at most {ctx['max_length']}"
    )
    return f"must have {limit} items, but got {ctx.get('actual_length', '?')}"


def _unknown_key(location: Location, model: type[BaseModel] | None) -> str:
    keys = _keys_at(model, location[:-1])
    if not keys:
        return "unknown key"
    hint = suggestion(location[-1], keys)
    return f"unknown key{hint}" if hint else f"unknown key; expected one of: {', '.join(keys)}"


def _keys_at(model: type[BaseModel] | None, location: Location) -> list[str]:
    """The keys the model nested at `location` accepts (none known: an empty list)."""
    for part in location:
        field = model.model_fields.get(str(part)) if model else None
        annotation = field.annotation if field else None
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    return list(model.model_fields) if model else []
