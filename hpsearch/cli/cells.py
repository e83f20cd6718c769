"""How numbers read in a table: each hyperparameter on its own scale (α and λ in scientific
notation, β to four decimals, integers as integers), errors to four decimals, durations short."""

from __future__ import annotations

import json
import math
from typing import Any

from hpsearch.search.space import Distribution
from hpsearch.tasks import Metric, metric_of

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
    header, then one aligned row per epoch, costs to four significant digits and the `*_error`
    values as the study's metric they hold (`metric.cell`); about 50 columns, so that a row
    never wraps on an 80-column terminal. A metric with a long name ("balanced error") puts
    the splits on a header line of their own, above the quantities."""

    def __init__(self, prefix: str = "", metric: Metric | None = None) -> None:
        self.prefix = prefix
        self.metric = metric or metric_of(None)
        self.titles: dict[str, tuple[str, str]] | None = None  # key: (split, quantity)
        self.widths: dict[str, int] = {}

    def lines(self, epoch: int, row: dict[str, float]) -> list[str]:
        """The row of `epoch`, after the header when it is the first."""
        header = []
        if self.titles is None:
            self.titles = {k: self._title(k) for k in row}
            header = self._header()
        cells = [str(epoch).rjust(len("epoch"))]
        cells += [self._cell(k, row.get(k)).rjust(self.widths[k]) for k in self.titles]
        return [*header, self.prefix + "  ".join(cells)]

    def _title(self, name: str) -> tuple[str, str]:
        split, _, quantity = name.partition("_")
        return split, self.metric.label if quantity == "error" else quantity.replace("_", " ")

    def _header(self) -> list[str]:
        titles = self.titles or {}
        stacked = any(len(f"{s} {q}") > TITLE_WIDTH for s, q in titles.values())
        lines: list[list[str]] = [[" " * len("epoch")], ["epoch"]] if stacked else [["epoch"]]
        for key, (split, quantity) in titles.items():
            words = [split, quantity] if stacked else [f"{split} {quantity}"]
            self.widths[key] = max(EPOCH_CELL, *map(len, words))
            for line, word in zip(lines, words, strict=True):
                line.append(word.rjust(self.widths[key]))
        return [(self.prefix + "  ".join(line)).rstrip() for line in lines]

    def _cell(self, name: str, value: float | None) -> str:
        if value is None:
            return MISSING
        return f"{value:.4g}" if name.endswith("cost") else self.metric.cell(value)


EPOCH_CELL = 9  # the widest value: a cost as 1.235e+04
TITLE_WIDTH = 12  # a longer title ("train balanced error") stacks the header on two lines
