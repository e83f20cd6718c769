"""Trial functions that misbehave on purpose, around the real objective. A module of their own
so that worker processes import them by name."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from hpsearch.execution.objective import TrainingData, run_trial
from hpsearch.trial import TrialResult, TrialSpec


def raising_on_trial_2(
    spec: TrialSpec, data: TrainingData, deadline: float | None, on_epoch=None
) -> TrialResult:
    if spec.number == 2:
        raise RuntimeError("trial 2 broke")
    return run_trial(spec, data, deadline, on_epoch)


def killing_worker_on_trial_1(
    spec: TrialSpec, data: TrainingData, deadline: float | None, on_epoch=None
) -> TrialResult:
    """Trial 1 kills its worker process the first time it runs (a marker file remembers)."""
    marker = Path(os.environ["HPSEARCH_TEST_MARKERS"]) / f"killed-{spec.number}"
    if spec.number == 1 and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return run_trial(spec, data, deadline, on_epoch)


def interrupting_at_trial_12(
    spec: TrialSpec, data: TrainingData, deadline: float | None, on_epoch=None
) -> TrialResult:
    """As if the user pressed Ctrl-C while trial 12 trained (in-process runs only)."""
    if spec.number == 12:
        raise KeyboardInterrupt
    return run_trial(spec, data, deadline, on_epoch)
