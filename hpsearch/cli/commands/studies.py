"""`hpsearch studies`: the studies in the runs folder."""

from __future__ import annotations

from pathlib import Path

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir
from hpsearch.store.layout import DEFAULT_RUNS


def studies(runs_dir: RunsDir = Path(DEFAULT_RUNS)) -> None:
    """List the studies in the runs folder: rounds, trials done of planned, best dev metric,
    state (running, interrupted, complete, damaged) and last change."""
    from hpsearch.cli.studies_table import render_studies
    from hpsearch.study.listing import list_studies

    render_studies(stdout, runs_dir, list_studies(runs_dir))
