"""`hpsearch show`: a study's trials ranked, as a table or as rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir, Study
from hpsearch.errors import ConfigError
from hpsearch.store.layout import DEFAULT_RUNS

FORMATS = {
    "table": "the summary and the ranked table",
    "csv": "the rows alone, for a spreadsheet",
    "json": "the rows alone, for a program",
    "markdown": "the rows alone, for a document",
}


def _check_format(value: str) -> None:
    """Refuses an unknown --format, listing the formats in the tool's own words."""
    if value not in FORMATS:
        listed = "; ".join(f"{name} ({what})" for name, what in FORMATS.items())
        raise ConfigError(f"--format must be one of: {listed}; but got '{value}'")


def show(
    study: Study,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
    top: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Rows to show (default: 10 in a table or markdown; every one with --all, "
            "in csv and in json).",
        ),
    ] = None,
    round: Annotated[
        int | None, typer.Option(metavar="N", help="Only the trials of this round.")
    ] = None,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            metavar="",
            help="Also the trials that did not complete, with their reasons and workers.",
        ),
    ] = False,
    sort: Annotated[
        str,
        typer.Option(
            metavar="COLUMN",
            help="dev_error (the ranking, by the study's metric), train_error (that metric on "
            "train), duration, trial, or a hyperparameter.",
        ),
    ] = "dev_error",
    format: Annotated[
        str,
        typer.Option(metavar="|".join(FORMATS), help="How to print the rows."),
    ] = "table",
    target_error: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            metavar="VALUE",
            help="An estimate of the optimal value of the study's metric, in its units "
            "(default: the config's target_error).",
        ),
    ] = None,
) -> None:
    """Rank a study's trials by the dev metric, with a summary of what matters.

    Or the rows alone as csv, json or markdown. Works while the study runs."""
    from hpsearch.cli.row_formats import render
    from hpsearch.cli.show_table import render_view
    from hpsearch.study.find import study_folder
    from hpsearch.study.overview import DEFAULT_TOP, ShowOptions, view_study
    from hpsearch.study.snapshot import read_snapshot

    _check_format(format)
    if top is None and format in ("table", "markdown") and not all_:
        top = DEFAULT_TOP
    options = ShowOptions(top, round, all_, sort, target_error)
    table = format == "table"
    with read_snapshot(study_folder(study, runs_dir)) as snapshot:
        view = view_study(snapshot, options, summary=table, stream=table)
        if table:  # while the snapshot is open: the rows stream in as they are printed
            render_view(stdout, view)
        else:
            typer.echo(render(view, format), nl=False)
