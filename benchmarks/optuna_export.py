"""How long `hpsearch export --format optuna` takes as a study grows, and what a re-export costs.

    python benchmarks/optuna_export.py            # studies of 1,000, 10,000 and 100,000 trials
    python benchmarks/optuna_export.py --quick    # a smoke run: 1,000 trials

Each study is written through the store's own API, with the rows `benchmarks/scale.py` writes
(the quickstart's hyperparameters drawn on their scales, 20-epoch curves, 2% failed and 1%
diverged trials). Each export is timed as a user types it, in a fresh process: the first into
a new file, a re-export that finds nothing new, and one after the study grew by 1,000 trials;
then `optuna.load_study` reading the file back, in this process. `show --format json`, timed
the same way, is the yardstick of how busy the machine was: benchmarks/results/scale.md has its
time on a quiet one (3.98 s at 100,000 trials)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import CONFIG, _result, build_study  # noqa: E402

from hpsearch.config import parse_config  # noqa: E402
from hpsearch.search.sampler import plan_trials  # noqa: E402
from hpsearch.store.study_store import StudyStore  # noqa: E402

GROWTH = 1_000  # trials added before the third export


def timed_export(folder: Path, output: Path) -> tuple[float, str]:
    """Seconds of `hpsearch export STUDY --format optuna` in a fresh process; its first line."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "hpsearch", "export", str(folder), "--format", "optuna",
         "-o", str(output)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return time.perf_counter() - start, done.stdout.splitlines()[0]


def timed_show(folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "hpsearch", "show", str(folder), "--format", "json"],
        capture_output=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return time.perf_counter() - start


def grow(folder: Path, n: int) -> None:
    """`GROWTH` more finished trials in round 0, drawn and scored as the first `n`."""
    config = parse_config(CONFIG % n, "scale.yaml")
    numbers = range(n, n + GROWTH)
    specs = plan_trials(config.hyperparameters, "random", seed=0, round=0, numbers=numbers)
    with StudyStore.open(folder, writer=True) as store:
        store.extend_round(0, n + GROWTH)
        store.add_finished((spec, _result(spec, 0.0)) for spec in specs)


def loaded(output: Path) -> tuple[float, int]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.perf_counter()
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(output))
    )
    count = len(optuna.load_study(study_name="scale", storage=storage).get_trials(deepcopy=False))
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 trials only")
    parser.add_argument("--trials", type=int, nargs="+", help="the sizes (default: all three)")
    args = parser.parse_args()
    sizes = args.trials or ([1_000] if args.quick else [1_000, 10_000, 100_000])
    print("| trials | first export | re-export, nothing new | re-export, 1,000 new "
          "| optuna.load_study | file | show --format json |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder, output = build_study(Path(tmp), n), Path(tmp) / "scale.journal"
            show_s = timed_show(folder)
            first, said = timed_export(folder, output)
            assert said.startswith(f"wrote {n:,} new trials"), said
            same, said = timed_export(folder, output)
            assert said.startswith("wrote no new trial"), said
            grow(folder, n)
            grown, said = timed_export(folder, output)
            assert said.startswith(f"wrote {GROWTH:,} new trials"), said
            load_s, count = loaded(output)
            assert count == n + GROWTH
            size = output.stat().st_size / 2**20
            print(
                f"| {n:,} | {first:.1f} s | {same:.1f} s | {grown:.1f} s | {load_s:.1f} s "
                f"| {size:.0f} MiB | {show_s:.1f} s |",
                flush=True,
            )


if __name__ == "__main__":
    main()
