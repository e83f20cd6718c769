"""scikit-learn's bundled datasets, kept as .npz files after their first load: importing
scikit-learn takes a second or more, most of `hpsearch check` and of each run's start, for four
small tables that never change for one scikit-learn version."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from hpsearch.data.table import Table
from hpsearch.durable import written_aside


def cached_table(name: str, load: Callable[[], Table]) -> Table:
    """The table of built-in `name`: from the cache when it holds it for this scikit-learn,
    else from `load`, then written there (a cache that cannot be read or written is skipped)."""
    path = cache_path(name)
    if path is None:
        return load()
    try:
        with np.load(path, allow_pickle=False) as saved:
            return Table(
                saved["X"], saved["codes"], tuple(saved["values"].tolist()),
                tuple(saved["feature_names"].tolist()), name, str(saved["label_name"]),
            )  # fmt: skip
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        pass
    table = load()
    _write(path, table)
    return table


def cache_path(name: str) -> Path | None:
    """Where `name` is kept for the installed scikit-learn; None when it is not installed."""
    try:
        release = version("scikit-learn")
    except PackageNotFoundError:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hpsearch" / "datasets" / f"{name}-scikit-learn-{release}.npz"


def _write(path: Path, table: Table) -> None:
    """Written aside and renamed, so that a reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with written_aside(path) as file:
            np.savez(
                file, X=table.X, codes=table.codes, values=np.asarray(table.values),
                feature_names=np.asarray(table.feature_names), label_name=table.label_name,
            )  # fmt: skip
    except OSError:
        pass
