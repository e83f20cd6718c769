"""What `benchmarks/halving.py` and `halving_optuna.py` report of one search."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One search of one seed: its best dev error, the test error of its pick, and its trace
    of (epochs so far, best full-budget dev error so far)."""

    best_dev: float
    pick_test: float
    epochs: int
    wall_s: float
    trace: list[tuple[int, float]]
    table: list[tuple] | None = None
    utilisation: float | None = None  # busy time / (workers × wall time)

    def epochs_to(self, target: float) -> int | None:
        return next((e for e, best in self.trace if best <= target), None)
