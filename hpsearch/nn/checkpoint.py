"""A training run paused between epochs, so that it can go on later, elsewhere, bit for bit.

What one epoch hands the next: the parameters and BatchNorm's running statistics, the update
rule's moments (and Adam's step count), the random generator's state (shuffling and dropout
masks), the epoch reached (the learning-rate schedule's position), the best epoch so far with
its weights (patience's bookkeeping), the divergence check's reference cost and the curves.

As bytes, a checkpoint is an .npz archive of its arrays and a JSON header of its plain values,
read back with `allow_pickle=False`: reading one never runs code, whoever wrote the file."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.nn.network import NetworkState

_TRANSIENT = ("_scratch", "_kernels")  # buffers and modules an update rule rebuilds by itself
FORMAT = "hpsearch-training-checkpoint"
VERSION = 1
HEADER = "header"  # the archive's entry that holds the JSON header
Plain = bool | int | float | str | None


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
        """The checkpoint as an .npz archive: arrays as arrays, the rest as JSON."""
        arrays = _state_arrays("network", self.network)
        arrays |= {
            f"optimizer.{name}": value
            for name, value in self.optimizer.items()
            if isinstance(value, np.ndarray)
        }
        if self.best is not None:
            arrays |= _state_arrays("best", self.best[2])
        header = {
            "format": FORMAT,
            "version": VERSION,
            "epoch": self.epoch,
            "optimizer": {
                name: _plain(value)
                for name, value in self.optimizer.items()
                if not isinstance(value, np.ndarray)
            },
            "rng": self.rng,
            "curves": self.curves,
            "best": None if self.best is None else [self.best[0], self.best[1]],
            "divergence_reference": self.divergence_reference,
        }
        arrays[HEADER] = np.array(json.dumps(header))
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> Checkpoint:
        """The checkpoint `to_bytes` wrote; a ValueError for anything else (no pickle is read)."""
        try:
            arrays = _arrays(data)
            header = json.loads(str(arrays.pop(HEADER)))
            return _checkpoint(header, arrays)
        except (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as error:
            raise ValueError(f"not a training checkpoint: {error}") from None


def _state_arrays(prefix: str, state: NetworkState) -> dict[str, np.ndarray]:
    arrays = {f"{prefix}.params": state.params}
    arrays |= {f"{prefix}.running.{name}": values for name, values in state.running.items()}
    return arrays


def _arrays(data: bytes) -> dict[str, np.ndarray]:
    if not data.startswith(b"PK"):
        raise ValueError("not an .npz archive")
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):  # an entry that is not in NumPy's format
            raise ValueError(f"its entry {name!r} is not an array")
    if HEADER not in arrays:
        raise ValueError("it has no header")
    return arrays


def _checkpoint(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> Checkpoint:
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise ValueError(f"its header is not that of a version {VERSION} checkpoint")
    optimizer = dict(_checked_plain(header["optimizer"]))
    optimizer |= {
        name.removeprefix("optimizer."): value
        for name, value in arrays.items()
        if name.startswith("optimizer.")
    }
    best = None
    if header["best"] is not None:
        epoch, error = header["best"]
        best = (_int(epoch), _float(error), _state(arrays, "best"))
    reference = header["divergence_reference"]
    curves = {
        str(name): [_float(value) for value in values]
        for name, values in dict(header["curves"]).items()
    }
    return Checkpoint(
        _int(header["epoch"]),
        _state(arrays, "network"),
        optimizer,
        dict(header["rng"]),
        curves,
        best,
        None if reference is None else _float(reference),
    )


def _state(arrays: dict[str, np.ndarray], prefix: str) -> NetworkState:
    running = {
        name.removeprefix(f"{prefix}.running."): values
        for name, values in arrays.items()
        if name.startswith(f"{prefix}.running.")
    }
    return NetworkState(arrays[f"{prefix}.params"], running)


def _plain(value: Any) -> Plain:
    """A NumPy scalar as the Python value it holds; plain values as they are."""
    value = value.item() if isinstance(value, np.generic) else value
    if value is not None and not isinstance(value, bool | int | float | str):
        raise TypeError(f"a checkpoint holds arrays and plain values, not {type(value).__name__}")
    return value


def _checked_plain(values: dict[str, Any]) -> dict[str, Plain]:
    return {str(name): _plain(value) for name, value in dict(values).items()}


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} is not an integer")
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def check_fits(checkpoint: Checkpoint, network: NetworkState) -> None:
    """Refuses a checkpoint whose arrays are not shaped as `network`'s (a whole array is
    copied back, never one broadcast into it)."""
    states = [checkpoint.network] + ([] if checkpoint.best is None else [checkpoint.best[2]])
    moments = [v for v in checkpoint.optimizer.values() if isinstance(v, np.ndarray)]
    for state in states:
        shapes = {name: values.shape for name, values in state.running.items()}
        if shapes != {name: values.shape for name, values in network.running.items()}:
            raise ValueError("the checkpoint's arrays are not shaped as this network's")
        moments.append(state.params)
    if any(a.shape != network.params.shape or a.dtype != network.params.dtype for a in moments):
        raise ValueError("the checkpoint's arrays are not shaped as this network's")


def optimizer_state(optimizer: object) -> dict[str, Any]:
    """The update rule's moments and counters, copied."""
    return {
        name: value.copy() if isinstance(value, np.ndarray) else value
        for name, value in vars(optimizer).items()
        if name not in _TRANSIENT
    }


def restore_optimizer(optimizer: object, state: dict[str, Any]) -> None:
    """Puts `state` back into a new update rule of the same kind, with a scratch buffer where
    the rule keeps one (it makes it at its first step, which has passed). Only the names the
    rule has are set: a checkpoint cannot give it attributes of another kind."""
    arrays = []
    for name, value in state.items():
        if name not in vars(optimizer) or name in _TRANSIENT:
            raise ValueError(f"the checkpoint's update rule is not this one (it has {name!r})")
        if isinstance(value, np.ndarray):
            value = value.copy()
            arrays.append(value)
        setattr(optimizer, name, value)
    if arrays and getattr(optimizer, "_scratch", False) is None:
        optimizer._scratch = np.empty_like(arrays[0])  # type: ignore[attr-defined]
