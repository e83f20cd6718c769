"""Trials in local worker processes (joblib's loky), with the recovery that loky leaves to us.

When one worker dies (a segfault, the out-of-memory killer), loky fails *every* pending future
with `TerminatedWorkerError` and kills the other workers; it reports the exit codes, not which
task the dead worker held. The beacons (see `hpsearch.execution.worker`) tell which trials were
inside their trial function then, and this rule decides whom to blame:
- a trial that had not entered its trial function is resubmitted, uncharged;
- if exactly one trial was inside, it is the culprit and is charged one attempt;
- if several were, none is charged and each reruns alone (no neighbour), so that a next death
  is surely its own;
- a charged trial keeps running alone; at `max_deaths` charges it is FAILED ("worker died");
- deaths with no trial inside (a worker that cannot start, say) raise ExecutorError after
  `max_deaths` in a row.
A trial still inside its function `grace_s` past its deadline: the pool is killed, that trial is
TIMED_OUT and the others are resubmitted, uncharged. Every new pool gets the context once more.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import tempfile
import time
import traceback
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from pathlib import Path
from typing import Any

from joblib.externals.loky import ProcessPoolExecutor
from joblib.externals.loky.process_executor import ShutdownExecutorError

from hpsearch.errors import ExecutorError
from hpsearch.execution.contract import (
    DEFAULT_GRACE_S,
    MAX_DEATHS,
    Executor,
    TrialEvent,
    TrialFinished,
    TrialStarted,
    overran_message,
    unique_specs,
)
from hpsearch.execution.threads import THREAD_VARIABLES, TRIAL_THREADS
from hpsearch.execution.worker import (
    Beacon,
    TrialFn,
    held_stops,
    init_process_from,
    read_beacons,
    run_in_worker,
    ship_context,
    unfinished,
)
from hpsearch.trial import TrialResult, TrialSpec, TrialState

POLL_S = 0.05  # how often beacons are read: started events and the timeout backstop


class LokyExecutor(Executor):
    """`workers` trials at a time in local processes, each limited to `threads` BLAS threads;
    one more waits in the pool, so that a worker going from one trial to the next does not wait
    for the driver (a waiting trial has no beacon: a death is never charged to it)."""

    ahead = 1

    def __init__(
        self,
        trial_fn: TrialFn,
        context: Any,
        workers: int,
        *,
        trial_timeout: float | None = None,
        grace_s: float = DEFAULT_GRACE_S,
        max_deaths: int = MAX_DEATHS,
        threads: int = TRIAL_THREADS,
    ) -> None:
        self.workers = workers
        self.threads = threads
        self._trial_fn, self._context = trial_fn, context
        self._timeout, self._grace, self._max_deaths = trial_timeout, grace_s, max_deaths
        self._folder = Path(tempfile.mkdtemp(prefix="hpsearch-workers-"))
        self._beacon_dir = self._folder / "beacons"
        self._beacon_dir.mkdir()
        self._context_path: Path | None = None  # written when the first pool starts
        self._pool: ProcessPoolExecutor | None = None
        self._running: dict[Future, TrialSpec] = {}
        self._waiting: deque[TrialSpec] = deque()
        self._inside: dict[int, Beacon] = {}  # the running attempts seen inside their function
        self._announced: set[int] = set()  # started and not finished: what stop() reports
        self._alone: set[int] = set()  # trials that must run with no neighbour
        self._deaths: Counter[int] = Counter()
        self._barren = 0  # worker deaths in a row with no trial to blame

    def run(self, specs: Iterable[TrialSpec]) -> Iterator[TrialEvent]:
        self._waiting.extend(unique_specs(specs))
        while self._waiting or self._running:
            self._submit_ready()
            done, _ = wait(list(self._running), timeout=POLL_S, return_when=FIRST_COMPLETED)
            yield from self._announce()
            broken = [future.exception() for future in done if _is_lost(future)]
            if broken:
                yield from self._after_death(broken[0])
                continue
            for future in done:
                if future in self._running:  # else stop() came while an event was out
                    yield from self._finish(future)
            overdue = self._overdue()
            if overdue:
                yield from self._time_out(overdue)

    def start(self) -> None:
        if self._pool is None:
            with held_stops():  # a task makes loky start every worker; none is ever read
                self._get_pool().submit(os.getpid)

    def add(self, specs: Iterable[TrialSpec]) -> None:
        self._waiting.extend(unique_specs(specs))

    def stop(self) -> list[int]:
        self._kill_pool()
        in_flight = sorted(self._announced)
        self._running.clear()
        self._waiting.clear()
        self._inside.clear()
        self._announced.clear()
        self._alone.clear()
        self._deaths.clear()
        self._barren = 0
        return in_flight

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _submit_ready(self) -> None:
        while self._waiting and self._may_start(self._waiting[0]):
            spec = self._waiting.popleft()
            try:
                with held_stops():  # a submit may start workers
                    future = self._get_pool().submit(run_in_worker, spec, self._timeout)
                    self._running[future] = spec
            except BrokenExecutor:  # an idle worker died: the futures, if any, will tell
                self._waiting.appendleft(spec)
                if not self._running:
                    self._kill_pool()
                return

    def _may_start(self, spec: TrialSpec) -> bool:
        if not self._running:
            return True
        running = {other.number for other in self._running.values()}
        alone = spec.number in self._alone or bool(running & self._alone)
        return not alone and len(running) < self.workers + self.ahead

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            if self._context_path is None:
                self._context_path = ship_context(self._context, self._folder)
            beacons, context = str(self._beacon_dir), str(self._context_path)
            self._pool = ProcessPoolExecutor(
                self.workers,
                initializer=init_process_from,
                initargs=(self._trial_fn, context, beacons, os.getpid()),
                # Set before the process imports anything, so every BLAS it loads obeys them.
                env={name: str(self.threads) for name in THREAD_VARIABLES},
            )
        return self._pool

    def _kill_pool(self) -> None:
        """Kills every worker and waits for them; then no beacon can change any more."""
        if self._pool is not None:
            _drop_unsent(self._pool)
            self._pool.shutdown(wait=True, kill_workers=True)
            self._pool = None

    def _announce(self) -> Iterator[TrialEvent]:
        """A TrialStarted for each attempt newly seen inside its trial function."""
        running = {spec.number: spec for spec in self._running.values()}
        for number, beacon in read_beacons(self._beacon_dir).items():
            if number in running and self._inside.get(number) != beacon:
                self._inside[number] = beacon
                self._announced.add(number)
                yield TrialStarted(running[number], beacon.worker)

    def _finish(self, future: Future) -> Iterator[TrialEvent]:
        spec = self._running.pop(future)
        self._inside.pop(spec.number, None)
        yield from self._deliver(spec, _outcome(future, spec))

    def _deliver(self, spec: TrialSpec, result: TrialResult) -> Iterator[TrialEvent]:
        if spec.number not in self._announced:  # too quick for the beacon to be seen
            self._announced.add(spec.number)
            yield TrialStarted(spec, result.worker)
        self._alone.discard(spec.number)
        self._barren = 0
        yield TrialFinished(result, self._deaths.pop(spec.number, 0))
        self._announced.discard(spec.number)  # only once the driver has taken it in

    def _after_death(self, error: BaseException | None) -> Iterator[TrialEvent]:
        self._kill_pool()
        held = read_beacons(self._beacon_dir)
        lost = self._requeue_lost()
        suspects = [spec for spec in lost if spec.number in held]
        yield from self._finish_done()
        if len(suspects) > 1:
            self._alone.update(spec.number for spec in suspects)
        elif suspects:
            yield from self._charge(suspects[0], held[suspects[0].number].worker, error)
        elif lost:
            self._barren += 1
            if self._barren >= self._max_deaths:
                raise ExecutorError(
                    f"worker processes died {self._barren} times in a row before running any "
                    f"trial{_exit_codes(error)}; the usual causes are too little memory for "
                    f"{self.workers} workers holding the dataset each (try fewer workers), or a "
                    "trial function or context that cannot be loaded in a fresh process "
                    f"(the pool said: {str(error).splitlines()[0] if error else 'nothing'})"
                )

    def _charge(
        self, spec: TrialSpec, worker: str, error: BaseException | None
    ) -> Iterator[TrialEvent]:
        self._deaths[spec.number] += 1
        self._alone.add(spec.number)
        deaths = self._deaths[spec.number]
        if deaths >= self._max_deaths:
            self._waiting.remove(spec)
            message = (
                f"worker died {deaths} times while running this trial{_exit_codes(error)}: a "
                "crash in native code (a segfault) or the out-of-memory killer are the usual causes"
            )
            yield from self._deliver(
                spec, unfinished(spec, TrialState.FAILED, message, worker=worker)
            )

    def _overdue(self) -> list[Beacon]:
        if self._timeout is None:
            return []
        limit = time.monotonic() - self._timeout - self._grace
        return [beacon for beacon in self._inside.values() if beacon.started < limit]

    def _time_out(self, overdue: list[Beacon]) -> Iterator[TrialEvent]:
        self._kill_pool()
        stuck = {beacon.number: beacon for beacon in overdue}
        timed_out = [
            (future, spec) for future, spec in self._running.items() if spec.number in stuck
        ]
        for future, _ in timed_out:
            del self._running[future]
        self._requeue_lost()
        yield from self._finish_done()
        fate = overran_message(self._timeout, self._grace, "its worker was killed")
        for future, spec in timed_out:
            if _is_lost(future):
                result = unfinished(
                    spec, TrialState.TIMED_OUT, fate, worker=stuck[spec.number].worker
                )
            else:  # it returned while the pool was being killed
                result = _outcome(future, spec)
            yield from self._deliver(spec, result)

    def _requeue_lost(self) -> list[TrialSpec]:
        """Once the pool is gone: trials whose results were lost go back to the queue's head."""
        lost = {future: spec for future, spec in self._running.items() if _is_lost(future)}
        for future in lost:
            del self._running[future]
        self._waiting.extendleft(reversed(lost.values()))
        self._inside.clear()
        for path in self._beacon_dir.iterdir():
            path.unlink(missing_ok=True)
        return list(lost.values())

    def _finish_done(self) -> Iterator[TrialEvent]:
        for future in list(self._running):
            if future in self._running:
                yield from self._finish(future)


def _drop_unsent(pool: ProcessPoolExecutor) -> None:
    """Takes the tasks not yet handed to a worker out of the pool's queue before it is killed.
    Shutting down with `kill_workers`, loky's manager thread fails every pending task but
    leaves its id queued, then looks that id up and dies of a KeyError, printed as a
    thread's traceback: what a stop just after a submit (SIGTERM mid-run) did. Their futures
    are failed as lost, as the others are."""
    queued = getattr(pool, "_work_ids", None)
    while queued is not None:
        try:
            queued.get_nowait()
        except queue.Empty:
            return


def _is_lost(future: Future) -> bool:
    """Whether the pool lost this task (it died or was killed) rather than ran it."""
    if not future.done() or future.cancelled():
        return True
    return isinstance(future.exception(), BrokenExecutor | ShutdownExecutorError)


def _outcome(future: Future, spec: TrialSpec) -> TrialResult:
    error = future.exception()
    if error is None:
        return future.result()
    trace = "".join(traceback.format_exception(error))  # e.g. a spec that cannot be pickled
    return unfinished(spec, TrialState.FAILED, f"{type(error).__name__}: {error}", trace)


def _exit_codes(error: BaseException | None) -> str:
    match = re.search(r"exit codes of the workers are (\S[^\n]*)", str(error))
    return f" (exit codes {match.group(1)})" if match else ""
