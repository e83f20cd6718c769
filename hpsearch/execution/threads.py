"""BLAS threads per trial (one unless the study asks for more), on every backend, and the
variables that say so to a new process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

TRIAL_THREADS = 1  # BLAS threads per trial by default, everywhere: see blas_threads
THREAD_VARIABLES = (  # what BLAS and OpenMP read, when loaded, for their number of threads
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@contextmanager
def blas_threads(threads: int = TRIAL_THREADS) -> Iterator[None]:
    """Trials train with `threads` BLAS threads, on every backend: TRIAL_THREADS unless the study
    says (`search.threads`, which lets one big network trained alone use every core). A matrix
    product split over another number of threads rounds differently, and over many epochs that
    changes a dev error; so the count is part of the study's identity, and a trial gives the same
    result alone, beside others, on a cluster or retrained by `hpsearch train`. Parallelism comes
    from running trials side by side."""
    with _blas_libraries().limit(limits=threads):
        yield


@cache
def _blas_libraries() -> Any:
    """The BLAS and OpenMP libraries loaded in this process, found once: finding them takes a
    couple of milliseconds, too much to repeat for every trial."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
