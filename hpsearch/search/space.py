"""Hyperparameter distributions, each sampled on its proper scale, and the search space they form.

The course's rule: sample α uniformly in log10 space, and β-like parameters by sampling 1 − β on a
log scale, because 1/(1 − β), the number of values averaged, is very sensitive as β nears 1. Every
distribution also maps its values to the unit interval of its own scale (`to_unit`/`from_unit`),
where zooming and plotting are linear. Bounds are always written in the parameter's own units."""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    field_validator,
    model_validator,
)

if TYPE_CHECKING:
    import numpy as np

INT64 = 2**63


def _require_distribution(schema: dict[str, Any]) -> None:
    """In a file, `distribution:` is what tells a searched value from a fixed one."""
    schema["required"] = ["distribution", *schema.get("required", [])]


class _Distribution(BaseModel):
    """Validates itself on construction; values come back as plain Python numbers or text."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, json_schema_extra=_require_distribution
    )
    distribution: str  # each kind narrows it to its name: the discriminator a user writes
    scale: ClassVar[str]

    def grid(self, k: int) -> list[Any]:
        """`k` points evenly spaced on the scale, both bounds included (one point: the middle)."""
        units = [0.5] if k == 1 else [i / (k - 1) for i in range(k)]
        return list(dict.fromkeys(self.from_unit(u) for u in units))


class _Bounded(_Distribution):
    low: StrictFloat
    high: StrictFloat

    @model_validator(mode="after")
    def _low_below_high(self) -> Self:
        if not self.low < self.high:
            raise ValueError(
                f"`low < high` must hold, but got low={_fmt(self.low)}, high={_fmt(self.high)}"
            )
        if not 0 < self._span() < math.inf:
            raise ValueError(
                f"low={_fmt(self.low)} and high={_fmt(self.high)} are too far "
                f"apart or too close to be sampled on a {self.scale} scale"
            )
        return self

    def sample(self, rng: np.random.Generator) -> Any:
        return self.from_unit(float(rng.random()))

    def to_unit(self, value: float) -> float:
        """Where `value` lies on the scale: low ↦ 0, high ↦ 1, beyond them outside [0, 1]."""
        return (self._scaled(value) - self._scaled(self.low)) / self._span()

    def from_unit(self, u: float) -> Any:
        """The value at `u` of the scale, `u` clipped to [0, 1]; 0 and 1 give the bounds exactly."""
        if u <= 0 or u >= 1:
            return self.low if u <= 0 else self.high
        value = self._unscaled(self._scaled(self.low) + u * self._span())
        return min(max(value, self.low), self.high)

    def describe(self) -> str:
        """The bounds, as a table cell reads them."""
        return f"{_fmt(self.low)} to {_fmt(self.high)}"

    def _span(self) -> float:
        return self._scaled(self.high) - self._scaled(self.low)

    def _scaled(self, value: float) -> float:
        return value

    def _unscaled(self, value: float) -> float:
        return value


class Uniform(_Bounded):
    """A float, uniform between `low` and `high`."""

    distribution: Literal["uniform"] = "uniform"
    scale: ClassVar[str] = "linear"


class IntUniform(_Bounded):
    """An integer, uniform over `low`…`high`, both included (e.g. hidden units, layers)."""

    distribution: Literal["int_uniform"] = "int_uniform"
    scale: ClassVar[str] = "linear"
    low: int
    high: int

    @field_validator("low", "high", mode="before")
    @classmethod
    def _whole(cls, value: Any) -> Any:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (number and math.isfinite(value) and float(value).is_integer()):
            raise ValueError(f"int_uniform bounds must be whole numbers, but got {_quote(value)}")
        if not -INT64 <= value < INT64:
            raise ValueError(f"int_uniform bounds must fit in 64 bits, but got {_fmt(value)}")
        return int(value)

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high, endpoint=True))

    def from_unit(self, u: float) -> int:
        return round(super().from_unit(u))


class LogUniform(_Bounded):
    """A positive float whose log10 is uniform: each decade gets as many draws (α)."""

    distribution: Literal["log_uniform"] = "log_uniform"
    scale: ClassVar[str] = "log"

    @field_validator("low", "high")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"must be > 0 on a log scale, but got {_fmt(value)}")
        return value

    def _scaled(self, value: float) -> float:
        return math.log10(value)

    def _unscaled(self, value: float) -> float:
        return 10.0**value


class OneMinusLogUniform(_Bounded):
    """A float in (0, 1) whose 1 − value is log-uniform (momentum β, Adam's β1, β2): in
    [0.9, 0.999], 1 − β spans [1e-3, 1e-1], and half the draws exceed 0.99."""

    distribution: Literal["one_minus_log_uniform"] = "one_minus_log_uniform"
    scale: ClassVar[str] = "one_minus_log"

    @field_validator("low", "high")
    @classmethod
    def _inside_unit_interval(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError(
                "must be inside (0, 1), as 1 − value is sampled on a log scale, "
                f"but got {_fmt(value)}"
            )
        return value

    def _scaled(self, value: float) -> float:
        return -math.log10(1.0 - value)

    def _unscaled(self, value: float) -> float:
        return 1.0 - 10.0**-value


Scalar = StrictBool | StrictInt | StrictFloat | StrictStr | None
ChoiceValue = Scalar | list[Scalar]


class Choice(_Distribution):
    """One of a list of values (text, numbers, lists), optionally weighted."""

    distribution: Literal["choice"] = "choice"
    scale: ClassVar[str] = "categorical"
    choices: tuple[ChoiceValue, ...]
    weights: tuple[Annotated[StrictFloat, Field(gt=0)], ...] | None = None

    @field_validator("choices")
    @classmethod
    def _distinct(cls, choices: tuple[Any, ...]) -> tuple[Any, ...]:
        if not choices:
            raise ValueError("must not be empty; list at least one value")
        keys = [_key(c) for c in choices]
        counts = Counter(keys)  # counted once: a choice of 100,000 values is checked at once
        for choice, key in zip(choices, keys, strict=True):
            if counts[key] > 1:
                raise ValueError(f"must be distinct, but {_quote(choice)} is listed twice")
        return choices

    @model_validator(mode="after")
    def _one_weight_per_choice(self) -> Self:
        if self.weights is not None and len(self.weights) != len(self.choices):
            raise ValueError(
                f"give one weight per choice, but got {len(self.weights)} weights "
                f"for {len(self.choices)} choices"
            )
        return self

    @property
    def probabilities(self) -> list[float]:
        weights = self.weights or (1.0,) * len(self.choices)
        top = max(weights)  # scaled first, so that huge weights cannot overflow the sum
        total = sum(w / top for w in weights)
        return [w / top / total for w in weights]

    def sample(self, rng: np.random.Generator) -> Any:
        return self._value(int(rng.choice(len(self.choices), p=self.probabilities)))

    def to_unit(self, value: Any) -> float:
        """Choice i of n sits at the middle of the i-th of n equal slices of [0, 1]."""
        index = [_key(c) for c in self.choices].index(_key(value))
        return (index + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> Any:
        n = len(self.choices)
        return self._value(min(max(int(u * n), 0), n - 1))

    def grid(self, k: int) -> list[Any]:
        """Every choice, whatever `k`: a grid enumerates categories."""
        return [self._value(i) for i in range(len(self.choices))]

    def describe(self) -> str:
        if self.weights is None:
            return ", ".join(_show(c) for c in self.choices)
        shares = zip(self.choices, self.probabilities, strict=True)
        return ", ".join(f"{_show(c)} ({p:.0%})" for c, p in shares)

    def _value(self, index: int) -> Any:
        return copy.copy(self.choices[index])  # a list choice must not be shared between trials


Distribution = Annotated[
    Uniform | IntUniform | LogUniform | OneMinusLogUniform | Choice,
    Field(discriminator="distribution"),
]
DISTRIBUTIONS: dict[str, type[_Distribution]] = {
    cls.model_fields["distribution"].default: cls
    for cls in (Uniform, IntUniform, LogUniform, OneMinusLogUniform, Choice)
}


def _kind(value: Any) -> str:
    return "searched" if isinstance(value, dict | _Distribution) else "fixed"


Parameter = Annotated[
    Annotated[Distribution, Tag("searched")] | Annotated[Any, Tag("fixed")],
    Discriminator(_kind),
]


class SearchSpace(RootModel[dict[str, Parameter]]):
    """Hyperparameter name → a distribution (searched) or a plain value (fixed), in the shape a
    user writes it; `to_dict`/`from_dict` round-trip through JSON."""

    model_config = ConfigDict(frozen=True)
    root: dict[str, Parameter] = Field(default_factory=dict)

    @property
    def searched(self) -> dict[str, Distribution]:
        return {n: v for n, v in self.root.items() if isinstance(v, _Distribution)}

    @property
    def fixed(self) -> dict[str, Any]:
        return {n: v for n, v in self.root.items() if not isinstance(v, _Distribution)}

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """Complete parameters: the fixed ones and one draw of each searched one, in order."""
        return self.complete({n: d.sample(rng) for n, d in self.searched.items()})

    def complete(self, values: dict[str, Any]) -> dict[str, Any]:
        """The fixed values with `values` of the searched parameters, in the space's order."""
        return {n: values[n] if n in values else copy.deepcopy(v) for n, v in self.root.items()}

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchSpace:
        return cls.model_validate(data)


def _key(value: Any) -> str:
    """Tells apart what `==` does not (True == 1 == 1.0), for distinct choices."""
    return json.dumps(value)


def _fmt(number: float) -> str:
    text = repr(number)
    return text[:-2] if text.endswith(".0") else text


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _quote(value: Any) -> str:
    if isinstance(value, float):
        return _fmt(value)
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)
