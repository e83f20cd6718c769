"""Trials on a Dask cluster: one reached by its scheduler's address, or a LocalCluster started here.

The trial function and the dataset are scattered once. Each task tells, by worker events, when its
trial begins and ends on a worker, so that a worker's death is charged only to the trial inside it;
Dask's scheduler reruns the trials of a lost worker and fails one at its third death (KilledWorker).
A trial that ignores its deadline is left behind by its task, and its worker process is ended.
How and why: docs/cluster.md.
"""

from __future__ import annotations

import logging
import queue
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import CancelledError
from typing import Any

from hpsearch.errors import ConfigError, ExecutorError

try:
    import dask
    from distributed import Client, Future, LocalCluster
    from distributed.comm import CommClosedError
    from distributed.scheduler import KilledWorker
except ImportError as error:  # the optional extra
    raise ConfigError(
        "the dask backend needs the `distributed` package, which cannot be imported "
        f'({error}); install it with `pip install -e ".[dask]"` in a checkout of hpsearch, as '
        'the README does, or `pip install "hpsearch[dask]"`'
    ) from error

from hpsearch.config.execution import default_workers
from hpsearch.execution.contract import (
    DEFAULT_GRACE_S,
    MAX_DEATHS,
    Executor,
    TrialEvent,
    TrialFinished,
    TrialStarted,
    unique_specs,
)
from hpsearch.execution.dask_tasks import (
    TOPIC,
    IgnoreInterrupts,
    Payload,
    TaskEnd,
    exit_soon,
    probe,
    run_trial_task,
)
from hpsearch.execution.threads import THREAD_VARIABLES
from hpsearch.execution.worker import TrialFn, unfinished
from hpsearch.trial import TrialResult, TrialSpec, TrialState
from hpsearch.version import __version__

POLL_S = 0.1  # how often a run waiting for events looks whether stop() ended it
NANNY_PATIENCE = "7 days"  # how long a LocalCluster keeps a nanny whose worker died: see below
CONNECT_TIMEOUT_S = 30.0
CANNOT_LOAD = (
    "the Dask cluster cannot load the trials: the trial function and the context must be "
    "picklable, and hpsearch and the trial function's module importable on the scheduler and on "
    "every worker"
)


class DaskExecutor(Executor):
    """Trials on the Dask cluster at `scheduler`, or else on a LocalCluster of `workers`
    single-threaded processes (one per core by default) that `close()` shuts down."""

    ahead = 1  # one task queued at the scheduler, given to the first worker that frees

    def __init__(
        self,
        trial_fn: TrialFn,
        context: Any,
        *,
        scheduler: str | None = None,
        workers: int | None = None,
        trial_timeout: float | None = None,
        grace_s: float = DEFAULT_GRACE_S,
        dashboard_address: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_S,
    ) -> None:
        self._trial_fn, self._context = trial_fn, context
        self._timeout, self._grace, self._wait = trial_timeout, grace_s, connect_timeout
        self._cluster = None
        if scheduler is None:
            self._cluster = start_local_cluster(workers or default_workers(), dashboard_address)
        self._client = self._connect(scheduler)
        self.workers = sum(self._client.nthreads().values())  # worker threads, as of now
        # (scheduler time, a task's event) from the topic, or (None, future) when one is done
        self._inbox: queue.SimpleQueue[tuple[float | None, Any]] = queue.SimpleQueue()
        self._client.subscribe_topic(TOPIC, self._inbox.put)
        self._payload: Future | None = None
        self._forget_trials()

    @property
    def client(self) -> Client:
        """The Dask client, for its dashboard link or for diagnostics."""
        return self._client

    def run(self, specs: Iterable[TrialSpec]) -> Iterator[TrialEvent]:
        todo = unique_specs(specs)
        run_id = self._run_id = uuid.uuid4().hex
        self._submit(todo)
        while self._tasks and run_id == self._run_id:
            try:
                _, event = self._inbox.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if isinstance(event, Future):
                yield from self._done(event)
            elif event["run"] == run_id and event["key"] in self._tasks:
                yield from self._task_event(event)

    def add(self, specs: Iterable[TrialSpec]) -> None:
        self._submit(unique_specs(specs))

    def stop(self) -> list[int]:
        return self._halt(restart=True)

    def close(self) -> None:
        """Stops, then closes the client and the LocalCluster started here, if any."""
        try:
            self._halt(restart=self._cluster is None)  # closing a LocalCluster ends its trials
        finally:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()

    def _forget_trials(self) -> None:
        self._run_id = ""  # a new one for each run, none after stop(): stale events are ignored
        self._tasks: dict[str, tuple[Future, TrialSpec]] = {}  # by task key
        self._inside: set[str] = set()  # tasks started on a worker and not ended there
        self._deaths: Counter[int] = Counter()  # by trial number: workers lost while inside
        self._where: dict[int, str] = {}  # the worker of each trial's latest start
        self._announced: set[int] = set()  # started and not finished: what stop() reports

    def _connect(self, scheduler: str | None) -> Client:
        if self._cluster is not None:
            try:
                client = Client(self._cluster, set_as_default=False)
                client.register_plugin(IgnoreInterrupts(), name="hpsearch-ignore-interrupts")
            except BaseException:
                self._cluster.close()  # no worker process outlives a failed start
                raise
            return client
        try:
            return Client(scheduler, timeout=self._wait, set_as_default=False)
        except ValueError as error:
            raise ConfigError(
                f"`scheduler` must be a Dask address like tcp://HOST:8786, but got "
                f"{scheduler!r} ({error})"
            ) from error
        except OSError as error:
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {scheduler} ({error}); start one with "
                "`dask scheduler` and give the address it prints"
            ) from error

    def _ship(self) -> Future:
        """The payload's future: scattered to every worker once, and again if every copy died
        (also while it was being shipped: a trial that kills its workers may kill the one that
        just got it, and the probe is then cancelled for its lost dependency, or the scheduler
        finds no worker left to copy it to). Shipping goes on until a worker has it or the
        wait for a worker is over; any other error is the payload's own."""
        if self._payload is not None and self._payload.status == "finished":
            return self._payload
        payload = Payload(self._trial_fn, self._context)
        deadline = time.monotonic() + self._wait
        try:
            while True:
                try:
                    self._payload = self._client.scatter(  # waits for a worker as we do
                        payload, broadcast=True, hash=False, timeout=self._wait
                    )
                    version = self._client.submit(probe, self._payload, pure=False).result(
                        self._wait
                    )
                    break
                except Exception as error:
                    if not _lost_while_shipped(error) or time.monotonic() > deadline:
                        raise
        except TimeoutError as error:
            raise ExecutorError(
                f"no Dask worker was ready within {self._wait:g}s; start workers with "
                f"`dask worker {self._client.scheduler.address} --nthreads 1`"
            ) from error
        except Exception as error:
            raise ExecutorError(f"{CANNOT_LOAD} ({_error_line(error)})") from error
        if version != __version__:
            raise ExecutorError(
                f"the Dask workers run hpsearch {version} but this machine runs "
                f"{__version__}; install the same version on every machine"
            )
        return self._payload

    def _submit(self, specs: list[TrialSpec]) -> None:
        if not specs:
            return
        keys = [f"hpsearch-trial-{spec.number}-{uuid.uuid4().hex[:8]}" for spec in specs]
        futures = self._client.map(
            run_trial_task,
            specs,
            keys,
            payload=self._ship(),
            trial_timeout=self._timeout,
            grace_s=self._grace,
            run_id=self._run_id,
            key=keys,
            pure=False,
        )
        for future, spec in zip(futures, specs, strict=True):
            self._tasks[future.key] = (future, spec)
            future.add_done_callback(lambda done: self._inbox.put((None, done)))

    def _task_event(self, event: dict[str, Any]) -> Iterator[TrialEvent]:
        """A task began or ended a run on a worker. Dask runs a task again when its worker dies,
        and also when a worker dies holding its result: only a run that never ended counts."""
        key, spec = event["key"], self._tasks[event["key"]][1]
        if event["ended"]:
            self._inside.discard(key)
            return
        if key in self._inside:  # its previous run never ended: that worker died
            self._deaths[spec.number] += 1
            if self._deaths[spec.number] >= MAX_DEATHS:  # counted across the keys it has had
                yield from self._give_up(key, spec)
                return
        self._inside.add(key)
        self._where[spec.number] = event["worker"]
        self._announced.add(spec.number)
        yield TrialStarted(spec, event["worker"])

    def _done(self, future: Future) -> Iterator[TrialEvent]:
        if future.key not in self._tasks:
            return  # cancelled by stop()
        spec = self._tasks[future.key][1]
        if future.status == "finished":
            yield from self._finished(spec, future)
        elif future.status == "error":
            yield from self._deliver(future.key, self._failure(spec, future))
        else:  # cancelled by the cluster: every copy of the payload died, or it restarted
            yield from self._lost(spec, future.key)

    def _finished(self, spec: TrialSpec, future: Future) -> Iterator[TrialEvent]:
        try:
            outcome: TaskEnd = future.result()
        except CancelledError:  # its result and every copy of the payload died before we got it
            yield from self._lost(spec, future.key)
            return
        # Forgotten by the scheduler before this returns: the death of the worker holding the
        # result (the restart below, say) must not make Dask run the trial again.
        self._client.cancel([future])
        if outcome.overran:
            self._restart([outcome.result.worker])
        yield from self._deliver(future.key, outcome.result)

    def _failure(self, spec: TrialSpec, future: Future) -> TrialResult:
        error = future.exception()
        if not isinstance(error, KilledWorker):  # e.g. a spec that a worker cannot unpickle
            trace = "".join(traceback.format_exception(error))
            return unfinished(spec, TrialState.FAILED, _error_line(error), trace)
        self._deaths[spec.number] += int(future.key in self._inside)
        # Dask also counts deaths of workers that held the task queued, not yet started.
        self._deaths[spec.number] = max(self._deaths[spec.number], error.allowed_failures + 1)
        return _died(spec, self._deaths[spec.number], error.last_worker.address)

    def _lost(self, spec: TrialSpec, key: str) -> Iterator[TrialEvent]:
        self._deaths[spec.number] += int(key in self._inside)
        if self._deaths[spec.number] >= MAX_DEATHS:
            yield from self._give_up(key, spec)
            return
        del self._tasks[key]
        self._inside.discard(key)
        self._submit([spec])

    def _give_up(self, key: str, spec: TrialSpec) -> Iterator[TrialEvent]:
        """Fails a trial whose workers died MAX_DEATHS times, and cancels its task if it runs."""
        self._client.cancel([self._tasks[key][0]])
        died = _died(spec, self._deaths[spec.number], self._where[spec.number])
        yield from self._deliver(key, died)

    def _deliver(self, key: str, result: TrialResult) -> Iterator[TrialEvent]:
        run_id, spec = self._run_id, self._tasks.pop(key)[1]
        self._inside.discard(key)
        if spec.number not in self._announced:  # its start event is still on its way
            self._announced.add(spec.number)
            yield TrialStarted(spec, result.worker)
        if run_id != self._run_id:
            return  # stop() came while the event was out, and reported the trial as running
        yield TrialFinished(result, self._deaths.pop(spec.number, 0))
        self._announced.discard(spec.number)  # only once the driver has taken it in

    def _halt(self, *, restart: bool) -> list[int]:
        """Cancels every trial; restarts the workers running one, whose thread would go on."""
        in_flight = sorted(self._announced)
        holders = {self._where[number] for number in in_flight if number in self._where}
        futures = [future for future, _ in self._tasks.values()]
        self._forget_trials()
        if futures:
            self._client.cancel(futures)
        if holders and restart:
            self._restart(holders)
        return in_flight

    def _restart(self, workers: Iterable[str]) -> None:
        """Ends the trials running on these workers with their processes; each nanny starts a new
        one. (Dask's own restart first waits 4 s for the running task, which will not end.)"""
        alive = set(workers) & set(self._client.nthreads())  # a gone one: 30 s to fail to connect
        if alive:
            self._client.run(exit_soon, workers=sorted(alive), on_error="ignore")


def start_local_cluster(workers: int, dashboard_address: str | None = None) -> LocalCluster:
    """`workers` single-threaded worker processes on 127.0.0.1, each with one BLAS thread."""
    settings = {
        "distributed.scheduler.allowed-failures": MAX_DEATHS - 1,  # KilledWorker at the 3rd death
        "distributed.scheduler.worker-saturation": 1.0,  # no trial waits behind a busy one
        # Set before a worker process starts, so that every BLAS it loads obeys them.
        **{f"distributed.nanny.pre-spawn-environ.{name}": "1" for name in THREAD_VARIABLES},
    }
    # When a worker is lost and none of its name is back within this timeout, the cluster closes
    # its nanny for good; on a loaded machine a trial that kills its worker can keep one down
    # that long, and the cluster would run out of workers. Our nannies always start a new one.
    # Read when a worker is lost, not at the start: set for the process.
    dask.config.set({"distributed.deploy.lost-worker-timeout": NANNY_PATIENCE})
    with dask.config.set(settings):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # Dask's scheduler serves HTTP (health, metrics) even with no dashboard: on loopback.
            dashboard_address=dashboard_address or "127.0.0.1:0",
            scheduler_kwargs={"dashboard": dashboard_address is not None},
            silence_logs=logging.CRITICAL,  # what matters comes back as trial results
            env={name: "1" for name in THREAD_VARIABLES},
        )


def _died(spec: TrialSpec, deaths: int, worker: str) -> TrialResult:
    message = (
        f"worker died {deaths} times while running this trial: a crash in native code (a "
        "segfault) or the out-of-memory killer are the usual causes"
    )
    return unfinished(spec, TrialState.FAILED, message, worker=worker)


def _lost_while_shipped(error: BaseException) -> bool:
    """The payload's copies died as it was shipped: its probe cancelled, the worker it was
    being copied to gone (a closed connection), or every worker gone before the copies were
    made. Not a wait that ran out, which `_ship` reports as no worker ready."""
    if isinstance(error, TimeoutError):
        return False
    return isinstance(error, CancelledError | CommClosedError) or (
        "Can not use replicate to delete data" in str(error)
    )


def _error_line(error: BaseException) -> str:
    """The error's kind and its first line (Dask wraps some errors of its workers in a bare
    Exception, whose text already names the kind)."""
    first_line = next(iter(str(error).splitlines()), "")
    return first_line if type(error) is Exception else f"{type(error).__name__}: {first_line}"
