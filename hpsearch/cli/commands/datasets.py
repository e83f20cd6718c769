"""`hpsearch datasets`: the built-in datasets."""

from __future__ import annotations

from hpsearch.cli.consoles import stdout


def datasets() -> None:
    """List the built-in datasets: their shape, classes, options and what they are."""
    from hpsearch.cli.datasets_table import render_datasets
    from hpsearch.data import BUILTIN_DATASETS

    render_datasets(stdout, BUILTIN_DATASETS)
