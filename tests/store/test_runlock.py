from __future__ import annotations

import os
from pathlib import Path

import pytest

from hpsearch.errors import StoreError
from hpsearch.store.runlock import RunLock


def test_a_held_lock_refuses_a_second_holder_until_released(tmp_path: Path) -> None:
    path = tmp_path / "study.lock"
    first = RunLock.acquire(path, "demo")
    assert path.read_text() == f"{os.getpid()}\n"
    with pytest.raises(StoreError, match=rf"^study 'demo' is being run by pid {os.getpid()}; "):
        RunLock.acquire(path, "demo")
    first.release()
    first.release()  # twice is harmless
    RunLock.acquire(path, "demo").release()


def test_a_lock_file_without_a_pid_still_gives_a_clear_refusal(tmp_path: Path) -> None:
    path = tmp_path / "study.lock"
    held = RunLock.acquire(path, "demo")
    path.write_text("")
    with pytest.raises(StoreError, match=r"^study 'demo' is being run by pid unknown; "):
        RunLock.acquire(path, "demo")
    held.release()
