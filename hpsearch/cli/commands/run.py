"""`hpsearch run`: a study sampled, trained, stored and ranked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.again import again_command
from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import Backend, Quiet, RunsDir, Scheduler, Workers
from hpsearch.store.layout import DEFAULT_RUNS


def run(
    path: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The study's YAML file.", show_default=False)
    ],
    workers: Workers = None,
    backend: Backend = None,
    scheduler: Scheduler = None,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
    new: Annotated[
        bool,
        typer.Option(
            "--new", metavar="", help="Set an existing study of this name aside; start anew."
        ),
    ] = False,
    quiet: Quiet = False,
    top: Annotated[int, typer.Option(min=1, metavar="N", help="Rows of the final table.")] = 10,
) -> None:
    """Run a study: sample, train in parallel, store, rank by the dev metric.

    Run it again to resume: finished trials are kept, the others run again."""
    from hpsearch.cli.progress import progress_for
    from hpsearch.cli.report import render_outcome
    from hpsearch.study.launch import given_execution, run_config

    given = given_execution(workers, backend, scheduler)
    with progress_for(stdout, quiet=quiet) as observer:
        done = run_config(path, runs_dir, given, new=new, observer=observer, top=top)
    render_outcome(stdout, done, again_command("run", str(path), runs_dir, **given))
    raise typer.Exit(done.exit_code)
