"""The `hpsearch` command line assembled: its commands (one module each, in `commands/`), the
order it lists them in, and what every command shares: library errors (`HpsearchError`) become a
one-line message and an exit code, SIGTERM stops a command as Ctrl-C does."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from typer.core import TyperGroup

from hpsearch.cli.commands import (
    best,
    check,
    dashboard,
    datasets,
    export,
    init,
    plot,
    predict,
    recover,
    remove,
    run,
    schema,
    show,
    studies,
    train,
    zoom,
)  # fmt: skip
from hpsearch.cli.consoles import stderr
from hpsearch.cli.options import RUNS_FROM
from hpsearch.errors import HpsearchError, Terminated
from hpsearch.store.layout import RUNS_ENV, quoted
from hpsearch.version import __version__


class _Commands(TyperGroup):
    """Turns the library's errors into a message on stderr, once, for every command; lists the
    commands in the order a study uses them."""

    ORDER = (
        "init", "run", "show", "best", "zoom", "plot", "dashboard", "export", "predict", "studies",
        "remove",
        "train", "check", "recover", "datasets", "schema",
    )  # fmt: skip

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return sorted(super().list_commands(ctx), key=self.ORDER.index)

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        main = threading.current_thread() is threading.main_thread()  # where signals go
        previous = signal.signal(signal.SIGTERM, _terminate) if main else None
        try:
            return super().invoke(ctx)
        except HpsearchError as error:
            said = _said(error, ctx.meta.get(RUNS_FROM))
            stderr.print(f"[bold red]error:[/] {escape(said)}", soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt as stop:  # outside a run's own handling, or a second one
            stderr.print("terminated" if isinstance(stop, Terminated) else "interrupted")
            raise typer.Exit(143 if isinstance(stop, Terminated) else 130) from None
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM stops the command as Ctrl-C does (see `Terminated`)."""
    raise Terminated()


def _said(error: HpsearchError, runs_from: tuple[typer.Context, Path] | None = None) -> str:
    """The library's message, its first word said as the command line's flag (`top` → `--top`);
    the runs folder as the user gave it: --runs-dir, $HPSEARCH_RUNS, or neither."""
    text = str(error)
    ctx, folder = runs_from or (None, Path())
    source = getattr(ctx.get_parameter_source("runs_dir"), "name", None) if ctx else None
    if error.option == "runs_dir" and source in ("ENVIRONMENT", "DEFAULT"):  # click's names
        shown = quoted(folder.resolve())
        where = f" (from ${RUNS_ENV})" if source == "ENVIRONMENT" else ""
        if text.startswith(f"runs_dir {shown}"):
            return f"the runs folder {shown}{where}{text[len(f'runs_dir {shown}') :]}"
    if error.option and text.startswith(error.option):
        return f"--{error.option.replace('_', '-')}{text[len(error.option) :]}"
    return text


EXIT_CODES = (
    "Exit codes: 0 success; 1 a trial failed (the others are kept); 2 a mistake in the input "
    "(the message says what to change); 3 nothing usable: no trial of the study completed "
    "(all diverged, timed out or failed); 130 interrupted, 143 stopped by SIGTERM (run the same "
    "command again to resume)."
)

app = typer.Typer(
    cls=_Commands,
    help="Random, log-scaled, coarse-to-fine hyperparameter search for NumPy neural networks.",
    epilog=EXIT_CODES,
    rich_markup_mode=None,  # plain click help: the same on every typer version
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"hpsearch {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            metavar="",
            help="Show the version.",
        ),
    ] = False,
) -> None:
    """Random, log-scaled, coarse-to-fine hyperparameter search for NumPy neural networks."""


for module in (
    init, run, show, best, zoom, plot, dashboard, export, predict, studies, remove, train, check,
    recover, datasets, schema,
):  # fmt: skip
    command = module.__name__.rsplit(".", 1)[1]  # each module's function of its own name
    app.command()(getattr(module, command))
