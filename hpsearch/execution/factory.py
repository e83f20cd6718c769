"""`make_executor`: the backend that a study's execution settings ask for."""

from __future__ import annotations

from typing import Any, Literal

from hpsearch.config.execution import check_execution, default_workers
from hpsearch.execution.contract import DEFAULT_GRACE_S, Executor
from hpsearch.execution.in_process import InProcessExecutor
from hpsearch.execution.threads import TRIAL_THREADS
from hpsearch.execution.worker import TrialFn


def make_executor(
    trial_fn: TrialFn,
    context: Any,
    *,
    workers: int | None = None,
    trial_timeout: float | None = None,
    grace_s: float = DEFAULT_GRACE_S,
    backend: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    threads: int = TRIAL_THREADS,
) -> Executor:
    """`workers` trials at a time: in this process when 1, else in local processes (loky); or on
    Dask: the cluster at `scheduler` (with the workers it has), else a LocalCluster of `workers`.

    `workers=None` means as many as the cores hold at `threads` each (`default_workers`).
    In-process mode takes any callable (a closure showing a live learning curve, say); process
    and Dask modes pickle `trial_fn` and `context` and send them once per worker process.
    """
    check_execution(workers, trial_timeout, backend, scheduler, threads)
    limits = {"trial_timeout": trial_timeout, "grace_s": grace_s}
    if backend == "dask":
        from hpsearch.execution.dask_cluster import (
            DaskExecutor,  # ConfigError when Dask is not installed
        )

        return DaskExecutor(trial_fn, context, scheduler=scheduler, workers=workers, **limits)
    workers = default_workers(threads) if workers is None else workers
    if workers == 1:
        return InProcessExecutor(trial_fn, context, threads=threads, **limits)
    from hpsearch.execution.local_processes import LokyExecutor

    return LokyExecutor(trial_fn, context, workers, threads=threads, **limits)


def require_backend(backend: str) -> None:
    """Refuses a backend whose library is missing, so that a study refuses before it writes."""
    if backend == "dask":
        import hpsearch.execution.dask_cluster  # noqa: F401  (ConfigError when Dask is missing)
