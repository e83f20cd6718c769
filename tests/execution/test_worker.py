from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from hpsearch.execution.worker import (
    call_trial,
    call_trial_safely,
    init_process,
    read_beacons,
    run_in_worker,
    worker_id,
)
from hpsearch.trial import TrialResult, TrialSpec, TrialState

SPEC = TrialSpec(4, 1, {"learning_rate": 0.1}, seed=9)


def echo(spec: TrialSpec, context: Any, deadline: float | None) -> TrialResult:
    return TrialResult(spec.number, spec.round, TrialState.COMPLETE, dev_error=context)


def test_call_trial_names_the_worker_and_times_the_trial() -> None:
    result = call_trial(echo, SPEC, 0.25, deadline=None)
    assert (result.state, result.dev_error) == (TrialState.COMPLETE, 0.25)
    assert result.worker == worker_id() == f"{os.uname().nodename}:{os.getpid()}"
    assert result.duration_s > 0


def test_call_trial_refuses_the_result_of_another_trial() -> None:
    def confused(spec: TrialSpec, context: Any, deadline: float | None) -> TrialResult:
        return TrialResult(spec.number + 1, spec.round, TrialState.COMPLETE)

    result = call_trial(confused, SPEC, None, None)
    assert result.state is TrialState.FAILED
    assert result.message.startswith("the trial function must return the TrialResult of trial 4")


def test_call_trial_safely_turns_system_exit_into_a_failed_trial() -> None:
    def leaving(spec: TrialSpec, context: Any, deadline: float | None) -> TrialResult:
        raise SystemExit(3)

    result = call_trial_safely(leaving, SPEC, None, None)
    assert (result.state, result.message, result.worker) == (
        TrialState.FAILED,
        "SystemExit: 3",
        worker_id(),
    )
    assert "SystemExit: 3" in result.traceback


def test_a_worker_process_beacons_its_trial_while_inside_it(tmp_path: Path) -> None:
    seen = []

    def look(spec: TrialSpec, context: Any, deadline: float | None) -> TrialResult:
        seen.append(read_beacons(tmp_path))
        return echo(spec, context, deadline)

    previous = signal.getsignal(signal.SIGINT)
    init_process(look, 0.5, str(tmp_path))  # as loky would, in a worker
    try:
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        result = run_in_worker(SPEC, trial_timeout=None)
    finally:
        signal.signal(signal.SIGINT, previous)
    (beacons,) = seen
    assert beacons[4].pid == os.getpid() and beacons[4].worker == result.worker
    assert list(tmp_path.iterdir()) == []  # gone once the trial returned


def test_beacons_being_written_or_of_negative_numbers_are_read_right(tmp_path: Path) -> None:
    (tmp_path / "7-100.partial").write_text("{")
    (tmp_path / "-1-200").write_text(json.dumps({"worker": "h:200", "started": 1.5}))
    beacons = read_beacons(tmp_path)
    assert list(beacons) == [-1] and beacons[-1].pid == 200 and beacons[-1].started == 1.5


def test_arrays_that_arrive_unaligned_are_aligned_with_their_values() -> None:
    import numpy as np

    from hpsearch.execution.objective import TrainingData
    from hpsearch.execution.worker import aligned_arrays

    values = np.arange(12, dtype=np.float64)
    unaligned = np.frombuffer(b"\0" + values.tobytes(), dtype=np.float64, offset=1)
    assert not unaligned.flags.aligned
    data = TrainingData(unaligned.reshape(3, 4), np.zeros(3), unaligned[:4], np.zeros(4), 2)
    fixed = aligned_arrays({"data": data, "other": 7})
    assert fixed["other"] == 7 and fixed["data"].n_classes == 2
    assert fixed["data"].X_train.flags.aligned and fixed["data"].X_dev.flags.aligned
    assert np.array_equal(fixed["data"].X_train, values.reshape(3, 4))
    assert fixed["data"].y_train is data.y_train  # aligned already: not copied
