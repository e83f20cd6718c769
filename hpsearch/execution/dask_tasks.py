"""What runs on a Dask worker: the task around each trial, and the worker's set-up.

Dask imports this module on every worker (and unpickles tasks naming it on the scheduler), so the
scheduler and the workers need hpsearch installed, as for any Dask code.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from distributed import Worker, WorkerPlugin, get_worker
from distributed.core import Status

from hpsearch.execution.contract import overran_message
from hpsearch.execution.threads import blas_threads
from hpsearch.execution.worker import TrialFn, aligned_arrays, call_trial_safely, unfinished
from hpsearch.trial import TrialResult, TrialSpec, TrialState
from hpsearch.version import __version__

TOPIC = "hpsearch-trial"  # of the worker events that tell when a task begins and ends its trial
EXIT_CODE = 75  # of a worker process ended on purpose (EX_TEMPFAIL: its nanny starts another)
ORPHAN_EXIT_S = 60.0  # a worker left with a runaway trial ends itself if no driver ends it first


@dataclass(frozen=True)
class Payload:
    """What every trial needs and each worker receives once: scattered, then kept in its memory."""

    trial_fn: TrialFn
    context: Any

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled on a worker: the context's arrays aligned (see `aligned_arrays`)."""
        object.__setattr__(self, "trial_fn", state["trial_fn"])
        object.__setattr__(self, "context", aligned_arrays(state["context"]))


@dataclass(frozen=True)
class TaskEnd:
    """A trial's result; `overran` when it ignored its deadline and its worker must be restarted."""

    result: TrialResult
    overran: bool = False


def run_trial_task(
    spec: TrialSpec,
    key: str,
    payload: Payload,
    trial_timeout: float | None,
    grace_s: float,
    run_id: str,
) -> TaskEnd:
    """The task of one trial (`key`): announce it, give it its deadline from now, run it with one
    BLAS thread, say that it ended, and name the worker's address in its result."""
    worker = get_worker()
    event = {"run": run_id, "key": key, "worker": worker.address, "ended": False}
    worker.log_event(TOPIC, event)
    deadline = None if trial_timeout is None else time.monotonic() + trial_timeout
    if trial_timeout is None:
        result = _limited_call(payload, spec, deadline)
    else:
        result = _call_with_backstop(payload, spec, deadline, trial_timeout + grace_s)
    overran = result is None
    if overran:
        _close_gracefully(worker)  # before this task's end frees its slot: no neighbour lands here
        fate = overran_message(trial_timeout, grace_s, "its worker was restarted")
        result = unfinished(spec, TrialState.TIMED_OUT, fate)
    worker.log_event(TOPIC, {**event, "ended": True})  # sent before the task's own end
    return TaskEnd(replace(result, worker=worker.address), overran)


def probe(payload: Payload) -> str:
    """A task that needs what every trial needs (hpsearch on the scheduler and on a worker, the
    payload on that worker); it answers with the worker's version of hpsearch."""
    del payload  # needed only on the worker
    return __version__


def exit_soon() -> None:
    """Run on a worker (`Client.run`): its process ends just after answering, and with it a trial
    that its deadline did not stop; its nanny starts a fresh one."""
    threading.Timer(0.1, os._exit, (EXIT_CODE,)).start()


class IgnoreInterrupts(WorkerPlugin):
    """Ctrl-C in a terminal reaches the worker processes of a LocalCluster too (they share its
    process group); the driver alone decides to stop, and stops them itself."""

    def setup(self, worker: Worker) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _limited_call(payload: Payload, spec: TrialSpec, deadline: float | None) -> TrialResult:
    # In the thread that runs the trial: an OpenMP limit holds for the thread that sets it.
    with blas_threads():
        return call_trial_safely(payload.trial_fn, spec, payload.context, deadline)


def _call_with_backstop(
    payload: Payload, spec: TrialSpec, deadline: float | None, limit: float
) -> TrialResult | None:
    """Runs the trial in a thread of its own and waits at most `limit` seconds; None when it is
    still running then (a thread cannot be stopped: its worker process will be)."""
    results: list[TrialResult] = []
    thread = threading.Thread(
        target=lambda: results.append(_limited_call(payload, spec, deadline)),
        name=f"hpsearch-trial-{spec.number}",
        daemon=True,
    )
    thread.start()
    thread.join(limit)
    return results[0] if results else None


def _close_gracefully(worker: Worker) -> None:
    """Stops the scheduler from sending this worker any more tasks; the status change is queued
    on the worker's event loop ahead of this task's completion, so the scheduler sees it first.
    The driver ends the process once it has the result; if no driver is left to, it ends itself."""
    worker.loop.add_callback(setattr, worker, "status", Status.closing_gracefully)
    ender = threading.Timer(ORPHAN_EXIT_S, os._exit, (EXIT_CODE,))
    ender.daemon = True
    ender.start()
