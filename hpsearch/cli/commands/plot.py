"""`hpsearch plot`: the study drawn as PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir, Study
from hpsearch.store.layout import DEFAULT_RUNS


def plot(
    study: Study,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
    top: Annotated[
        int, typer.Option(min=1, metavar="N", help="Trials in the learning-curve plot.")
    ] = 5,
) -> None:
    """Draw the study as PNG files in <study>/plots/.

    The dev metric against each hyperparameter on its scale, round by round; the best trials'
    learning curves; the best dev metric so far."""
    from hpsearch.cli.plots import plot_study
    from hpsearch.study.find import study_folder
    from hpsearch.study.plot_data import plot_data

    folder = study_folder(study, runs_dir)
    for path in plot_study(plot_data(folder, top), folder):
        stdout.print(str(path), markup=False, highlight=False)
