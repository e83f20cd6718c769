"""`hpsearch init`: a study file written for a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir
from hpsearch.store.layout import DEFAULT_RUNS


def init(
    data: Annotated[
        Path, typer.Argument(metavar="DATA.csv", help="The CSV file, as it is.", show_default=False)
    ],
    target: Annotated[
        str, typer.Option(metavar="COLUMN", help="The column to predict.", show_default=False)
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="The study file to write (default: DATA's name with .yaml)."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(metavar="NAME", help="The study's name (default: DATA's name).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the study file if it exists.")
    ] = False,
    preset: Annotated[
        str,
        typer.Option(
            metavar="strong|course",
            help="The search space: strong (the course's with AdamW, a cosine schedule, label "
            "smoothing and the best epoch kept) or course (the course's alone).",
        ),
    ] = "strong",
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
) -> None:
    """Write a study file for a CSV file: its columns and what is done with each, the task and
    metric its target asks for, and a search space in the course's order of importance.

    `hpsearch check` then takes the file as it is. An existing file is never replaced unless
    --force is given."""
    from hpsearch.cli.report import render_init
    from hpsearch.study.init import init_study

    done = init_study(
        data, target, output=output, name=name, runs_dir=runs_dir, force=force, preset=preset
    )
    render_init(stdout, done)
