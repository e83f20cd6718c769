"""How hpsearch's commands and its run loop grow with the size of a study.

    python benchmarks/scale.py            # studies of 100, 1,000, 10,000 and 100,000 trials
    python benchmarks/scale.py --quick    # a smoke run: 100 and 1,000 trials, one cold timing each

Each study is written through the store's own API (`StudyStore.add_finished`) with realistic
rows: the quickstart's hyperparameters drawn on their scales by the sampler, 20-epoch curves,
2% failed and 1% diverged trials. Each command is timed as a user types it, in a fresh process
(`python -m hpsearch ...`), median of 3 after one untimed run (`--quick`: one run, cold);
`show --all` is timed on a pseudo-terminal to its first screen (40 lines). The run side is
timed in this process: what recording one more trial costs hpsearch (store, best models kept,
progress display) when the study already holds N."""

from __future__ import annotations

import argparse
import math
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout

from hpsearch.config import parse_config  # noqa: E402
from hpsearch.search.sampler import plan_trials  # noqa: E402
from hpsearch.store.study_store import StudyStore  # noqa: E402
from hpsearch.study.overview import ShowOptions, keep_importance, view_study  # noqa: E402
from hpsearch.study.snapshot import snapshot_of  # noqa: E402
from hpsearch.trial import TrialResult, TrialSpec, TrialState  # noqa: E402

CONFIG = """\
name: scale
data: {dataset: iris}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-5, high: 1}
  beta1: {distribution: one_minus_log_uniform, low: 0.9, high: 0.999}
  layers: {distribution: int_uniform, low: 1, high: 3}
  hidden_units: {distribution: int_uniform, low: 32, high: 256}
  activation: {distribution: choice, choices: [relu, tanh]}
  epochs: 20
search: {trials: %d, seed: 0, workers: 1}
"""
EPOCHS = 20
DECAY = np.exp(-np.arange(EPOCHS) / 5)  # the shape of every learning curve
COMMANDS = (  # on the study as a finished run leaves it; the last, as while it runs
    ("show", ["show"]),
    ("show --format csv", ["show", "--format", "csv"]),
    ("show --format json", ["show", "--format", "json"]),
    ("show --all (first screen)", ["show", "--all"]),
    ("best", ["best"]),
    ("zoom --dry-run", ["zoom", "--dry-run"]),
    ("plot", ["plot"]),
    ("show (while the study runs)", ["show"]),
)
SCREEN = 40  # lines of a first screen
WARM_UP = 5  # trials recorded before the clock starts


def build_study(runs: Path, n: int) -> Path:
    """A study of `n` finished trials whose dev error depends on α, β1 and the layers, with
    noise; every 50th trial failed, every 100th diverged; its importance estimate kept, as the
    end of a run keeps it."""
    config = parse_config(CONFIG % n, "scale.yaml")
    folder = runs / config.name
    store = StudyStore.create(
        folder, config.name, config.model_dump(mode="json"), config.study_identity(), "fp", "abc"
    )
    specs = plan_trials(config.hyperparameters, "random", seed=0, round=0, numbers=range(n))
    noise = np.random.default_rng(1).normal(0, 0.01, n)
    with store:
        store.add_round(config.hyperparameters.to_dict(), "random", n, 0)
        store.add_finished((spec, _result(spec, noise[spec.number])) for spec in specs)
        keep_importance(store, view_study(snapshot_of(store), ShowOptions()))
    return folder


def forget_importance(folder: Path) -> None:
    """The study as while a run writes it: no estimate kept for what it holds now."""
    with StudyStore.open(folder, writer=True) as store, store._write():
        store._conn.execute("DELETE FROM importance")


def _result(spec: TrialSpec, noise: float) -> TrialResult:
    number, p = spec.number, spec.params
    worker = f"host-{number % 7}:{number % 4}"
    if number % 50 == 49:
        return TrialResult(
            number, 0, TrialState.FAILED, duration_s=0.4, worker=worker,
            message="MemoryError: cannot allocate", traceback="Traceback ...\nMemoryError",
        )  # fmt: skip
    if number % 100 == 33:
        return TrialResult(
            number, 0, TrialState.DIVERGED, epochs=3, duration_s=0.3, worker=worker,
            message="dev cost not finite at epoch 3",
            curves={"train_cost": [2.3, 40.0, math.inf], "dev_cost": [2.3, 50.0, math.inf]},
        )  # fmt: skip
    dev = 0.03 + 0.02 * (math.log10(p["learning_rate"]) + 2.5) ** 2
    dev += 0.05 * math.log10(1 - p["beta1"]) ** 2 / 9 + 0.01 * p["layers"] + noise
    dev = min(max(dev, 0.0), 0.9)
    train = dev * 0.7
    curves = {
        "train_cost": (train * 3 + DECAY).round(6).tolist(),
        "train_error": (train + DECAY / 4).round(6).tolist(),
        "dev_cost": (dev * 3 + DECAY).round(6).tolist(),
        "dev_error": (dev + DECAY / 4).round(6).tolist(),
    }
    return TrialResult(
        number, 0, TrialState.COMPLETE, dev_error=dev, train_error=train, dev_cost=3 * dev,
        train_cost=3 * train, epochs=EPOCHS, curves=curves, duration_s=1 + number % 13 / 10,
        worker=worker, engine="numba",
    )  # fmt: skip


def command_seconds(args: list[str], runs: Path, repeat: int, warm: bool) -> float:
    """Median wall time of `python -m hpsearch ARGS` in a fresh process, output discarded."""
    return _median_seconds([*args, "scale", "--runs-dir", str(runs)], repeat, warm)


def first_screen_seconds(args: list[str], runs: Path, repeat: int, warm: bool) -> float:
    """Median time until `python -m hpsearch ARGS` has written SCREEN lines to a terminal."""
    command = [sys.executable, "-m", "hpsearch", *args, "scale", "--runs-dir", str(runs)]
    times = []
    for _ in range(repeat):
        main, secondary = pty.openpty()
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=_env(COLUMNS="160", LINES="50"), stdout=secondary,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(secondary)
        lines = 0
        while lines < SCREEN:
            ready, _, _ = select.select([main], [], [], 60)
            try:
                chunk = os.read(main, 65536) if ready else b""
            except OSError:  # the command ended and closed the terminal
                chunk = b""
            if not chunk:
                break
            lines += chunk.count(b"\n")
        times.append(time.perf_counter() - start)
        process.kill()
        process.wait()
        os.close(main)
    return statistics.median(times)


def check_seconds(repeat: int, warm: bool) -> float:
    """`hpsearch check configs/quickstart.yaml`, after a first run has warmed the caches."""
    if warm:
        _median_seconds(["check", "configs/quickstart.yaml"], 1, warm)
    return _median_seconds(["check", "configs/quickstart.yaml"], repeat, warm)


def _median_seconds(args: list[str], repeat: int, warm: bool) -> float:
    """After one untimed run when `warm`, which leaves the files a command reads in the OS's
    cache."""
    command = [sys.executable, "-m", "hpsearch", *args]
    if warm:
        subprocess.run(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def record_ms(folder: Path, trials: int) -> float:
    """What hpsearch spends on each finished trial of a run (mark it running, record it, keep
    the best models, tell the progress display) in a study already holding its trials; timed
    after WARM_UP trials, which load once what recording needs."""
    from rich.console import Console

    from hpsearch.cli.progress import LineProgress
    from hpsearch.study.recording import Recorder
    from hpsearch.study.snapshot import snapshot_of

    with StudyStore.open(folder, writer=True) as store:
        snapshot = snapshot_of(store)
        end = snapshot.rounds[-1].trial_numbers.stop
        store.add_round(snapshot.rounds[0].space, "random", trials, end)
        observer = LineProgress(Console(file=open(os.devnull, "w")))  # noqa: SIM115
        recorder = Recorder(store, snapshot, observer, lambda record, weights: weights)
        params = snapshot.trials([0])[0].params
        steps = []
        for number in range(end, end + trials):
            spec = TrialSpec(number, len(snapshot.rounds), params, number)
            result = _result(TrialSpec(number, 0, spec.params, number), 0.0)
            result = TrialResult(**{**result.__dict__, "round": spec.round, "weights": b"x"})
            steps.append((spec, result))

        def record(spec: TrialSpec, result: TrialResult) -> None:
            recorder.started(spec, "w")
            recorder.result(result)

        for spec, result in steps[:WARM_UP]:
            record(spec, result)
        start = time.perf_counter()
        for spec, result in steps[WARM_UP:]:
            record(spec, result)
        return (time.perf_counter() - start) / (trials - WARM_UP) * 1000


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def growth(times: list[float], sizes: list[int]) -> str:
    """Time per 10× more trials, from the smallest study to the largest."""
    decades = math.log10(sizes[-1] / sizes[0])
    return f"×{(times[-1] / times[0]) ** (1 / decades):.2f}" if decades else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 trials, one cold run")
    args = parser.parse_args()
    sizes, repeat = ([100, 1_000], 1) if args.quick else ([100, 1_000, 10_000, 100_000], 3)
    rows: dict[str, list[float]] = {name: [] for name, _ in COMMANDS}
    extra: dict[str, list[str]] = {"build": [], "store": [], "record": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            runs = Path(tmp) / str(n)
            start = time.perf_counter()
            folder = build_study(runs, n)
            extra["build"].append(f"{time.perf_counter() - start:.1f} s")
            size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
            extra["store"].append(f"{size / n / 1024:.1f} KiB")
            for name, command in COMMANDS:
                if name == "show (while the study runs)":
                    forget_importance(folder)
                timer = first_screen_seconds if "first screen" in name else command_seconds
                rows[name].append(timer(command, runs, repeat, not args.quick))
            extra["record"].append(f"{record_ms(folder, 200):.2f} ms")
        checked = check_seconds(repeat, not args.quick)
    print(table(sizes, rows, extra, checked, args.quick))


def table(
    sizes: list[int], rows: dict[str, list[float]], extra: dict[str, list[str]], checked: float,
    quick: bool,
) -> str:  # fmt: skip
    """The figures as Markdown, with the command that made them."""
    command = "python benchmarks/scale.py" + " --quick" * quick
    head = " | ".join(f"{n:,} trials" for n in sizes)
    timed = "one cold run" if quick else "median of 3 after one untimed run"
    lines = [
        f"`{command}` (fresh process per command, {timed}):",
        "",
        f"| command | {head} | per 10× trials |",
        "|---|" + "---|" * len(sizes) + "---|",
    ]
    for name, times in rows.items():
        cells = " | ".join(f"{t:.2f} s" for t in times)
        lines.append(f"| `{name}` | {cells} | {growth(times, sizes)} |")
    labels = {
        "record": "hpsearch's cost per recorded trial",
        "store": "store size per trial",
        "build": "building the study",
    }
    for key, label in labels.items():
        lines.append(f"| {label} | {' | '.join(extra[key])} | |")
    after = "" if quick else ", after the first"
    lines += ["", f"`hpsearch check configs/quickstart.yaml`{after}: {checked:.2f} s"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
