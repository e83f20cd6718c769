"""Datasets: the `data:` section of a study (`DataSpec`), the built-ins (`BUILTIN_DATASETS`), and
`load_dataset`, which turns either into train, dev and test normalized with train statistics.

Importing this package loads neither scikit-learn nor any data, nor NumPy until `Dataset` or
`load_dataset` is used: reading a study's config needs the spec only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpsearch.data.catalog import BUILTIN_DATASETS, BUILTIN_NAMES, BUILTINS, BuiltinDataset
from hpsearch.data.spec import (
    FILE_SUFFIXES,
    REAL_DATASETS,
    SYNTHETIC_DATASETS,
    SYNTHETIC_OPTIONS,
    DataSpec,
    parse_spec,
)

__all__ = [
    "BUILTINS",
    "BUILTIN_DATASETS",
    "BUILTIN_NAMES",
    "FILE_SUFFIXES",
    "REAL_DATASETS",
    "SYNTHETIC_DATASETS",
    "SYNTHETIC_OPTIONS",
    "BuiltinDataset",
    "DataSpec",
    "Dataset",
    "load_dataset",
    "parse_spec",
]


if TYPE_CHECKING:
    from hpsearch.data.load import Dataset, load_dataset


def __getattr__(name: str) -> Any:
    if name in ("Dataset", "load_dataset"):
        from hpsearch.data import load

        return getattr(load, name)
    raise AttributeError(f"module 'hpsearch.data' has no attribute {name!r}")
