"""The records that travel between the driver and the workers: plain, frozen and picklable."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any


def is_finite(value: float | None) -> bool:
    """A measured number that is one: not missing, not NaN, not infinite."""
    return value is not None and math.isfinite(value)


class TrialState(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    DIVERGED = "diverged"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    INTERRUPTED = "interrupted"
    PAUSED = "paused"  # a halving schedule's rung ended; waits to learn whether it goes on
    STOPPED = "stopped"  # by a halving schedule at a rung, for a better trial to go on

    @property
    def is_finished(self) -> bool:
        """Finished trials are kept on resume; running, interrupted and paused ones go on."""
        return self not in (TrialState.RUNNING, TrialState.INTERRUPTED, TrialState.PAUSED)


@dataclass(frozen=True)
class TrialSpec:
    """What a worker needs to train one trial: its parameters and its own training seed."""

    number: int  # unique within the study, across rounds; what the user sees as "trial"
    round: int
    params: dict[str, Any]
    seed: int
    until: int | None = None  # a halving schedule's rung: train to this epoch, then pause
    resume: bytes | None = None  # the checkpoint of the rung before, to go on from


@dataclass(frozen=True, kw_only=True)
class Measurements:
    """What training a trial produced, as the worker measured it; errors and costs are None when
    the trial produced none. Given by name, after the trial's number, round (and spec) and state."""

    dev_error: float | None = None
    train_error: float | None = None
    dev_cost: float | None = None
    train_cost: float | None = None
    epochs: int = 0
    curves: dict[str, list[float]] = field(default_factory=dict)
    duration_s: float = 0.0
    worker: str = ""
    engine: str = ""  # "numpy" or "numba": the network engine that trained it
    # The epoch whose weights and dev metric the trial reports, when it kept its best epoch's
    # (keep_best_epoch, patience, or after a divergence); None: its last epoch's.
    best_epoch: int | None = None
    message: str = ""
    traceback: str = ""


@dataclass(frozen=True)
class TrialResult(Measurements):
    """What a worker sends back."""

    number: int
    round: int
    state: TrialState
    weights: bytes | None = None  # the trained network as .npz bytes, kept for the best trials
    checkpoint: bytes | None = None  # PAUSED at a rung: what the next rung goes on from


@dataclass(frozen=True)
class TrialRecord(Measurements):
    """A trial as the store keeps it: what was asked (spec), what came back (result) and when.

    Results and ranking code read these; result fields are None, 0 or empty while a trial runs.
    `attempts` counts the worker processes that died while running it.
    """

    number: int
    round: int
    params: dict[str, Any]
    seed: int
    state: TrialState
    attempts: int = 0
    started: datetime | None = None
    finished: datetime | None = None

    @classmethod
    def of(cls, spec: TrialSpec, result: TrialResult, **when: Any) -> TrialRecord:
        """The record of `spec` run to `result` (`when`: attempts, started, finished)."""
        measured = {f.name: getattr(result, f.name) for f in fields(Measurements)}
        return cls(
            spec.number, spec.round, spec.params, spec.seed, result.state, **measured, **when
        )

    @property
    def spec(self) -> TrialSpec:
        """What to hand an executor to run this trial again (after an interruption)."""
        return TrialSpec(self.number, self.round, self.params, self.seed)
