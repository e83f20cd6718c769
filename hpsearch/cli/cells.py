"""How numbers read in a table: each hyperparameter on its own scale (α and λ in scientific
notation, β to four decimals, integers as integers), errors to four decimals, durations short."""

from __future__ import annotations

import json
import math
from typing import Any

from hpsearch.search.space import Distribution

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


class EpochTable:
    """A learning curve epoch by epoch, as `hpsearch train` and the panda mode print it: a
    header, then one aligned row per epoch, costs to four significant digits and errors to four
    decimals; about 50 columns, so that a row never wraps on an 80-column terminal."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.widths: dict[str, int] | None = None

    def lines(self, epoch: int, row: dict[str, float]) -> list[str]:
        """The row of `epoch`, after the header when it is the first."""
        header = []
        if self.widths is None:
            self.widths = {k: max(len(k), EPOCH_CELL) for k in row}
            header = [self.prefix + "  ".join(_title(k).rjust(w) for k, w in self._columns())]
        cells = [str(epoch).rjust(len("epoch"))]
        cells += [_epoch_cell(k, row.get(k)).rjust(w) for k, w in self._columns()[1:]]
        return [*header, self.prefix + "  ".join(cells)]

    def _columns(self) -> list[tuple[str, int]]:
        return [("epoch", len("epoch")), *(self.widths or {}).items()]


EPOCH_CELL = 9  # the widest value: a cost as 1.235e+04


def _title(name: str) -> str:
    return name.replace("_", " ")


def _epoch_cell(name: str, value: float | None) -> str:
    if value is None:
        return MISSING
    return f"{value:.4g}" if name.endswith("cost") else f"{value:.4f}"
