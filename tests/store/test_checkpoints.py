"""A paused trial's checkpoint: arrays and JSON only, verified before it is gone on from, written
whole or not at all. A checkpoint that cannot be used (missing, empty, truncated, damaged,
another trial's, a planted pickle) makes its trial train again from its start, said in one line,
and the study ends with the table it would have had; a full disk is the store's message."""

from __future__ import annotations

import csv
import errno
import io
import pickle
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hpsearch import durable
from hpsearch.cli.app import app
from hpsearch.config import load_config
from hpsearch.store import checkpoints
from hpsearch.store.checkpoints import Label, Unusable, read_checkpoint, write_checkpoint
from hpsearch.study.run import Execution, run_study
from tests.store.test_faults import mount  # noqa: F401 (a fixture)
from tests.study.test_halving_run import HALVING, Crash

runner = CliRunner()
LABEL = Label("study", "2025-01-01T00:00:00+00:00", trial=3, epochs=1)


def test_a_checkpoint_reads_back_only_whole_and_only_for_its_own_trial(tmp_path):
    path = tmp_path / "checkpoints/trial-3-epoch-1.npz"
    write_checkpoint(path, b"training state", LABEL)
    assert read_checkpoint(path, LABEL) == b"training state"
    assert [p.name for p in path.parent.iterdir()] == [path.name], "a partial file was left"
    whole = path.read_bytes()
    for label, reason in [
        (Label("study", LABEL.created, 4, 1), "is not this trial's: it says it is trial 3 at 1 "
         "epochs of study 'study' made 2025-01-01T00:00:00+00:00"),
        (Label("study", LABEL.created, 3, 3), "is not this trial's"),
        (Label("study", "2025-02-02T00:00:00+00:00", 3, 1), "is not this trial's"),
        (Label("other", LABEL.created, 3, 1), "is not this trial's"),
    ]:  # fmt: skip
        assert str(read_checkpoint(path, label)).startswith(f"the checkpoint {path} {reason}")
    flipped = bytearray(whole)
    flipped[whole.index(b"training state")] ^= 1  # the archive's own CRC sees it
    for data, reason in [
        (b"", "is empty"),
        (whole[:-40], "is truncated or damaged"),
        (bytes(flipped), "is truncated or damaged"),
        (_rewritten(whole, b"training stat"), "is truncated (13 of 14 bytes)"),
        (_rewritten(whole, b"training stbte"), "is damaged (its checksum does not match)"),
        (pickle.dumps({"epoch": 1}), "is not an hpsearch checkpoint (not an .npz archive)"),
    ]:
        path.write_bytes(data)
        assert read_checkpoint(path, LABEL) == Unusable(path, reason)
    path.unlink()
    assert read_checkpoint(path, LABEL) == Unusable(path, "is missing")


def _rewritten(whole: bytes, payload: bytes) -> bytes:
    """The archive with its header kept and other bytes in its checkpoint entry."""
    with np.load(io.BytesIO(whole)) as archive:
        header = archive["header"]
    buffer = io.BytesIO()
    np.savez(buffer, header=header, checkpoint=np.frombuffer(payload, np.uint8))
    return buffer.getvalue()


def test_a_full_disk_while_a_checkpoint_is_written_leaves_no_partial_file(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "written_aside", _full_disk_aside)
    path = tmp_path / "trial-3-epoch-1.npz"
    with pytest.raises(Exception, match=f"the disk holding {path} is full: the last write"):
        write_checkpoint(path, b"training state", LABEL)
    assert list(tmp_path.iterdir()) == []


@contextmanager
def _full_disk_aside(path: Path, mode: str = "wb", **options) -> Iterator[object]:
    """`written_aside`, whose file takes a few bytes, then fails as a full disk does."""

    class Full:
        def __init__(self, file) -> None:
            self.file = file

        def write(self, data) -> int:
            self.file.write(bytes(data)[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    with durable.written_aside(path, mode, **options) as file:
        yield Full(file)


def hpsearch(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


def table(runs: Path) -> list[dict]:
    """`show --all` as CSV, without what differs between two runs of one trial."""
    shown = hpsearch("show", "halving", "--all", "--format", "csv", "--runs-dir", runs)
    assert shown.exit_code == 0, shown.output
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    return [{k: v for k, v in row.items() if k not in ("duration_s", "worker")} for row in rows]


@pytest.fixture(scope="module")
def config_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("config")
    path = folder / "halving.yaml"
    path.write_text(HALVING % {"schedule": "halving", "trials": 9, "patience": "null"})
    return path


@pytest.fixture(scope="module")
def whole(config_file, tmp_path_factory) -> list[dict]:
    runs = tmp_path_factory.mktemp("whole")
    assert hpsearch("run", config_file, "--runs-dir", runs, "--quiet").exit_code == 0
    return table(runs)


def crashed(config_file: Path, runs: Path) -> list[Path]:
    """The study killed as the third trial of its second rung starts: the first two paused at
    3 epochs, the third at 1, each with its checkpoint; the others stopped."""
    config = load_config(config_file)
    with pytest.raises(SystemExit):
        run_study(config, runs, Execution.of(config.search, workers=1), observer=Crash(at=3))
    return sorted((runs / "halving/checkpoints").iterdir())


class Planted:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def spoil(paths: list[Path], how: str, planted: Path) -> None:
    for i, path in enumerate(paths):
        if how == "missing":
            path.unlink()
        elif how == "empty":
            path.write_bytes(b"")
        elif how == "truncated":
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        elif how == "foreign":  # each one another trial's
            shutil.copy(paths[(i + 1) % len(paths)].with_suffix(".keep"), path)
        elif how == "pickle":  # what a checkpoint used to be, crafted to run code
            path.write_bytes(pickle.dumps(Planted(planted)))


@pytest.mark.parametrize("how", ["missing", "empty", "truncated", "foreign", "pickle"])
def test_an_unusable_checkpoint_trains_its_trial_again_to_the_same_table(
    config_file, whole, tmp_path, how
):
    runs = tmp_path / "runs"
    paths = crashed(config_file, runs)
    assert [p.name.partition("-epoch-")[2] for p in paths].count("3.npz") == 2
    assert len(paths) == 3  # two trials paused at 3 epochs, one at 1 (the others stopped)
    for path in paths:
        shutil.copy(path, path.with_suffix(".keep"))
    spoil(paths, how, tmp_path / "ran")
    for path in paths:
        path.with_suffix(".keep").unlink()
    command = ["run", str(config_file), "--runs-dir", str(runs), "--quiet"]
    wide = {"COLUMNS": "1000"}  # each warning on one line (prose wraps to the width)
    resumed = runner.invoke(app, command, env=wide)
    assert resumed.exit_code == 0, resumed.output
    assert "Traceback" not in resumed.output
    warned = [line for line in resumed.stdout.splitlines() if line.startswith("warning: ")]
    epochs = {int(row["trial"]): int(row["epochs"]) for row in whole}
    spoiled = [p.stem.removeprefix("trial-").split("-epoch-") for p in paths]
    gone_on = sorted(int(t) for t, e in spoiled if epochs[int(t)] > int(e))
    assert sorted(int(line.split()[2].rstrip(":")) for line in warned) == gone_on  # once each
    assert all(
        line.endswith("; it trains again from its first epoch, which its seed makes the same "
                      "training") and " the checkpoint " in line
        for line in warned
    )  # fmt: skip
    assert table(runs) == whole
    assert not (tmp_path / "ran").exists(), "a planted pickle ran"
    assert list((runs / "halving/checkpoints").iterdir()) == [], "a checkpoint was left"


def test_a_full_disk_while_checkpointing_is_a_message_and_the_same_command_completes(
    config_file, whole, tmp_path, monkeypatch
):
    runs = tmp_path / "runs"
    command = ("run", config_file, "--runs-dir", runs, "--quiet")
    with monkeypatch.context() as patch:
        patch.setattr(checkpoints, "written_aside", _full_disk_aside)
        for _ in range(2):  # the disk is still full the second time
            full = hpsearch(*command)
            assert full.exit_code == 2, full.output
            assert full.stderr.startswith(
                f"error: the disk holding {runs / 'halving/checkpoints'}/trial-"
            )
            assert full.stderr.endswith(
                ".npz is full: the last write was not made, and every trial finished before it "
                "is kept; free some space, then run the study again to resume it\n"
            )
            assert list((runs / "halving/checkpoints").iterdir()) == []
    done = hpsearch(*command)
    assert done.exit_code == 0, done.output
    assert table(runs) == whole


def test_a_really_full_disk_during_a_halving_run_then_space_freed_completes(
    config_file,
    whole,
    mount,  # noqa: F811
):
    filler = mount / "filler"
    filler.write_bytes(b"\0" * (2048 - 300) * 1024)
    command = ("run", config_file, "--runs-dir", mount, "--quiet")
    full = hpsearch(*command)
    assert full.exit_code == 2, full.output
    assert " is full: the last write was not made" in full.stderr
    assert not list(mount.glob("halving/**/*.partial"))
    filler.unlink()
    assert hpsearch(*command).exit_code == 0
    assert table(mount) == whole
