"""Caviar scaling: how much faster a study runs with 2 workers than with 1, and what hpsearch itself
costs per trial.

1. 16 trials of equal cost (the same hyperparameters, different seeds) on digits, run as a study
   with workers=1 (in-process, the panda mode) and workers=2 (local processes); the throughput
   ratio is printed (target ≥ 1.85× on 2 cores). Each run is timed from its planned trials to its
   last stored result (starting the workers included, loading the data left out). Runs alternate
   and the median is taken, so the ratio survives a shared machine.
2. How busy 2 workers are (busy time / (workers × wall time), target ≥ 90% for trials of about a
   second) and where the rest of their time goes, for the same trials run plain and under the
   asynchronous schedule (`schedule: asha`, whose rungs are shorter runs of the same trials).
3. The same study path with a trivial trial function: planning, dispatch, events and store writes,
   the cost of one more trial (target < 5 ms).

Run from the repository root: `python benchmarks/caviar_scaling.py [--quick]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hpsearch.study.run
from hpsearch.config import parse_config
from hpsearch.study.recording import Planned
from hpsearch.study.run import Execution, Observer, run_study
from hpsearch.trial import TrialRecord, TrialResult, TrialSpec, TrialState

EQUAL_COST = """\
name: caviar
data: {dataset: digits}
hyperparameters: {layers: 2, hidden_units: 128, epochs: %(epochs)d, learning_rate: 0.003}
search: {trials: %(trials)d, seed: 0, keep_models: 1%(schedule)s}
"""


def trivial(spec: TrialSpec, data: Any, deadline: float | None, on_epoch=None) -> TrialResult:
    """A trial that trains nothing, with a 20-epoch curve to store like a real one."""
    curves = {name: [0.5] * 20 for name in ("train_cost", "train_error", "dev_cost", "dev_error")}
    return TrialResult(
        spec.number, spec.round, TrialState.COMPLETE,
        dev_error=0.5, train_error=0.25, dev_cost=0.7, train_cost=0.6, epochs=20, curves=curves,
    )  # fmt: skip


class Clock(Observer):
    """From the moment the trials are planned (the data loaded, the store open) to the last
    result stored: starting the workers counts, loading the data (the same for any number of
    workers) does not."""

    def planned(self, planned: Planned) -> None:
        self.start = time.perf_counter()
        self.first_start: float | None = None

    def started(self, spec: TrialSpec, worker: str) -> None:
        self.first_start = self.first_start or time.perf_counter()

    def finished(self, record: TrialRecord) -> None:
        self.end = time.perf_counter()


def study_text(epochs: int, trials: int, schedule: str = "plain") -> str:
    extra = "" if schedule == "plain" else f", schedule: {schedule}"
    return EQUAL_COST % {"epochs": epochs, "trials": trials, "schedule": extra}


def study_seconds(text: str, workers: int, folder: Path) -> tuple[float, float]:
    """(seconds from planned trials to the last result, seconds until the first trial began)."""
    config = parse_config(text, "caviar.yaml")
    clock = Clock()
    execution = Execution.of(config.search, workers=workers)
    outcome = run_study(config, folder, execution, observer=clock)
    assert all(r.state is TrialState.COMPLETE for r in outcome.records)
    return clock.end - clock.start, clock.first_start - clock.start


def scaling(trials: int, epochs: int, repeats: int, tmp: Path) -> None:
    text = study_text(epochs, trials)
    times: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for repeat in range(repeats):
        for workers in (1, 2):
            times[workers].append(study_seconds(text, workers, tmp / f"scaling-{repeat}-{workers}"))
    one, two = (statistics.median(t for t, _ in times[w]) for w in (1, 2))
    start_up = statistics.median(s for _, s in times[2])
    print(f"{trials} equal trials on digits ({epochs} epochs each), median of {repeats} runs:")
    for workers, seconds in ((1, one), (2, two)):
        print(f"  workers={workers}: {seconds:6.2f} s  {trials / seconds:6.2f} trials/s")
    print(f"  throughput ratio, 2 workers / 1: {one / two:.2f}×  (target ≥ 1.85×)")
    print(f"  of which starting the 2 worker processes: {start_up:.2f} s")


def busy(trials: int, epochs: int, tmp: Path) -> None:
    """The workers' busy share with 2 workers, plain and under the asynchronous schedule."""
    from hpsearch.cli.report import utilisation_line

    print(f"{trials} such trials with 2 workers, busy time / (workers × wall time):")
    for schedule in ("plain", "asha"):
        config = parse_config(study_text(epochs, trials, schedule), "caviar.yaml")
        run = run_study(config, tmp / f"busy-{schedule}", Execution.of(config.search, workers=2))
        mean = statistics.mean(r.duration_s for r in run.records)
        line = utilisation_line(run.utilisation)
        print(f"  {schedule}: {line}; a trial trained {mean:.2f} s in all")


def overhead(trials: int, tmp: Path) -> None:
    """The cost of one more trial: studies of `trials` and 2·`trials` trivial trials, timed, the
    difference divided by `trials`, so loading the data and starting workers count once."""
    hpsearch.study.run.run_trial = trivial  # the study's path, with training taken out
    print(f"hpsearch's own cost per trial ({trials} more trivial trials, through run_study):")
    for workers in (1, 2):
        seconds = [
            study_seconds(
                study_text(20, n), workers, tmp / f"o{workers}-{n}"
            )[0]
            for n in (trials, 2 * trials)
        ]
        mode = "in-process" if workers == 1 else "local processes"
        per_trial = (seconds[1] - seconds[0]) / trials * 1000
        print(f"  workers={workers} ({mode}): {per_trial:.2f} ms  (target < 5 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if args.quick:
            scaling(trials=4, epochs=2, repeats=1, tmp=tmp)
            busy(trials=4, epochs=4, tmp=tmp)
            overhead(trials=50, tmp=tmp)
        else:
            scaling(trials=16, epochs=300, repeats=3, tmp=tmp)
            busy(trials=32, epochs=300, tmp=tmp)
            overhead(trials=500, tmp=tmp)


if __name__ == "__main__":
    main()
