"""`hpsearch studies` and `hpsearch remove` on the terminal: the table of studies, the question
before a removal and what it did."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from hpsearch.cli.cells import MISSING
from hpsearch.cli.output import say, table_width, whole
from hpsearch.store.layout import quoted
from hpsearch.study.listing import StudySummary
from hpsearch.study.remove import Removed

STATE_STYLES = {
    "running": "cyan", "interrupted": "yellow", "complete": "green", "damaged": "red",
    "unreadable": "red",
}  # fmt: skip


def render_studies(console: Console, runs_dir: Path, studies: list[StudySummary]) -> None:
    """One row per study, or where the folder is and how to start one; then what else to know
    of a study (damaged, set aside), with the command that deals with it. On a narrow terminal
    the headers and the time of the last change go onto a second line; where a name still does
    not fit, each study is a line of prose under its name. A name is never cut or folded, so
    that each study can be told apart and named in a command."""
    where = quoted(runs_dir.resolve())
    if not studies:
        console.print(f"no studies in {where}; start one with `hpsearch run CONFIG`", markup=False)
        return
    console.print(f"studies in {where}", markup=False, soft_wrap=True)
    for narrow in (False, True):
        table = studies_table(studies, narrow=narrow)
        if table_width(table) <= console.width:
            console.print(table)
            break
    else:
        for study in studies:
            say(console, whole(study.name))
            say(console, _described(study), indent=4)
    for study in studies:
        if study.note:
            say(console, f"{whole(study.name)}: {study.note}")


def studies_table(studies: list[StudySummary], *, narrow: bool) -> Table:
    """The table of `studies`; `narrow` puts headers and the last change on two lines. One
    metric for all: its name in the header; several: each value says its own."""
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True
    )  # two spaces between columns
    metrics = {study.metric.label for study in studies if study.metric is not None}
    one = next(iter(metrics)) if len(metrics) == 1 else None
    best_header = f"best dev {one}" if one else "best dev metric"
    for header in ("study", "rounds", "trials done", best_header, "state", "last change"):
        left = header in ("study", "state")
        table.add_column(
            header.replace(" ", "\n", 1) if narrow and header.count(" ") else header,
            justify="left" if left else "right",
            no_wrap=True,
        )
    when = "%Y-%m-%d\n%H:%M" if narrow else "%Y-%m-%d %H:%M"
    for study in studies:
        best = MISSING if study.metric is None else study.metric.cell(study.best_dev_error)
        if one is None and study.best_dev_error is not None and study.metric is not None:
            best = f"{study.metric.label} {best}"
        table.add_row(
            study.name,
            MISSING if study.rounds is None else str(study.rounds),
            MISSING if study.done is None else f"{study.done} of {study.planned}",
            best,
            f"[{STATE_STYLES[study.state]}]{study.state}[/]",
            study.changed.strftime(when),
        )
    return table


def _described(study: StudySummary) -> str:
    """A study's row in words, for a terminal too narrow for the table; each item on one line."""
    items = []
    if study.rounds is not None:
        items.append(f"rounds {study.rounds}")
    if study.done is not None:
        items.append(f"trials done {study.done} of {study.planned}")
    if study.metric is not None and study.best_dev_error is not None:
        items.append(f"best dev {study.metric.label} {study.metric.cell(study.best_dev_error)}")
    items += [study.state, f"last change {study.changed:%Y-%m-%d %H:%M}"]
    return ", ".join(map(whole, items))


def ask_to_remove(study: StudySummary) -> bool:
    """Asks on the terminal; no answer (end of input) is no."""
    counts = "" if study.done is None else f"{study.done} of {study.planned} trials, "
    question = f"remove study '{study.name}' ({counts}{study.state}) in {quoted(study.folder)}?"
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:
        return False


def render_removed(console: Console, removed: Removed) -> None:
    study = removed.study
    if not removed.confirmed:
        console.print(f"nothing was removed; study '{study.name}' is kept", markup=False)
        return
    console.print(f"removed study '{study.name}' from {quoted(study.folder)}", markup=False)
    if removed.left:
        console.print(
            f"kept in that folder, as they are not the study's: {', '.join(removed.left)}",
            markup=False,
        )
