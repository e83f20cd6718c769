"""hpsearch: random, log-scaled, coarse-to-fine hyperparameter search for NumPy neural networks.

`hpsearch.load_model(path)` loads on first use (PEP 562), so that `hpsearch --help` stays free of
NumPy."""

from typing import Any

from hpsearch.version import __version__

__all__ = ["__version__", "load_model"]


def __getattr__(name: str) -> Any:
    if name == "load_model":
        from hpsearch.study.model import load_model

        return load_model
    raise AttributeError(f"module 'hpsearch' has no attribute {name!r}")
