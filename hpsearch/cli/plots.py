"""`hpsearch plot`: the study in three pictures, as PNG files in `<study>/plots/`.

1. the dev metric (error, RMSE, …) against each searched hyperparameter on its own scale, rounds
   in their colours and each round's region shaded: the course's coarse-to-fine picture;
2. the train and dev learning curves of the best trials;
3. the best dev metric so far against trial number, per round.

Figures are built as `matplotlib.figure.Figure` objects (no pyplot, so no global state and no
display needed) and saved with the Agg canvas. Matplotlib is imported only by `hpsearch plot`.
What they show is computed below the command line (`study.plot_data`); here it is only placed."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from hpsearch.cli.plot_axes import jitter, position, set_scale, spans
from hpsearch.durable import written_aside
from hpsearch.search.space import Choice
from hpsearch.store.faults import os_error
from hpsearch.store.layout import PLOTS_DIR, own_folder
from hpsearch.study.plot_data import PlotData
from hpsearch.trial import TrialRecord

DPI = 100


def plot_study(study: PlotData, folder: Path) -> list[Path]:
    """Writes the three figures of the study in `<its folder>/plots/`; returns their paths."""
    dev = study.dev.replace(" ", "-").lower()
    figures = {
        f"{dev}-by-hyperparameter.png": coarse_to_fine_figure(study),
        "learning-curves.png": learning_curves_figure(study),
        "best-so-far.png": best_so_far_figure(study),
    }
    out = own_folder(folder, PLOTS_DIR)  # never a planted link out of the study
    paths = []
    try:
        for filename, figure in figures.items():
            paths.append(_save(figure, out / filename))
    except OSError as error:
        raise os_error(error, out) from None
    return paths


def _save(figure: Figure, path: Path) -> Path:
    """Writes the figure aside and renames it over `path`: a link planted at `path` is
    replaced, never written through."""
    with written_aside(path) as file:
        figure.savefig(file, dpi=DPI, format="png")
    return path


def coarse_to_fine_figure(study: PlotData) -> Figure:
    """One panel per searched hyperparameter: each complete trial's dev metric at its value,
    coloured by round, with each round's searched region shaded in its colour."""
    distributions = study.distributions
    names = list(distributions) or ["(nothing searched)"]
    columns = 2 if len(names) in (2, 4) else min(3, len(names))
    rows = math.ceil(len(names) / columns)
    title = f"study {study.name}: {study.dev} against each hyperparameter on its own scale"
    note = "(shaded: the range each round searched; × at the top: diverged or timed-out trials"
    note += "; grey lines: the baselines on the same dev split)" if study.baselines else ")"
    heading = _fitted(title, columns) + "\n" + _fitted(note, columns)
    top = 0.2 * (heading.count("\n") + 1) + 0.5  # the heading's lines, then a panel's title
    figure = Figure(figsize=(4.2 * columns, 3.4 * rows + top - 0.2))
    axes = figure.subplots(rows, columns, squeeze=False, sharey=True).ravel()
    _margins(figure, rows, columns, top=top, between=(0.2, 0.95))
    best = study.ranked[0]
    rng = np.random.default_rng(0)  # the same jitter every time the plot is drawn
    for ax, name in zip(axes, names, strict=False):
        if name not in distributions:
            ax.text(0.5, 0.5, "nothing is searched", ha="center", transform=ax.transAxes)
            continue
        _panel(ax, name, study, distributions[name], best, rng)
        _baseline_lines(ax, study)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    label = _error_scale(axes[0], [r.dev_error for r in study.complete], study)
    for ax in axes[::columns]:
        ax.set_ylabel(label)
    axes[0].legend(loc="best", fontsize="small")
    figure.suptitle(heading, fontsize="medium")
    return figure


def _margins(
    figure: Figure,
    rows: int,
    columns: int,
    *,
    top: float,
    between: tuple[float, float],
    right: float = 0.2,
) -> None:
    """The panels placed with margins in inches that leave room for their labels: the left for
    the y axis's label and ticks, the bottom for the x axis's, `top` for the titles, `between`
    (across, down) for the inner ones, `right` for a legend beside them. Set once, where a
    layout engine would measure every label's text twice per figure (a third of `hpsearch
    plot`'s time)."""
    width, height = figure.get_size_inches()
    left, bottom = 0.8, 0.6
    panel_width = (width - left - right - (columns - 1) * between[0]) / columns
    panel_height = (height - top - bottom - (rows - 1) * between[1]) / rows
    figure.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
        wspace=between[0] / panel_width, hspace=between[1] / panel_height,
    )  # fmt: skip


def _fitted(text: str, columns: int) -> str:
    """`text` broken into lines that fit a figure of `columns` panels, so no title is cut."""
    return textwrap.fill(text, width=int(52 * columns))


def _panel(ax: Axes, name: str, study: PlotData, distribution, best, rng) -> None:
    for round, space in enumerate(study.spaces):
        color = _color(round)
        searched = space.searched.get(name)
        if searched is not None:
            for low, high in spans(distribution, searched):
                ax.axvspan(low, high, color=color, alpha=0.08 + 0.04 * round, lw=0)
                if round > 0 and not isinstance(searched, Choice):  # a zoom's edges, on top
                    ax.axvline(low, color=color, ls="--", lw=1)
                    ax.axvline(high, color=color, ls="--", lw=1)
        _mark_unfinished(ax, name, study, distribution, round, rng)
        trials = [r for r in study.complete if r.round == round]
        if not trials:
            continue
        x = np.array([position(distribution, r.params[name]) for r in trials])
        x += jitter(distribution, len(x), rng)
        y = [r.dev_error for r in trials]
        ax.scatter(x, y, s=22, color=color, label=f"round {round} ({len(trials)})", zorder=3)
    star = position(distribution, best.params[name])
    ax.scatter([star], [best.dev_error], marker="*", s=160, color="gold", edgecolor="black",
               zorder=4, label=f"best: trial {best.number}")  # fmt: skip
    set_scale(ax, name, distribution)
    ax.set_title(name)
    ax.grid(alpha=0.3)


def _mark_unfinished(ax: Axes, name: str, study: PlotData, distribution, round, rng) -> None:
    """Diverged and timed-out trials of `round` as × at the top edge, with their count: where
    they begin is where the good region ends."""
    lost = [r for r in study.lost if r.round == round]
    if not lost or name not in lost[0].params:
        return
    x = np.array([position(distribution, r.params[name]) for r in lost])
    x += jitter(distribution, len(x), rng)
    ax.scatter(x, np.full(len(x), 0.97), marker="x", s=30, color=_color(round), zorder=3,
               transform=ax.get_xaxis_transform(), clip_on=False,
               label=f"round {round}: diverged or timed out ({len(lost)})")  # fmt: skip


def learning_curves_figure(study: PlotData) -> Figure:
    """Train (dashed) and dev (solid) metric and cost per epoch of the best trials."""
    figure = Figure(figsize=(11, 4.2))
    error_ax, cost_ax = figure.subplots(1, 2)
    handles = [
        _curves(error_ax, cost_ax, record, place, study)
        for place, record in enumerate(study.ranked, start=1)
    ]
    handles += [
        Line2D([], [], color="black", label="dev"),
        Line2D([], [], color="black", ls="--", label="train"),
        *_stopped_curves(error_ax, cost_ax, study),
    ]
    metric = study.metric
    error_ax.set_ylabel(f"{metric.label} ({metric.unit})")
    _past_the_first_epoch(error_ax, study.ranked)
    handles += _baseline_lines(error_ax, study)
    loss = "cross-entropy" if metric.task == "classification" else "squared error, standardized"
    cost_ax.set_ylabel(f"cost ({loss} + L2 penalty, log scale)")
    cost_ax.set_yscale("log")
    cost_ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))  # no mathtext
    cost_ax.yaxis.set_minor_formatter(FuncFormatter(_two_and_five))
    for ax, title in ((error_ax, metric.label), (cost_ax, "cost")):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{title}: dev solid, train dashed")
        ax.grid(alpha=0.3)
    legend = figure.legend(handles=handles, loc="upper right", fontsize="small")
    beside = legend.get_window_extent(FigureCanvasAgg(figure).get_renderer()).width / figure.dpi
    _margins(figure, 1, 2, top=0.7, between=(0.9, 0), right=beside + 0.2)
    legend.set_bbox_to_anchor((1, 1 - 0.7 / figure.get_size_inches()[1]))  # beside the panels
    shown = len(study.ranked)
    figure.suptitle(f"study {study.name}: learning curves of the best {shown} trials")
    return figure


def _curves(
    error_ax: Axes, cost_ax: Axes, record: TrialRecord, place: int, study: PlotData
) -> Line2D:
    """Draws one trial's four curves in its colour; returns its legend entry."""
    color = _color(place - 1)
    for ax, kind in ((error_ax, "error"), (cost_ax, "cost")):
        for split, style in (("dev", "-"), ("train", "--")):
            curve = record.curves.get(f"{split}_{kind}", [])
            ax.plot(range(1, len(curve) + 1), curve, color=color, ls=style)
    value = study.metric.cell(record.dev_error)
    label = f"#{place}: trial {record.number} ({study.dev} {value})"
    return Line2D([], [], color=color, label=label)


def _past_the_first_epoch(ax: Axes, records: list[TrialRecord]) -> None:
    """The error axis scaled to the epochs after the first, whose high error would squash the
    rest of the curve against the floor."""
    later = [
        value
        for record in records
        for split in ("train", "dev")
        for value in record.curves.get(f"{split}_error", [])[1:]
        if math.isfinite(value)
    ]
    if later:
        ax.set_ylim(0, 1.1 * max(later) or 1)


STOPPED_GREY = "0.72"


def _stopped_curves(error_ax: Axes, cost_ax: Axes, study: PlotData) -> list[Line2D]:
    """Under a halving schedule: the dev curves of the stopped trials, thin and grey behind the
    best ones, and a dotted line at each rung they stopped at; their legend entries."""
    stopped = study.stopped
    if not stopped:
        return []
    for record in stopped:
        for ax, kind in ((error_ax, "error"), (cost_ax, "cost")):
            curve = record.curves.get(f"dev_{kind}", [])
            ax.plot(range(1, len(curve) + 1), curve, color=STOPPED_GREY, lw=0.7, zorder=0)
    for rung in study.rungs:
        for ax in (error_ax, cost_ax):
            ax.axvline(rung, color="0.45", ls=":", lw=0.9, zorder=0)
    return [
        Line2D([], [], color=STOPPED_GREY, lw=0.7, label=f"{len(stopped)} stopped at a rung"),
        Line2D([], [], color="0.45", ls=":", lw=0.9, label="rungs"),
    ]


def best_so_far_figure(study: PlotData) -> Figure:
    """Each trial's dev metric by trial number, the lowest so far within each round, and the
    lowest so far of the whole study."""
    figure = Figure(figsize=(8, 4.2))
    ax = figure.subplots()
    _margins(figure, 1, 1, top=0.4, between=(0, 0))
    for line in study.best_so_far:
        if line.round is None:  # every round's
            ax.step(line.numbers, line.lowest, where="post", color="black", lw=1, ls=":",
                    label="all rounds")  # fmt: skip
            continue
        color = _color(line.round)
        ax.scatter(line.numbers, line.errors, s=14, color=color, alpha=0.35)
        ax.step(line.numbers, line.lowest, where="post", color=color, lw=2,
                label=f"round {line.round}: best {study.metric.cell(line.lowest[-1])}")  # fmt: skip
    _baseline_lines(ax, study)
    ax.set_xlabel("trial number")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(_error_scale(ax, [r.dev_error for r in study.complete], study, "best "))
    ax.set_title(
        f"study {study.name}: the best {study.dev} so far, per round (dots: each trial)"
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")
    return figure


BASELINE_STYLES = ("-.", ":")  # gradient boosting, then the linear model


def _baseline_lines(ax: Axes, study: PlotData) -> list[Line2D]:
    """Each baseline's dev metric as a grey horizontal line across `ax`, labelled (never a
    point among the trials); their legend entries."""
    drawn = []
    for baseline, style in zip(study.baselines, BASELINE_STYLES, strict=False):
        if baseline.dev_error is None or not math.isfinite(baseline.dev_error):
            continue
        label = f"{baseline.name} (baseline) {study.metric.cell(baseline.dev_error)}"
        drawn.append(
            ax.axhline(baseline.dev_error, color="0.35", ls=style, lw=1.2, zorder=1, label=label)
        )
    return drawn


def _error_scale(ax: Axes, errors: list[float], study: PlotData, prefix: str = "") -> str:
    """A log axis when the values span more than a decade (a few diverged trials would squash
    the good ones against the floor); the axis label to match."""
    low, high = min(errors), max(errors)
    log = low > 0 and high / low > 10
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(_two_and_five))
    unit = study.metric.unit
    return f"{prefix}{study.dev} ({unit}{', log scale' if log else ''})"


def _two_and_five(y: float, _: int) -> str:
    """Labels 0.02 and 0.05 between the decades of a log axis, and no other minor tick."""
    mantissa = round(y / 10 ** math.floor(math.log10(y)), 6) if y > 0 else 0
    return f"{y:g}" if mantissa in (2, 5) else ""


def _color(index: int) -> str:
    return f"C{index % 10}"
