"""Rendering for the terminal: rich tables built from the library's plain records. Nothing here
computes; a command hands its answer to one of these functions and prints what comes back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from hpsearch.cli.cells import param_cell
from hpsearch.cli.data_report import data_lines, render_columns
from hpsearch.cli.output import say, table_width, whole
from hpsearch.cli.show_table import assumed, baseline_line, reading, render_view
from hpsearch.search.zoom import EVIDENCE, MIN_WIDTH
from hpsearch.store.layout import default_runs, quoted
from hpsearch.tasks import Metric, significant

if TYPE_CHECKING:  # only named: importing `study.run` would load the executors for `check`
    from hpsearch.config import StudyConfig
    from hpsearch.search.budget import RoundOutlook
    from hpsearch.search.ranking import CurveSummary
    from hpsearch.search.zoom import ZoomRow
    from hpsearch.store.read_log import LoggedRead
    from hpsearch.store.sqlite import Baseline
    from hpsearch.study.best import Best
    from hpsearch.study.check import Checked, Engines
    from hpsearch.study.init import Initialized
    from hpsearch.study.recording import StudyRun, Utilisation
    from hpsearch.study.recover import Recovery
    from hpsearch.study.train import Training
    from hpsearch.study.zoom_plan import ZoomRun
    from hpsearch.trial import TrialSpec

TRENDS = {
    "falling": "still falling at the end (more epochs may help)",
    "flat": "levelled off at the end",
    "rising": "rising at the end (α too high?)",
    "bouncing": "bouncing well above its lowest at the end (α too high?)",
    "unknown": "trend unknown",
}


def render_check(console: Console, checked: Checked) -> None:
    """`hpsearch check`: the resolved settings, the data, the search space, the first trials,
    and the engine that would train them."""
    config, dataset, trials = checked.config, checked.dataset, checked.trials
    source = config.path or config.name
    console.print(f"[green]✓[/] {source} is valid: study [bold]{config.name}[/]")
    console.print(checked.settings.rstrip(), markup=False)
    say(console, f"data: {dataset.describe()}; {_target(checked)}")
    report = dataset.report
    if report is not None and config.data.is_file and report.columns:
        render_columns(console, report)
    for line in data_lines(report):
        say(console, f"data: {line}")
    if checked.balance is not None:
        say(console, checked.balance)
    if config.hyperparameters.root:
        console.print(space_table(config))
    else:
        console.print("search space: empty, so every hyperparameter keeps its default")
    for table in preview_tables(config, trials, console.width):
        console.print(table)
    if checked.outlook is not None and (line := outlook_line(checked.outlook)):
        say(console, line)
    say(console, engine_line(checked.engines))


def engine_line(engines: Engines) -> str:
    """Which engine the trials will train on, and why: HPSEARCH_ENGINE, what is installed, or
    each trial's size (numba's start-up pays only from FUSED_FROM multiply-adds)."""
    counts, drawn = engines.counts, engines.drawn
    trials = f"the first {drawn:,} trials" if drawn < engines.n_trials else f"all {drawn:,} trials"
    if drawn == 1:
        trials = "the one trial"
    size = f"{engines.fused_from:.0e}".replace("e+", "e")
    same = "the same results either way, bit for bit"
    if engines.forced:
        return f"engine: {engines.forced} for every trial (set by HPSEARCH_ENGINE)"
    if not engines.numba_installed:
        return (
            f"engine: numpy (install hpsearch[numba] for fused kernels, used by trainings of "
            f"{size} multiply-adds or more: faster, {same})"
        )
    if len(counts) == 1:
        engine = next(iter(counts))
        why = (
            f"each trains {size} multiply-adds or more, enough to repay numba's start-up"
            if engine == "numba"
            else f"each trains under {size} multiply-adds, too few to repay numba's start-up "
            f"(numba is installed and takes over from {size})"
        )
        return f"engine: {engine} for {trials}: {why}; {same}"
    fused = counts.get("numba", 0)
    return (
        f"engine: numba for {fused:,} of {trials} (those of {size} multiply-adds or more), "
        f"numpy for the other {counts.get('numpy', 0):,}, too small to repay numba's start-up; "
        f"{same}"
    )


def _target(checked: Checked) -> str:
    """The classes, or a regression's target in its units; and the metric when not the
    default error rate."""
    dataset, metric = checked.dataset, checked.config.ranked_by
    if dataset.task == "regression":
        said = (
            f"target: {dataset.target}, mean {significant(dataset.target_mean)}, standard "
            f"deviation {significant(dataset.target_std)} on the train split"
        )
    else:
        said = f"classes: {', '.join(dataset.classes)}"
    if metric.name != "error":
        said += f"; ranked by dev {metric.label} ({metric.meaning})"
    return said


def outlook_line(told: RoundOutlook) -> str | None:
    """What a round plans to train: how many configurations, how many reach the full epochs,
    the epochs in all; None for a plain round that no budget sized (it says so itself)."""
    planned, full = told.outlook, told.rungs[-1]
    budget = f" (the budget: {told.budget:,})" if told.budget is not None else ""
    if told.schedule == "plain":
        if told.budget is None:
            return None
        return (
            f"round {told.round}: {planned.configurations:,} trials of {full} epochs, "
            f"{planned.epochs:,} epochs in all{budget}"
        )
    about = "about " if told.schedule == "asha" else ""
    rungs = ", ".join(map(str, told.rungs[:-1])) + f" and {full}"
    return (
        f"round {told.round}: schedule {told.schedule} on rungs of {rungs} epochs tries "
        f"{planned.configurations:,} configurations; {about}{planned.full:,} reach the full "
        f"{full} epochs, {about}{planned.epochs:,} epochs in all, as many as "
        f"{planned.equivalent:.1f} full trials{budget}"
    )


def space_table(config: StudyConfig) -> Table:
    table = Table(title="search space", title_justify="left")
    for column in ("hyperparameter", "distribution", "bounds", "scale"):  # bounds wrap
        table.add_column(column, no_wrap=column != "bounds", overflow="fold")
    space = config.hyperparameters
    for name, distribution in space.searched.items():
        table.add_row(name, distribution.distribution, distribution.describe(), distribution.scale)
    for name, value in space.fixed.items():
        table.add_row(name, "fixed", _cell(value), "")
    return table


def preview_tables(config: StudyConfig, trials: list[TrialSpec], width: int) -> list[Table]:
    """The first trials in as many tables as it takes for each to fit `width` columns."""
    tables, left = [], list(trials)
    while left:
        count = len(left)
        while count > 1 and table_width(preview_table(config, left[:count])) > width:
            count -= 1
        title = None if tables else f"first {len(trials)} trials ({config.search.method})"
        tables.append(preview_table(config, left[:count], title))
        left = left[count:]
    return tables


def preview_table(
    config: StudyConfig, trials: list[TrialSpec], title: str | None = "first trials"
) -> Table:
    """One column per trial, so that many hyperparameters still fit the terminal's width; a
    table without a title goes on with the trials of the one above it."""
    space = config.hyperparameters
    names = list(space.searched) or list(space.fixed)
    table = Table(title=title, title_justify="left")
    table.add_column("hyperparameter", no_wrap=True)
    for trial in trials:
        table.add_column(f"trial {trial.number}", justify="right", no_wrap=True)
    for name in names:
        distribution = space.searched.get(name)
        table.add_row(name, *(param_cell(distribution, trial.params[name]) for trial in trials))
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return value if isinstance(value, str) else json.dumps(value)


def render_outcome(console: Console, outcome: StudyRun, again: str) -> None:
    """The end of `hpsearch run` or `zoom`: what `hpsearch show` prints, then where the study is
    and, when it is not done, `again`: the command that goes on with it, whole on one line."""
    if outcome.set_aside is not None:
        console.print(f"the old study was set aside in {quoted(outcome.set_aside)}", markup=False)
    if outcome.utilisation is not None:  # before the view, which is what `show` prints
        say(console, utilisation_line(outcome.utilisation))
    render_view(console, outcome.overview)
    if outcome.interrupted:
        console.print(
            "[yellow]interrupted[/]: every finished trial is kept; to resume, run", soft_wrap=True
        )
        console.print(f"  {again}", markup=False, soft_wrap=True)
    folder = quoted(outcome.folder)
    if not outcome.ran and not outcome.interrupted:
        size = "budget" if outcome.snapshot.config.search.budget is not None else "trials"
        say(
            console,
            f"nothing to run: every planned trial of the study has finished; raise search.{size} "
            "in its file, or zoom in for a new round:",
        )
        console.print(f"  hpsearch zoom {folder}", markup=False, soft_wrap=True)
    if outcome.exit_code == 3 and not outcome.interrupted:
        console.print("[red]no trial completed[/]: nothing to rank or use; see why with")
        console.print(f"  hpsearch show {folder} --all", markup=False, soft_wrap=True)
    console.print(f"stored in {folder}", markup=False, soft_wrap=True)


def utilisation_line(used: Utilisation) -> str:
    """How busy the workers were, and where the rest of their time went."""
    rest = [
        (used.starting_s, "starting"),
        (used.waiting_s, "with no trial to hand out"),
        (used.between_s, "between trials"),
    ]
    said = ", ".join(f"{seconds:.1f} s {what}" for seconds, what in rest if seconds >= 0.05)
    return (
        f"workers busy {used.share:.0%} of the run (busy time / (workers × wall time), "
        f"{used.workers} worker{'s' * (used.workers != 1)} × {used.wall_s:.1f} s)"
        + (f"; the rest, in worker-seconds: {said}" if said else "")
    )


def render_recovery(console: Console, recovery: Recovery) -> None:
    """`hpsearch recover`: what was kept, what was lost, where the damaged study went."""
    lost, kept, trials = len(recovery.lost), len(recovery.kept), recovery.n_trials
    runs = recovery.folder.parent
    runs_dir = "" if runs == default_runs() else f" --runs-dir {quoted(runs)}"

    say(
        console,
        f"recovered {kept} finished trials of {trials} into {whole(quoted(recovery.folder))}; "
        f"{lost} could not be read",
    )
    if recovery.missing:
        partly = ", ".join(
            f"{whole(f'trial {number}')} ({', '.join(columns)})"
            for number, columns in sorted(recovery.missing.items())
        )
        say(console, f"kept without what could not be read back, left empty: {partly}")
    if recovery.rungs or recovery.paused:
        say(
            console,
            f"kept {recovery.rungs} rung results and {recovery.checkpoints} checkpoints of "
            f"{len(recovery.paused)} paused trials, which go on from them",
        )
    for reason in recovery.unusable:
        say(console, f"not kept: {reason}")
    say(console, f"the damaged study is kept in {whole(quoted(recovery.aside))}")
    if kept < trials:
        say(
            console,
            f"run the study again (`hpsearch run CONFIG{runs_dir}`) to train the other "
            f"{trials - kept}: the same parameters and seeds, so the same results",
        )


def render_chosen(console: Console, best: Best) -> None:
    """`hpsearch best`: the chosen trial, a summary of its curves, its reusable configuration."""
    chosen, output = best.chosen, best.output
    record, said, metric = chosen.record, chosen.diagnosis, chosen.config.ranked_by
    say(
        console,
        f"chosen: trial {record.number} (round {record.round}) of study {chosen.config.name}, "
        f"the best of {chosen.complete} complete trials by dev {metric.label}",
    )
    say(
        console,
        f"dev {metric.label} {metric.cell(record.dev_error)}, train {metric.label} "
        f"{metric.cell(record.train_error)}"
        + (f" → {reading(said, metric, chosen.gaps)}" if said else ""),
    )
    if said in ("bias", "both") and chosen.config.target_error is None:
        say(console, f"({assumed(metric)})")
    for number, line in enumerate(curve_lines(chosen.curves, metric)):
        console.print(f"{'curves:' if number == 0 else '':7} {line}", markup=False)
    saved = str(chosen.weights) if chosen.weights else "not kept (search.keep_models)"
    if record.best_epoch is not None:
        saved += f" (the weights of epoch {record.best_epoch}, its best on dev)"
    console.print(f"model: {saved}", markup=False)
    if output is None:
        console.print()
        console.print(best.yaml.rstrip(), markup=False, highlight=False)
    else:
        say(
            console,
            f"configuration written to {output}; `hpsearch train {output}` retrains the chosen "
            "trial exactly",
        )


def curve_lines(curves: CurveSummary, metric: Metric) -> list[str]:
    """The learning curve in a few lines: best epoch, final values of the metric, the train
    cost's trend."""
    lines, m = [f"{curves.epochs} epochs"], metric.label
    if curves.best_epoch is not None:
        lines[0] += (
            f", the lowest dev {m} {metric.cell(curves.best_dev_error)} at epoch "
            f"{curves.best_epoch}"
        )
    lines.append(
        f"final train {m} {metric.cell(curves.final_train_error)}, "
        f"dev {m} {metric.cell(curves.final_dev_error)}"
    )
    if curves.first_train_cost is not None and curves.last_train_cost is not None:
        lines.append(
            f"train cost {curves.first_train_cost:.3g} → {curves.last_train_cost:.3g}, "
            + TRENDS[curves.trend]
        )
    return lines


def render_test_read(
    console: Console,
    read: LoggedRead,
    reads: list[LoggedRead],
    metric: Metric,
    baselines: Sequence[Baseline] = (),
) -> None:
    """`hpsearch best --test`: the test value of the study's metric (and its baselines'), and
    how often the test split has been read."""
    say(
        console,
        f"test {metric.label} of trial {read.trial}: {metric.cell(read.test_error)} "
        f"(test cost {read.test_cost:.4g}, {read.examples:,} examples)",
    )
    if read.baselines and baselines:
        values = [read.baselines.get(b.name) for b in baselines]
        console.print(baseline_line(baselines, metric, "test", values), markup=False)
    if len(reads) <= 1:
        say(
            console,
            "the test split was read for the first time; it estimates the chosen model, and "
            "nothing ranks by it",
        )
        return
    first = reads[0].time.strftime("%Y-%m-%d %H:%M UTC")
    console.print(
        f"[yellow]the test split has now been read {len(reads)} times[/] (first {first}): a "
        "choice made after seeing it tunes on it, and the estimate is no longer unbiased",
        soft_wrap=False,
    )


def render_zoom(console: Console, outcome: ZoomRun) -> None:
    """The region a zoom chose, rule by rule; or that an unfinished zoom round is resumed."""
    zoom = outcome.zoom
    if zoom is None:
        console.print(f"resuming the unfinished zoom round: {outcome.n_trials} trials to run")
        return
    table = Table(title="zoom: the region of the best trials", title_justify="left")
    columns = ("hyperparameter", "scale", "before", "after", "kept", "rule", "evidence")
    for column in columns if zoom.weighed else columns[:-1]:
        table.add_column(  # names whole; ranges and rules wrap at words, and never are cut
            column,
            justify="right" if column == "kept" else "left",
            no_wrap=column in ("hyperparameter", "scale", "kept"),
            overflow="fold",
        )
    for row in zoom.rows:
        kept = f"{row.kept:.0%}"
        cells = [row.name, row.scale, row.old.describe(), row.new.describe(), kept, row.how]
        table.add_row(*cells, *([evidence_cell(row)] if zoom.weighed else []))
    console.print(table)
    for line in zoom_notes(outcome):
        say(console, line)
    top = ", ".join(map(str, zoom.top))
    say(
        console,
        f"drawn from the best {len(zoom.top)} trials ({top}); the new space is "
        f"{zoom.volume_kept:.2%} of the last round's and {zoom.volume_of_first:.2%} of the "
        "first's",
    )
    under = "" if outcome.schedule == "plain" else f" under schedule {outcome.schedule}"
    if outcome.run is None:
        say(
            console,
            f"dry run: nothing was run or stored; the new round would run {outcome.n_trials} "
            f"trials{under}. The region as a study file section:",
        )
        console.print(outcome.yaml.rstrip(), markup=False)
    else:
        console.print(f"running {outcome.n_trials} trials in a new round{under}")


ZOOM_RULES = (
    "rule: span = the best trials' range on the hyperparameter's scale, widened on each side by "
    "the margin (a share of that range), within the first round's range; for a choice, the "
    "choices the best trials used. minimum width = that span was narrower than "
    f"{MIN_WIDTH:.0%} of the first round's range, so the region is that wide around its centre. "
    "too few trials = no bound could move on the evidence. set = given with --set."
)


def evidence_cell(row: ZoomRow) -> str:
    """The trials beyond each bound that moved, and beyond each held for want of them."""
    moved = [f"{n} {side}" for side, n in row.beyond]
    held = [f"{n} {side} (too few)" for side, n in row.held]
    return ", ".join(moved + held) or "–"


def zoom_notes(outcome: ZoomRun) -> list[str]:
    """Which hyperparameters narrowed, on what evidence, why ranges grew when some did (a later
    zoom ranks the best trials of every round, and those of earlier, wider rounds may lie
    outside the last one's range), and the rules."""
    zoom = outcome.zoom
    assert zoom is not None
    narrowed = [row.name for row in zoom.rows if row.narrowed]
    lines = [
        f"narrowed: {', '.join(narrowed) or 'none'}; kept whole: "
        f"{', '.join(row.name for row in zoom.rows if not row.narrowed) or 'none'}"
    ]
    if zoom.weighed:
        lines.append(
            f"evidence: a bound moves in, and a choice goes, only when at least {zoom.needed} of "
            f"the {zoom.weighed} trials of round {outcome.last_round} lie beyond it and none of "
            f"its best does: chance would put them all there in fewer than {EVIDENCE:.0%} of "
            "studies where the hyperparameter does not matter. The evidence column counts those "
            "trials."
        )
    grown = [f"{row.name} ({row.kept:.0%})" for row in zoom.rows if row.kept > 1 + 1e-9]
    if not grown:
        return [*lines, ZOOM_RULES]
    last = outcome.last_round
    earlier = sum(r < last for r in zoom.top_rounds)
    why = (
        f"{earlier} of the best {len(zoom.top)} trials are from rounds before round {last}, "
        "drawn from wider ranges, and the region spans them"
        if earlier
        else "the margin reaches past its range"
    )
    return [
        *lines,
        f"wider than round {last}: {', '.join(grown)}. A zoom ranks the trials of every round; "
        f"{why} (only the first round's range bounds a zoom). To keep a range narrow, zoom "
        "around fewer trials (--top K) or set it (--set NAME=LOW:HIGH).",
        ZOOM_RULES,
    ]


def render_training(console: Console, training: Training) -> None:
    """How one training went: its end, the errors of the weights it kept, where they are."""
    epochs = f"{training.epochs} epoch{'' if training.epochs == 1 else 's'}"
    console.print(f"{training.state} after {epochs}", markup=False)
    if training.message:
        say(console, training.message)
    if training.dev_error is not None:
        metric = training.metric
        say(
            console,
            f"train {metric.label} {metric.cell(training.train_error)}, dev {metric.label} "
            f"{metric.cell(training.dev_error)} on {training.data}",
        )
    if training.saved is not None:
        console.print(f"saved to {training.saved}", markup=False)


def render_init(console: Console, done: Initialized) -> None:
    """What `hpsearch init` wrote, and the commands that go on from it (whole, with the path:
    they are pasted); what it found wraps as prose."""
    dataset = done.dataset
    console.print(f"wrote {done.path}: study {done.name}", markup=False)
    say(console, f"data: {dataset.describe()}")
    say(console, f"target: {done.guess.reason}")
    for column, why in done.ignored:
        say(console, f"left out (ignore:) {whole(column)}: {why}")
    proposed = done.proposed
    if proposed is not None and proposed.budget is not None:
        size = (
            f"schedule asha, a budget of {proposed.budget:,} epochs ({proposed.full_trials} "
            f"full trials of {proposed.epochs}): about {proposed.configurations} configurations, "
            f"about {proposed.full} reaching {proposed.epochs} epochs"
        )
    else:
        size = f"{done.budget.n_trials} trials of {done.budget.epochs} epochs"
    say(console, f"search: {size}, the {done.preset} space (--preset)")
    path = quoted(done.path)
    console.print(f"next: hpsearch check {path}, then hpsearch run {path}", markup=False)
