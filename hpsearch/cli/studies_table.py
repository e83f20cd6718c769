"""`hpsearch studies` and `hpsearch remove` on the terminal: the table of studies, the question
before a removal and what it did."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from hpsearch.cli.output import table_width
from hpsearch.store.layout import quoted
from hpsearch.study.listing import StudySummary
from hpsearch.study.remove import Removed

STATE_STYLES = {"running": "cyan", "interrupted": "yellow", "complete": "green"}


def render_studies(console: Console, runs_dir: Path, studies: list[StudySummary]) -> None:
    """One row per study, or where the folder is and how to start one. On a narrow terminal the
    headers and the time of the last change go onto a second line before a name would fold; a
    name is never cut, so that each study can be told apart and named in a command."""
    where = quoted(runs_dir.resolve())
    if not studies:
        console.print(f"no studies in {where}; start one with `hpsearch run CONFIG`", markup=False)
        return
    console.print(f"studies in {where}", markup=False, soft_wrap=True)
    for narrow in (False, True):
        table = studies_table(studies, narrow=narrow)
        if table_width(table) <= console.width:
            break
    console.print(table)


def studies_table(studies: list[StudySummary], *, narrow: bool) -> Table:
    """The table of `studies`; `narrow` puts headers and the last change on two lines, and lets
    a name that still does not fit fold (never cut). One metric for all: its name in the
    header; several: each value says its own."""
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True
    )  # two spaces between columns
    metrics = {study.metric.label for study in studies}
    one = next(iter(metrics)) if len(metrics) == 1 else None
    best_header = f"best dev {one}" if one else "best dev metric"
    for header in ("study", "rounds", "trials done", best_header, "state", "last change"):
        left = header in ("study", "state")
        table.add_column(
            header.replace(" ", "\n", 1) if narrow and header.count(" ") else header,
            justify="left" if left else "right",
            no_wrap=not (narrow and header == "study"),
            overflow="fold",
        )
    when = "%Y-%m-%d\n%H:%M" if narrow else "%Y-%m-%d %H:%M"
    for study in studies:
        best = study.metric.cell(study.best_dev_error)
        if one is None and study.best_dev_error is not None:
            best = f"{study.metric.label} {best}"
        table.add_row(
            study.name,
            str(study.rounds),
            f"{study.done} of {study.planned}",
            best,
            f"[{STATE_STYLES[study.state]}]{study.state}[/]",
            study.changed.strftime(when),
        )
    return table


def ask_to_remove(study: StudySummary) -> bool:
    """Asks on the terminal; no answer (end of input) is no."""
    question = (
        f"remove study '{study.name}' ({study.done} of {study.planned} trials, {study.state}) "
        f"in {quoted(study.folder)}?"
    )
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
