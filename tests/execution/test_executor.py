"""The executor contract, one suite over every backend: in this process, local processes, Dask.

Trials are toys (tests/toy_trials.py) that sleep, raise, hang or kill their own process.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from hpsearch.errors import ConfigError, ExecutorError
from hpsearch.execution.contract import Executor, TrialEvent, TrialFinished, TrialStarted
from hpsearch.execution.dask_cluster import DaskExecutor
from hpsearch.execution.factory import make_executor
from hpsearch.execution.in_process import InProcessExecutor
from hpsearch.execution.local_processes import LokyExecutor
from hpsearch.execution.threads import TRIAL_THREADS
from hpsearch.trial import TrialResult, TrialSpec, TrialState
from tests.toy_trials import BrokenContext, CountedContext, scripted

BACKENDS = ["in-process", "loky", "dask"]
PROCESS_BACKENDS = ["loky", "dask"]  # where a trial may kill its own worker


def make(backend: str, context: Any = None, trial_fn: Callable = scripted, **options) -> Executor:
    if backend == "in-process":
        return InProcessExecutor(trial_fn, context, **options)
    if backend == "dask":  # a LocalCluster of 2 worker processes
        return DaskExecutor(trial_fn, context, workers=2, **options)
    return LokyExecutor(trial_fn, context, 2, **options)


def specs(*params: dict[str, Any]) -> list[TrialSpec]:
    return [TrialSpec(number, 0, dict(p), seed=100 + number) for number, p in enumerate(params)]


def run_all(executor: Executor, todo: Iterable[TrialSpec]) -> list[TrialEvent]:
    with executor:
        return list(executor.run(todo))


def outcomes(events: list[TrialEvent]) -> dict[int, TrialFinished]:
    """The one TrialFinished of each trial, checking it came once and after a TrialStarted."""
    started, finished = set(), {}
    for event in events:
        if isinstance(event, TrialStarted):
            started.add(event.spec.number)
        else:
            number = event.result.number
            assert number in started and number not in finished
            finished[number] = event
    return finished


def pid_of(worker: str) -> int:
    return int(worker.rpartition(":")[2])


def worker_pids(executor: Executor, workers: Iterable[str]) -> set[int]:
    """The processes behind workers' names: `host:pid` locally, addresses on Dask."""
    if isinstance(executor, DaskExecutor):
        pids = executor.client.run(os.getpid)
        return {pids[worker] for worker in workers}
    return {pid_of(worker) for worker in workers}


def is_alive(pid: int) -> bool:
    try:
        import psutil
    except ImportError:
        stat = Path(f"/proc/{pid}/stat")
        return stat.exists() and stat.read_text().split(")")[1].split()[0] != "Z"
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_trial_starts_then_finishes_exactly_once(backend: str) -> None:
    todo = specs(*({"error": n / 10, "sleep": 0.01 * (n % 3)} for n in range(7)))
    with make(backend) as executor:
        finished = outcomes(list(executor.run(todo)))
        pids = worker_pids(executor, {finished[n].result.worker for n in range(7)})
    assert sorted(finished) == list(range(7))
    assert [finished[n].result.dev_error for n in range(7)] == [n / 10 for n in range(7)]
    assert {finished[n].result.state for n in range(7)} == {TrialState.COMPLETE}
    assert (pids == {os.getpid()}) == (backend == "in-process")


@pytest.mark.parametrize("backend", BACKENDS)
def test_specs_added_during_a_run_join_it_and_a_finished_number_may_come_again(
    backend: str,
) -> None:
    """What a halving schedule does: a rung's winners join the run while others still train."""
    first = specs({"error": 0.1}, {"error": 0.2, "sleep": 0.3}, {"error": 0.3, "sleep": 0.3})
    events, added = [], []
    with make(backend) as executor:
        for event in executor.run(first):
            events.append(event)
            if isinstance(event, TrialFinished) and event.result.number == 0 and not added:
                added = [TrialSpec(0, 0, {"error": 0.5}, seed=7), *specs(*[{}] * 4)[3:]]
                executor.add(added)
    finishes = [e.result for e in events if isinstance(e, TrialFinished)]
    assert sorted((r.number, r.dev_error) for r in finishes) == [
        (0, 0.1), (0, 0.5), (1, 0.2), (2, 0.3), (3, 0.5),
    ]  # fmt: skip
    assert finishes[0].number == 0 and len(finishes) == 5


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_stream_back_as_each_trial_finishes(backend: str) -> None:
    received = []
    with make(backend) as executor:
        for event in executor.run(specs({}, {}, {"sleep": 0.6}, {"sleep": 0.6})):
            if isinstance(event, TrialFinished):
                received.append((time.monotonic(), event.result.curves["ended"][0]))
    first_received = min(at for at, _ in received)
    last_ended = max(ended for _, ended in received)
    assert first_received < last_ended - 0.3


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_raising_trial_fails_with_its_traceback_and_the_others_complete(backend: str) -> None:
    todo = specs({}, {"raise": "no good"}, {"wrong_return": True}, {})
    finished = outcomes(run_all(make(backend), todo))
    failed = finished[1].result
    assert failed.state is TrialState.FAILED
    assert failed.message == "ValueError: no good"
    assert "toy_trials.py" in failed.traceback and "ValueError: no good" in failed.traceback
    assert finished[2].result.state is TrialState.FAILED
    assert finished[2].result.message == (
        "the trial function must return the TrialResult of trial 2, but returned None"
    )
    assert finished[0].result.state is finished[3].result.state is TrialState.COMPLETE


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_trial_gets_its_deadline_and_may_stop_itself(backend: str) -> None:
    finished = outcomes(run_all(make(backend, trial_timeout=0.3), specs({}, {"sleep": 5})))
    assert 0.2 < finished[0].result.curves["deadline_after"][0] <= 0.3
    assert finished[1].result.state is TrialState.TIMED_OUT
    assert finished[1].result.message == "deadline"  # its own verdict, not the backstop's


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_trial_ignoring_its_deadline_is_timed_out_and_the_others_go_on(backend: str) -> None:
    executor = make(backend, trial_timeout=0.4, grace_s=0.3)
    todo = specs({"hang": True}, *[{"sleep": 0.2}] * 5)  # a neighbour runs when the pool is killed
    started = time.monotonic()
    finished = outcomes(run_all(executor, todo))
    # The hung trial sleeps an hour: the run ends long before, however loaded the machine (a
    # worker restart under load takes seconds).
    assert time.monotonic() - started < 120
    hung = finished[0].result
    assert hung.state is TrialState.TIMED_OUT
    assert hung.message.startswith("ran past trial_timeout=0.4s and did not stop within 0.3s more")
    assert all(finished[n].result.state is TrialState.COMPLETE for n in range(1, 6))
    assert all(finished[n].attempts == 0 for n in range(6))  # the neighbours were not charged


@pytest.mark.parametrize("backend", BACKENDS)
def test_ctrl_c_stops_launching_and_reports_the_trials_in_flight(backend: str) -> None:
    events: list[TrialEvent] = []
    executor = make(backend)
    with pytest.raises(KeyboardInterrupt):
        for event in executor.run(specs({}, {"sleep": 30}, {}, {"sleep": 30}, {"sleep": 30})):
            events.append(event)
            if isinstance(event, TrialStarted) and event.spec.number == 1:
                threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    workers = worker_pids(executor, {e.worker for e in events if isinstance(e, TrialStarted)})
    in_flight = executor.stop()
    executor.close()
    finished = {e.result.number for e in events if isinstance(e, TrialFinished)}
    started = {e.spec.number for e in events if isinstance(e, TrialStarted)}
    assert in_flight == sorted(started - finished)
    assert 1 in in_flight and 0 in finished
    if backend != "in-process":
        assert not alive_after(workers, 60.0)


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_stop_kills_every_worker(backend: str) -> None:
    executor = make(backend)
    try:
        started: list[TrialStarted] = []
        for event in executor.run(specs(*[{"sleep": 600}] * 4)):
            started.append(event)
            if len(started) == 2:
                break
        workers = worker_pids(executor, [event.worker for event in started])
        assert executor.stop() == sorted(event.spec.number for event in started)
        # Killed by stop(), not by close(): gone long before their trials would end, however
        # loaded the machine (a process reaped by its parent may take a moment under load).
        assert len(workers) == 2 and not alive_after(workers, 60.0)
    finally:
        executor.close()


def alive_after(pids: Iterable[int], seconds: float) -> list[int]:
    """Those of `pids` still running after `seconds` (zombies are not)."""
    deadline = time.monotonic() + seconds
    while (alive := [pid for pid in pids if is_alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_workers_ignore_ctrl_c_that_the_terminal_sends_them(backend: str) -> None:
    with make(backend) as executor:
        events = []
        for event in executor.run(specs({"sleep": 0.5})):
            events.append(event)
            if isinstance(event, TrialStarted):
                (pid,) = worker_pids(executor, [event.worker])
                os.kill(pid, signal.SIGINT)
    assert outcomes(events)[0].result.state is TrialState.COMPLETE


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_a_worker_killed_once_reruns_its_trial_and_keeps_earlier_results(
    backend: str, tmp_path: Path
) -> None:
    todo = specs({}, {}, {"kill": "once", "sleep_before_kill": 0.4}, {})
    events = run_all(make(backend, {"tmp": tmp_path}), todo)
    finished = outcomes(events)
    assert all(finished[n].result.state is TrialState.COMPLETE for n in range(4))
    assert [finished[n].attempts for n in range(4)] == [0, 0, 1, 0]
    before_death = [e.result.number for e in events if isinstance(e, TrialFinished)][:3]
    assert sorted(before_death) == [0, 1, 3]


@pytest.mark.slow  # four pools: the first death, then three deaths alone
@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_a_trial_that_always_kills_its_worker_fails_and_spares_its_neighbour(
    backend: str, tmp_path: Path
) -> None:
    todo = specs({"sleep": 0.5}, {"kill": "always", "sleep_before_kill": 0.1}, {})
    finished = outcomes(run_all(make(backend, {"tmp": tmp_path}), todo))
    killer = finished[1]
    assert killer.result.state is TrialState.FAILED and killer.attempts == 3
    assert killer.result.message.startswith("worker died 3 times while running this trial")
    assert [finished[n].result.state for n in (0, 2)] == [TrialState.COMPLETE] * 2
    assert finished[0].attempts == finished[2].attempts == 0


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_system_exit_in_a_trial_fails_it_without_killing_the_worker(backend: str) -> None:
    finished = outcomes(run_all(make(backend), specs({"exit": True}, {})))
    assert finished[0].result.state is TrialState.FAILED
    assert finished[0].result.message == "SystemExit: 3" and finished[0].attempts == 0
    assert finished[1].result.state is TrialState.COMPLETE


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_trial_trains_with_one_blas_thread(backend: str) -> None:
    finished = outcomes(run_all(make(backend), specs({})))
    curves = finished[0].result.curves
    assert curves["blas_threads"] and all(n == TRIAL_THREADS == 1 for n in curves["blas_threads"])
    if backend != "in-process":  # set before the worker loads BLAS
        assert curves["openblas_env"] == [TRIAL_THREADS]


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_the_context_is_shipped_once_per_worker_not_per_trial(backend: str, tmp_path: Path) -> None:
    log = tmp_path / "unpickled"
    finished = outcomes(run_all(make(backend, CountedContext(str(log))), specs(*[{}] * 12)))
    assert len(finished) == 12
    loads = log.read_text().split()
    assert len(loads) == len(set(loads)) <= 2


def test_started_early_the_workers_load_the_context_before_any_trial(tmp_path: Path) -> None:
    """`start` makes the workers while the driver still sets the study up: each has loaded the
    context (read from the file it was written to once) before a trial is handed over, and the
    trials then run on those same workers."""
    log = tmp_path / "unpickled"
    with make("loky", CountedContext(str(log))) as executor:
        executor.start()
        deadline = time.monotonic() + 120
        while len(_lines(log)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(set(_lines(log))) == 2  # both workers, and no trial yet
        finished = outcomes(list(executor.run(specs(*[{}] * 6))))
        workers = {pid_of(event.result.worker) for event in finished.values()}
        assert len(finished) == 6 and workers <= set(map(int, _lines(log)))
    assert sorted(_lines(log)) == sorted(set(_lines(log)))  # loaded once per worker


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


# On Dask a context that workers cannot load fails at once, as it is scattered, rather than
# killing workers: tests/test_dask_backend.py checks that error.
@pytest.mark.parametrize("backend", ["loky"])
def test_workers_that_cannot_start_raise_instead_of_looping(backend: str) -> None:
    with pytest.raises(ExecutorError, match="died 3 times in a row before running any trial"):
        run_all(make(backend, BrokenContext()), specs({}))


def test_in_process_mode_runs_a_closure_without_pickling_it() -> None:
    lock, seen = threading.Lock(), []  # a lock cannot be pickled

    def trial(spec: TrialSpec, context: Any, deadline: float | None) -> TrialResult:
        with lock:
            seen.append((spec.number, context))
        return TrialResult(spec.number, spec.round, TrialState.COMPLETE, dev_error=0.1)

    finished = outcomes(run_all(make_executor(trial, "data", workers=1), specs({}, {})))
    assert seen == [(0, "data"), (1, "data")] and len(finished) == 2


def test_make_executor_picks_the_backend_and_checks_its_options() -> None:
    assert isinstance(make_executor(scripted, None, workers=1), InProcessExecutor)
    with make_executor(scripted, None, workers=3) as executor:
        assert isinstance(executor, LokyExecutor) and executor.workers == 3
    with pytest.raises(ConfigError, match=r"^`workers >= 1` must hold, but got workers=0$"):
        make_executor(scripted, None, workers=0)
    with pytest.raises(ConfigError, match=r"^`trial_timeout > 0` must hold, but got trial_time"):
        make_executor(scripted, None, workers=1, trial_timeout=0)
    with pytest.raises(ConfigError, match=r"^`backend` must be 'local' or 'dask', but got backe"):
        make_executor(scripted, None, backend="ray")  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as error:
        make_executor(scripted, None, scheduler="tcp://127.0.0.1:8786")
    assert str(error.value) == (
        "scheduler is only used with backend: dask, but backend is 'local'; set backend: dask, "
        "or remove scheduler"
    )


def test_make_executor_without_workers_follows_the_study_rule(monkeypatch) -> None:
    """As many as the cores hold at the study's BLAS threads each, as `Execution.of` counts."""
    monkeypatch.setattr("hpsearch.config.execution.available_cores", lambda: 8)
    for threads, workers in [(1, 8), (2, 4), (3, 2), (16, 1)]:
        with make_executor(scripted, None, threads=threads) as executor:
            assert (type(executor), executor.workers) == (
                InProcessExecutor if workers == 1 else LokyExecutor,
                workers,
            )


def test_repeated_trial_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match=r"each trial number must appear once, .* of \[0\]"):
        list(make("in-process").run(specs({}) * 2))


@pytest.mark.parametrize("backend", ["in-process", "loky"])
def test_a_study_may_give_each_trial_more_blas_threads(backend: str) -> None:
    finished = outcomes(run_all(make(backend, threads=2), specs({})))
    curves = finished[0].result.curves
    assert curves["blas_threads"] and all(n == 2 for n in curves["blas_threads"])
    if backend != "in-process":
        assert curves["openblas_env"] == [2]


def test_a_stop_just_after_a_submit_kills_the_pool_without_a_thread_error(monkeypatch) -> None:
    """A SIGTERM that lands just after a trial was handed to the pool: loky's own thread must
    not die of the task it was about to send (a traceback on stderr, mid-stop)."""
    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda hook: errors.append(hook.exc_value))
    executor = LokyExecutor(scripted, None, 2)
    try:
        for number in range(4):
            list(executor.run([TrialSpec(100 + number, 0, {}, seed=1)]))  # workers up, mid-run
            executor.add(specs({"sleep": 30}, {"sleep": 30}, {"sleep": 30}))
            executor._submit_ready()  # what a run does as a worker frees up
            executor.stop()
    finally:
        executor.close()
    assert errors == []
