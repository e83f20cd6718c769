"""What loading did to the data, in words and a table: `check` shows every column (its type,
levels or range, missing share and treatment); `check`, `run` and `show` say the rows dropped,
the gaps filled and the levels sent to "(other)", column by column and part by part."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.table import Table

if TYPE_CHECKING:
    from hpsearch.data.report import DataReport

SHOWN_COLUMNS = 60  # a wider file's other columns are counted, not listed


def columns_table(report: DataReport) -> Table:
    train = dict(report.parts).get("train", 0)
    table = Table(
        title=f"columns, as the train split ({train:,} rows) shows them; {report.scaling} "
        f"scaling; {report.inputs:,} inputs",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("column", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("levels or range")
    table.add_column("missing", justify="right", no_wrap=True)
    table.add_column("done with it")
    for summary in report.columns[:SHOWN_COLUMNS]:
        missing = f"{summary.missing:.1%}" if summary.missing else "–"
        table.add_row(summary.name, summary.kind, summary.described, missing, summary.treatment)
    rest = report.columns[SHOWN_COLUMNS:]
    if rest:
        kinds = ", ".join(
            f"{sum(s.kind == kind for s in rest):,} {kind}"
            for kind in ("numeric", "categorical")
            if any(s.kind == kind for s in rest)
        )
        table.caption = f"and {len(rest):,} more columns ({kinds})"
    return table


def data_lines(report: DataReport | None) -> list[str]:
    """The rows dropped, gaps filled and levels sent to (other); nothing when none was."""
    if report is None:
        return []
    lines = []
    for source, dropped in report.dropped:
        said = [f"{dropped.unlabelled:,} without a label"] if dropped.unlabelled else []
        if dropped.incomplete:
            gaps = ", ".join(f"{name} {n:,}" for name, n in dropped.by_column)
            said.append(f"{dropped.incomplete:,} with a missing value (missing: drop; {gaps})")
        lines.append(f"rows dropped from the {source} file: {'; '.join(said)}")
    for what, label in (("gaps", "gaps filled"), ("other", "levels sent to (other)")):
        per_column: dict[str, dict[str, int]] = {}
        for part, filled in report.filled:
            for f in filled:
                if getattr(f, what):
                    per_column.setdefault(f.column, {})[part] = getattr(f, what)
        if per_column:
            cells = ", ".join(
                f"{name} {sum(parts.values()):,} ("
                + ", ".join(f"{part} {n:,}" for part, n in parts.items()) + ")"
                for name, parts in per_column.items()
            )
            lines.append(f"{label}: {cells}")
    return lines
