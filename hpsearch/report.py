"""Rendering for the terminal: rich tables built from the library's plain records. Nothing here
computes; a command hands its answer to one of these functions and prints what comes back."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.table import Table

from hpsearch.data.catalog import BuiltinDataset


def datasets_table(datasets: Iterable[BuiltinDataset]) -> Table:
    """The built-in datasets, one row each, for `hpsearch datasets`."""
    table = Table(title="Built-in datasets", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("name", no_wrap=True)
    table.add_column("shape", justify="right", no_wrap=True)
    table.add_column("classes", justify="right")
    table.add_column("options", no_wrap=True)
    table.add_column("description")
    for info in datasets:
        rows, features = info.shape
        table.add_row(
            f"[bold]{info.name}[/]\n[dim]{info.kind}[/]",
            f"{rows:,} × {features}",
            str(info.n_classes),
            "\n".join(f"{name}={value}" for name, value in info.options) or "–",
            info.description,
        )
    table.caption = "shape = rows × features, with the default options"
    return table
