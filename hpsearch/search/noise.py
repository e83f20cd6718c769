"""Whether a gap between error rates is more than the sampling noise of the splits they were
measured on. An error rate p measured on n examples has the binomial standard error
√(p(1 − p)/n); a difference of independent ones, the root of the sum of their squares. A gap
within Z of them is no reading: on 68 dev examples, one wrong example more is 1.5 points."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Z = 2.0  # standard errors a gap must exceed to be read (about 95% for a normal difference)

GapKind = Literal["bias", "variance"]


@dataclass(frozen=True)
class Gap:
    """One of the reading's gaps, of `size`, against the sampling noise of the splits it is
    measured on (`noise` = Z standard errors); `needed`, per split, the examples that would make
    a gap of that size at those error rates stand out of the noise."""

    kind: GapKind
    size: float
    noise: float
    needed: dict[str, int]

    @property
    def within_noise(self) -> bool:
        return self.size <= self.noise


def gap(kind: GapKind, size: float, errors: Sequence[tuple[str, float, int]]) -> Gap:
    """The gap `size` between the error rates `errors` (split, error rate, examples): bias reads
    train error against a given optimal error, variance dev error against train error."""
    se = math.sqrt(sum(p * (1 - p) / n for _, p, n in errors))
    scale = (Z * se / size) ** 2 if size > 0 else math.inf
    needed = {  # less a hair: 268.00000000000006 examples are 268
        split: math.ceil(scale * n - 1e-9) if math.isfinite(scale) else 0 for split, _, n in errors
    }
    return Gap(kind, size, Z * se, needed)
