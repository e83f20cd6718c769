"""Toy trial functions for the executor contract tests: each does what its spec's params say.

They live in a module of their own so that worker processes import them by name, and so that
every backend's suite (local processes now, Dask later) runs the very same trials.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info

from hpsearch.trial import TrialResult, TrialSpec, TrialState


def scripted(spec: TrialSpec, context: Any, deadline: float | None) -> TrialResult:
    """params: sleep (s, stopping at the deadline), hang, sleep_once (s, the first run only,
    needing context["tmp"]), raise, exit, kill ("once"/"always", once needing context["tmp"]),
    interrupt, wrong_return, error (the dev error to report)."""
    params, start = spec.params, time.monotonic()
    if "kill" in params and _dies(params["kill"], spec, context):
        os.kill(os.getpid(), signal.SIGKILL)
    if "raise" in params:
        raise ValueError(params["raise"])
    if params.get("exit"):
        raise SystemExit(3)
    if params.get("interrupt"):
        raise KeyboardInterrupt
    if params.get("hang"):
        time.sleep(3600)  # ignores its deadline on purpose
    if "sleep_once" in params and _first_time(spec, context, "slept"):
        time.sleep(params["sleep_once"])  # the first run waits to be killed; a rerun goes on
    if params.get("wrong_return"):
        return None  # type: ignore[return-value]
    while time.monotonic() - start < params.get("sleep", 0.0):
        if deadline is not None and time.monotonic() > deadline:
            return TrialResult(spec.number, spec.round, TrialState.TIMED_OUT, message="deadline")
        time.sleep(0.005)
    return TrialResult(
        spec.number,
        spec.round,
        TrialState.COMPLETE,
        dev_error=params.get("error", 0.5),
        train_error=0.25,
        curves=_report(start, deadline),
    )


def least_squares(spec: TrialSpec, context: Any, deadline: float | None) -> TrialResult:
    """Gradient descent on the context's least-squares problem from a seeded start: real numbers,
    through BLAS, that depend on the seed, the learning rate and the data (context "x", "y")."""
    x, y = context["x"], context["y"]
    weights = np.random.default_rng(spec.seed).normal(size=(x.shape[1], y.shape[1]))
    costs = []
    for _ in range(spec.params["steps"]):
        residual = x @ weights - y
        costs.append(float(np.sum(residual * residual)) / len(x))
        weights -= spec.params["learning_rate"] * (x.T @ residual) / len(x)
    return TrialResult(
        spec.number,
        spec.round,
        TrialState.COMPLETE,
        dev_error=costs[-1],
        train_error=min(costs),
        curves={"cost": costs},
    )


def _dies(kill: str, spec: TrialSpec, context: dict[str, Any]) -> bool:
    time.sleep(spec.params.get("sleep_before_kill", 0.0))
    return kill == "always" or _first_time(spec, context, "died")


def _first_time(spec: TrialSpec, context: dict[str, Any], what: str) -> bool:
    """Whether this is the first time the trial gets here (a marker file remembers)."""
    marker = Path(context["tmp"]) / f"{what}-{spec.number}"
    if marker.exists():
        return False
    marker.touch()
    return True


def _report(start: float, deadline: float | None) -> dict[str, list[float]]:
    """What the tests read back from inside the worker."""
    curves = {
        "ended": [time.monotonic()],
        "blas_threads": [float(pool["num_threads"]) for pool in threadpool_info()],
        "openblas_env": [float(os.environ.get("OPENBLAS_NUM_THREADS", "0"))],
    }
    if deadline is not None:
        curves["deadline_after"] = [deadline - start]
    return curves


class CountedContext:
    """A context that notes, in a file, each process that unpickles it."""

    def __init__(self, log: str) -> None:
        self.log = log

    def __reduce__(self) -> tuple:
        return (_revive, (self.log,))


def _revive(log: str) -> CountedContext:
    with open(log, "a") as file:
        file.write(f"{os.getpid()}\n")
    return CountedContext(log)


class BrokenContext:
    """A context that no worker can load: every worker dies while starting."""

    def __reduce__(self) -> tuple:
        return (_explode, ())


def _explode() -> None:
    raise RuntimeError("this context cannot be loaded")
