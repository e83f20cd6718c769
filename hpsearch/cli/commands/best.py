"""`hpsearch best`: the chosen trial, its configuration, and its one look at the test split."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir, Study
from hpsearch.store.layout import DEFAULT_RUNS


def best(
    study: Study,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
    test: Annotated[
        bool,
        typer.Option(
            "--test",
            metavar="",
            help="Evaluate the chosen trial once on the test split (nothing ranks by it).",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the configuration to this file."
        ),
    ] = None,
) -> None:
    """The chosen trial: its curves and its configuration as a study file.

    The configuration fixes every hyperparameter; with --test, the trial's metric on the test
    split, the one command that reads it."""
    from hpsearch.cli.report import render_chosen, render_test_read
    from hpsearch.study.best import best_of, read_test
    from hpsearch.study.find import study_folder

    answer = best_of(study_folder(study, runs_dir), output)
    render_chosen(stdout, answer)
    if test:  # after the choice is shown: a model that cannot be read back does not hide it
        reads, chosen = read_test(answer), answer.chosen
        render_test_read(stdout, reads[-1], reads, chosen.config.ranked_by, chosen.baselines)
