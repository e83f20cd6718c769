"""hpsearch: random, log-scaled, coarse-to-fine hyperparameter search for NumPy neural networks.

From Python: `hpsearch.run(config)` runs a study (a study file's path or a dict of its
settings) and `hpsearch.zoom(study)` narrows it, as the command line does; `hpsearch.open_study`
opens one read-only (`trials_frame()`, `best`, `curves(trial)`); `hpsearch.load_model(path)`
loads a saved model. Each loads on first use (PEP 562), so that `hpsearch --help` stays free of
NumPy."""

from importlib import import_module
from typing import Any

from hpsearch.version import __version__

__all__ = ["Study", "__version__", "load_model", "open_study", "run", "zoom"]

_WHERE = {
    "load_model": "hpsearch.study.model",
    "open_study": "hpsearch.study.opened",
    "Study": "hpsearch.study.opened",
    "run": "hpsearch.study.launch",
    "zoom": "hpsearch.study.launch",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'hpsearch' has no attribute {name!r}")
