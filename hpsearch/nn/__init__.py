"""The NumPy network every trial trains. Imports nothing else of hpsearch.

The names below load on first use (PEP 562), so that `hpsearch.nn.hyperparams`, which the study
file's checks need, comes without the network and its training loop."""

from importlib import import_module
from typing import Any

_HOMES = {
    "HyperParams": "hpsearch.nn.hyperparams",
    "Network": "hpsearch.nn.network",
    "TrainResult": "hpsearch.nn.training",
    "train": "hpsearch.nn.training",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'hpsearch.nn' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
