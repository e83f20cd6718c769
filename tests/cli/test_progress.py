"""What a run shows while it works: lines in a log, a live bar on a terminal, the panda curve."""

from __future__ import annotations

import io
import re
from dataclasses import replace

from rich.console import Console

from hpsearch.cli.progress import (
    BarProgress,
    LineProgress,
    QuietProgress,
    progress_for,
    sparkline,
    trial_line,
)
from hpsearch.study.recording import Planned
from hpsearch.tasks import METRICS
from hpsearch.trial import TrialRecord, TrialSpec, TrialState


def record(number: int, state: TrialState = TrialState.COMPLETE, dev: float = 0.1) -> TrialRecord:
    return TrialRecord(
        number, 0, {}, 0, state, dev_error=dev, train_error=0.05, epochs=3, duration_s=1.25
    )


def test_the_observer_fits_where_the_output_goes() -> None:
    plain = Console(file=io.StringIO())
    terminal = Console(file=io.StringIO(), force_terminal=True)
    assert isinstance(progress_for(plain, quiet=False), LineProgress)
    assert isinstance(progress_for(terminal, quiet=False), BarProgress)
    assert isinstance(progress_for(terminal, quiet=True), QuietProgress)


def test_lines_count_trials_and_say_why_one_failed() -> None:
    out = io.StringIO()
    progress = LineProgress(Console(file=out, width=200))
    with progress:
        progress.planned(Planned(total=3, done=1, best=0.1, resumes=True))
        progress.started(TrialSpec(1, 0, {}, 0), "host:1")
        progress.finished(
            TrialRecord(1, 0, {}, 0, TrialState.FAILED, message="ValueError: no", duration_s=0.5)
        )
        progress.epoch(2, 1, {"train_cost": 0.5, "dev_error": 0.25})
        progress.epoch(2, 2, {"train_cost": 0.25, "dev_error": 0.125})
    assert out.getvalue().splitlines() == [
        "resuming: 2 of 3 trials to run (1 finished are kept)",
        "[2/3] trial 1 failed (0 epochs, 0.5s) — ValueError: no",
        "  trial 2: epoch  train cost  dev error",
        "  trial 2:     1         0.5     0.2500",
        "  trial 2:     2        0.25     0.1250",
    ]
    assert progress.summary() == "running 0 · failed 1 · best dev error 0.1000"


def test_the_bar_shows_the_running_trials_curve_and_clears_it() -> None:
    out = io.StringIO()
    progress = BarProgress(Console(file=out, force_terminal=True, width=120))
    with progress:
        progress.planned(Planned(total=1, done=0))
        progress.started(TrialSpec(0, 0, {}, 0), "host:1")
        for epoch, dev in enumerate([0.9, 0.5, 0.2], start=1):
            progress.epoch(0, epoch, {"dev_error": dev})
        assert progress.training.plain == (
            "trial 0 dev error █▄▁\nepoch  dev error\n    3     0.2000"
        )
        progress.finished(record(0, dev=0.2))
        assert progress.training.plain == ""
    assert "trial 0: dev error 0.2000, train error 0.0500 (3 epochs, 1.2s)" in out.getvalue()


def test_a_sparkline_samples_a_long_curve_evenly() -> None:
    assert sparkline([1.0, 0.0]) == "█▁"
    assert sparkline([float("nan"), 1.0, 1.0]) == " ▁▁"
    long = sparkline([100.0 - i for i in range(101)], width=5)
    assert long == "█▆▅▃▁"
    assert sparkline([]) == ""


def test_at_80_columns_the_bar_keeps_its_elapsed_time_and_eta() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    progress = BarProgress(console)
    progress.planned(Planned(total=40, done=0))
    progress.finished(record(0, dev=0.2))
    console.print(progress.bar.get_renderable())
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    line = next(line for line in plain.splitlines() if "trials" in line)
    assert len(line) <= 80 and re.search(r"1/40 +\d:\d\d:\d\d eta [-\d:]+", line), line


def test_at_80_columns_the_live_epoch_line_is_whole() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    progress = BarProgress(console)
    progress.planned(Planned(total=1, done=0))
    row = {"train_cost": 12345.678, "train_error": 0.5, "dev_cost": 0.4245, "dev_error": 0.0251}
    progress.epoch(123, 100, row)
    console.print(progress.training)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines()
    assert plain[-2:] == [
        "epoch  train cost  train error   dev cost  dev error",
        "  100   1.235e+04       0.5000     0.4245     0.0251",
    ]


def test_epoch_lines_name_the_studys_metric_and_a_long_name_stacks_the_header() -> None:
    out = io.StringIO()
    progress = LineProgress(Console(file=out, width=80))
    progress.scored_by(METRICS["balanced_error"], None)
    row = {"train_cost": 12345.678, "train_error": 0.5, "dev_cost": 0.4245, "dev_error": 0.0251}
    progress.epoch(1234, 100, row)
    progress.epoch(1234, 101, row)
    progress.scored_by(METRICS["rmse"], None)
    progress.epoch(7, 1, {**row, "train_error": 12345.6, "dev_error": 53.7249})
    assert out.getvalue().splitlines() == [
        "  trial 1234:            train           train        dev             dev",
        "  trial 1234: epoch       cost  balanced error       cost  balanced error",
        "  trial 1234:   100  1.235e+04          0.5000     0.4245          0.0251",
        "  trial 1234:   101  1.235e+04          0.5000     0.4245          0.0251",
        "  trial 7: epoch  train cost  train RMSE   dev cost   dev RMSE",
        "  trial 7:     1   1.235e+04      12,346     0.4245      53.72",
    ]


def test_a_new_zoom_round_is_not_called_a_resume() -> None:
    out = io.StringIO()
    progress = LineProgress(Console(file=out, width=200))
    with progress:
        progress.planned(Planned(total=26, done=24, resumes=False))
    assert "resuming" not in out.getvalue()


def test_a_kept_best_epoch_is_said_in_place_of_the_epochs_and_other_reasons_stay() -> None:
    """`returned the weights of epoch 9` at the end of a line passed 80 columns; and a trial
    that kept its last epoch, or diverged after its best, says what it did."""
    kept = TrialRecord(
        123, 0, {}, 0, TrialState.COMPLETE, dev_error=0.0306, train_error=0.0, epochs=20,
        duration_s=1.4, best_epoch=9, message="returned the weights of epoch 9",
    )  # fmt: skip
    line = f"[1000/1000] {trial_line(kept)}"
    said = "trial 123: dev error 0.0306, train error 0.0000 (epoch 9/20, 1.4s)"
    assert line == f"[1000/1000] {said}"
    assert len(line) <= 80
    last = replace(kept, best_epoch=20, message="")
    assert trial_line(last).endswith("(20 epochs, 1.4s)")
    diverged = replace(
        kept, state=TrialState.DIVERGED,
        message="cost is nan at epoch 12; returned the weights of epoch 9",
    )  # fmt: skip
    assert trial_line(diverged).endswith("(epoch 9/20, 1.4s) — cost is nan at epoch 12")
