"""The worker's side of execution: the safety net around a trial function, and for worker
processes their set-up and the beacon that tells the driver which trial each process holds.

A beacon is a small file, `<beacon dir>/<trial number>-<pid>`, written when a process starts a
trial and removed when the trial function returns. The driver reads beacons to announce trials as
started and, when a worker dies, to learn which trials were inside a trial function at that moment:
the pool only says that *some* worker died, not which task it held.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.durable import written_aside
from hpsearch.trial import TrialResult, TrialSpec, TrialState

# trial_fn(spec, context, deadline) -> TrialResult; `deadline` is a time.monotonic() value or None.
TrialFn = Callable[[TrialSpec, Any, float | None], TrialResult]

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# What a worker process was given once, at its start: see init_process. Not random state.
_PROCESS: dict[str, Any] = {}


def worker_id() -> str:
    """`host:pid`, the name each result records for the process that ran it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def aligned_arrays(value: Any) -> Any:
    """`value` with every NumPy array in it (in dicts and dataclasses too) aligned to its item
    size, copied where it was not. Dask hands a worker arrays that lie at any byte offset of its
    message, and NumPy sums and multiplies an unaligned array along another path, with other
    rounding: unaligned data would give a trial other numbers on Dask than elsewhere."""
    if isinstance(value, np.ndarray):
        return value if value.flags.aligned else np.require(value, requirements="A")
    if isinstance(value, dict):
        return {key: aligned_arrays(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return replace(
            value,
            **{f.name: aligned_arrays(getattr(value, f.name)) for f in fields(value) if f.init},
        )
    return value


def call_trial(
    trial_fn: TrialFn, spec: TrialSpec, context: Any, deadline: float | None
) -> TrialResult:
    """Runs one trial so that it always ends as a TrialResult naming its worker.

    An exception becomes a FAILED result with its traceback (the safety net: the objective catches
    its own errors first). KeyboardInterrupt and SystemExit pass, so Ctrl-C still stops a run.
    """
    start = time.perf_counter()
    try:
        result = trial_fn(spec, context, deadline)
    except Exception as error:
        result = unfinished(spec, TrialState.FAILED, _error_text(error), traceback.format_exc())
    if not _is_result_of(result, spec):
        message = f"the trial function must return the TrialResult of trial {spec.number}"
        result = unfinished(spec, TrialState.FAILED, f"{message}, but returned {result!r:.200}")
    return replace(
        result, worker=worker_id(), duration_s=result.duration_s or time.perf_counter() - start
    )


def call_trial_safely(
    trial_fn: TrialFn, spec: TrialSpec, context: Any, deadline: float | None
) -> TrialResult:
    """`call_trial` for a worker process, where SystemExit and the like must not end the worker."""
    try:
        return call_trial(trial_fn, spec, context, deadline)
    except BaseException as error:
        trace = traceback.format_exc()
        return unfinished(spec, TrialState.FAILED, _error_text(error), trace, worker_id())


def unfinished(
    spec: TrialSpec, state: TrialState, message: str, trace: str = "", worker: str = ""
) -> TrialResult:
    """The result of a trial that produced no errors of its own: failed, timed out, …"""
    return TrialResult(
        spec.number, spec.round, state, message=message, traceback=trace, worker=worker
    )


@dataclass(frozen=True)
class Beacon:
    """Trial `number` is inside its trial function in process `pid` since `started` (monotonic)."""

    number: int
    pid: int
    worker: str
    started: float


def init_process(
    trial_fn: TrialFn, context: Any, beacon_dir: str, driver: int | None = None
) -> None:
    """Set-up of a worker process, run once when it starts (loky's `initializer`).

    The context (the dataset) arrives here once per process, not once per trial. Ctrl-C is
    ignored: the driver alone decides to stop, and kills its workers itself. `driver` is the pid
    of the process that started the pool (default: this process's parent now).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # held by the driver: see held_stops
    _PROCESS.update(trial_fn=trial_fn, context=context, beacon_dir=Path(beacon_dir))
    _exit_with_parent(os.getppid() if driver is None else driver)


def init_process_from(
    trial_fn: TrialFn, context_path: str, beacon_dir: str, driver: int | None = None
) -> None:
    """`init_process` with the context read from the file `context_path` (`ship_context`), not
    from the pool's pipe: loky writes a new worker its start-up data before it starts the next,
    and blocks while the worker, still importing, has not read it all, so a dataset in that data
    made the workers start one after the other. Read from a file, they start side by side."""
    with open(context_path, "rb") as file:
        context = pickle.load(file)
    init_process(trial_fn, context, beacon_dir, driver)


def ship_context(context: Any, folder: Path) -> Path:
    """`context` pickled once into `folder`, for `init_process_from` in every worker."""
    path = folder / "context.pickle"
    with open(path, "wb") as file:
        pickle.dump(context, file, protocol=pickle.HIGHEST_PROTOCOL)
    return path


@contextmanager
def held_stops() -> Iterator[None]:
    """Holds Ctrl-C and SIGTERM back while the driver starts worker processes.

    A stop that lands while loky writes a new worker its start-up data leaves a worker that
    loky does not know yet (so does not kill), and that then prints the traceback of its broken
    start; and the terminal's Ctrl-C, sent to every process of the group, would break the
    worker's own interpreter start-up ("Fatal Python error: init_import_site"). Held, a stop
    waits in the driver until the workers are started (then it is raised as usual), and each
    worker, which inherits the held mask, lets its stops through only in `init_process`, once
    it ignores Ctrl-C. A second stop is not held. The resource trackers are started first:
    Python's own one unblocks the signals after starting itself, which would end the hold."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []  # Python runs handlers in the main thread, whichever thread got it

    def hold(number: int, frame: Any) -> None:
        if came:  # a second stop: the start itself hangs (a worker died while being written to)
            signal.signal(number, handlers[number])
            signal.raise_signal(number)
        came.append(number)

    handlers = {number: signal.signal(number, hold) for number in STOP_SIGNALS}
    _start_resource_trackers()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # what new workers inherit
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for number, handler in handlers.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
    for number in dict.fromkeys(came):  # now, as if it came at once after the workers started
        signal.raise_signal(number)


def _start_resource_trackers() -> None:
    from multiprocessing import resource_tracker

    from joblib.externals.loky.backend import resource_tracker as loky_tracker

    resource_tracker.ensure_running()
    loky_tracker.ensure_running()


def _exit_with_parent(driver: int, period_s: float = 0.5) -> None:
    """A worker whose driver was killed (kill -9 leaves no time to stop it) would train on for
    nobody; it notices that its parent is no longer the driver and exits. The driver's pid comes
    from the driver itself: read here, it would already be 1 (or a subreaper) when the driver
    died while this worker was starting, and the worker would then watch its new parent."""

    def watch() -> None:
        while os.getppid() == driver:
            time.sleep(period_s)
        os._exit(1)

    if os.getppid() != driver:
        os._exit(1)
    threading.Thread(target=watch, name="hpsearch-parent-watch", daemon=True).start()


def run_in_worker(spec: TrialSpec, trial_timeout: float | None) -> TrialResult:
    """The task a worker process runs per trial: beacon, deadline, safety net."""
    started = time.monotonic()
    beacon = _PROCESS["beacon_dir"] / f"{spec.number}-{os.getpid()}"
    with written_aside(beacon, "w", durable=False) as file:  # it lives as long as its trial
        file.write(json.dumps({"worker": worker_id(), "started": started}))
    deadline = None if trial_timeout is None else started + trial_timeout
    try:
        return call_trial_safely(_PROCESS["trial_fn"], spec, _PROCESS["context"], deadline)
    finally:
        beacon.unlink(missing_ok=True)


def read_beacons(beacon_dir: Path) -> dict[int, Beacon]:
    """The trials inside a trial function right now (or when their process died), by number."""
    beacons = {}
    for path in beacon_dir.iterdir():
        if path.suffix == ".partial":
            continue
        try:
            content = json.loads(path.read_text())
        except FileNotFoundError:  # its trial just returned
            continue
        number, _, pid = path.name.rpartition("-")
        beacons[int(number)] = Beacon(int(number), int(pid), content["worker"], content["started"])
    return beacons


def _is_result_of(result: object, spec: TrialSpec) -> bool:
    return isinstance(result, TrialResult) and (result.number, result.round) == (
        spec.number,
        spec.round,
    )


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
