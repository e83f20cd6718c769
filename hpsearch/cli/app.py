"""The `hpsearch` command line: each command parses its arguments, calls one library function and
renders the answer. Library errors (`HpsearchError`) become a one-line message and an exit code."""

from __future__ import annotations

import json
import signal
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from hpsearch import __version__
from hpsearch.errors import HpsearchError, Terminated

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False)


class _Commands(TyperGroup):
    """Turns the library's errors into a message on stderr, once, for every command; lists the
    commands in the order a study uses them."""

    ORDER = (
        "run", "show", "best", "zoom", "plot", "train", "check", "recover", "datasets", "schema"
    )  # fmt: skip

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return sorted(super().list_commands(ctx), key=self.ORDER.index)

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        main = threading.current_thread() is threading.main_thread()  # where signals go
        previous = signal.signal(signal.SIGTERM, _terminate) if main else None
        try:
            return super().invoke(ctx)
        except HpsearchError as error:
            stderr.print(f"[bold red]error:[/] {escape(_said(error))}", soft_wrap=True)
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


def _said(error: HpsearchError) -> str:
    """The library's message, its first word said as the command line's flag (`top` → `--top`)."""
    text = str(error)
    if error.option and text.startswith(error.option):
        return f"--{error.option.replace('_', '-')}{text[len(error.option) :]}"
    return text


RunsDir = Annotated[
    Path, typer.Option("--runs-dir", help="The folder that holds the studies.", show_default=True)
]
Workers = Annotated[
    int | None,
    typer.Option(min=1, help="Trials at once (default: the config's, else one per core)."),
]
Backend = Annotated[
    str | None,
    typer.Option(help="Where trials run: local processes, or a Dask cluster ('local', 'dask')."),
]
Scheduler = Annotated[
    str | None, typer.Option(help="A Dask scheduler's address, e.g. tcp://host:8786.")
]
Study = Annotated[
    str,
    typer.Argument(
        help="The study: its name under --runs-dir, or the path of its folder.", show_default=False
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]

app = typer.Typer(
    cls=_Commands,
    help="Random, log-scaled, coarse-to-fine hyperparameter search for NumPy neural networks.",
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
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Random, log-scaled, coarse-to-fine hyperparameter search for NumPy neural networks."""


@app.command()
def check(
    path: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The study's YAML file.", show_default=False)
    ],
    draws: Annotated[int, typer.Option(min=0, help="How many of the first trials to show.")] = 5,
) -> None:
    """Validate a study file and its data; show what it would search.

    Nothing is trained or written."""
    from hpsearch.cli.report import render_check
    from hpsearch.study.check import check_study

    render_check(stdout, check_study(path, draws))


@app.command()
def recover(study: Study, runs_dir: RunsDir = Path("runs")) -> None:
    """Rebuild a damaged study from the trials that can still be read.

    The damaged study is kept, renamed; running the study again trains the lost trials anew,
    to the same results."""
    from hpsearch.cli.report import render_recovery
    from hpsearch.study.recover import recover_study
    from hpsearch.study.snapshot import study_folder

    render_recovery(stdout, recover_study(study_folder(study, runs_dir)))


@app.command()
def schema() -> None:
    """Print the JSON Schema of study files, for completion and checking in editors."""
    from hpsearch.config import StudyConfig

    typer.echo(json.dumps(StudyConfig.model_json_schema(), indent=2))


@app.command()
def datasets() -> None:
    """List the built-in datasets: their shape, classes, options and what they are."""
    from hpsearch.cli.report import datasets_table
    from hpsearch.data import BUILTIN_DATASETS

    stdout.print(datasets_table(BUILTIN_DATASETS))


@app.command()
def run(
    path: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The study's YAML file.", show_default=False)
    ],
    workers: Workers = None,
    backend: Backend = None,
    scheduler: Scheduler = None,
    runs_dir: RunsDir = Path("runs"),
    new: Annotated[
        bool, typer.Option("--new", help="Set an existing study of this name aside; start anew.")
    ] = False,
    quiet: Quiet = False,
    top: Annotated[int, typer.Option(min=1, help="Rows of the final table.")] = 10,
) -> None:
    """Run a study: sample, train in parallel, store, rank by dev error.

    Run it again to resume: finished trials are kept, the others run again."""
    from hpsearch.cli.progress import progress_for
    from hpsearch.cli.report import render_outcome
    from hpsearch.config import load_config
    from hpsearch.config.execution import Execution
    from hpsearch.study.overview import ShowOptions
    from hpsearch.study.run import run_study

    config = load_config(path)
    given = _execution(workers, backend, scheduler)
    execution = Execution.of(config.search, **given)
    with progress_for(stdout, quiet=quiet) as observer:
        done = run_study(
            config, runs_dir, execution, new=new, observer=observer, show=ShowOptions(top=top)
        )
    render_outcome(stdout, done)
    raise typer.Exit(done.exit_code)


def _execution(workers: int | None, backend: str | None, scheduler: str | None) -> dict:
    """The execution settings given on the command line; a scheduler means the dask backend."""
    if scheduler is not None and backend is None:
        backend = "dask"
    return {"workers": workers, "backend": backend, "scheduler": scheduler}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


@app.command()
def show(
    study: Study,
    runs_dir: RunsDir = Path("runs"),
    top: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Rows to show (default: 10 in a table or markdown; every one with --all, "
            "in csv and in json).",
        ),
    ] = None,
    round: Annotated[int | None, typer.Option(help="Only the trials of this round.")] = None,
    all_: Annotated[
        bool,
        typer.Option(
            "--all", help="Also the trials that did not complete, with their reasons and workers."
        ),
    ] = False,
    sort: Annotated[
        str,
        typer.Option(
            help="dev_error (the ranking), train_error, duration, trial, or a hyperparameter."
        ),
    ] = "dev_error",
    format: Annotated[Format, typer.Option(help="How to print the rows.")] = Format.table,
    target_error: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=1.0, help="An estimate of the optimal error (default: the config's)."
        ),
    ] = None,
) -> None:
    """Rank a study's trials by dev error, with a summary of what matters.

    Or the rows alone as csv, json or markdown. Works while the study runs."""
    from hpsearch.cli.export import render
    from hpsearch.cli.show_table import render_view
    from hpsearch.study.overview import DEFAULT_TOP, ShowOptions, view_study
    from hpsearch.study.snapshot import read_snapshot, study_folder

    if top is None and format in (Format.table, Format.markdown) and not all_:
        top = DEFAULT_TOP
    options = ShowOptions(top, round, all_, sort, target_error)
    table = format is Format.table
    view = view_study(read_snapshot(study_folder(study, runs_dir)), options, summary=table)
    if table:
        render_view(stdout, view)
    else:
        typer.echo(render(view, format.value), nl=False)


@app.command()
def best(
    study: Study,
    runs_dir: RunsDir = Path("runs"),
    test: Annotated[
        bool,
        typer.Option(
            "--test", help="Evaluate the chosen trial once on the test split (nothing ranks by it)."
        ),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the configuration to this file.")
    ] = None,
) -> None:
    """The chosen trial: its curves and its configuration as a study file.

    The configuration fixes every hyperparameter; with --test, the trial's error on the test
    split, the one command that reads it."""
    from hpsearch.cli.report import render_chosen, render_test_read
    from hpsearch.study.best import choose, evaluate_on_test, write_reuse_yaml
    from hpsearch.study.snapshot import read_snapshot, study_folder

    snapshot = read_snapshot(study_folder(study, runs_dir))
    chosen = choose(snapshot)
    if output is not None:
        write_reuse_yaml(chosen, output)
    render_chosen(stdout, chosen, output)
    if test:
        read = evaluate_on_test(snapshot.folder, chosen)
        render_test_read(stdout, read, [*snapshot.test_reads, read])


@app.command()
def plot(
    study: Study,
    runs_dir: RunsDir = Path("runs"),
    top: Annotated[int, typer.Option(min=1, help="Trials in the learning-curve plot.")] = 5,
) -> None:
    """Draw the study as PNG files in <study>/plots/.

    Dev error against each hyperparameter on its scale, round by round; the best trials'
    learning curves; the best dev error so far."""
    from hpsearch.cli.plots import plot_study
    from hpsearch.study.snapshot import read_snapshot, study_folder

    for path in plot_study(read_snapshot(study_folder(study, runs_dir)), top):
        stdout.print(str(path), markup=False, highlight=False)


@app.command()
def zoom(
    study: Annotated[str, typer.Argument(help="A study's name, or the path of its folder.")],
    top: Annotated[
        int | None,
        typer.Option(min=1, help="Zoom around the best K trials (default: the best 20%, ≥ 3)."),
    ] = None,
    trials: Annotated[
        int | None, typer.Option(min=1, help="Trials of the new round (default: as the last).")
    ] = None,
    margin: Annotated[
        float | None,
        typer.Option(min=0, help="Share of the best trials' span added on each side [0.5]."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Set a range by hand: NAME=LOW:HIGH, or NAME=A,B for choices."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the region and its YAML; run nothing.")
    ] = False,
    workers: Workers = None,
    backend: Backend = None,
    scheduler: Scheduler = None,
    runs_dir: RunsDir = Path("runs"),
    quiet: Quiet = False,
) -> None:
    """Coarse to fine: narrow the search to the best trials' region, run a new round.

    The new round goes into the same study; an unfinished zoom round is resumed."""
    from hpsearch.cli.progress import progress_for
    from hpsearch.cli.report import render_outcome, render_zoom
    from hpsearch.search.zoom import parse_range
    from hpsearch.study.snapshot import study_folder
    from hpsearch.study.zoom_round import ZoomRequest, zoom_study

    folder = study_folder(study, runs_dir)
    ranges = tuple(parse_range(text) for text in set_ or ())
    request = ZoomRequest(top, trials, margin, ranges, dry_run)
    with progress_for(stdout, quiet=quiet or dry_run) as observer:
        done = zoom_study(folder, request, _execution(workers, backend, scheduler), observer)
    render_zoom(stdout, done)
    if done.run is not None:
        render_outcome(stdout, done.run)
        raise typer.Exit(done.run.exit_code)


@app.command()
def train(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="[CONFIG]",
            help="A study file: its data and fixed hyperparameters.",
            show_default=False,
        ),
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Without CONFIG: a built-in dataset [default: digits].")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="A hyperparameter: NAME=VALUE, e.g. learning_rate=0.01."),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seeds the weights, shuffling, dropout.")] = 0,
    save: Annotated[
        Path | None, typer.Option(help="Write the trained network to this .npz file.")
    ] = None,
) -> None:
    """Train one network with fixed hyperparameters and print train and dev error per epoch."""
    from hpsearch.cli.cells import epoch_line
    from hpsearch.cli.report import render_training
    from hpsearch.study.train import fixed_hyperparameters, study_for, train_one
    from hpsearch.userinput.settings import parse_setting

    config = study_for(path, dataset)
    hyperparameters = fixed_hyperparameters(config, [parse_setting(text) for text in set_ or ()])
    training = train_one(
        config,
        hyperparameters,
        seed,
        lambda epoch, row: stdout.print(epoch_line(epoch, row)),
        save,
    )
    render_training(stdout, training)
    raise typer.Exit(0 if training.state == "complete" else 1)
