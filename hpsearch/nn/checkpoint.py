"""A training run paused between epochs, so that it can go on later, elsewhere, bit for bit.

What one epoch hands the next: the parameters and BatchNorm's running statistics, the update
rule's moments (and Adam's step count), the random generator's state (shuffling and dropout
masks), the epoch reached (the learning-rate schedule's position), the best epoch so far with
its weights (patience's bookkeeping), the divergence check's reference cost and the curves.
Everything is plain NumPy and Python, so a checkpoint pickles, and travels to a worker on any
backend."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.nn.network import NetworkState

_TRANSIENT = ("_scratch", "_kernels")  # buffers and modules an update rule rebuilds by itself


@dataclass(frozen=True)
class Checkpoint:
    """Training stopped after `epoch` epochs, ready to go on."""

    epoch: int
    network: NetworkState
    optimizer: dict[str, Any]
    rng: dict[str, Any]
    curves: dict[str, list[float]]
    best: tuple[int, float, NetworkState] | None
    divergence_reference: float | None

    def to_bytes(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_bytes(data: bytes) -> Checkpoint:
        checkpoint = pickle.loads(data)
        if not isinstance(checkpoint, Checkpoint):
            raise ValueError(f"not a training checkpoint: {type(checkpoint).__name__}")
        return checkpoint


def optimizer_state(optimizer: object) -> dict[str, Any]:
    """The update rule's moments and counters, copied."""
    return {
        name: value.copy() if isinstance(value, np.ndarray) else value
        for name, value in vars(optimizer).items()
        if name not in _TRANSIENT
    }


def restore_optimizer(optimizer: object, state: dict[str, Any]) -> None:
    """Puts `state` back into a new update rule of the same kind, with a scratch buffer where
    the rule keeps one (it makes it at its first step, which has passed)."""
    arrays = []
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            value = value.copy()
            arrays.append(value)
        setattr(optimizer, name, value)
    if arrays and getattr(optimizer, "_scratch", False) is None:
        optimizer._scratch = np.empty_like(arrays[0])  # type: ignore[attr-defined]
