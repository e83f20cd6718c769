"""`hpsearch remove`: a study deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir, Study
from hpsearch.store.layout import DEFAULT_RUNS


def remove(
    study: Study,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Remove without asking.")
    ] = False,
) -> None:
    """Delete a study: its trials, kept models, checkpoints, plots and test-read log.

    A damaged study, or the copy `recover` set aside, too. Refused while the study runs; asks
    first unless --yes. Other files in its folder are kept."""
    from hpsearch.cli.studies_table import ask_to_remove, render_removed
    from hpsearch.study.find import study_folder
    from hpsearch.study.remove import remove_study

    removed = remove_study(study_folder(study, runs_dir), lambda s: yes or ask_to_remove(s))
    render_removed(stdout, removed)
    raise typer.Exit(0 if removed.confirmed else 1)
