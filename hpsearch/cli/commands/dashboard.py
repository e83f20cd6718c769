"""`hpsearch dashboard`: the study served in optuna-dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir, Study
from hpsearch.store.layout import DEFAULT_RUNS


def dashboard(
    study: Study,
    port: Annotated[
        int,
        typer.Option(
            min=0, max=65535, metavar="N", help="The port on 127.0.0.1 (0: any free one)."
        ),
    ] = 8080,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
) -> None:
    """Open the study in optuna-dashboard: history, learning curves, importance, parallel
    coordinates, slice and contour plots, the trial table.

    The study is written as an Optuna storage in its folder (again: only the trials finished
    since) and served on 127.0.0.1 until Ctrl-C. Needs optuna-dashboard (pip install
    'hpsearch[dashboard]')."""
    from hpsearch.cli.optuna_report import render_dashboard
    from hpsearch.study.dashboard import serve_dashboard
    from hpsearch.study.find import study_folder

    serve_dashboard(study_folder(study, runs_dir), port, lambda d: render_dashboard(stdout, d))
    stdout.print("dashboard stopped")
