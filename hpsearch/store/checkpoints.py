"""A paused trial's checkpoint on disk: written durably, read back only once verified.

The file is an .npz archive of two entries, read with `allow_pickle=False`: `checkpoint`, the
training checkpoint's bytes (`nn.checkpoint`, itself arrays and JSON), and `header`, JSON that
says whose it is (the study, when it was made, the trial and the epochs it reached) with the
size and SHA-256 of those bytes. A file that is missing, empty, truncated, damaged or another
trial's is not used: the caller is told why, and the trial trains again from its start, which
its seed makes the same training. The file is written aside, synced, renamed, and its folder
synced, so a crash or a full disk never leaves half of one under its name."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hpsearch.durable import written_aside
from hpsearch.store.faults import os_error

FORMAT = "hpsearch-checkpoint"
VERSION = 1


@dataclass(frozen=True)
class Label:
    """Whose checkpoint a file holds: a file is used only where all of this matches."""

    study: str
    created: str  # the study's creation time: a study of the same name made later differs
    trial: int
    epochs: int


@dataclass(frozen=True)
class Unusable:
    """A checkpoint that cannot be gone on from, and why, in words that follow its path."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"the checkpoint {self.path} {self.reason}"


def write_checkpoint(path: Path, data: bytes, label: Label) -> None:
    """Keeps `data` at `path` for `label`, whole or not at all; a failed write (a full disk)
    is the store's message, with no partial file left behind."""
    digest = hashlib.sha256(data).hexdigest()
    header = {"format": FORMAT, "version": VERSION, **asdict(label), "size": len(data),
              "sha256": digest}  # fmt: skip
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array(json.dumps(header)), checkpoint=np.frombuffer(data, np.uint8))
    try:
        path.parent.mkdir(exist_ok=True)
        with written_aside(path) as file:
            file.write(buffer.getbuffer())
    except OSError as error:
        raise os_error(error, path) from None


def read_checkpoint(path: Path, label: Label) -> bytes | Unusable:
    """The training checkpoint kept at `path` for `label`, or why it cannot be used."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Unusable(path, "is missing")
    except OSError as error:
        return Unusable(path, f"cannot be read ({error.strerror or error})")
    if not data:
        return Unusable(path, "is empty")
    if not data.startswith(b"PK"):
        return Unusable(path, "is not an hpsearch checkpoint (not an .npz archive)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            header = json.loads(str(archive["header"]))
            payload = archive["checkpoint"]
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return Unusable(path, "is truncated or damaged")
    return _verified(path, header, payload, label)


def _verified(path: Path, header: object, payload: object, label: Label) -> bytes | Unusable:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return Unusable(path, "is not an hpsearch checkpoint")
    if header.get("version") != VERSION:
        return Unusable(path, f"is of version {header.get('version')}, not {VERSION}")
    claimed = {name: header.get(name) for name in asdict(label)}
    if claimed != asdict(label):
        whose = f"trial {claimed['trial']} at {claimed['epochs']} epochs of study " \
            f"'{claimed['study']}' made {claimed['created']}"  # fmt: skip
        return Unusable(path, f"is not this trial's: it says it is {whose}")
    if not isinstance(payload, np.ndarray) or payload.dtype != np.uint8 or payload.ndim != 1:
        return Unusable(path, "is damaged (its checkpoint entry is not bytes)")
    data = payload.tobytes()
    if len(data) != header.get("size"):
        return Unusable(path, f"is truncated ({len(data)} of {header.get('size')} bytes)")
    if hashlib.sha256(data).hexdigest() != header.get("sha256"):
        return Unusable(path, "is damaged (its checksum does not match)")
    return data
