"""`hpsearch zoom`: coarse to fine, a new round in the best trials' region."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.again import again_command
from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import Backend, Quiet, RunsDir, Scheduler, Study, Workers
from hpsearch.store.layout import DEFAULT_RUNS


def zoom(
    study: Study,
    top: Annotated[
        int | None,
        typer.Option(
            min=1, metavar="K", help="Zoom around the best K trials (default: the best 20%, ≥ 3)."
        ),
    ] = None,
    trials: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Trials of the new round (default: as many as the study's budget holds, else "
            "as many as the last round's).",
        ),
    ] = None,
    budget: Annotated[
        int | None,
        typer.Option(
            min=1, metavar="EPOCHS", help="Epochs the new round may train, instead of --trials."
        ),
    ] = None,
    margin: Annotated[
        float | None,
        typer.Option(
            min=0, metavar="M", help="Share of the best trials' span added on each side [0.5]."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="NAME=LOW:HIGH",
            help="Set a range by hand: NAME=LOW:HIGH, or NAME=A,B for choices.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the region and its YAML; run nothing.")
    ] = False,
    schedule: Annotated[
        str | None,
        typer.Option(
            metavar="plain|halving|hyperband|asha",
            help="The new round's schedule, with the study file's min_epochs, eta and brackets "
            "(default: the last round's).",
        ),
    ] = None,
    workers: Workers = None,
    backend: Backend = None,
    scheduler: Scheduler = None,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
    quiet: Quiet = False,
) -> None:
    """Coarse to fine: narrow the search to the best trials' region, run a new round.

    The new round goes into the same study; an unfinished zoom round is resumed."""
    from hpsearch.cli.report import render_outcome, render_zoom
    from hpsearch.search.zoom import parse_range
    from hpsearch.study.find import study_folder
    from hpsearch.study.zoom_plan import ZoomRequest, dry_zoom

    folder = study_folder(study, runs_dir)
    ranges = tuple(parse_range(text) for text in set_ or ())
    request = ZoomRequest(top, trials, margin, ranges, schedule, budget)
    if dry_run:  # what it would run, without loading what runs trials
        render_zoom(stdout, dry_zoom(folder, request))
        return
    from hpsearch.cli.progress import progress_for
    from hpsearch.study.launch import given_execution
    from hpsearch.study.zoom_round import zoom_study

    with progress_for(stdout, quiet=quiet) as observer:
        done = zoom_study(folder, request, given_execution(workers, backend, scheduler), observer)
    render_zoom(stdout, done)
    if done.run is not None:
        again = again_command(
            "zoom", study, runs_dir, top=top, trials=trials, margin=margin, set_=set_,
            schedule=schedule, **given_execution(workers, backend, scheduler),
        )  # fmt: skip
        render_outcome(stdout, done.run, again)
        raise typer.Exit(done.run.exit_code)
