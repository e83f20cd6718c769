"""The model file: one .npz that carries everything needed to predict with a trained network.

A network's own archive (`nn.Network.save`: weights, BatchNorm running statistics, architecture
and hyperparameters in `meta`) says nothing of the data it was trained on, and applied to raw rows
it is silently wrong. This file adds what turns raw rows into its inputs and its outputs into
answers: the train split's per-feature mean and standard deviation (`input_mean`, `input_std`),
the feature names in input order, the class names in label order (none for a regression, whose
network carries the target's mean and standard deviation in its own archive and answers in the
target's units), and in `model` (JSON) the task, the metric it was chosen by, the data
fingerprint, where it came from and the format's version. It is written without pickle and read
without it, so a model file, like a data file, cannot run code.

This module knows the file's layout only; building a network from it is the study layer's."""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hpsearch import __version__
from hpsearch.errors import ModelError

FORMAT = "hpsearch-model"
FORMAT_VERSION = 2  # 2: task and metric (a regression has no classes); 1 is read as a classifier
INFO_KEY = "model"
STANDARDIZATION = ("input_mean", "input_std")
REEXPORT = "export it again with `hpsearch export STUDY --trial N --output FILE`"


@dataclass(frozen=True)
class ModelInfo:
    """What a model file says about its network besides the weights."""

    features: tuple[str, ...]  # input columns, in the order the network takes them
    classes: tuple[str, ...]  # class i's name, i being the network's label; () for a regression
    target: str  # the label column's name in the data, for scoring rows that carry it
    fingerprint: str  # of the data the study was run on
    study: str
    round: int | None  # None, with trial, for a network `hpsearch train` trained
    trial: int | None
    dev_error: float | None  # the dev value of `metric`
    task: str = "classification"
    metric: str = "error"  # what the study ranked by (tasks.METRICS)
    hpsearch_version: str = __version__
    format: str = FORMAT
    format_version: int = FORMAT_VERSION


@dataclass(frozen=True, eq=False)
class ModelFile:
    """A model file as read: its info, the input standardization, and the network's archive."""

    info: ModelInfo
    mean: np.ndarray  # float32, per feature
    std: np.ndarray  # float32, per feature
    network: bytes  # what `nn.Network.load` reads


def pack_model(network: bytes, info: ModelInfo, mean: np.ndarray, std: np.ndarray) -> bytes:
    """A network's archive (`Network.save` bytes) with the standardization and `info` added."""
    with np.load(io.BytesIO(network), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays[INFO_KEY] = np.array(json.dumps(asdict(info)))
    arrays[STANDARDIZATION[0]] = np.asarray(mean, np.float32)
    arrays[STANDARDIZATION[1]] = np.asarray(std, np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_model(data: bytes, path: Path, option: str = "output") -> None:
    """Writes a packed model aside and renames it: a failed write leaves no partial file.
    `option` names the argument that gave the path, for the message."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"{option} {path} cannot be written ({error.strerror}); give a file in an existing, "
            "writable folder",
            option=option,
        ) from None


def is_current(path: Path) -> bool:
    """Whether `path` is a model file of this form (False for a network's bare archive)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return INFO_KEY in archive.files
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return False


def read_model(path: Path) -> ModelFile:
    """The model file at `path`, or a `ModelError` that says what is wrong and what to do."""
    return parse_model(_read_bytes(path), path)


def parse_model(data: bytes, path: Path) -> ModelFile:
    """`read_model` of bytes already read; `path` names them in messages."""
    if not data.startswith(b"PK"):
        raise ModelError(f"{path} is not an hpsearch model (not a .npz archive); {REEXPORT}")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError):
        raise ModelError(f"{path} is truncated or damaged; {REEXPORT}") from None
    info = _info(arrays, path)
    mean, std = (arrays[name] for name in STANDARDIZATION)
    if mean.shape != std.shape or mean.shape != (len(info.features),):
        raise ModelError(f"{path} is damaged (its standardization does not fit); {REEXPORT}")
    return ModelFile(info, mean, std, data)


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise ModelError(f"model file {path} does not exist; check the path") from None
    except IsADirectoryError:
        raise ModelError(f"{path} is a folder, not a model file or a study") from None
    except OSError as error:
        raise ModelError(f"model file {path} cannot be read: {error.strerror}") from None


def _info(arrays: dict[str, np.ndarray], path: Path) -> ModelInfo:
    if INFO_KEY not in arrays:
        if "meta" in arrays:
            raise ModelError(
                f"{path} is a model of an older form (weights only: no standardization, feature "
                f"or class names); {REEXPORT}, which adds them from the study's data"
            )
        raise ModelError(f"{path} is not an hpsearch model (no '{INFO_KEY}' entry); {REEXPORT}")
    try:
        raw = json.loads(str(arrays[INFO_KEY]))
        version = raw["format_version"]
        if raw.get("format") != FORMAT:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ModelError(
            f"{path} is not an hpsearch model (its '{INFO_KEY}' entry is not one); {REEXPORT}"
        ) from None
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{path} is a model of format {version}, newer than this hpsearch "
            f"{__version__} reads (format {FORMAT_VERSION}); upgrade hpsearch "
            "(pip install -U hpsearch)"
        )
    missing = [name for name in ("meta", *STANDARDIZATION) if name not in arrays]
    if missing:
        raise ModelError(f"{path} is damaged (no {', '.join(missing)}); {REEXPORT}")
    raw["features"], raw["classes"] = tuple(raw["features"]), tuple(raw["classes"])
    return ModelInfo(**raw)
