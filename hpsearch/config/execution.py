"""Execution settings: where and how a study's trials run. They may change between runs of one
study (unlike its identity), so they are checked here, once, for the study file and the command
line alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from hpsearch.errors import ConfigError

BACKENDS = ("local", "dask")


class ExecutionSettings(Protocol):
    """What `Execution.of` reads: the study file's `search:` section (`SearchSettings`), which
    checks itself with `check_execution` below and so is named here by its shape."""

    @property
    def workers(self) -> int | None: ...
    @property
    def backend(self) -> Literal["local", "dask"]: ...
    @property
    def scheduler(self) -> str | None: ...
    @property
    def trial_timeout(self) -> float | None: ...
    @property
    def threads(self) -> int: ...


def available_cores() -> int:
    """Cores this process may use: its CPU affinity and a container's CPU quota both count."""
    from joblib import cpu_count

    return cpu_count()


def default_workers(threads: int = 1) -> int:
    """Trials at once where none are asked for: as many as the cores hold, at `threads` BLAS
    threads each. The one rule, for a study, `make_executor` and a local Dask cluster alike."""
    return max(1, available_cores() // threads)


def check_execution(
    workers: int | None,
    trial_timeout: float | None,
    backend: str,
    scheduler: str | None,
    threads: int = 1,
) -> None:
    """The one rule for execution settings, wherever they come from."""
    if workers is not None and workers < 1:
        raise ConfigError(f"`workers >= 1` must hold, but got workers={workers}")
    if trial_timeout is not None and not trial_timeout > 0:
        raise ConfigError(f"`trial_timeout > 0` must hold, but got trial_timeout={trial_timeout}")
    if backend not in BACKENDS:
        raise ConfigError(f"`backend` must be 'local' or 'dask', but got backend={backend!r}")
    if scheduler is not None and backend != "dask":
        raise ConfigError(
            f"scheduler is only used with backend: dask, but backend is '{backend}'; set "
            "backend: dask, or remove scheduler"
        )
    if threads < 1:
        raise ConfigError(f"`threads >= 1` must hold, but got threads={threads}")
    if threads > 1 and backend == "dask":
        raise ConfigError(
            f"threads={threads} runs only on the local backend, but backend is 'dask'; set "
            "threads: 1, or run the study on this machine"
        )


def check_cores(workers: int, threads: int) -> None:
    """Workers × BLAS threads never exceed this machine's cores when trials take more than one:
    more threads than cores only slow every trial. Checked where trials run, not where a study
    file is read (`show` reads a study made on a larger machine)."""
    cores = available_cores()
    if workers * threads > cores:
        raise ConfigError(
            f"`workers × threads <= cores` must hold, but got {workers} workers × {threads} "
            f"threads = {workers * threads} on {cores} cores; lower workers, or search.threads"
        )


@dataclass(frozen=True)
class Execution:
    """Where and how trials run: the config's `search:` settings, overridden on the command line."""

    workers: int
    backend: Literal["local", "dask"] = "local"
    scheduler: str | None = None
    trial_timeout: float | None = None
    threads: int = 1  # BLAS threads per trial: the study's, never overridden (its identity)

    @classmethod
    def of(cls, search: ExecutionSettings, **given: object) -> Execution:
        """The settings of `search`, with every override that is not None taking precedence."""
        chosen = {
            "workers": search.workers,  # None: as many as the cores hold, below
            "backend": search.backend,
            "scheduler": search.scheduler,
            "trial_timeout": search.trial_timeout,
            "threads": search.threads,
        }
        chosen.update({k: v for k, v in given.items() if v is not None})
        if chosen["workers"] is None:
            chosen["workers"] = default_workers(search.threads)
        return cls(**chosen)

    def __post_init__(self) -> None:
        check_execution(
            self.workers, self.trial_timeout, self.backend, self.scheduler, self.threads
        )
        if self.backend == "local" and self.threads > 1:  # one thread each: as many as asked
            check_cores(self.workers, self.threads)
