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
from hpsearch.cli.report import outlook_line
from hpsearch.study.recording import Observer, Planned, RungNews
from hpsearch.tasks import Metric, metric_of
from hpsearch.trial import TrialRecord, TrialSpec, TrialState

SPARKS = "▁▂▃▄▅▆▇█"


def progress_for(console: Console, *, quiet: bool) -> Observer:
    """The observer that suits where the output goes."""
    if quiet:
        return QuietProgress(console)
    return BarProgress(console) if console.is_terminal else LineProgress(console)


class _Progress(Observer, AbstractContextManager):
    """What every progress display shares (the bar, the lines, quiet), with the counts they
    show: configurations finished against the run's
    one total (a paused trial is not finished; its stop or its last rung finishes it), and how
    many trials each rung has decided."""

    def __init__(self) -> None:
        self.done = self.total = self.failed = 0
        self.running: set[int] = set()
        self.best: float = math.inf
        self.told: Planned | None = None
        self.rungs: dict[tuple[int, int], dict[int, int]] = {}  # (round, bracket) → epochs → n
        self.metric = metric_of(None)

    def scored_by(self, metric: Metric, balance: str | None) -> None:
        self.metric = metric
        if balance is not None:
            self.say(balance)

    def planned(self, planned: Planned) -> None:
        self.told = planned
        self.done, self.total, self.failed = planned.done, planned.total, planned.failed
        self.best = math.inf if planned.best is None else planned.best

    def started(self, spec: TrialSpec, worker: str) -> None:
        self.running.add(spec.number)

    def resuming(self) -> str | None:
        """`resuming: 5 of 24 trials to run (19 finished are kept)`, when a round some of whose
        trials had finished goes on."""
        told = self.told
        if told is None or not told.resumes or not told.to_run:
            return None
        return (
            f"resuming: {told.to_run} of {told.total} trials to run ({told.done} finished are kept)"
        )

    def opening(self) -> list[str]:
        """What the run says before its first trial: what each round plans, and a resume."""
        told = self.told
        lines = [line for o in (told.outlooks if told else ()) if (line := outlook_line(o))]
        return [*lines, *filter(None, [self.resuming()])]

    def paused(self, record: TrialRecord) -> None:
        self.running.discard(record.number)

    def finished(self, record: TrialRecord) -> None:
        self.running.discard(record.number)
        self.done += 1
        self.failed += record.state is TrialState.FAILED
        if _ranked(record):
            self.best = min(self.best, record.dev_error)

    def rung(self, news: RungNews) -> None:
        self.rungs.setdefault((news.round, news.bracket), {})[news.epochs] = news.n_trials
        if news.trial is None or news.promoted:
            self.say(rung_line(news))

    def say(self, line: str) -> None:
        """A line between the trials' lines (none when quiet)."""

    def warn(self, line: str) -> None:
        self.say(f"warning: {line}")

    def fill(self) -> str:
        """How many trials each rung has decided so far, by its epochs: `rungs 4:41 8:19 16:8`."""
        by_epochs: dict[int, int] = {}
        for rungs in self.rungs.values():
            for epochs, trials in rungs.items():
                by_epochs[epochs] = by_epochs.get(epochs, 0) + trials
        return " ".join(f"{epochs}:{n}" for epochs, n in sorted(by_epochs.items()))

    def summary(self) -> str:
        best = "–" if math.isinf(self.best) else self.metric.cell(self.best)
        fill = f" · rungs {self.fill()}" if self.rungs else ""
        return (
            f"running {len(self.running)} · failed {self.failed} · best dev {self.metric.label} "
            f"{best}{fill}"
        )

    def __exit__(self, *exc_info: object) -> None:
        return None


class QuietProgress(_Progress):
    """Says nothing while the study runs but its warnings."""

    def __init__(self, console: Console | None = None) -> None:
        super().__init__()
        self.console = console

    def warn(self, line: str) -> None:
        if self.console is not None:
            say(self.console, f"warning: {line}")


class LineProgress(_Progress):
    """One line per finished trial, and per epoch in panda mode: readable in a log file."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console
        self.curve: tuple[int, EpochTable] | None = None  # the trial whose epochs are printed

    def planned(self, planned: Planned) -> None:
        super().planned(planned)
        for line in self.opening():
            self.console.print(line, markup=False, highlight=False)

    def paused(self, record: TrialRecord) -> None:
        super().paused(record)
        self.console.print(f"  {trial_line(record, self.metric)}", markup=False, highlight=False)

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


class BarProgress(_Progress):
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

    def planned(self, planned: Planned) -> None:
        super().planned(planned)
        for line in self.opening():
            self.live.console.print(line, markup=False, highlight=False)
        self.bar.reset(self.task, total=self.total, completed=self.done)
        self._update()

    def paused(self, record: TrialRecord) -> None:
        super().paused(record)
        line = f"  {trial_line(record, self.metric)}"
        self.live.console.print(line, markup=False, highlight=False)
        self.training.plain = ""
        self._update()

    def rung(self, news: RungNews) -> None:
        super().rung(news)
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
    """A rung decided, as "rung 2 of 4 (3 epochs): 9 trials, 3 go on", with the bracket when
    there are several; under the asynchronous schedule, one trial promoted: "trial 7 goes on to
    rung 3 of 4: 2 of the 5 trials up to it at 8 epochs went on"."""
    bracket = f"bracket {news.bracket} of {news.brackets}, " if news.brackets > 1 else ""
    if news.trial is not None:
        return (
            f"trial {news.trial} goes on to {bracket}rung {news.rung + 1} of {news.of}: "
            f"{news.going_on} of the {news.n_trials} trials up to it at {_epochs(news.epochs)} "
            "went on"
        )
    fate = f"{news.going_on} go on" if news.going_on else "none goes on"
    trials = f"{news.n_trials} trial{'s' * (news.n_trials != 1)}"
    return f"{bracket}rung {news.rung} of {news.of} ({_epochs(news.epochs)}): {trials}, {fate}"


def _epochs(epochs: int) -> str:
    return f"{epochs} epoch{'s' * (epochs != 1)}"


def trial_line(record: TrialRecord, metric: Metric | None = None) -> str:
    """One line about a finished trial, its state unless complete, its values of the study's
    metric: under 80 columns with the counter in front of it, up to trial 10,000 (a kept best
    epoch, "epoch 9/20", takes the place of the epochs and may pass them). A metric with
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
    message = record.message
    kept = f"returned the weights of epoch {record.best_epoch}"
    if record.best_epoch is not None and kept in message:  # said in the parentheses instead
        epochs = f"epoch {record.best_epoch}/{record.epochs}"
        message = "; ".join(part for part in message.split("; ") if part != kept)
    tail = f" ({epochs}, {duration_cell(record.duration_s)})"
    reason = f" — {message}" if message else ""
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
