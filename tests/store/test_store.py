from __future__ import annotations

import gc
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hpsearch import __version__
from hpsearch.errors import StoreError
from hpsearch.store.study_store import SCHEMA_VERSION, Baseline, StudyStore
from hpsearch.trial import TrialResult, TrialSpec, TrialState

ROOT = Path(__file__).resolve().parents[2]
SPACE = {"learning_rate": {"log": [1e-4, 1.0]}, "hidden": {"int": [50, 100]}}

# A writer in another process: creates the study, then marks running and records trials as fast
# as it can, printing each number it has committed.
WRITER = """
import sys
from hpsearch.store.study_store import StudyStore
from hpsearch.trial import TrialResult, TrialSpec, TrialState
folder, count = sys.argv[1], int(sys.argv[2])
store = StudyStore.create(folder, "busy", {}, {}, "fp", ["a", "b"])
store.add_round({}, "random", 10**6, 0)
print("ready", flush=True)
for n in range(count):
    store.mark_running(TrialSpec(n, 0, {"lr": n / 7}, n), "host:1")
    curves = {"dev_error": [1 / (1 + e) for e in range(200)], "train_error": [0.5] * 200}
    measured = dict(dev_error=0.1, train_error=0.2, dev_cost=0.3, train_cost=0.4, epochs=200)
    store.record(TrialResult(n, 0, TrialState.COMPLETE, curves=curves, duration_s=1.0, **measured))
    print(n, flush=True)
store.mark_running(TrialSpec(count, 0, {}, 0), "host:1")
print("holding", flush=True)
sys.stdin.read()
"""


def running(store: StudyStore) -> list:
    """Trials left `running` by a driver that died."""
    return [trial for trial in store.trials() if trial.state is TrialState.RUNNING]


def new_store(folder: Path, name: str = "demo") -> StudyStore:
    return StudyStore.create(
        folder / name,
        name,
        config={"trials": 3, "space": SPACE},
        identity={"data": "digits", "seed": 7},
        fingerprint="sha256:abc",
        classes=["cat", "dog"],
    )


def writer(folder: Path, count: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder), str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout.readline() == "ready\n"
    return process


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def complete_result(number: int) -> TrialResult:
    return TrialResult(
        number=number,
        round=0,
        state=TrialState.COMPLETE,
        dev_error=0.125,
        train_error=0.0625,
        dev_cost=0.5,
        train_cost=0.25,
        epochs=3,
        curves={"dev_error": [0.5, 0.25, 0.125], "train_cost": [1.0, float("inf"), 0.25]},
        duration_s=2.5,
        worker="node:42",
        message="early stop",
        traceback="Traceback …",
        weights=b"not kept by record",
    )


def test_a_trial_round_trips_every_field(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        assert store.add_round(SPACE, "random", 3, 0) == 0
        spec = TrialSpec(0, 0, {"learning_rate": 0.01, "hidden": 64}, seed=1234)
        store.mark_running(spec, "node:41")
        store.record(complete_result(0), attempts=2)
    with StudyStore.open(tmp_path / "demo") as store:
        (trial,) = store.trials()
    expected = complete_result(0)
    assert trial.spec == spec
    for field in ("state", "dev_error", "train_error", "dev_cost", "train_cost", "epochs"):
        assert getattr(trial, field) == getattr(expected, field)
    for field in ("curves", "duration_s", "worker", "message", "traceback"):
        assert getattr(trial, field) == getattr(expected, field)
    assert trial.attempts == 2
    assert trial.started <= trial.finished <= datetime.now(UTC)


def test_the_study_and_its_rounds_round_trip(tmp_path: Path) -> None:
    before = datetime.now(UTC)
    with new_store(tmp_path) as store:
        store.add_round(SPACE, "random", 20, 0)
        store.add_round({"learning_rate": {"log": [1e-3, 1e-2]}}, "zoom", 10, 20)
        store.extend_round(1, 15)
    with StudyStore.open(tmp_path / "demo") as store:
        info, rounds = store.info, store.rounds()
    assert (info.name, info.config, info.identity) == (
        "demo",
        {"trials": 3, "space": SPACE},
        {
            "data": "digits",
            "seed": 7,
        },
    )
    assert (info.fingerprint, info.classes, info.version) == (
        "sha256:abc",
        ["cat", "dog"],
        __version__,
    )
    assert info.schema_version == SCHEMA_VERSION and before <= info.created
    assert [(r.number, r.method, r.first_trial, r.n_trials) for r in rounds] == [
        (0, "random", 0, 20),
        (1, "zoom", 20, 15),
    ]
    assert rounds[0].space == SPACE and rounds[1].trial_numbers == range(20, 35)


def test_rounds_never_share_trial_numbers(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.add_round(SPACE, "random", 20, 0)
        with pytest.raises(ValueError, match=r"first_number >= 20` must hold .* first_number=19"):
            store.add_round(SPACE, "zoom", 5, 19)
        store.add_round(SPACE, "zoom", 5, 20)
        with pytest.raises(ValueError, match="only the last round can grow and never shrink"):
            store.extend_round(0, 30)
        with pytest.raises(ValueError, match="only the last round can grow and never shrink"):
            store.extend_round(1, 4)


def test_trials_of_one_round_and_interrupted_ones(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.add_round(SPACE, "random", 2, 0)
        store.add_round(SPACE, "zoom", 2, 2)
        for number in range(4):
            store.mark_running(TrialSpec(number, number // 2, {}, number), "node:1")
        store.record(replace_number(complete_result(0), 0))
        assert store.mark_interrupted([0, 1, 3, 99]) == [1, 3]
        assert [t.number for t in store.trials(round=1)] == [2, 3]
        states = [t.state for t in store.trials()]
        assert states == ["complete", "interrupted", "running", "interrupted"]
        assert [t.number for t in running(store)] == [2]


def replace_number(result: TrialResult, number: int) -> TrialResult:
    return TrialResult(**{**result.__dict__, "number": number})


def test_a_rerun_clears_what_the_interrupted_run_left(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.add_round(SPACE, "random", 1, 0)
        spec = TrialSpec(0, 0, {"learning_rate": 0.5}, 3)
        store.mark_running(spec, "node:1")
        store.mark_interrupted([0])
        store.mark_running(spec, "node:2")
        (trial,) = store.trials()
    assert (trial.state, trial.worker, trial.dev_error, trial.curves) == (
        "running",
        "node:2",
        None,
        {},
    )
    assert trial.attempts == 0 and trial.finished is None


def test_a_finished_trials_row_never_goes_back(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.add_round(SPACE, "random", 1, 0)
        spec = TrialSpec(0, 0, {"learning_rate": 0.5}, 3)
        store.mark_running(spec, "node:1")
        store.record(complete_result(0), attempts=1)
        with pytest.raises(ValueError, match="trial 0 has finished: it never runs again"):
            store.mark_running(spec, "node:2")
        with pytest.raises(ValueError, match="must be marked running"):
            store.record(complete_result(0))
        (trial,) = store.trials()
    assert (trial.state, trial.attempts) == ("complete", 1)


def test_recording_a_trial_never_marked_running_is_a_bug(tmp_path: Path) -> None:
    with new_store(tmp_path) as store, pytest.raises(ValueError, match="must be marked running"):
        store.record(complete_result(5))


def test_opening_a_folder_without_a_study_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as error:
        StudyStore.open(tmp_path / "nope")
    assert str(error.value) == (
        f"there is no study in {tmp_path / 'nope'} (no study.db); "
        "check the study name, or start it with `hpsearch run CONFIG`"
    )
    assert not (tmp_path / "nope").exists()


def test_creating_a_study_twice_is_refused(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    with pytest.raises(StoreError, match=r"^a study already exists in .*demo; open it to resume"):
        new_store(tmp_path)


def test_a_store_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    with sqlite3.connect(tmp_path / "demo" / "study.db") as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="has store schema version 99, but this hpsearch reads"):
        StudyStore.open(tmp_path / "demo")


def test_a_store_of_version_3_reads_as_it_is_and_a_writer_brings_it_up_to_date(
    tmp_path: Path,
) -> None:
    with new_store(tmp_path) as store:
        store.add_round({"x": 1}, "random", 2, 0)
    with sqlite3.connect(tmp_path / "demo" / "study.db") as conn:  # as version 3 left it
        conn.execute("ALTER TABLE trials DROP COLUMN best_epoch")
        conn.execute("DROP TABLE baselines")
        conn.execute("ALTER TABLE rounds DROP COLUMN schedule")
        conn.execute("DROP INDEX trials_ranking")
        conn.execute("DROP TABLE importance")
        conn.execute("ALTER TABLE study DROP COLUMN splits")
        conn.execute("PRAGMA user_version = 3")
        conn.execute("UPDATE study SET schema_version = 3")
    with StudyStore.open(tmp_path / "demo") as store:
        assert store.rounds()[0].schedule_settings == {} and store.info.schema_version == 3
        assert store.info.splits == {}
    with StudyStore.open(tmp_path / "demo", writer=True) as store:
        store.add_round({"x": 2}, "random", 2, 2, {"schedule": "plain"})
        assert [r.schedule_settings for r in store.rounds()] == [{}, {"schedule": "plain"}]
        assert store.info.schema_version == SCHEMA_VERSION == 5
        assert store.baselines() == []
        store.keep_splits({"train": 90, "dev": 30, "test": 30})
        store.keep_splits({"train": 1, "dev": 1, "test": 1})  # kept once: the first stays
    with StudyStore.open(tmp_path / "demo") as store:
        assert store.info.splits == {"train": 90, "dev": 30, "test": 30}


def test_a_store_of_version_4_reads_as_it_is_and_a_writer_brings_it_up_to_date(
    tmp_path: Path,
) -> None:
    """Version 4, the last without split sizes, baselines and best epochs: a reader reads it as
    it is; a writer adds them, and nothing else changes."""
    with new_store(tmp_path) as store:
        store.add_round({"x": 1}, "random", 2, 0, {"schedule": "plain"})
        store.mark_running(TrialSpec(0, 0, {"x": 1}, 5), "w")
        store.record(TrialResult(0, 0, TrialState.COMPLETE, dev_error=0.1, epochs=3))
    with sqlite3.connect(tmp_path / "demo" / "study.db") as conn:  # as version 4 left it
        conn.execute("ALTER TABLE trials DROP COLUMN best_epoch")
        conn.execute("DROP TABLE baselines")
        conn.execute("ALTER TABLE study DROP COLUMN splits")
        conn.execute("PRAGMA user_version = 4")
        conn.execute("UPDATE study SET schema_version = 4")
    with StudyStore.open(tmp_path / "demo") as store:  # a reader reads it as it is
        assert (store.info.schema_version, store.info.splits) == (4, {})
        assert store.baselines() == [] and store.trial(0).best_epoch is None
    with StudyStore.open(tmp_path / "demo", writer=True) as store:
        assert store.info.schema_version == SCHEMA_VERSION == 5
        store.keep_splits({"train": 265, "dev": 89, "test": 88})
        store.mark_running(TrialSpec(1, 0, {"x": 1}, 6), "w")
        store.record(TrialResult(1, 0, TrialState.COMPLETE, dev_error=0.2, epochs=3, best_epoch=2))
        assert [t.best_epoch for t in store.trials()] == [None, 2]
        assert [r.schedule_settings for r in store.rounds()] == [{"schedule": "plain"}]
        assert store.baselines() == []
    with StudyStore.open(tmp_path / "demo") as store:
        assert store.info.splits == {"train": 265, "dev": 89, "test": 88}


def test_baselines_are_written_with_the_study_and_read_in_their_order(tmp_path: Path) -> None:
    made = [
        Baseline("gradient boosting", "HistGradientBoostingClassifier()", 0.04, 900, 1000, 1.5),
        Baseline("logistic", "LogisticRegression()", None, 1000, 1000, 0.1, "ValueError: bad"),
    ]
    with StudyStore.create(tmp_path / "s", "s", {}, {}, "fp", ["a", "b"], baselines=made) as store:
        assert store.baselines() == made
    with StudyStore.open(tmp_path / "s") as store:
        assert store.baselines() == made


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "study.db").write_text("hello " * 1000)
    damaged = r"study\.db is damaged \(file is not a database\); nothing was written"
    with pytest.raises(StoreError, match=damaged):
        StudyStore.open(tmp_path / "junk")


def test_resuming_with_a_changed_config_is_refused(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.check_identity({"seed": 7, "data": "digits"})
        with pytest.raises(StoreError) as error:
            store.check_identity({"data": "wine", "seed": 7, "extra": 1})
    assert str(error.value) == (
        "study 'demo' was made with another config: data: digits → wine; extra: (absent) → 1"
    )


def test_weights_are_saved_found_and_pruned(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        for number in range(4):
            store.save_weights(number, f"weights {number}".encode())
        assert store.weights_path(2).read_bytes() == b"weights 2"
        assert store.prune_weights(keep=[1, 2]) == [0, 3]
        assert store.weights_path(0) is None
        assert sorted(p.name for p in (tmp_path / "demo" / "models").iterdir()) == [
            "trial-1.npz",
            "trial-2.npz",
        ]


def test_a_reader_cannot_write(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    with (
        StudyStore.open(tmp_path / "demo") as reader,
        pytest.raises(RuntimeError, match="read-only"),
    ):
        reader.add_round(SPACE, "random", 3, 0)


def test_one_runner_per_study_and_the_lock_dies_with_its_holder(tmp_path: Path) -> None:
    process = writer(tmp_path / "busy", count=3)
    assert process.stdout.readline() == "0\n"
    with pytest.raises(StoreError) as error:
        StudyStore.open(tmp_path / "busy", writer=True)
    assert str(error.value) == (
        f"study 'busy' is being run by pid {process.pid}; "
        "wait for that run to end, or stop it, before running the study again"
    )
    with StudyStore.open(tmp_path / "busy") as reader:  # readers take no lock
        assert reader.info.name == "busy"
    while process.stdout.readline() != "holding\n":
        pass
    kill(process)
    with StudyStore.open(tmp_path / "busy", writer=True) as store:
        assert [trial.number for trial in running(store)] == [3]


def test_a_killed_writer_leaves_a_sound_database_with_whole_trials(tmp_path: Path) -> None:
    process = writer(tmp_path / "busy", count=10**6)
    while int(process.stdout.readline()) < 150:
        pass
    kill(process)
    with StudyStore.open(tmp_path / "busy", writer=True) as store:
        trials = store.trials()
    conn = sqlite3.connect(tmp_path / "busy" / "study.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert len(trials) > 150
    assert all(t.state == "complete" for t in trials[:-1])
    assert trials[-1].state in ("complete", "running")
    assert all(len(t.curves["dev_error"]) == 200 and t.dev_cost == 0.3 for t in trials[:-1])


def test_a_reader_reads_while_the_writer_writes_and_sees_only_whole_trials(tmp_path: Path) -> None:
    process = writer(tmp_path / "busy", count=400)
    counts = []
    with StudyStore.open(tmp_path / "busy") as reader:
        assert reader._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        while not counts or counts[-1] < 400:
            trials = reader.trials()
            finished = [t for t in trials if t.state != "running"]
            assert all(t.epochs == 200 and len(t.curves["train_error"]) == 200 for t in finished)
            assert [t.number for t in trials] == list(range(len(trials)))
            counts.append(len(finished))
    kill(process)
    assert counts == sorted(counts) and len(set(counts)) > 5  # it saw the run progress


def test_the_store_is_json_for_numpy_numbers_too(tmp_path: Path) -> None:
    import numpy as np

    with new_store(tmp_path) as store:
        store.add_round({"low": np.float32(0.5)}, "random", 1, 0)
        store.mark_running(TrialSpec(0, 0, {"hidden": np.int64(64)}, 1), "node:1")
        assert store.trials()[0].params == {"hidden": 64}
        assert json.dumps(store.rounds()[0].space) == '{"low": 0.5}'


def test_recording_a_trial_takes_under_5_ms(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.add_round(SPACE, "random", 200, 0)
        started = time.perf_counter()
        for number in range(200):
            store.mark_running(TrialSpec(number, 0, {"learning_rate": 0.1}, number), "node:1")
            store.record(replace_number(complete_result(0), number))
        per_trial = (time.perf_counter() - started) / 200
    assert per_trial < 0.005


def test_many_finished_trials_are_written_at_once_as_one_by_one(tmp_path: Path) -> None:
    results = [replace_number(complete_result(0), n) for n in range(3)]
    diverged = TrialResult(3, 0, TrialState.DIVERGED, curves={"dev_cost": [1.0, math.inf]})
    specs = [TrialSpec(n, 0, {"learning_rate": 0.1 * (n + 1)}, n) for n in range(4)]
    with new_store(tmp_path, "one") as one, new_store(tmp_path, "many") as many:
        for store in (one, many):
            store.add_round(SPACE, "random", 4, 0)
        for spec, result in zip(specs, [*results, diverged], strict=True):
            one.mark_running(spec, "node:1")
            one.record(result)
        assert many.add_finished(zip(specs, [*results, diverged], strict=True)) == 4
        by_one, at_once = one.trials(), many.trials()
    timeless = {"started": None, "finished": None, "worker": ""}
    assert [replace(r, **timeless) for r in at_once] == [replace(r, **timeless) for r in by_one]
    assert at_once[3].curves == {"dev_cost": [1.0, math.inf]}  # read when looked at


def test_a_study_of_20000_trials_reads_without_a_cycle_collection(tmp_path: Path) -> None:
    """A cycle collection per few thousand records made reading 20,000 trials take seconds
    (`benchmarks/scale.py` times it); counted, not timed: a loaded machine cannot fail it."""
    specs = [TrialSpec(n, 0, {"learning_rate": 0.1, "hidden": 64}, n) for n in range(20_000)]
    curves = {"dev_error": [0.5] * 20, "train_error": [0.4] * 20}
    results = [
        TrialResult(n, 0, TrialState.COMPLETE, dev_error=0.1, curves=curves) for n in range(20_000)
    ]
    collections = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    with new_store(tmp_path) as store:
        store.add_round(SPACE, "random", 20_000, 0)
        store.add_finished(zip(specs, results, strict=True))
        gc.collect()
        gc.callbacks.append(count)
        try:
            records = store.trials()
        finally:
            gc.callbacks.remove(count)
    assert len(records) == 20_000 and records[-1].curves["dev_error"] == [0.5] * 20
    assert len(collections) < 5 and gc.isenabled(), collections  # hundreds, unpaused


def test_a_trial_stopped_before_its_start_was_recorded_is_named_interrupted(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.add_round(SPACE, "random", 3, 0)
        store.mark_running(TrialSpec(0, 0, {}, 0), "node:1")
        store.record(replace_number(complete_result(0), 0))
        specs = {n: TrialSpec(n, 0, {"learning_rate": 0.1}, 7 + n) for n in range(3)}
        assert store.mark_interrupted([0, 2], specs) == [2]
        stopped = store.trial(2)
        assert (stopped.state, stopped.params, stopped.seed) == (
            "interrupted",
            {"learning_rate": 0.1},
            9,
        )
        assert [t.state for t in store.trials()] == ["complete", "interrupted"]


def test_a_writer_reads_its_rounds_and_baselines_once_and_keeps_them_true(tmp_path: Path) -> None:
    """Only a writer adds or grows a round and nobody changes the baselines: it reads them once,
    and what it answers after its own writes is what a fresh read finds."""
    statements: list[str] = []
    with new_store(tmp_path) as store:
        store._conn.set_trace_callback(statements.append)
        store.add_round(SPACE, "random", 3, 0)
        store.add_round({"choice": ("a", "b")}, "zoom", 2, 3, {"schedule": "halving"})
        grown = store.extend_round(1, 5)
        assert store.baselines() == store.baselines() == []
        with StudyStore.open(store.folder) as reader:
            assert store.rounds() == reader.rounds() and reader.rounds()[-1] == grown
            assert grown.n_trials == 5 and grown.schedule_settings == {"schedule": "halving"}
    assert sum("FROM rounds" in s for s in statements) == 1
    assert sum("FROM baselines" in s for s in statements) == 1
