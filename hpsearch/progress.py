"""What a user sees while a study runs: a live progress bar on a terminal, one plain line per
trial otherwise (logs, CI), nothing with --quiet. With one worker (the course's "panda" mode of
babysitting one model) the running trial's learning curve is drawn as it trains."""

from __future__ import annotations

import math
from contextlib import AbstractContextManager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hpsearch.report import epoch_line
from hpsearch.study import Observer
from hpsearch.trial import TrialRecord, TrialSpec, TrialState

SPARKS = "▁▂▃▄▅▆▇█"


def progress_for(console: Console, *, quiet: bool) -> Observer:
    """The observer that suits where the output goes."""
    if quiet:
        return QuietProgress()
    return BarProgress(console) if console.is_terminal else LineProgress(console)


class _Tally(Observer, AbstractContextManager):
    """Counts what the bar and the lines both show."""

    def __init__(self) -> None:
        self.done = self.total = self.failed = 0
        self.running: set[int] = set()
        self.best: float = math.inf

    def planned(self, todo: list[TrialSpec], records: list[TrialRecord]) -> None:
        finished = [r for r in records if r.state.is_finished]
        self.done, self.total = len(finished), len(finished) + len(todo)
        self.failed = sum(r.state is TrialState.FAILED for r in finished)
        self.best = min((r.dev_error for r in finished if _ranked(r)), default=math.inf)

    def started(self, spec: TrialSpec, worker: str) -> None:
        self.running.add(spec.number)

    def finished(self, record: TrialRecord) -> None:
        self.running.discard(record.number)
        self.done += 1
        self.failed += record.state is TrialState.FAILED
        if _ranked(record):
            self.best = min(self.best, record.dev_error)

    def summary(self) -> str:
        best = "–" if math.isinf(self.best) else f"{self.best:.4f}"
        return f"running {len(self.running)} · failed {self.failed} · best dev error {best}"

    def __exit__(self, *exc_info: object) -> None:
        return None


class QuietProgress(_Tally):
    """Says nothing while the study runs."""


class LineProgress(_Tally):
    """One line per finished trial, and per epoch in panda mode: readable in a log file."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def finished(self, record: TrialRecord) -> None:
        super().finished(record)
        self.console.print(f"[{self.done}/{self.total}] {describe(record)}", markup=False)

    def epoch(self, number: int, epoch: int, row: dict[str, float]) -> None:
        self.console.print(f"  trial {number} {epoch_line(epoch, row)}", markup=False)


class BarProgress(_Tally):
    """A live bar: trials done of total, running, failed, best dev error, elapsed and ETA."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console
        self.curve: list[float] = []
        self.bar = Progress(
            TextColumn("[bold]trials"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[summary]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[curve]}"),
            console=console,
        )
        self.task = self.bar.add_task("trials", total=None, summary="", curve="")

    def __enter__(self) -> BarProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bar.stop()

    def planned(self, todo: list[TrialSpec], records: list[TrialRecord]) -> None:
        super().planned(todo, records)
        self.bar.reset(self.task, total=self.total, completed=self.done)
        self._update()

    def started(self, spec: TrialSpec, worker: str) -> None:
        super().started(spec, worker)
        self.curve = []
        self._update()

    def finished(self, record: TrialRecord) -> None:
        super().finished(record)
        self.bar.console.print(describe(record), markup=False, highlight=False)
        self._update()

    def epoch(self, number: int, epoch: int, row: dict[str, float]) -> None:
        self.curve.append(row.get("dev_error", math.nan))
        curve = f"\ntrial {number} dev error {sparkline(self.curve)} {epoch_line(epoch, row)}"
        self.bar.update(self.task, curve=curve)

    def _update(self) -> None:
        self.bar.update(self.task, completed=self.done, summary=self.summary(), curve="")


def describe(record: TrialRecord) -> str:
    """One line about a finished trial."""
    head = f"trial {record.number} {record.state}"
    if record.dev_error is not None:
        head += f": dev error {record.dev_error:.4f}, train error {record.train_error:.4f}"
    tail = f" ({record.epochs} epochs, {record.duration_s:.1f} s)"
    reason = f" — {record.message}" if record.message else ""
    return head + tail + reason


def sparkline(values: list[float]) -> str:
    """The curve in block characters, lowest value lowest; non-finite values as spaces."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    scale = (len(SPARKS) - 1) / (high - low) if high > low else 0.0
    return "".join(
        SPARKS[round((v - low) * scale)] if math.isfinite(v) else " " for v in values[-40:]
    )


def _ranked(record: TrialRecord) -> bool:
    return record.state is TrialState.COMPLETE and record.dev_error is not None
