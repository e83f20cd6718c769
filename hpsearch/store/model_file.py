"""The model file: one .npz that carries everything needed to predict with a trained network.

A network's own archive (`nn.Network.save`: weights, BatchNorm running statistics, architecture
and hyperparameters in `meta`) says nothing of the data it was trained on, and applied to raw rows
it is silently wrong. This file adds what turns raw rows into its inputs and its outputs into
answers: in `model` (JSON), the data's columns as a user gives them (`features`) and how each
becomes inputs (`columns`: numeric with the median that fills a gap and whether an input flags
it, or categorical with its levels), the inputs' names, the class names in label order, the data
fingerprint, the task and the metric it was chosen by, where it came from and the format's
version; and per input, the train split's
centre and scale (`input_mean`, `input_std`) and whether it is smoothly clipped (`input_clip`).
It is written without pickle and read without it, so a model file, like a data file, cannot run
code. Format 1 (numeric columns only, one input each, standard scaling, a classifier ranked by
error) is still read. A regression has no classes: its network carries the target's mean and
standard deviation in its own archive and answers in the target's units.

This module knows the file's layout only; building a network from it is the study layer's."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from hpsearch.durable import written_aside
from hpsearch.errors import ModelError
from hpsearch.version import __version__

FORMAT = "hpsearch-model"
FORMAT_VERSION = 2
INFO_KEY = "model"
STANDARDIZATION = ("input_mean", "input_std")
CLIP_KEY = "input_clip"
REEXPORT = "export it again with `hpsearch export STUDY --trial N --output FILE`"


@dataclass(frozen=True)
class ModelInfo:
    """What a model file says about its network besides the weights."""

    features: tuple[str, ...]  # the data's columns a user gives, in the order a plain array has
    classes: tuple[str, ...]  # class i's name, i being the network's label; () for a regression
    target: str  # the label column's name in the data, for scoring rows that carry it
    fingerprint: str  # of the data the study was run on
    study: str
    round: int | None  # None, with trial, for a network `hpsearch train` trained
    trial: int | None
    dev_error: float | None  # the dev value of `metric`
    hpsearch_version: str = __version__
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    # how each feature column becomes inputs (`data.columns.Column.to_dict`); () in format 1:
    # every column a number, one input each, never missing
    columns: tuple[dict, ...] = ()
    inputs: tuple[str, ...] = ()  # the network's inputs, in order; () in format 1: `features`
    scaling: str = "standard"
    task: str = "classification"
    metric: str = "error"  # what the study ranked by (tasks.METRICS)

    @property
    def input_names(self) -> tuple[str, ...]:
        return self.inputs or self.features


@dataclass(frozen=True, eq=False)
class ModelFile:
    """A model file as read: its info, the input standardization, and the network's archive."""

    info: ModelInfo
    mean: np.ndarray  # float32, per input
    std: np.ndarray  # float32, per input
    network: bytes  # what `nn.Network.load` reads
    clip: np.ndarray | None = None  # bool, per input; None: none is clipped


def pack_model(
    network: bytes,
    info: ModelInfo,
    mean: np.ndarray,
    std: np.ndarray,
    clip: np.ndarray | None = None,
) -> bytes:
    """A network's archive (`Network.save` bytes) with the scaling and `info` added."""
    with np.load(io.BytesIO(network), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays[INFO_KEY] = np.array(json.dumps(asdict(info)))
    arrays[STANDARDIZATION[0]] = np.asarray(mean, np.float32)
    arrays[STANDARDIZATION[1]] = np.asarray(std, np.float32)
    if clip is not None and np.any(clip):
        arrays[CLIP_KEY] = np.asarray(clip, np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_model(data: bytes, path: Path, option: str = "output") -> None:
    """Writes a packed model aside and renames it: a failed write leaves no partial file.
    `option` names the argument that gave the path, for the message."""
    try:
        with written_aside(path) as file:
            file.write(data)
    except OSError as error:
        raise ModelError(
            f"{option} {path} cannot be written ({error.strerror}); give a file in an existing, "
            "writable folder",
            option=option,
        ) from None


def check_origin(info: ModelInfo, path: Path, study: str, trial: int, fingerprint: str) -> None:
    """Refuses a model file, found where a study keeps trial `trial`'s, that says it is another
    model: another study's or trial's (a copied file), or trained on other data."""
    if (info.study, info.trial, info.fingerprint) == (study, trial, fingerprint):
        return
    raise ModelError(
        f"{path} is not the model of trial {trial} of study '{study}': it says it is "
        f"{'a network hpsearch train trained' if info.trial is None else f'trial {info.trial}'}"
        f" of study '{info.study}', on data {info.fingerprint[:12]} (the study's: "
        f"{fingerprint[:12]}); delete it. `hpsearch best STUDY --output chosen.yaml` and "
        "`hpsearch train chosen.yaml --save FILE` train the chosen trial again, bit for bit"
    )


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
    clip = arrays[CLIP_KEY].astype(bool) if CLIP_KEY in arrays else None
    width = (len(info.input_names),)
    if mean.shape != width or std.shape != width or (clip is not None and clip.shape != width):
        raise ModelError(f"{path} is damaged (its scaling does not fit its inputs); {REEXPORT}")
    return ModelFile(info, mean, std, data, clip)


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
    known = {f.name for f in fields(ModelInfo)}
    try:
        for key in ("features", "classes", "inputs", "columns"):
            raw[key] = tuple(raw.get(key, ()))
        if not all(isinstance(c, dict) for c in raw["columns"]):
            raise TypeError
        return ModelInfo(**{key: value for key, value in raw.items() if key in known})
    except TypeError:
        raise ModelError(
            f"{path} is damaged (its '{INFO_KEY}' entry is incomplete); {REEXPORT}"
        ) from None
