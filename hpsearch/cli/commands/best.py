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
    from hpsearch.study.best import choose, evaluate_on_test, write_reuse_yaml
    from hpsearch.study.find import study_folder
    from hpsearch.study.snapshot import read_snapshot

    with read_snapshot(study_folder(study, runs_dir)) as snapshot:
        chosen = choose(snapshot)
    if output is not None:
        write_reuse_yaml(chosen, output)
    render_chosen(stdout, chosen, output)
    if test:
        read = evaluate_on_test(snapshot.folder, chosen)
        reads, metric = [*snapshot.test_reads, read], chosen.config.ranked_by
        render_test_read(stdout, read, reads, metric, chosen.baselines)
