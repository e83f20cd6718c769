"""`hpsearch check`: a study file and its data validated, and what it would search."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout


def check(
    path: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The study's YAML file.", show_default=False)
    ],
    draws: Annotated[
        int, typer.Option(min=0, metavar="N", help="How many of the first trials to show.")
    ] = 5,
) -> None:
    """Validate a study file and its data; show what it would search.

    Nothing is trained or written."""
    from hpsearch.cli.report import render_check
    from hpsearch.study.check import check_study

    render_check(stdout, check_study(path, draws))
