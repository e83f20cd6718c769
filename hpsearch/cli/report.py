"""Rendering for the terminal: rich tables built from the library's plain records. Nothing here
computes; a command hands its answer to one of these functions and prints what comes back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hpsearch.cli.cells import param_cell
from hpsearch.cli.data_report import columns_table, data_lines
from hpsearch.cli.show_table import assumed, baseline_line, reading, render_view
from hpsearch.search.ranking import diagnose
from hpsearch.search.zoom import MIN_WIDTH
from hpsearch.store.layout import default_runs, quoted
from hpsearch.tasks import Metric, significant

if TYPE_CHECKING:  # only named: importing `study.run` would load the executors for `check`
    from hpsearch.config import StudyConfig
    from hpsearch.data.catalog import BuiltinDataset
    from hpsearch.search.ranking import CurveSummary
    from hpsearch.store.sqlite import Baseline
    from hpsearch.store.test_reads import LoggedRead
    from hpsearch.study.best import Chosen
    from hpsearch.study.check import Checked
    from hpsearch.study.init import Initialized
    from hpsearch.study.recover import Recovery
    from hpsearch.study.run import StudyRun
    from hpsearch.study.train import Training
    from hpsearch.study.zoom_plan import ZoomRun
    from hpsearch.trial import TrialSpec

ENGINES = {
    "numpy": "numpy (install hpsearch[numba] for fused kernels: faster, the same results)",
    "numba": "numba (fused kernels; the same results as numpy, bit for bit)",
}
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
    settings = config.model_dump(mode="json", exclude={"hyperparameters"}, exclude_none=True)
    console.print(yaml.safe_dump(settings, sort_keys=False).rstrip(), markup=False)
    console.print(f"data: {dataset.describe()}; {_target(checked)}", markup=False)
    report = dataset.report
    if report is not None and config.data.is_file and report.columns:
        console.print(columns_table(report))
    for line in data_lines(report):
        console.print(f"data: {line}", markup=False)
    if checked.balance is not None:
        console.print(checked.balance, markup=False)
    if config.hyperparameters.root:
        console.print(space_table(config))
    else:
        console.print("search space: empty, so every hyperparameter keeps its default")
    if trials:
        console.print(preview_table(config, trials))
    console.print(f"engine: {ENGINES[checked.engine]}", markup=False)


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


def space_table(config: StudyConfig) -> Table:
    table = Table(title="search space", title_justify="left")
    for column in ("hyperparameter", "distribution", "bounds", "scale"):
        table.add_column(column, no_wrap=column != "bounds")  # bounds wrap on a narrow terminal
    space = config.hyperparameters
    for name, distribution in space.searched.items():
        table.add_row(name, distribution.distribution, distribution.describe(), distribution.scale)
    for name, value in space.fixed.items():
        table.add_row(name, "fixed", _cell(value), "")
    return table


def preview_table(config: StudyConfig, trials: list[TrialSpec]) -> Table:
    """One column per trial, so that many hyperparameters still fit the terminal's width."""
    space = config.hyperparameters
    names = list(space.searched) or list(space.fixed)
    table = Table(
        title=f"first {len(trials)} trials ({config.search.method})", title_justify="left"
    )
    table.add_column("hyperparameter")
    for trial in trials:
        table.add_column(f"trial {trial.number}", justify="right")
    for name in names:
        distribution = space.searched.get(name)
        table.add_row(name, *(param_cell(distribution, trial.params[name]) for trial in trials))
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return value if isinstance(value, str) else json.dumps(value)


def datasets_table(datasets: Iterable[BuiltinDataset]) -> Table:
    """The built-in datasets, one row each, for `hpsearch datasets`."""
    table = Table(title="Built-in datasets", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("name", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("shape", justify="right", no_wrap=True)
    table.add_column("classes", justify="right")  # a regression: "–"
    table.add_column("options", no_wrap=True)
    table.add_column("description")
    for info in datasets:
        rows, features = info.shape
        table.add_row(
            f"[bold]{info.name}[/]",
            info.kind,
            f"{rows:,} × {features}",
            str(info.n_classes) if info.task == "classification" else "–",
            "\n".join(f"{name}={value}" for name, value in info.options) or "–",
            info.description,
        )
    table.caption = "shape = rows × features, with the default options"
    return table


def render_outcome(console: Console, outcome: StudyRun, again: str) -> None:
    """The end of `hpsearch run` or `zoom`: what `hpsearch show` prints, then where the study is
    and, when it is not done, `again`: the command that goes on with it, whole on one line."""
    if outcome.set_aside is not None:
        console.print(f"the old study was set aside in {quoted(outcome.set_aside)}", markup=False)
    if outcome.utilisation is not None:  # before the view, which is what `show` prints
        console.print(
            f"workers busy {outcome.utilisation:.0%} of the run (busy time / (workers × wall "
            "time))",
            markup=False,
            highlight=False,
        )
    render_view(console, outcome.overview)
    if outcome.interrupted:
        console.print(
            "[yellow]interrupted[/]: every finished trial is kept; to resume, run", soft_wrap=True
        )
        console.print(f"  {again}", markup=False, soft_wrap=True)
    folder = quoted(outcome.folder)
    if not outcome.ran and not outcome.interrupted:
        console.print(
            "nothing to run: every planned trial of the study has finished; raise search.trials "
            f"in its file, or zoom in for a new round: `hpsearch zoom {folder}`",
            markup=False,
            soft_wrap=True,
        )
    if outcome.exit_code == 3 and not outcome.interrupted:
        console.print(
            "[red]no trial completed[/]: nothing to rank or use; see why with "
            f"`hpsearch show {escape(folder)} --all`",
            soft_wrap=True,
        )
    console.print(f"stored in {folder}", markup=False, soft_wrap=True)


def render_recovery(console: Console, recovery: Recovery) -> None:
    """`hpsearch recover`: what was kept, what was lost, where the damaged study went."""
    lost, kept, trials = len(recovery.lost), len(recovery.kept), recovery.trials
    runs = recovery.folder.parent
    runs_dir = "" if runs == default_runs() else f" --runs-dir {quoted(runs)}"
    lines = [
        f"recovered {kept} finished trials of {trials} into {quoted(recovery.folder)}; "
        f"{lost} could not be read",
    ]
    if recovery.missing:
        partly = ", ".join(
            f"trial {number} ({', '.join(columns)})"
            for number, columns in sorted(recovery.missing.items())
        )
        lines.append(f"kept without what could not be read back, left empty: {partly}")
    if recovery.rungs or recovery.paused:
        lines.append(
            f"kept {recovery.rungs} rung results and {recovery.checkpoints} checkpoints of "
            f"{len(recovery.paused)} paused trials, which go on from them"
        )
    lines += [f"not kept: {reason}" for reason in recovery.unusable]
    lines.append(f"the damaged study is kept in {quoted(recovery.aside)}")
    if kept < trials:
        lines.append(
            f"run the study again (`hpsearch run CONFIG{runs_dir}`) to train the other "
            f"{trials - kept}: the same parameters and seeds, so the same results"
        )
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)


def render_chosen(console: Console, chosen: Chosen, output: Path | None) -> None:
    """`hpsearch best`: the chosen trial, a summary of its curves, its reusable configuration."""
    record, metric = chosen.record, chosen.config.ranked_by
    said = diagnose(record.train_error, record.dev_error, chosen.config.target_error, metric.name)
    console.print(
        f"chosen: trial {record.number} (round {record.round}) of study {chosen.config.name}, "
        f"the best of {chosen.complete} complete trials by dev {metric.label}",
        markup=False,
    )
    console.print(
        f"dev {metric.label} {metric.cell(record.dev_error)}, train {metric.label} "
        f"{metric.cell(record.train_error)}" + (f" → {reading(said, metric)}" if said else ""),
        markup=False,
    )
    if said in ("bias", "both") and chosen.config.target_error is None:
        console.print(f"({assumed(metric)})", markup=False, soft_wrap=True)
    for number, line in enumerate(curve_lines(chosen.curves, metric)):
        console.print(f"{'curves:' if number == 0 else '':7} {line}", markup=False)
    saved = str(chosen.weights) if chosen.weights else "not kept (search.keep_models)"
    if record.best_epoch is not None:
        saved += f" (the weights of epoch {record.best_epoch}, its best on dev)"
    console.print(f"model: {saved}", markup=False)
    if output is None:
        console.print()
        from hpsearch.study.best import reuse_yaml  # here: `check` needs no store

        console.print(reuse_yaml(chosen).rstrip(), markup=False, highlight=False)
    else:
        console.print(
            f"configuration written to {output}; `hpsearch train {output}` retrains the chosen "
            "trial exactly"
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
    console.print(
        f"test {metric.label} of trial {read.trial}: {metric.cell(read.test_error)} "
        f"(test cost {read.test_cost:.4g}, {read.examples:,} examples)",
        markup=False,
    )
    if read.baselines and baselines:
        values = [read.baselines.get(b.name) for b in baselines]
        console.print(baseline_line(baselines, metric, "test", values), markup=False)
    if len(reads) <= 1:
        console.print(
            "the test split was read for the first time; it estimates the chosen model, and "
            "nothing ranks by it"
        )
        return
    first = reads[0].time.strftime("%Y-%m-%d %H:%M UTC")
    console.print(
        f"[yellow]the test split has now been read {len(reads)} times[/] (first {first}): a "
        "choice made after seeing it tunes on it, and the estimate is no longer unbiased"
    )


def render_zoom(console: Console, outcome: ZoomRun) -> None:
    """The region a zoom chose, rule by rule; or that an unfinished zoom round is resumed."""
    zoom = outcome.zoom
    if zoom is None:
        console.print(f"resuming the unfinished zoom round: {outcome.trials} trials to run")
        return
    table = Table(title="zoom: the region of the best trials", title_justify="left")
    for column in ("hyperparameter", "scale", "before", "after", "kept", "rule"):
        table.add_column(column, justify="right" if column == "kept" else "left")
    for row in zoom.rows:
        kept = f"{row.kept:.0%}"
        table.add_row(row.name, row.scale, row.old.describe(), row.new.describe(), kept, row.how)
    console.print(table)
    for line in zoom_notes(outcome):
        console.print(line, markup=False, soft_wrap=True)
    top = ", ".join(map(str, zoom.top))
    console.print(
        f"drawn from the best {len(zoom.top)} trials ({top}); the new space is "
        f"{zoom.volume_kept:.2%} of the last round's and {zoom.volume_of_first:.2%} of the first's"
    )
    under = "" if outcome.schedule == "plain" else f" under schedule {outcome.schedule}"
    if outcome.run is None:
        console.print(
            f"dry run: nothing was run or stored; the new round would run {outcome.trials} "
            f"trials{under}. The region as a study file section:"
        )
        console.print(outcome.yaml.rstrip(), markup=False)
    else:
        console.print(f"running {outcome.trials} trials in a new round{under}")


ZOOM_RULES = (
    "rule: span = the best trials' range on the hyperparameter's scale, widened on each side by "
    "the margin (a share of that range), within the first round's range; for a choice, the "
    "choices the best trials used. minimum width = that span was narrower than "
    f"{MIN_WIDTH:.0%} of the first round's range, so the region is that wide around its centre. "
    "set = given with --set."
)


def zoom_notes(outcome: ZoomRun) -> list[str]:
    """Why ranges grew, when some did (a later zoom ranks the best trials of every round, and
    those of earlier, wider rounds may lie outside the last one's range), and the rules."""
    zoom = outcome.zoom
    assert zoom is not None
    grown = [f"{row.name} ({row.kept:.0%})" for row in zoom.rows if row.kept > 1 + 1e-9]
    if not grown:
        return [ZOOM_RULES]
    last = outcome.last_round
    earlier = sum(r < last for r in zoom.top_rounds)
    why = (
        f"{earlier} of the best {len(zoom.top)} trials are from rounds before round {last}, "
        "drawn from wider ranges, and the region spans them"
        if earlier
        else "the margin reaches past its range"
    )
    return [
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
        console.print(training.message, markup=False)
    if training.dev_error is not None:
        metric = training.metric
        console.print(
            f"train {metric.label} {metric.cell(training.train_error)}, dev {metric.label} "
            f"{metric.cell(training.dev_error)} on {training.data}",
            markup=False,
        )
    if training.saved is not None:
        console.print(f"saved to {training.saved}", markup=False)


def render_init(console: Console, done: Initialized) -> None:
    """What `hpsearch init` wrote, and the commands that go on from it."""
    dataset = done.dataset
    console.print(f"wrote {done.path}: study {done.name}", markup=False)
    console.print(f"data: {dataset.describe()}", markup=False)
    console.print(f"target: {done.guess.reason}", markup=False)
    for column, why in done.ignored:
        console.print(f"left out (ignore:) {column}: {why}", markup=False)
    console.print(
        f"search: {done.budget.trials} trials of {done.budget.epochs} epochs, the {done.preset} "
        "space (--preset)",
        markup=False,
    )
    path = quoted(done.path)
    console.print(f"next: hpsearch check {path}, then hpsearch run {path}", markup=False)
