"""Per-trial overhead of running a study: dispatch to a worker, events back, two store commits.

The trial function does nothing, so what is timed is hpsearch's own cost per trial (target: under
5 ms). Run from the repository root: `python benchmarks/store_overhead.py [--trials N]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hpsearch.executor import TrialStarted, make_executor
from hpsearch.store import StudyStore
from hpsearch.trial import TrialResult, TrialSpec, TrialState


def trivial(spec: TrialSpec, context: Any, deadline: float | None) -> TrialResult:
    curves = {"dev_error": [0.5] * 50, "train_error": [0.25] * 50}
    return TrialResult(
        spec.number, spec.round, TrialState.COMPLETE, 0.5, 0.25, epochs=50, curves=curves
    )


def per_trial_ms(workers: int, trials: int, folder: Path) -> tuple[float, float]:
    """(seconds to start the workers, milliseconds per trial once they run)."""
    specs = [TrialSpec(n, 0, {"learning_rate": 0.01, "hidden": 64}, n) for n in range(trials)]
    with StudyStore.create(folder, folder.name, {}, {}, "fp", ["a", "b"]) as store:
        store.add_round({}, "random", trials, 0)
        with make_executor(trivial, None, workers=workers) as executor:
            started = time.perf_counter()
            list(executor.run([TrialSpec(-1 - n, 0, {}, 0) for n in range(workers)]))  # warm-up
            startup = time.perf_counter() - started
            started = time.perf_counter()
            for event in executor.run(specs):
                if isinstance(event, TrialStarted):
                    store.mark_running(event.spec, event.worker)
                else:
                    store.record(event.result, event.attempts)
            return startup, (time.perf_counter() - started) / trials * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2, 4):
            startup, cost = per_trial_ms(workers, args.trials, Path(tmp) / f"w{workers}")
            mode = "in-process" if workers == 1 else "loky"
            print(f"workers={workers} ({mode}): {cost:.3f} ms per trial, start-up {startup:.2f} s")


if __name__ == "__main__":
    main()
