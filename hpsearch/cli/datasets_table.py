"""`hpsearch datasets`: the built-in datasets, one row each. Where the description would be
squeezed (an 80-column terminal), it goes on its own line under its row, wrapped at words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from hpsearch.cli.output import say, table_width

if TYPE_CHECKING:
    from hpsearch.data.catalog import BuiltinDataset

TITLE = "Built-in datasets (shape = rows × features, with the default options)"
COLUMNS = ("name", "kind", "shape", "classes", "options", "description")
DESCRIPTION_ROOM = 40  # columns the description needs beside the others, else it goes below


def render_datasets(console: Console, datasets: Iterable[BuiltinDataset]) -> None:
    rows = [_cells(info) for info in datasets]
    say(console, TITLE)
    beside = _table(rows, COLUMNS)
    if table_width(_table(rows, COLUMNS[:-1])) + 2 + DESCRIPTION_ROOM <= console.width:
        console.print(beside)
        return
    columns = COLUMNS[:-1]
    widths = [
        max(len(line) for text in (header, *(row[at] for row in rows)) for line in text.split("\n"))
        for at, header in enumerate(columns)
    ]
    for at, row in enumerate(rows):
        part = _table([row[:-1]], columns, header=at == 0)
        for column, width in zip(part.columns, widths, strict=True):
            column.min_width = column.max_width = width
        console.print(part)
        say(console, row[-1], indent=widths[0] + 2)


def _cells(info: BuiltinDataset) -> tuple[str, ...]:
    rows, features = info.shape
    options = "\n".join(f"{name}={value}" for name, value in info.options) or "–"
    classes = str(info.n_classes) if info.task == "classification" else "–"  # a regression
    return (info.name, info.kind, f"{rows:,} × {features}", classes, options,
            info.description)  # fmt: skip


def _table(rows: list[tuple[str, ...]], columns: tuple[str, ...], *, header: bool = True) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
        show_header=header,
    )  # fmt: skip
    for column in columns:
        right = column in ("shape", "classes")
        table.add_column(
            column, justify="right" if right else "left", no_wrap=column != "description"
        )
    for row in rows:
        table.add_row(*row[: len(columns)])
    return table
