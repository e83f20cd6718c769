"""Which engine trains the network: "numba" (fused kernels for the work between the matrix
products) when numba imports, else "numpy". Both give bit-identical weights for the same seed,
so a study never depends on what is installed; only the speed differs.

`HPSEARCH_ENGINE=numpy|numba` forces one. The kernels are compiled once per machine, not once
per worker or per trial: numba caches them in NUMBA_CACHE_DIR, which defaults here to
~/.cache/hpsearch/numba (under XDG_CACHE_HOME where that is set)."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import threading
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hpsearch.nn.hyperparams import HyperParams

ENGINES = ("numpy", "numba")
ENVIRONMENT_VARIABLE = "HPSEARCH_ENGINE"
FIRST_USE_SECONDS = 1.0  # compiling longer than this prints a first-use message
# Multiply-adds of a whole training (forward and backward, every epoch) from which the fused
# kernels are used: importing numba and loading its kernels costs a process about 0.8 s, which
# trainings of under about half a second (the quickstart's take 0.1 s) would never win back.
FUSED_FROM = 1e10


@functools.cache
def engine_name() -> str:
    """This process's engine, decided once: HPSEARCH_ENGINE if set, else "numba" where numba
    is installed. Raises ValueError for an unknown engine, and when numba is asked for but
    missing. The store records it with each study, so `check` and `show` can tell."""
    requested = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
    if requested not in ("", *ENGINES):
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE}={requested!r} is not an engine: use one of {ENGINES}"
        )
    if requested:
        return resolve(requested)
    return "numba" if numba_installed() else "numpy"


def engine_for(multiply_adds: float) -> str:
    """The engine for one training of that size: HPSEARCH_ENGINE's if set, else numba where it
    is installed and the training is large enough to repay its start-up (FUSED_FROM)."""
    if os.environ.get(ENVIRONMENT_VARIABLE, "").strip():
        return engine_name()
    return "numba" if multiply_adds >= FUSED_FROM and numba_installed() else "numpy"


def training_engine(hp: HyperParams, shape: tuple[int, ...], n_classes: int | None) -> str:
    """The engine that trains `hp` on a train split of `shape` (examples × features), for
    `n_classes` classes (None or 0: a regression)."""
    return engine_for(multiply_adds(hp, shape, n_classes))


def multiply_adds(hp: HyperParams, shape: tuple[int, ...], n_classes: int | None) -> float:
    """About how many multiply-adds the whole training takes: three matrix products per layer
    and example (one forward, two backward), every epoch; a regression (`n_classes` None or 0)
    has one output, sized as two like a binary classifier's."""
    sizes = (shape[1], *hp.units_per_layer(), max(n_classes or 1, 2))
    per_example = sum(a * b for a, b in pairwise(sizes))
    return 3.0 * per_example * shape[0] * hp.epochs


def numba_installed() -> bool:
    """Whether numba can be imported, found without importing it (that takes a third of a
    second)."""
    return importlib.util.find_spec("numba") is not None


def resolve(engine: str | None) -> str:
    """`engine` checked, or this process's engine for None."""
    if engine is None:
        return engine_name()
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {ENGINES}")
    if engine == "numba" and not numba_installed():
        raise ValueError(
            "the numba engine needs numba, which is not installed: "
            "pip install 'hpsearch[numba]', or set HPSEARCH_ENGINE=numpy"
        )
    return engine


def kernels(dtype: np.dtype) -> ModuleType:
    """`hpsearch.nn.kernels`, imported on first use with numba's cache in a per-user folder, and
    every kernel compiled (or loaded from the cache) for `dtype`."""
    if "hpsearch.nn.kernels" not in sys.modules and not os.environ.get("NUMBA_CACHE_DIR"):
        os.environ["NUMBA_CACHE_DIR"] = str(cache_folder())
        if "numba" in sys.modules:  # imported already: numba read its settings then
            sys.modules["numba"].config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
    _warm_up(np.dtype(dtype).name)
    return sys.modules["hpsearch.nn.kernels"]


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hpsearch" / "numba"


@functools.cache
def _warm_up(dtype_name: str) -> None:
    """Once per process and dtype, so that compiling happens here and not in the middle of a
    trial; says so on stderr when compiling takes over a second, which happens only the first
    time on a machine (later processes load the cache, however long a loaded machine takes)."""
    folder = Path(os.environ.get("NUMBA_CACHE_DIR") or cache_folder())
    compiling = not any(folder.rglob("kernels.*.nbi"))  # else loading the cache: no notice
    notice = threading.Timer(FIRST_USE_SECONDS, _first_use_message)
    notice.daemon = True
    if compiling:
        notice.start()
    try:
        from hpsearch.nn import kernels as module

        module.warm_up(np.dtype(dtype_name))
    finally:
        notice.cancel()


def _first_use_message() -> None:
    folder = os.environ.get("NUMBA_CACHE_DIR") or cache_folder()
    print(
        f"hpsearch: compiling the network's fused kernels for this machine, once "
        f"(cached in {folder})…",
        file=sys.stderr,
        flush=True,
    )
