"""What `benchmarks/halving.py` keeps of one search: its pick, its cost and its anytime trace."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Outcome:
    """One search of one seed: the dev error of the trial it picks and that trial's test error;
    how many configurations it tried, the epochs and seconds it spent; its trace of (seconds,
    epochs so far, best full-budget dev error so far), one point per result."""

    best_dev: float
    pick_test: float
    configurations: int
    epochs: int
    wall_s: float
    trace: list[tuple[float, int, float]]
    table: list[list] = field(default_factory=list)  # every trial's fate, to compare two runs
    utilisation: float | None = None  # busy time / (workers × wall time)

    def best_within(self, epochs: int) -> float:
        """The best full-budget dev error found within `epochs` epochs."""
        within = [best for _, spent, best in self.trace if spent <= epochs]
        return within[-1] if within else float("inf")

    def to(self, target: float) -> tuple[int, float] | None:
        """(epochs, seconds) spent when a full-budget dev error first reached `target`."""
        return next(((e, s) for s, e, best in self.trace if best <= target), None)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def of(cls, data: dict) -> Outcome:
        data = dict(data)
        data["trace"] = [tuple(point) for point in data["trace"]]
        return cls(**data)
