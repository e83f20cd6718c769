"""What loading did to a study's data, in counts: rows read and dropped per file, and per column
the gaps filled and the levels sent to "(other)" in each part. `check`, `run` and `show` say it;
a study keeps it as JSON beside its store (`data.json`), so `show` says it without the data."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Kind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class Dropped:
    """Rows a table lost before its split: without a label, or (`missing: drop`) with a gap in
    some feature; `by_column` counts the gaps of the dropped rows, column by column."""

    unlabelled: int = 0
    incomplete: int = 0
    by_column: tuple[tuple[str, int], ...] = ()

    @property
    def rows(self) -> int:
        return self.unlabelled + self.incomplete


@dataclass(frozen=True)
class Summary:
    """What `check` shows of a column, from the train split."""

    name: str
    kind: Kind
    described: str  # its range, or its levels
    missing: float  # share of train cells that are missing
    treatment: str  # what is done with it, in words


@dataclass(frozen=True)
class Filled:
    """What encoding did to one column's cells: gaps filled (the median, or the missing
    level) and levels that went to "(other)" (rare in train, or never seen there) or, for a
    column without that level, to no level at all."""

    column: str
    gaps: int = 0
    other: int = 0


@dataclass(frozen=True)
class DataReport:
    """Counts of one load of the data."""

    missing: str  # the `missing:` setting
    scaling: str  # the `scaling:` setting
    rows: tuple[tuple[str, int], ...] = ()  # rows read, per file (dataset, dev, test)
    dropped: tuple[tuple[str, Dropped], ...] = ()  # rows dropped, per file
    parts: tuple[tuple[str, int], ...] = ()  # rows of train, dev and test
    columns: tuple[Summary, ...] = ()  # each feature column as the train split shows it
    filled: tuple[tuple[str, tuple[Filled, ...]], ...] = ()  # per part: what was filled
    inputs: int = 0  # the network's inputs

    @property
    def rows_dropped(self) -> int:
        return sum(d.rows for _, d in self.dropped)

    def filled_in(self, column: str) -> dict[str, Filled]:
        """Per part, what was filled in `column`."""
        return {part: f for part, done in self.filled for f in done if f.column == column}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DataReport:
        def dropped(value: dict[str, Any]) -> Dropped:
            return Dropped(value["unlabelled"], value["incomplete"],
                           tuple((name, n) for name, n in value["by_column"]))  # fmt: skip

        return cls(
            missing=raw["missing"],
            scaling=raw["scaling"],
            rows=tuple((k, v) for k, v in raw["rows"]),
            dropped=tuple((k, dropped(v)) for k, v in raw["dropped"]),
            parts=tuple((k, v) for k, v in raw["parts"]),
            columns=tuple(Summary(**c) for c in raw["columns"]),
            filled=tuple((part, tuple(Filled(**f) for f in done)) for part, done in raw["filled"]),
            inputs=raw.get("inputs", 0),
        )

