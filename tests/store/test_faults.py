"""What a study survives, through the CLI: an interrupted creation, a full disk, a damaged or
truncated database, a read-only folder. Each ends in one message and exit code 2, keeps every
finished trial, and a rerun (or `hpsearch recover`) goes on to the same table."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.store import creation, sqlite, study_store
from hpsearch.store.creation import STEPS
from tests.conftest import iris_yaml

runner = CliRunner()
IRIS = iris_yaml(low=8, high=32, epochs=4, search="trials: 40, seed: 3, workers: 1")
STATES = "SELECT state, COUNT(*) FROM trials GROUP BY state"


def hpsearch(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture
def study(tmp_path) -> Path:
    (tmp_path / "iris.yaml").write_text(IRIS)
    return tmp_path / "iris.yaml"


def run(config: Path, runs: Path, *more: str):
    return hpsearch("run", config, "--runs-dir", runs, "--quiet", *more)


def table(runs: Path, name: str = "iris") -> list[dict]:
    """Every trial as `show` lists it, without what differs between two runs of one trial
    (its time and worker) or with more trials (its rank)."""
    result = hpsearch("show", name, "--runs-dir", runs, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    varying = ("duration_s", "worker", "rank")
    return [{k: v for k, v in row.items() if k not in varying} for row in rows]


def states(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return dict(conn.execute(STATES).fetchall())


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> list[dict]:
    """The table of the study run once, undisturbed: what every recovery must give again."""
    runs = tmp_path_factory.mktemp("whole")
    (runs / "iris.yaml").write_text(IRIS)
    assert run(runs / "iris.yaml", runs).exit_code == 0
    return table(runs)


@pytest.mark.parametrize("step", STEPS)
def test_a_creation_stopped_at_any_step_leaves_no_study_and_a_rerun_makes_it(
    study, monkeypatch, step, whole
) -> None:
    def stop_at(reached: str) -> None:
        if reached == step:
            raise KeyboardInterrupt

    runs = study.parent / "runs"
    with monkeypatch.context() as patch:
        patch.setattr(creation, "reached", stop_at)
        stopped = run(study, runs)
    assert (stopped.exit_code, stopped.stderr) == (130, "interrupted\n")
    assert (runs / "iris/study.db").exists() == (step == "renamed"), "a study made whole or not"
    assert run(study, runs).exit_code == 0
    assert table(runs) == whole
    left = sorted(p.name for p in (runs / "iris").iterdir())
    assert left == ["data.json", "models", "study.db", "study.lock"], "a partial file was left"


def full_after(pages: int | None) -> object:
    """`connect` whose database may not grow past `pages` pages (None: its size now): SQLite's
    own SQLITE_FULL, as from a full disk."""
    real = sqlite.connect

    def connect(path: Path, mode: str, **named: object) -> sqlite3.Connection:
        conn = real(path, mode, **named)
        if mode != "ro":
            limit = pages or conn.execute("PRAGMA page_count").fetchone()[0] + 2
            conn.execute(f"PRAGMA max_page_count = {limit}")
        return conn

    return connect


def test_a_full_disk_while_creating_leaves_no_study_and_a_rerun_makes_it(
    study, monkeypatch, whole
) -> None:
    runs = study.parent / "runs"
    with monkeypatch.context() as patch:
        patch.setattr(creation, "connect", full_after(1))
        full = run(study, runs)
    db = runs / "iris/study.db"
    assert full.exit_code == 2
    assert full.stderr == (
        f"error: the disk holding {db} is full: the last write was not made, and every trial "
        "finished before it is kept; free some space, then run the study again to resume it\n"
    )
    assert not db.exists()
    assert run(study, runs).exit_code == 0 and table(runs) == whole


def test_a_full_disk_mid_run_keeps_every_finished_trial_and_the_resume_completes(
    study, monkeypatch, whole
) -> None:
    runs = study.parent / "runs"
    db = runs / "iris/study.db"
    with monkeypatch.context() as patch:
        patch.setattr(study_store, "connect", full_after(None))
        full = run(study, runs)
    assert full.exit_code == 2 and "is full: the last write was not made" in full.stderr
    before = [row for row in table(runs) if row["state"] == "complete"]
    assert 0 < len(before) < 40 and "Traceback" not in full.output
    assert run(study, runs).exit_code == 0
    after = table(runs)
    assert after == whole and all(row in after for row in before)
    assert states(db) == {"complete": 40}


def flat(text: str) -> str:
    """`text` with its lines joined: prose wraps to the console's width."""
    return " ".join(text.split())


def damage(db: Path, page: int, data: bytes = b"\xff" * 4096) -> None:
    with open(db, "r+b") as file:
        file.seek(4096 * page)
        file.write(data)


def page_of_trial(db: Path, number: int) -> int:
    """The offset, in pages, of the trials table's leaf page that holds trial `number`'s row:
    the one whose damage makes that row unreadable."""
    with sqlite3.connect(db) as conn:
        leaves = [row[0] for row in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'trials' AND pagetype = 'leaf'"
        )]  # fmt: skip
    for page in leaves:
        copy = db.with_name("probe.db")
        copy.write_bytes(db.read_bytes())
        damage(copy, page - 1)
        try:
            with sqlite3.connect(copy) as conn:
                conn.execute("SELECT * FROM trials WHERE number = ?", (number,)).fetchall()
        except sqlite3.DatabaseError:
            return page - 1
        finally:
            copy.unlink()
    raise AssertionError(f"no leaf page holds trial {number}")


def damaged_message(db: Path, detail: str = "database disk image is malformed") -> str:
    return (
        f"error: {db} is damaged ({detail}); nothing was written to it. Keep the trials that "
        f"can still be read with `hpsearch recover {db.parent}` (the damaged file is set aside, "
        "and a rerun of the study trains the lost trials again, to the same results), or start "
        "afresh with `hpsearch run CONFIG --new`\n"
    )


def test_a_damaged_page_is_one_message_and_recover_then_run_give_the_study_back(
    study, whole
) -> None:
    runs = study.parent / "runs"
    db = runs / "iris/study.db"
    assert run(study, runs).exit_code == 0
    damage(db, page_of_trial(db, int(whole[0]["trial"])))  # the chosen trial's: `best` reads it
    untouched = db.read_bytes()
    for command in (("show", "iris"), ("best", "iris"), ("run", study)):
        result = hpsearch(*command, "--runs-dir", runs)
        assert (result.exit_code, result.stderr) == (2, damaged_message(db)), command
    assert db.read_bytes() == untouched, "a command wrote to the damaged file"
    recovered = hpsearch("recover", "iris", "--runs-dir", runs)
    assert recovered.exit_code == 0, recovered.output
    [aside] = runs.glob("iris.damaged-*")
    kept = int(recovered.stdout.split()[1])
    assert 0 < kept < 40
    assert flat(recovered.stdout) == flat(
        f"recovered {kept} finished trials of 40 into {runs / 'iris'}; {40 - kept} could not "
        f"be read\nthe damaged study is kept in {aside}\nrun the study again (`hpsearch run "
        f"CONFIG --runs-dir {runs}`) to train the other {40 - kept}: the same parameters and "
        "seeds, so the same results\n"
    )
    assert f"`hpsearch run CONFIG --runs-dir {runs}`" in recovered.stdout, "a command is whole"
    assert (aside / "study.db").read_bytes() == untouched
    assert run(study, runs).exit_code == 0
    assert table(runs) == whole


def test_a_truncated_database_is_refused_and_new_sets_it_aside(study) -> None:
    runs = study.parent / "runs"
    db = runs / "iris/study.db"
    assert run(study, runs).exit_code == 0
    os.truncate(db, 3000)
    show = hpsearch("show", "iris", "--runs-dir", runs)
    assert (show.exit_code, show.stderr) == (2, damaged_message(db))
    recover = hpsearch("recover", "iris", "--runs-dir", runs)
    assert (recover.exit_code, recover.stderr) == (
        2,
        f"error: {db} is damaged where the study itself is written: no trial can be recovered "
        "from it; start afresh with `hpsearch run CONFIG --new`, which sets the damaged study "
        "aside without deleting it\n",
    )
    assert run(study, runs, "--new").exit_code == 0
    [aside] = runs.glob("iris.2*")
    assert os.path.getsize(aside / "study.db") == 3000
    assert states(db) == {"complete": 40}


@pytest.fixture
def mount(tmp_path) -> Iterator[Path]:
    """A 2 MB tmpfs at `tmp_path/mnt`; skipped where this machine does not allow mounting."""
    point = tmp_path / "mnt"
    point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(point)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=True)


def remount_read_only(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)


def test_a_read_only_folder_reads_but_refuses_writes_with_what_to_do(study, mount, whole) -> None:
    assert run(study, mount).exit_code == 0
    remount_read_only(mount)
    assert table(mount) == whole, "a read-only healthy study must show"
    finished = run(study, mount)  # nothing to run: nothing to write, no lock needed
    assert (finished.exit_code, finished.stderr) == (0, "")
    assert "study iris (1 round): 40 trials, 40 complete" in finished.stdout
    study.write_text(IRIS.replace("trials: 40", "trials: 41"))
    refused = run(study, mount)
    assert (refused.exit_code, refused.stderr) == (
        2,
        f"error: cannot write {mount / 'iris/study.lock'} (Read-only file system); nothing was "
        "changed: make its folder writable, or give the study a writable runs folder\n",
    )
    test = hpsearch("best", "iris", "--runs-dir", mount, "--test")
    assert test.exit_code == 2 and "test-reads.jsonl (Read-only file system)" in test.stderr
    assert "test error" not in test.stdout, "the test split was read without being logged"
    new = run(study, mount / "elsewhere")
    assert new.exit_code == 2 and f"cannot write {mount / 'elsewhere'}" in new.stderr


def test_a_really_full_disk_keeps_what_finished_and_the_resume_completes(
    study, mount, whole
) -> None:
    filler = mount / "filler"
    filler.write_bytes(b"\0" * (2048 - 200) * 1024)
    full = run(study, mount)
    assert full.exit_code == 2 and "is full: the last write was not made" in full.stderr
    filler.unlink()
    assert run(study, mount).exit_code == 0
    assert table(mount) == whole


def test_the_resume_hint_of_an_interrupted_run_is_a_command_that_resumes_it(
    study, monkeypatch, whole
) -> None:
    from hpsearch.study import run as study_run

    real = study_run.run_trial

    def stopped_at_trial_5(spec, *args, **named):
        if spec.number == 5:
            raise KeyboardInterrupt
        return real(spec, *args, **named)

    runs = study.parent / "elsewhere"
    with monkeypatch.context() as patch:
        patch.setattr(study_run, "run_trial", stopped_at_trial_5)
        stopped = hpsearch("run", study, "--runs-dir", runs)
    assert stopped.exit_code == 130, stopped.output
    hint = f"to resume, run\n  hpsearch run {study} --runs-dir {runs}\n"
    assert hint in stopped.stdout
    command = hint.split("\n")[1].split()[1:]  # what follows `hpsearch`
    assert hpsearch(*command, "--quiet").exit_code == 0
    assert table(runs) == whole


@pytest.mark.parametrize(
    ("where", "data"),
    [("middle", b"\xff" * 4096), ("end", b"\xff" * 4096), ("middle", bytes(4096))],
    ids=["garbage in the middle", "garbage at the end", "zeroed in the middle"],
)
def test_a_damaged_page_anywhere_is_a_message_from_every_command(study, where, data) -> None:
    """What reads the damaged page says so; `best`, which names the model to use, checks the
    whole store first. Never a traceback, never exit 0 from a command that read damage."""
    runs = study.parent / "runs"
    db = runs / "iris/study.db"
    assert run(study, runs).exit_code == 0
    pages = os.path.getsize(db) // 4096
    damage(db, pages // 2 if where == "middle" else pages - 1, data)
    for command in (
        ("show",), ("show", "--all"), ("show", "--format", "csv"), ("zoom", "--dry-run"),
        ("plot",), ("best",), ("export", "--output", study.parent / "model.npz"),
    ):  # fmt: skip
        result = hpsearch(command[0], "iris", *command[1:], "--runs-dir", runs)
        assert "Traceback" not in result.output and result.exit_code in (0, 2), command
        if result.exit_code == 2:
            assert result.stderr.startswith(f"error: {db} is damaged ("), command
        assert command[0] not in ("best", "export") or result.exit_code == 2, command


def test_a_damaged_study_is_listed_as_such_and_hides_no_other(study, tmp_path) -> None:
    runs = study.parent / "runs"
    assert run(study, runs).exit_code == 0
    shutil.copytree(runs / "iris", runs / "broken")
    damage(runs / "broken/study.db", 0, b"\xff" * 100)
    listed = hpsearch("studies", "--runs-dir", runs)
    assert listed.exit_code == 0, listed.output
    rows = {line.split()[0]: line.split() for line in listed.stdout.splitlines()[3:5]}
    assert rows["iris"][1:6] == ["1", "40", "of", "40", rows["iris"][5]]
    assert rows["broken"][1:5] == ["–", "–", "–", "damaged"]
    broken = runs / "broken"
    assert flat("\n".join(listed.stdout.splitlines()[5:])) == (
        f"broken: {broken / 'study.db'} is damaged (file is not a database); keep its readable "
        f"trials with `hpsearch recover {broken}`, or delete it with `hpsearch remove {broken}`"
    )
    (broken / "checkpoints").mkdir()
    (broken / "checkpoints/trial-1-epoch-1.npz").write_bytes(b"left by a killed run")
    removed = hpsearch("remove", "broken", "--runs-dir", runs, "--yes")
    assert removed.exit_code == 0, removed.output
    assert not broken.exists(), "checkpoints or the damaged store were left behind"


@pytest.mark.parametrize("kind", ["empty", "foreign"])
def test_a_study_db_that_is_not_a_studys_is_refused_before_anything_is_written(
    study, kind
) -> None:
    """An empty file, or another program's SQLite database, where the study's store should be:
    no command switches it to write-ahead logging (a write) before it refuses it."""
    runs = study.parent / "runs"
    db = runs / "iris/study.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    if kind == "foreign":
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE notes (text TEXT)")
            conn.execute("PRAGMA user_version = 3")
    before = db.read_bytes()
    message = (
        f"error: {db} is not a study's store (an empty file, or another program's database); "
        "nothing was written to it: move it away, or give the study another name\n"
    )
    for command in (("run", study, "--quiet"), ("show", "iris"), ("best", "iris")):
        result = hpsearch(*command, "--runs-dir", runs)
        assert (result.exit_code, result.stderr) == (2, message), command
        assert db.read_bytes() == before, command
        assert not (runs / "iris/study.db-wal").exists(), command
    listed = hpsearch("studies", "--runs-dir", runs)
    assert listed.stdout.splitlines()[3].split()[1:5] == ["–", "–", "–", "unreadable"]
