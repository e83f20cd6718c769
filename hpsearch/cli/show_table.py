"""`hpsearch show` on a terminal, in a log or a pipe: the summary, then the ranked table.

The table never truncates a number. When it is wider than the output, the hyperparameter
columns fold into one column of `name=value` items, aligned from row to row; then, if the items
are still cramped, the round column may go (when every row is of one round), the epochs and time
columns (csv and json keep them) and, with --all, the state column (a trial that did not complete
shows its state as its diagnosis). Headers break at underscores. docs/results.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple

from rich import box
from rich.console import Console
from rich.table import Table

from hpsearch.cli.cells import MISSING, duration_cell, param_cell
from hpsearch.cli.data_report import data_lines
from hpsearch.cli.output import say
from hpsearch.search.noise import Gap, Z
from hpsearch.search.ranking import BINOMIAL_METRICS, GAP_SHARE, gap_floor
from hpsearch.tasks import Metric
from hpsearch.trial import TrialRecord, TrialState

if TYPE_CHECKING:
    from hpsearch.store.sqlite import Baseline
    from hpsearch.study.overview import StudyView, TrialRow

READINGS = {
    "bias": "high bias: train {0} well above the optimal {0}",
    "variance": "high variance: dev {0} well above train {0}",
    "both": "high bias and high variance",
    "fine": "neither high bias nor high variance",
    "noise": "within noise",
}
GAP_NAMES = {"bias": "train {0} − optimal {0}", "variance": "dev {0} − train {0}"}


def reading(diagnosis: str, metric: Metric, gaps: Sequence[Gap] = ()) -> str:
    """What a diagnosis says, in the study's metric: "high variance: dev RMSE well above…";
    within noise, which gap, its noise and the examples a reading would need at those values."""
    if diagnosis != "noise":
        return READINGS[diagnosis].format(metric.label)
    told = "; ".join(
        f"{GAP_NAMES[g.kind].format(metric.label)} ({metric.cell(g.size)}) is within {Z:g} "
        f"standard errors of the splits' sampling noise ({metric.cell(g.noise)})"
        for g in gaps
    )
    needed: dict[str, int] = {}
    for g in gaps:
        for split, count in g.needed.items():
            needed[split] = max(needed.get(split, 0), count)
    counts = " and ".join(f"{needed[s]:,} {s}" for s in ("dev", "train") if s in needed)
    return f"within noise: {told}; a reading would need about {counts} examples"


def assumed(metric: Metric) -> str:
    """Why a reading assumed an optimal value of 0, and how to give one."""
    human = "the human-level error" if metric.task == "classification" else "a known noise level"
    return (
        f"the optimal {metric.label} is assumed to be 0, as the study sets no target_error; set "
        f"it in the study file (target_error: at the top level, e.g. {human}), or read the "
        "trials against one with `show --target-error`"
    )


def sort_title(order: str, metric: Metric) -> str:
    """What the table is sorted by, in words."""
    titles = {
        "dev_error": f"dev {metric.label}",
        "train_error": f"train {metric.label}",
        "trial": "trial number",
    }
    return titles.get(order, order)


GAP = 2  # spaces between columns
CHUNK = 200  # rows laid out and printed at a time: the first screen comes at once
# When the table is too wide, the hyperparameters fold into one column and these columns may go:
# (round, state, epochs and time); the first of the layouts whose rows take the fewest lines wins.
FOLDED_LAYOUTS = (
    (True, True, True),
    (False, True, True),
    (True, True, False),
    (False, True, False),
    (True, False, False),
    (False, False, False),
)


class Column(NamedTuple):
    header: str
    cell: Callable[[TrialRow], str]
    left: bool = False  # text, aligned left; numbers align right


def render_view(console: Console, view: StudyView) -> None:
    """The summary lines, the table (or why there is none) and, with --all, each reason. Lines
    of prose wrap at words to the width of the terminal, or of `output.UNKNOWN_WIDTH`."""
    for line in summary_lines(view):
        say(console, line)
    if not view.rows:
        say(console, _no_rows(view))
        return
    print_trials(console, view)
    if any(row.diagnosis for row in view.rows):
        say(console, diagnosis_note(view))
    for line in reason_lines(view):
        say(console, line)


def print_trials(console: Console, view: StudyView) -> None:
    """The table, CHUNK rows at a time: the first screen of `show --all` on 100,000 trials comes
    while the later rows are still to be read. The layout and the column widths are those the
    first CHUNK rows choose (ranks, trial numbers and states as wide as the widest the counts
    tell), so the parts read as one table; a longer value further down folds in its column."""
    if len(view.rows) <= CHUNK:
        console.print(trials_table(view, console.width))
        return
    rows = iter(view.rows)
    head = replace(view, rows=list(islice(rows, CHUNK)))
    layout = choose_layout(head, console.width, view.one_round)
    columns = _columns(head, layout)
    cells = [[column.cell(row) for column in columns] for row in head.rows]
    widths = [
        max(_longest_line(text) for text in (column.header, *(row[i] for row in cells)))
        for i, column in enumerate(columns)
    ]
    widest = _widest(view)
    widths = [
        max(width, widest.get(column.header, 0))
        for width, column in zip(widths, columns, strict=True)
    ]
    item_widths = [len(column[0]) for column in _items(head)]
    first = True
    while cells:
        part = _frame(view, columns, header=first)
        for column, width in zip(part.columns, widths, strict=True):
            column.min_width = column.max_width = width
            column.no_wrap, column.overflow = False, "fold"  # a longer value: never cut
        for row in cells:
            part.add_row(*row)
        console.print(part)
        chunk, first = replace(view, rows=list(islice(rows, CHUNK))), False
        columns = _columns(chunk, layout, item_widths)
        cells = [[column.cell(row) for column in columns] for row in chunk.rows]


def _widest(view: StudyView) -> dict[str, int]:
    """The widths of the columns whose widest value the counts tell: ranks and trial numbers,
    and the states (which come last in the ranking)."""
    numbers = len(str(max(view.planned, sum(view.counts.values()))))
    states = max((len(str(s).replace("_", " ")) for s, n in view.counts.items() if n), default=0)
    return {"#": numbers, "trial": numbers, "state": states, "diagnosis\nor state": states}


def _longest_line(text: str) -> int:
    return max(map(len, text.split("\n")))


def summary_lines(view: StudyView) -> list[str]:
    """Where the study is, its best trial and its reading, which hyperparameters matter."""
    lines = [f"study {view.name} {_tally(view)}"]
    if view.best is not None:
        best = view.best
        metric = view.metric
        said = f" → {reading(best.diagnosis, metric, view.best_gaps)}" if best.diagnosis else ""
        if best.diagnosis in ("bias", "both") and view.target_error is None:
            said += f" (if the optimal {metric.label} is 0)"
        lines.append(
            f"best: trial {best.record.number} (round {best.record.round}), dev {metric.label} "
            f"{metric.cell(best.record.dev_error)}{_kept_epoch(best.record)}, train "
            f"{metric.label} {metric.cell(best.record.train_error)}{said}"
        )
    if view.baselines:
        lines.append(baseline_line(view.baselines, view.metric))
    if view.importance is not None:
        lines.append(view.importance.sentence(f"dev {view.metric.label}"))
    if view.savings is not None:
        lines.append(view.savings.sentence())
    if view.test_reads:
        last = view.test_reads[-1]
        times = "once" if len(view.test_reads) == 1 else f"{len(view.test_reads)} times"
        lines.append(
            f"test split read {times} by `hpsearch best --test`, last for trial {last.trial} on "
            f"{last.time:%Y-%m-%d %H:%M} UTC"
        )
    if view.fixed:
        fixed = ", ".join(f"{n}={param_cell(None, v)}" for n, v in view.fixed.items())
        lines.append(f"fixed: {fixed}")
    if view.engines:
        engines = ", ".join(
            f"{n} ({count} trial{'s' * (count != 1)})" for n, count in view.engines.items()
        )
        lines.append(f"engine: {engines}; numpy and numba give the same results, bit for bit")
    if view.threads != 1:
        lines.append(f"threads: {view.threads} BLAS threads per trial; results depend on the count")
    lines += [f"data: {line}" for line in data_lines(view.data)]
    return lines


def reason_lines(view: StudyView) -> list[str]:
    """With --all: why each trial that did not complete stopped, and the worker that ran it."""
    if not view.options.all:
        return []
    return [_reason(row.record) for row in view.rows if not _complete(row)]


def _reason(record: TrialRecord) -> str:
    where = f"trial {record.number} {record.state.replace('_', ' ')} on {record.worker or '?'}"
    if record.state is TrialState.RUNNING:
        since = f" since {record.started:%H:%M:%S} UTC" if record.started else ""
        return f"{where}{since}"
    if record.state is TrialState.INTERRUPTED and not record.message:
        return f"{where}: the run was stopped; it runs again when the study resumes"
    return f"{where}: {record.message or 'no reason recorded'}"


Layout = tuple[bool, bool, bool, int] | None  # folded: round, state, tail columns, room; or wide


def trials_table(view: StudyView, width: int) -> Table:
    """The widest layout that fits `width` columns without cutting a value: one column per
    hyperparameter, else the folded layout whose rows take the fewest lines."""
    return _laid_out(view, choose_layout(view, width))


def choose_layout(view: StudyView, width: int, one_round: bool | None = None) -> Layout:
    """The layout of `trials_table` for the rows of `view` (None: a column per hyperparameter);
    `one_round` says whether the rows of the whole table, if more than these, share a round."""
    if _width(_table(view, _wide_columns(view))) <= width:
        return None
    if one_round is None:
        one_round = len({row.record.round for row in view.rows}) == 1
    items = _items(view)
    widest = max((len(cell) for column in items for cell in column), default=0)
    best: tuple[int, Layout] | None = None
    last: Layout = None
    for with_round, with_state, with_tail in FOLDED_LAYOUTS:
        if (not with_round and not one_round) or (not with_state and not view.options.all):
            continue
        lead, tail = _lead_columns(view, with_round, with_state), _tail_columns(view, with_tail)
        room = width - _width(_table(view, lead + tail)) - GAP
        lines = _pack(items, room)
        last = (with_round, with_state, with_tail, room)
        if room >= widest and (best is None or len(lines) < best[0]):
            best = (len(lines), last)
    return last if best is None else best[1]  # none fits: the narrowest, wrapped by rich


def _laid_out(view: StudyView, layout: Layout) -> Table:
    return _table(view, _columns(view, layout))


def _columns(view: StudyView, layout: Layout, item_widths: list[int] | None = None) -> list[Column]:
    """The columns of `layout` for the rows of `view` (`item_widths`: the least width of each
    hyperparameter's item, so that later parts of a table keep the first part's grid)."""
    if layout is None:
        return _wide_columns(view)
    with_round, with_state, with_tail, room = layout
    lead, tail = _lead_columns(view, with_round, with_state), _tail_columns(view, with_tail)
    items = _items(view, item_widths)
    folded = Column("hyperparameters", _folded(view, items, _pack(items, room)), left=True)
    return [*lead, folded, *tail]


def _wide_columns(view: StudyView) -> list[Column]:
    return _lead_columns(view, True, True) + _param_columns(view) + _tail_columns(view, True)


def _lead_columns(view: StudyView, with_round: bool, with_state: bool) -> list[Column]:
    """With --all and no state column, a trial that did not complete shows its state in place
    of its diagnosis."""
    columns: list[Column] = [
        Column("#", lambda r: str(r.rank)),
        Column("trial", lambda r: str(r.record.number)),
    ]
    if with_round:
        columns.append(Column("round", lambda r: str(r.record.round)))
    metric, label = view.metric, view.metric.label.replace(" ", "\n")
    columns += [
        Column(f"dev\n{label}", lambda r: metric.cell(r.record.dev_error)),
        Column(f"train\n{label}", lambda r: metric.cell(r.record.train_error)),
    ]
    if not view.options.all:
        return [*columns, Column("diagnosis", lambda r: r.diagnosis or MISSING, left=True)]
    if with_state:
        return [
            *columns,
            Column("diagnosis", lambda r: r.diagnosis or MISSING, left=True),
            Column("state", _state, left=True),
        ]
    merged = Column(
        "diagnosis\nor state",
        lambda r: (r.diagnosis or MISSING) if _complete(r) else _state(r),
        left=True,
    )
    return [*columns, merged]


def _state(row: TrialRow) -> str:
    return row.record.state.replace("_", " ")


def _complete(row: TrialRow) -> bool:
    return row.record.state is TrialState.COMPLETE


def _tail_columns(view: StudyView, with_tail: bool) -> list[Column]:
    if not with_tail:
        return []
    kept = [Column("best\nepoch", _best_epoch)] if view.keeps_best else []
    return [
        *kept,
        Column("epochs trained", lambda r: str(r.record.epochs)),
        Column("time", lambda r: duration_cell(r.record.duration_s)),
    ]


def _best_epoch(row: TrialRow) -> str:
    """The epoch whose weights the trial kept, when it keeps its best's."""
    return MISSING if row.record.best_epoch is None else str(row.record.best_epoch)


def _param_columns(view: StudyView) -> list[Column]:
    def cell(name: str) -> Callable[[TrialRow], str]:
        return lambda row: param_cell(view.distributions[name], row.params[name])

    return [
        Column(name.replace("_", "\n"), cell(name), left=d.scale == "categorical")
        for name, d in view.distributions.items()
    ]


def _items(view: StudyView, least: list[int] | None = None) -> list[list[str]]:
    """Per hyperparameter, its `name=value` item in every row, padded to one width (at least
    `least`'s)."""
    columns = []
    for at, (name, distribution) in enumerate(view.distributions.items()):
        cells = [f"{name}={param_cell(distribution, row.params[name])}" for row in view.rows]
        width = max([*map(len, cells), least[at] if least else 0])
        columns.append([cell.ljust(width) for cell in cells])
    return columns


def _pack(items: list[list[str]], room: int) -> list[list[int]]:
    """The hyperparameters on each line of a folded cell, as many as fit in `room` columns."""
    lines: list[list[int]] = [[]]
    used = 0
    for index, column in enumerate(items):
        size = len(column[0]) if column else 0
        if lines[-1] and used + GAP + size > room:
            lines.append([])
        used = size if not lines[-1] else used + GAP + size
        lines[-1].append(index)
    return lines


def _folded(
    view: StudyView, items: list[list[str]], lines: list[list[int]]
) -> Callable[[TrialRow], str]:
    """Every row breaks its items at the same places, so that they line up as a grid."""
    position = {row.record.number: at for at, row in enumerate(view.rows)}

    def cell(row: TrialRow) -> str:
        at = position[row.record.number]
        return "\n".join((" " * GAP).join(items[i][at] for i in line).rstrip() for line in lines)

    return cell


def _table(view: StudyView, columns: list[Column]) -> Table:
    table = _frame(view, columns)
    for row in view.rows:
        table.add_row(*(column.cell(row) for column in columns))
    return table


def _frame(view: StudyView, columns: list[Column], *, header: bool = True) -> Table:
    """A table of `columns` without rows; without `header`, it goes on the one above it."""
    table = Table(
        title=_title(view) if header else None, title_justify="left", box=box.SIMPLE_HEAD,
        show_edge=False, pad_edge=False, padding=(0, GAP // 2), collapse_padding=True,
        show_header=header,
    )  # fmt: skip
    for column in columns:
        table.add_column(column.header, justify="left" if column.left else "right", no_wrap=True)
    return table


def _title(view: StudyView) -> str:
    kind = ("trial" if view.options.all else "complete trial") + "s" * (view.considered != 1)
    of_round = f" of round {view.round}" if view.round is not None else ""
    order = view.options.sort
    by = f"by {sort_title(order, view.metric)}"
    first = "best " if order == "dev_error" else ""
    return f"{first}{len(view.rows)} of {view.considered} {kind}{of_round}, {by}"


def diagnosis_note(view: StudyView) -> str:
    """The rule of the diagnosis column, with the optimal value it assumed."""
    m = view.metric.label
    optimal = f"{view.target_error:g}, the target error" if view.target_error else "0"
    floor = gap_floor(view.metric.name)
    t = f"max({floor:g}, {GAP_SHARE:g} · dev {m})" if floor else f"{GAP_SHARE:g} · dev {m}"
    rule = (
        f"diagnosis: bias if train {m} − optimal {m} ({optimal}) > t, variance if dev "
        f"{m} − train {m} > t, where t = {t}"
    )
    noisy = view.metric.name in BINOMIAL_METRICS
    if noisy and view.splits.get("train") and view.splits.get("dev"):
        rule += (
            f"; noise if such a gap is within {Z:g} standard errors of the {m}s' sampling "
            f"noise on {view.splits['train']:,} train and {view.splits['dev']:,} dev examples"
        )
    return rule if view.target_error is not None else f"{rule}; {assumed(view.metric)}"


def _width(table: Table) -> int:
    console = Console(width=10_000, file=None, emoji=False)  # as the CLI prints
    return console.measure(table).maximum


def _kept_epoch(record: TrialRecord) -> str:
    """Which epoch's weights a trial kept, when its best and not simply its last."""
    if record.best_epoch is None:
        return ""
    return f" at epoch {record.best_epoch} of {record.epochs}"


def baseline_line(
    baselines: Sequence[Baseline],
    metric: Metric,
    part: str = "dev",
    values: Sequence[float | None] | None = None,
) -> str:
    """"baselines on the same dev split: gradient boosting 0.0412, logistic 0.0710", with the
    rows they were fitted on when fewer than the train split's; `values` (one per baseline)
    in place of their dev figures."""
    values = [b.dev_error for b in baselines] if values is None else values
    said = [
        f"{b.name} {metric.cell(value)}" if value is not None else f"{b.name} none ({b.message})"
        for b, value in zip(baselines, values, strict=True)
    ]
    line = f"baselines on the same {part} split: {', '.join(said)}"
    fewer = [b for b in baselines if b.rows < b.train_rows]
    if fewer:
        line += f" (fitted on {fewer[0].rows:,} of the {fewer[0].train_rows:,} train rows)"
    return line


def _tally(view: StudyView) -> str:
    """`(2 rounds): 9 of 14 trials of round 1, 7 complete, 2 running`: where the study is."""
    counts = {state: n for state, n in view.counts.items() if n}
    total = sum(counts.values())
    of = f" of {view.planned}" if total < view.planned else ""
    plural = "s" if view.rounds != 1 else ""
    parts = [f"{counts.get(TrialState.COMPLETE, 0)} complete"] + [
        f"{n} {state.replace('_', ' ')}"
        for state, n in counts.items()
        if state is not TrialState.COMPLETE
    ]
    which = f" of round {view.round}" if view.round is not None else ""
    trials = "trial" + "s" * (total != 1 or bool(of))
    return f"({view.rounds} round{plural}): {total}{of} {trials}{which}, {', '.join(parts)}"


def _no_rows(view: StudyView) -> str:
    if view.options.all or not sum(view.counts.values()):
        return "no trials yet"
    return "no complete trials yet; `--all` shows the others"
