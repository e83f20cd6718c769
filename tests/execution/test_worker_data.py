"""What a worker receives: the train and dev splits, never the test split, on every backend. The
executor is the one a study's run makes (`executor_for`); its trial function is swapped for one
that fingerprints every array it was sent."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
import pytest

import hpsearch.study.run
from hpsearch.config.execution import Execution
from hpsearch.data.load import load_dataset
from hpsearch.data.spec import DataSpec
from hpsearch.execution.contract import TrialFinished
from hpsearch.study.recording import Observer
from hpsearch.trial import TrialResult, TrialSpec, TrialState


def digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def arrays_in(value: Any) -> list[np.ndarray]:
    """Every array inside `value`: in its dataclass fields, attributes, mappings and sequences."""
    if isinstance(value, np.ndarray):
        return [value]
    if is_dataclass(value):
        items = [getattr(value, f.name) for f in fields(value)]
    elif isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, list | tuple):
        items = list(value)
    elif hasattr(value, "__dict__"):
        items = list(vars(value).values())
    else:
        return []
    return [array for item in items for array in arrays_in(item)]


def fingerprint_arrays(spec: TrialSpec, context: Any, deadline: float | None, **_: Any):
    """A trial that trains nothing: it answers with the fingerprints of what it was sent."""
    seen = sorted(digest(a) for a in arrays_in(context))
    return TrialResult(spec.number, spec.round, TrialState.COMPLETE, message=json.dumps(seen))


@pytest.mark.parametrize(
    ("backend", "workers"),
    [("local", 1), ("local", 2), ("dask", 2)],
    ids=["in-process", "loky", "dask"],
)
def test_the_test_split_never_reaches_a_worker(monkeypatch, backend: str, workers: int) -> None:
    monkeypatch.setattr(hpsearch.study.run, "run_trial", fingerprint_arrays)
    dataset = load_dataset(DataSpec(dataset="iris"))
    execution = Execution(workers=workers, backend=backend)
    with hpsearch.study.run.executor_for(dataset, execution, Observer()) as executor:
        todo = [TrialSpec(number, 0, {}, seed=number) for number in range(3)]
        events = [e for e in executor.run(todo) if isinstance(e, TrialFinished)]
    assert len(events) == 3
    for event in events:
        seen = set(json.loads(event.result.message))
        assert {digest(dataset.X_train), digest(dataset.X_dev), digest(dataset.y_dev)} <= seen
        assert digest(dataset.X_test) not in seen
        assert digest(dataset.y_test) not in seen
