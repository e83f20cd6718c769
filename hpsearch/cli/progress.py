"""What a user sees while a study runs: a live progress bar on a terminal, one plain line per
trial otherwise (logs, CI), nothing with --quiet. With one worker (the course's "panda" mode of
babysitting one model) the running trial's learning curve is drawn as it trains."""

from __future__ import annotations

import math
from contextlib import AbstractContextManager

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text

from hpsearch.cli.cells import EpochTable, duration_cell
from hpsearch.cli.output import say
from hpsearch.study.halving_run import RungNews
from hpsearch.study.run import Observer
from hpsearch.tasks import Metric, metric_of
from hpsearch.trial import TrialRecord, TrialSpec, TrialState

SPARKS = "▁▂▃▄▅▆▇█"


def progress_for(console: Console, *, quiet: bool) -> Observer:
    """The observer that suits where the output goes."""
    if quiet:
        return QuietProgress(console)
    return BarProgress(console) if console.is_terminal else LineProgress(console)


class _Tally(Observer, AbstractContextManager):
    """Counts what the bar and the lines both show."""

    def __init__(self) -> None:
        self.done = self.total = self.failed = 0
        self.running: set[int] = set()
        self.best: float = math.inf
        self.resumes = False
        self.metric = metric_of(None)

    def scored_by(self, metric: Metric, balance: str | None) -> None:
        self.metric = metric
        if balance is not None:
            self.say(balance)

    def planned(self, todo: list[TrialSpec], records: list[TrialRecord]) -> None:
        finished = [r for r in records if r.state.is_finished]
        self.done, self.total = len(finished), len(finished) + len(todo)
        self.failed = sum(r.state is TrialState.FAILED for r in finished)
        self.best = min((r.dev_error for r in finished if _ranked(r)), default=math.inf)
        rounds = {r.round for r in finished}  # a new zoom round resumes nothing
        self.resumes = any(spec.round in rounds for spec in todo)

    def started(self, spec: TrialSpec, worker: str) -> None:
        self.running.add(spec.number)

    def resuming(self) -> str | None:
        """`resuming: 5 of 24 trials to run (19 finished are kept)`, when some had finished."""
        if not self.done or self.done == self.total or not self.resumes:
            return None
        return (
            f"resuming: {self.total - self.done} of {self.total} trials to run "
            f"({self.done} finished are kept)"
        )

    def finished(self, record: TrialRecord) -> None:
        self.running.discard(record.number)
        self.done += 1
        self.failed += record.state is TrialState.FAILED
        if _ranked(record):
            self.best = min(self.best, record.dev_error)

    def rung(self, news: RungNews) -> None:
        self.say(rung_line(news))

    def say(self, line: str) -> None:
        """A line between the trials' lines (none when quiet)."""

    def warn(self, line: str) -> None:
        self.say(f"warning: {line}")

    def summary(self) -> str:
        best = "–" if math.isinf(self.best) else self.metric.cell(self.best)
        return (
            f"running {len(self.running)} · failed {self.failed} · best dev {self.metric.label} "
            f"{best}"
        )

    def __exit__(self, *exc_info: object) -> None:
        return None


class QuietProgress(_Tally):
    """Says nothing while the study runs but its warnings."""

    def __init__(self, console: Console | None = None) -> None:
        super().__init__()
        self.console = console

    def warn(self, line: str) -> None:
        if self.console is not None:
            say(self.console, f"warning: {line}")


class LineProgress(_Tally):
    """One line per finished trial, and per epoch in panda mode: readable in a log file."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console
        self.curve: tuple[int, EpochTable] | None = None  # the trial whose epochs are printed

    def planned(self, todo: list[TrialSpec], records: list[TrialRecord]) -> None:
        super().planned(todo, records)
        if line := self.resuming():
            self.console.print(line, markup=False)

    def finished(self, record: TrialRecord) -> None:
        super().finished(record)
        line = f"[{self.done}/{self.total}] {trial_line(record, self.metric)}"
        self.console.print(line, markup=False, highlight=False)

    def epoch(self, number: int, epoch: int, row: dict[str, float]) -> None:
        if self.curve is None or self.curve[0] != number:
            self.curve = (number, EpochTable(f"  trial {number}: ", self.metric))
        for line in self.curve[1].lines(epoch, row):
            self.console.print(line, markup=False, highlight=False)

    def say(self, line: str) -> None:
        say(self.console, line)


class BarProgress(_Tally):
    """A live bar: trials done of total, running, failed, best dev metric, elapsed and ETA; under
    it, in panda mode, the learning curve of the trial in training."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.curve: list[float] = []
        self.bar = Progress(  # on a narrow terminal the summary wraps; the counts and times stay
            TextColumn("[bold]trials"),
            BarColumn(bar_width=16),
            MofNCompleteColumn(table_column=Column(no_wrap=True)),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
            TextColumn("eta", table_column=Column(no_wrap=True)),
            TimeRemainingColumn(table_column=Column(no_wrap=True)),
            TextColumn("{task.fields[summary]}"),  # the one that wraps, when one must
            console=console,
        )
        self.task = self.bar.add_task("trials", total=None, summary="")
        self.training = Text()
        self.live = Live(Group(self.bar, self.training), console=console, refresh_per_second=8)

    def __enter__(self) -> BarProgress:
        self.live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.training.plain = ""
        self.live.stop()

    def planned(self, todo: list[TrialSpec], records: list[TrialRecord]) -> None:
        super().planned(todo, records)
        if line := self.resuming():
            self.live.console.print(line, markup=False)
        self.bar.reset(self.task, total=self.total, completed=self.done)
        self._update()

    def started(self, spec: TrialSpec, worker: str) -> None:
        super().started(spec, worker)
        self.curve = []
        self._update()

    def finished(self, record: TrialRecord) -> None:
        super().finished(record)
        self.live.console.print(trial_line(record, self.metric), markup=False, highlight=False)
        self.training.plain = ""
        self._update()

    def say(self, line: str) -> None:
        say(self.live.console, line)

    def epoch(self, number: int, epoch: int, row: dict[str, float]) -> None:
        self.curve.append(row.get("dev_error", math.nan))
        rows = "\n".join(EpochTable("", self.metric).lines(epoch, row))  # header, latest epoch
        label = f"dev {self.metric.label}"
        self.training.plain = f"trial {number} {label} {sparkline(self.curve)}\n{rows}"

    def _update(self) -> None:
        self.bar.update(self.task, completed=self.done, summary=self.summary())


def rung_line(news: RungNews) -> str:
    """ "rung 2 of 4: 9 trials, 3 go on", with the bracket when there are several."""
    bracket = f"bracket {news.bracket} of {news.brackets}, " if news.brackets > 1 else ""
    fate = f"{news.going_on} go on" if news.going_on else "the full budget"
    left = f" ({news.to_run} to run)" if news.to_run < news.trials else ""
    trials = f"{news.trials} trial{'s' * (news.trials != 1)}"
    return f"{bracket}rung {news.rung} of {news.of}: {trials}{left}, {fate}"


def trial_line(record: TrialRecord, metric: Metric | None = None) -> str:
    """One line about a finished trial, its state unless complete, its values of the study's
    metric: under 80 columns with the counter in front of it, up to trial 10,000. A metric with
    a name longer than "error" ("balanced error") names it once, for the dev value."""
    head = f"trial {record.number}"
    if record.state is not TrialState.COMPLETE:
        head += f" {record.state.replace('_', ' ')}"
    if record.dev_error is not None:
        metric = metric or metric_of(None)
        train = f"train {metric.label}" if len(metric.label) <= len("error") else "train"
        head += (
            f": dev {metric.label} {metric.cell(record.dev_error)}, {train} "
            f"{metric.cell(record.train_error)}"
        )
    epochs = f"{record.epochs} epoch{'' if record.epochs == 1 else 's'}"
    tail = f" ({epochs}, {duration_cell(record.duration_s)})"
    reason = f" — {record.message}" if record.message else ""
    return head + tail + reason


def sparkline(values: list[float], width: int = 40) -> str:
    """The whole curve in at most `width` block characters (evenly spaced samples of it), lowest
    value lowest; non-finite values as spaces."""
    if len(values) > width:
        values = [values[round(i * (len(values) - 1) / (width - 1))] for i in range(width)]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    scale = (len(SPARKS) - 1) / (high - low) if high > low else 0.0
    return "".join(SPARKS[round((v - low) * scale)] if math.isfinite(v) else " " for v in values)


def _ranked(record: TrialRecord) -> bool:
    return record.state is TrialState.COMPLETE and record.dev_error is not None
