"""What loading did to the data, in words and a table: `check` shows every column (its type,
levels or range, missing share and treatment); `check`, `run` and `show` say the rows dropped,
the gaps filled and the levels sent to "(other)", column by column and part by part."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from hpsearch.cli.output import say, table_width, whole

if TYPE_CHECKING:
    from hpsearch.data.report import DataReport, Summary

SHOWN_COLUMNS = 60  # a wider file's other columns are counted, not listed
HEADERS = ("column", "type", "levels or range", "missing", "done with it")
MIN_DONE = 16  # columns for what is done with a column, else the table gives way to prose


def render_columns(console: Console, report: DataReport) -> None:
    """`check`'s table of the columns. Where it is wider than the console, the levels break
    between levels (never inside one), what is done with a column wraps at words, and the
    column's name, type and missing share stay whole; where even that does not fit (a long
    column name), each column is a line of prose under its name."""
    train = dict(report.parts).get("train", 0)
    say(
        console,
        f"columns, as the train split ({train:,} rows) shows them; {report.scaling} scaling; "
        f"{report.inputs:,} inputs",
    )
    shown = report.columns[:SHOWN_COLUMNS]
    table = _table(shown)
    if table_width(table) <= console.width:
        console.print(table)
    elif widths := _widths(shown, console.width):
        console.print(_table(shown, widths))
    else:
        for summary in shown:
            say(console, whole(summary.name))
            say(console, _described(summary), indent=4)
    rest = report.columns[SHOWN_COLUMNS:]
    if rest:
        kinds = ", ".join(
            f"{sum(s.kind == kind for s in rest):,} {kind}"
            for kind in ("numeric", "categorical")
            if any(s.kind == kind for s in rest)
        )
        say(console, f"and {len(rest):,} more columns ({kinds})")


def _table(summaries: tuple[Summary, ...], widths: tuple[int, ...] | None = None) -> Table:
    """The table as it comes (`widths` None), or with the first four columns `widths` wide and
    the levels laid out in lines of that width."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for at, header in enumerate(HEADERS):
        table.add_column(
            header,
            justify="right" if header == "missing" else "left",
            width=widths[at] if widths and at < len(widths) else None,
            no_wrap=widths is None and header != "done with it",
            overflow="fold",
        )
    for summary in summaries:
        missing = f"{summary.missing:.1%}" if summary.missing else "–"
        described = _lines(_items(summary), widths[2]) if widths else summary.described
        table.add_row(summary.name, summary.kind, described, missing, summary.treatment)
    return table


def _widths(summaries: tuple[Summary, ...], width: int) -> tuple[int, ...] | None:
    """Widths of the name, type, levels and missing columns in a table `width` wide: the first,
    second and fourth as wide as their longest value; what is done with the column up to half
    of what is left, the levels the rest, and at least their longest level. None where that
    leaves what is done fewer than MIN_DONE columns."""
    cells = [(s.name, s.kind, f"{s.missing:.1%}") for s in summaries]
    name, kind, missing = (
        max(len(HEADERS[at]), *(len(c[i]) for c in cells)) for at, i in ((0, 0), (1, 1), (3, 2))
    )
    frame = table_width(_table((), (1, 1, 1, 1))) - 4 - len(HEADERS[-1])  # rules and padding
    left = width - frame - name - kind - missing
    levels = [_items(s) for s in summaries]
    longest = max((len(item) for items in levels for item in items), default=1)
    natural = max((len(" ".join(items)) for items in levels), default=1)
    done = min(max(len(HEADERS[-1]), *(len(s.treatment) for s in summaries)), left - left // 2)
    if left - longest < MIN_DONE:
        return None
    return name, kind, max(longest, min(natural, left - done)), missing


def _described(summary: Summary) -> str:
    """A column as the study file's comments say it, each level whole."""
    missing = f", {summary.missing:.1%} missing" if summary.missing else ""
    levels = " ".join(map(whole, _items(summary)))
    return f"{summary.kind}, {levels}{missing} → {summary.treatment}"


def _items(summary: Summary) -> list[str]:
    """A column's range as one item, or its count of levels and each level, as they may go on
    lines of their own."""
    if summary.kind != "categorical":
        return [summary.described]
    counted, _, levels = summary.described.partition(": ")
    names = levels.split(", ")
    if len(names) > 1 and names[-1] == "…":  # more levels than shown: the last shown says so
        names[-2:] = [f"{names[-2]}, …"]
    return [f"{counted}:", *(f"{n}," for n in names[:-1]), names[-1]]


def _lines(items: list[str], width: int) -> str:
    """`items` joined by spaces, a new line where the next would pass `width`."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 1 + len(item) <= width:
            lines[-1] += f" {item}"
        else:
            lines.append(item)
    return "\n".join(lines)


def data_lines(report: DataReport | None) -> list[str]:
    """The rows dropped, gaps filled and levels sent to (other), for `say` (which keeps each
    column's name whole); nothing when none was."""
    if report is None:
        return []
    lines = []
    for source, dropped in report.dropped:
        said = [f"{dropped.unlabelled:,} without a label"] if dropped.unlabelled else []
        if dropped.incomplete:
            gaps = ", ".join(f"{whole(name)} {n:,}" for name, n in dropped.by_column)
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
                f"{whole(name)} {sum(parts.values()):,} ("
                + ", ".join(f"{part} {n:,}" for part, n in parts.items()) + ")"
                for name, parts in per_column.items()
            )
            lines.append(f"{label}: {cells}")
    return lines
