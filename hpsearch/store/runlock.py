"""One runner per study: an exclusive `flock` on a file that names the holder's pid.

The kernel drops an flock when its holder's last descriptor closes, so a driver killed with
`kill -9` never leaves a stale lock behind; the pid in the file only serves the error message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from hpsearch.errors import StoreError
from hpsearch.store.faults import os_error


def is_held(path: Path) -> bool:
    """Whether a process holds the lock at `path` now, i.e. runs the study (asked without
    blocking, with a shared lock that a runner's exclusive one refuses)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class RunLock:
    """Held from `acquire` until `release` (or the holder's death)."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path, study: str, then: str = "running the study again") -> RunLock:
        """Takes the lock or refuses with the pid of the process holding it; `then` says what
        waits for that run (`removing it`)."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise os_error(error, path) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(
                f"study '{study}' is being run by pid {holder}; "
                f"wait for that run to end, or stop it, before {then}"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:  # a full disk: the pid only serves a message, the flock is what counts
            pass
        return cls(fd)

    def release(self) -> None:
        """Lets go of the lock; the file stays (removing it would race with the next holder)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
