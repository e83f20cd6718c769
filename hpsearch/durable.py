"""Files written whole or not at all, and durable once written: every file hpsearch writes for
later (a model, a checkpoint, a plot, a study file, predictions) goes through `written_aside`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

PARTIAL_SUFFIX = ".partial"  # what a file being written aside ends with, until it is renamed


@contextmanager
def written_aside(
    path: Path, mode: str = "wb", *, durable: bool = True, replace: bool = True, **open_args: Any
) -> Iterator[IO[Any]]:
    """A file to write that appears at `path` whole or not at all. It is written beside `path`
    under a new name of its own (`.<name>.<random>.partial`: a link planted there is never
    written through, and two writers never share one), flushed to the disk (unless not
    `durable`: a file that lives only as long as the process that writes it), then renamed over
    `path`, and the folder's new entry made durable too. With `replace=False` it is linked
    instead, which raises `FileExistsError` where a file appeared at `path` meanwhile. Whatever
    fails, nothing is left aside."""
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # as a plain write makes it, not the temporary file's 0o600
        with os.fdopen(fd, mode, **open_args) as file:
            yield file
            file.flush()
            if durable:
                os.fsync(file.fileno())
        if replace:
            os.replace(partial, path)
        else:
            os.link(partial, path)
        if durable:
            synced(path.parent)
    finally:
        with suppress(OSError):  # a folder that refuses even this holds no partial file
            os.unlink(partial)


def synced(path: Path) -> None:
    """Makes a file, or a folder's list of names, durable before the next step relies on it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
