"""The options and arguments several commands share, each with its help text said once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.store.layout import DEFAULT_RUNS, RUNS_ENV

RUNS_FROM = "hpsearch.runs_dir"  # in the context's meta: where the runs folder came from


def _runs_from(ctx: typer.Context, param: typer.CallbackParam, value: Path) -> Path:
    """Notes whether the runs folder was given with --runs-dir, by $HPSEARCH_RUNS or neither, so
    that a message can say which."""
    ctx.meta[RUNS_FROM] = (ctx, value)  # the source is known once the value is processed
    return value


RunsDir = Annotated[
    Path,
    typer.Option(
        "--runs-dir",
        envvar=RUNS_ENV,
        callback=_runs_from,
        metavar="PATH",
        help=f"The folder that holds the studies: ${RUNS_ENV} when set, else {DEFAULT_RUNS}/ "
        "in the working directory (not beside the study file).",
        show_default=False,
    ),
]
Workers = Annotated[
    int | None,
    typer.Option(
        min=1, metavar="N", help="Trials at once (default: the config's, else one per core)."
    ),
]
Backend = Annotated[
    str | None,
    typer.Option(
        metavar="local|dask",
        help="Where trials run: local processes, or a Dask cluster ('local', 'dask').",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(metavar="ADDRESS", help="A Dask scheduler's address, e.g. tcp://host:8786."),
]
Study = Annotated[
    str,
    typer.Argument(
        metavar="STUDY",
        help="The study: its name under --runs-dir, the path of its folder, or the study file "
        "that defines it.",
        show_default=False,
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="No progress output.")]
