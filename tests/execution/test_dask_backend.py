"""The Dask backend beyond the executor contract (tests/test_executor.py runs that over Dask too):
the same numbers as local processes, workers that die, a cluster started from the shell, and the
errors a user can meet. Every cluster listens on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest

from hpsearch.errors import ConfigError, ExecutorError
from hpsearch.execution import dask_cluster
from hpsearch.execution.contract import TrialStarted
from hpsearch.execution.dask_cluster import DaskExecutor
from hpsearch.execution.factory import make_executor
from hpsearch.execution.local_processes import LokyExecutor
from hpsearch.trial import TrialSpec, TrialState
from tests.execution.test_executor import outcomes, run_all, specs
from tests.toy_trials import BrokenContext, least_squares, scripted

ROOT = Path(__file__).resolve().parents[2]
DASK = (sys.executable, "-m", "dask")  # the `dask` command, wherever pip put its script
# The settings docs/cluster.md gives the scheduler, so that it fails a trial at its third death.
SCHEDULER_ENV = {
    "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "2",
}

Start = Callable[..., None]


def test_a_local_cluster_gives_the_same_numbers_as_local_processes() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(200, 12))
    data = {"x": x, "y": x @ rng.normal(size=(12, 3)) + 0.1 * rng.normal(size=(200, 3))}
    todo = [
        TrialSpec(n, 0, {"learning_rate": 0.02 * (1 + n % 3), "steps": 40}, seed=10 + n)
        for n in range(6)
    ]
    numbers = {}
    for executor in (
        LokyExecutor(least_squares, data, 2),
        DaskExecutor(least_squares, data, workers=2),
    ):
        finished = outcomes(run_all(executor, todo))
        results = [finished[n].result for n in range(6)]
        numbers[type(executor)] = [(r.dev_error, r.train_error, r.curves) for r in results]
    assert numbers[DaskExecutor] == numbers[LokyExecutor]
    assert len({dev_error for dev_error, _, _ in numbers[DaskExecutor]}) == 6
    assert all(r.worker.startswith("tcp://127.0.0.1:") for r in results)


def test_make_executor_starts_a_local_cluster_that_listens_on_loopback_only() -> None:
    with make_executor(scripted, None, workers=2, backend="dask") as executor:
        assert isinstance(executor, DaskExecutor) and executor.workers == 2
        assert sorted(executor.client.nthreads().values()) == [1, 1]
        here = psutil.Process()
        listening = {
            (process.pid, connection.laddr)
            for process in [here, *here.children(recursive=True)]
            for connection in process.net_connections(kind="tcp")
            if connection.status == psutil.CONN_LISTEN
        }
    assert len(listening) >= 5  # the scheduler, its HTTP server, two workers and their nannies
    assert {address.ip for _, address in listening} == {"127.0.0.1"}
    assert 8787 not in {address.port for _, address in listening}  # nor the dashboard's usual port


def test_a_local_cluster_keeps_the_nanny_of_a_worker_that_is_slow_to_come_back() -> None:
    """Dask closes a lost worker's nanny for good when no worker of its name is back within
    `lost-worker-timeout` (15 s by default), which a trial that kills its worker again and
    again on a loaded machine exceeds: the run was then left with no worker at all."""
    import dask
    from dask.utils import parse_timedelta

    with make_executor(scripted, None, workers=1, backend="dask"):
        patience = dask.config.get("distributed.deploy.lost-worker-timeout")
        assert parse_timedelta(patience) >= 24 * 3600


def test_a_trial_is_announced_when_it_starts_on_a_worker_not_when_submitted() -> None:
    began = time.monotonic()
    with DaskExecutor(scripted, None, workers=1) as executor:
        announced = {
            event.spec.number: time.monotonic() - began
            for event in executor.run(specs({"sleep": 0.5}, {"sleep": 0.5}))
            if isinstance(event, TrialStarted)
        }
    assert announced[1] - announced[0] > 0.4  # trial 1 waited for the one worker


def test_a_worker_killed_mid_run_loses_no_trial_and_runs_none_twice(tmp_path: Path) -> None:
    events, killed = [], False
    # Trial 2's first run waits in its worker until the kill lands, however late its start
    # event reaches the driver on a loaded machine; its rerun ends as the others do.
    waits = {2: {"sleep_once": 600}}
    todo = specs(*({"sleep": 0.3, "error": n / 10} | waits.get(n, {}) for n in range(8)))
    with DaskExecutor(scripted, {"tmp": str(tmp_path)}, workers=2) as executor:
        for event in executor.run(todo):
            events.append(event)
            if isinstance(event, TrialStarted) and event.spec.number == 2 and not killed:
                killed = True
                os.kill(executor.client.run(os.getpid)[event.worker], signal.SIGKILL)
    finished = outcomes(events)  # each trial finished once, after it started
    assert [finished[n].result.dev_error for n in range(8)] == [n / 10 for n in range(8)]
    assert {finished[n].result.state for n in range(8)} == {TrialState.COMPLETE}
    assert [finished[n].attempts for n in range(8)] == [0, 0, 1, 0, 0, 0, 0, 0]
    starts = [e.worker for e in events if isinstance(e, TrialStarted) and e.spec.number == 2]
    assert len(starts) == 2 and starts[0] != starts[1]


def test_when_the_only_worker_dies_the_payload_is_sent_again(tmp_path: Path) -> None:
    todo = specs({}, {"kill": "once", "sleep_before_kill": 0.2}, {})
    finished = outcomes(run_all(DaskExecutor(scripted, {"tmp": tmp_path}, workers=1), todo))
    assert {finished[n].result.state for n in range(3)} == {TrialState.COMPLETE}
    assert [finished[n].attempts for n in range(3)] == [0, 1, 0]


@pytest.mark.slow  # three deaths of the one worker, each followed by a restart
def test_a_trial_that_always_kills_the_only_worker_fails_at_its_third_death() -> None:
    todo = specs({"kill": "always", "sleep_before_kill": 0.1}, {})
    finished = outcomes(run_all(DaskExecutor(scripted, None, workers=1), todo))
    killer = finished[0]
    assert killer.result.state is TrialState.FAILED and killer.attempts == 3
    assert killer.result.message.startswith("worker died 3 times while running this trial")
    assert finished[1].result.state is TrialState.COMPLETE and finished[1].attempts == 0


@pytest.mark.slow  # three deaths, each followed by a restart
def test_a_trial_whose_worker_died_after_it_ended_is_not_charged() -> None:
    # The killer starts on a worker the moment the neighbour's task ends there, and kills it,
    # often before the neighbour's result is fetched: Dask (or hpsearch, when every copy of the
    # payload died too) runs the neighbour again, but its worker did not die while inside it.
    todo = specs({"kill": "always"}, {"sleep": 0.1})
    # each death waits for a nanny to start a worker again: on a loaded machine that takes long
    executor = DaskExecutor(scripted, None, workers=2, connect_timeout=180)
    finished = outcomes(run_all(executor, todo))
    assert finished[0].result.state is TrialState.FAILED and finished[0].attempts == 3
    assert finished[1].result.state is TrialState.COMPLETE and finished[1].attempts == 0


def test_a_cluster_started_from_the_shell_runs_every_trial_and_stop_ends_its_trials(
    shell: Start,
) -> None:
    address = start_cluster(shell)
    with DaskExecutor(scripted, None, scheduler=address, connect_timeout=20) as executor:
        todo = specs(*({"sleep": 0.1, "error": n / 10} for n in range(6)))
        finished = outcomes(list(executor.run(todo)))
        assert [finished[n].result.dev_error for n in range(6)] == [n / 10 for n in range(6)]
        assert all(finished[n].result.worker.startswith("tcp://127.0.0.1:") for n in range(6))
        executor.client.wait_for_workers(2, timeout=20)
        running, started = [], []
        for event in executor.run(specs(*[{"sleep": 30}] * 3)):
            running.append(event.worker)
            started.append(event.spec.number)  # which two of the three start first is Dask's
            if len(running) == 2:
                break
        pids = executor.client.run(os.getpid)
        assert executor.stop() == sorted(started)
        assert wait_until(lambda: not any(psutil.pid_exists(pids[w]) for w in running))
        executor.client.wait_for_workers(2, timeout=20)  # their nannies started new ones


def test_the_cli_runs_a_study_on_a_cluster_started_from_the_shell(
    shell: Start, tmp_path: Path
) -> None:
    address = start_cluster(shell)
    (tmp_path / "iris.yaml").write_text(
        "data: {dataset: iris}\nhyperparameters:\n"
        "  learning_rate: {distribution: log_uniform, low: 1e-3, high: 1e-1}\n"
        "  epochs: 5\nsearch: {trials: 6}\n"
    )
    hpsearch = (sys.executable, "-m", "hpsearch")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [*hpsearch, "run", "iris.yaml", "--backend", "dask", "--scheduler", address, "-q"]
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "best 6 of 6 complete trials" in run.stdout
    show = [*hpsearch, "show", "iris", "--all", "--format", "json"]
    shown = subprocess.run(show, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    trials = json.loads(shown.stdout)
    assert sorted(t["trial"] for t in trials) == list(range(6))
    assert all(t["worker"].startswith("tcp://127.0.0.1:") for t in trials)


@pytest.mark.slow  # three worker processes die and their nannies start new ones
def test_a_scheduler_started_as_documented_fails_a_trial_at_its_third_death(shell: Start) -> None:
    address = start_cluster(shell)
    executor = DaskExecutor(scripted, None, scheduler=address, connect_timeout=20)
    todo = specs({"kill": "always", "sleep_before_kill": 0.2}, {"sleep": 0.1})
    finished = outcomes(run_all(executor, todo))
    assert finished[0].result.state is TrialState.FAILED and finished[0].attempts == 3
    assert finished[0].result.message.startswith("worker died 3 times while running this trial")
    assert finished[1].result.state is TrialState.COMPLETE and finished[1].attempts == 0


def test_a_scheduler_without_workers_is_reported(shell: Start) -> None:
    port = free_port()
    shell(*DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    assert wait_until(lambda: port_open(port), 20)
    executor = DaskExecutor(scripted, None, scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=1)
    with executor, pytest.raises(ExecutorError) as error:
        list(executor.run(specs({})))
    assert str(error.value) == (
        f"no Dask worker was ready within 1s; start workers with "
        f"`dask worker tcp://127.0.0.1:{port} --nthreads 1`"
    )


def test_a_scheduler_that_cannot_import_hpsearch_is_reported(shell: Start, tmp_path: Path) -> None:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    shadow = tmp_path / "hpsearch"  # found before any installed hpsearch: as if there were none
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('hpsearch is not installed here')\n")
    command = [*DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    shell(*command, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    shell(*DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard")
    executor = DaskExecutor(scripted, None, scheduler=address, connect_timeout=20)
    with executor, pytest.raises(ExecutorError) as error:
        list(executor.run(specs({})))
    assert str(error.value).startswith(
        "the Dask cluster cannot load the trials: the trial function and the context must be "
        "picklable, and hpsearch and the trial function's module importable on the scheduler and "
        "on every worker (RuntimeError: Error during deserialization of the task graph."
    )


def test_a_context_that_workers_cannot_load_is_reported_at_once() -> None:
    executor = DaskExecutor(scripted, BrokenContext(), workers=1)
    with executor, pytest.raises(ExecutorError) as error:
        list(executor.run(specs({})))
    assert str(error.value).endswith(
        "on every worker (RuntimeError('this context cannot be loaded'))"
    )


def test_workers_with_another_version_of_hpsearch_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    theirs = dask_cluster.__version__
    monkeypatch.setattr(dask_cluster, "__version__", "9.9.9")  # here only: workers import their own
    with DaskExecutor(scripted, None, workers=1) as executor, pytest.raises(ExecutorError) as error:
        list(executor.run(specs({})))
    assert str(error.value) == (
        f"the Dask workers run hpsearch {theirs} but this machine runs 9.9.9; install the same "
        "version on every machine"
    )


def test_a_scheduler_that_cannot_be_reached_is_reported() -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(ExecutorError) as error:
        DaskExecutor(scripted, None, scheduler=address, connect_timeout=0.5)
    assert str(error.value) == (
        f"cannot reach the Dask scheduler at {address} (Timed out trying to connect to "
        f"{address} after 0.5 s); start one with `dask scheduler` and give the address it prints"
    )


def test_a_malformed_scheduler_address_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as error:
        DaskExecutor(scripted, None, scheduler="127.0.0.1")
    assert str(error.value) == (
        "`scheduler` must be a Dask address like tcp://HOST:8786, but got '127.0.0.1' "
        "(missing port number in address '127.0.0.1')"
    )


def test_without_distributed_the_dask_backend_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "hpsearch.execution.dask_cluster")
    with pytest.raises(ConfigError) as error:
        make_executor(scripted, None, backend="dask")
    assert str(error.value) == (
        "the dask backend needs the `distributed` package, which cannot be imported (import of "
        'distributed halted; None in sys.modules); install it with `pip install -e ".[dask]"` '
        'in a checkout of hpsearch, as the README does, or `pip install "hpsearch[dask]"`'
    )


@pytest.fixture
def shell() -> Iterator[Start]:
    """Starts commands as from a shell, each in a process group of its own, with hpsearch on the
    path; stops every one of them, and checks that none is left, however the test ends."""
    started: list[subprocess.Popen] = []

    def start(*command: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
        environ = {**os.environ, "PYTHONPATH": str(ROOT), **SCHEDULER_ENV, **(env or {})}
        started.append(
            subprocess.Popen(
                command,
                cwd=cwd,
                env=environ,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    try:
        yield start
    finally:
        for process in reversed(started):  # the workers, then their scheduler
            _signal_group(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        assert wait_until(lambda: not any(_group(process.pid) for process in started))


def _signal_group(group: int, signum: int) -> None:
    for pid in _group(group):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _group(group: int) -> list[int]:
    """The live processes of a process group (zombies waiting for their parent do not count)."""
    members = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(process.pid) == group and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def start_cluster(shell: Start, workers: int = 2) -> str:
    """A scheduler and `workers` single-threaded workers on 127.0.0.1, as the docs start them;
    returns the scheduler's address."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    shell(*DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    for _ in range(workers):
        shell(*DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard")
    return address


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
