"""`written_aside`: a file appears whole or not at all, durable once it has."""

from __future__ import annotations

import os

import pytest

from hpsearch.durable import written_aside


def test_a_written_file_replaces_the_old_one_and_is_synced_with_its_folder(
    tmp_path, monkeypatch
) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(b"old")
    synced = []
    fsync = os.fsync
    monkeypatch.setattr(
        os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")) or fsync(fd)
    )
    with written_aside(path) as file:
        file.write(b"new")
    assert path.read_bytes() == b"new"
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert len(synced) == 2 and synced[1] == str(tmp_path)  # the file, then the folder's entry
    assert sorted(tmp_path.iterdir()) == [path]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_aside(tmp_path) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text("old")
    with pytest.raises(ValueError), written_aside(path, "w", encoding="utf-8") as file:
        file.write("half of the new")
        raise ValueError("a bad line")
    assert path.read_text() == "old"
    assert sorted(tmp_path.iterdir()) == [path]


def test_without_replace_a_file_that_appeared_meanwhile_is_kept(tmp_path) -> None:
    path = tmp_path / "study.yaml"
    with pytest.raises(FileExistsError), written_aside(path, "w", replace=False) as file:
        file.write("ours")
        path.write_text("theirs")  # another process, between our write and our rename
    assert path.read_text() == "theirs"
    assert sorted(tmp_path.iterdir()) == [path]


def test_a_link_planted_at_the_path_is_replaced_never_written_through(tmp_path) -> None:
    target, path = tmp_path / "elsewhere", tmp_path / "plot.png"
    target.write_text("not ours")
    path.symlink_to(target)
    with written_aside(path, "w") as file:
        file.write("ours")
    assert (target.read_text(), path.read_text(), path.is_symlink()) == ("not ours", "ours", False)


def test_a_file_that_lives_with_its_process_is_not_synced(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: pytest.fail("synced"))
    with written_aside(tmp_path / "7-100", "w", durable=False) as file:
        file.write("{}")
    assert (tmp_path / "7-100").read_text() == "{}"
