"""The `hpsearch` command line: each command parses its arguments, calls one library function and
renders the answer. Library errors (`HpsearchError`) become a one-line message and an exit code."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from typer.core import TyperGroup

from hpsearch.cli.output import Output
from hpsearch.errors import ConfigError, HpsearchError, Terminated
from hpsearch.store.layout import DEFAULT_RUNS, RUNS_ENV, default_runs, quoted
from hpsearch.version import __version__

stdout = Output()
stderr = Output(stderr=True)


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

EXIT_CODES = (
    "Exit codes: 0 success; 1 a trial failed (the others are kept); 2 a mistake in the input "
    "(the message says what to change); 3 nothing usable: no trial of the study completed "
    "(all diverged, timed out or failed); 130 interrupted, 143 stopped by SIGTERM (run the same "
    "command again to resume)."
)

TRAIN_NEEDS = (
    "train needs a study file or a dataset: `hpsearch train CONFIG` trains the file's fixed "
    "values (a searched one needs --set NAME=VALUE), `hpsearch train --dataset digits` a network "
    "with every default; `hpsearch datasets` lists the built-in datasets"
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


@app.command()
def init(
    data: Annotated[
        Path, typer.Argument(metavar="DATA.csv", help="The CSV file, as it is.", show_default=False)
    ],
    target: Annotated[
        str, typer.Option(metavar="COLUMN", help="The column to predict.", show_default=False)
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="The study file to write (default: DATA's name with .yaml)."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(metavar="NAME", help="The study's name (default: DATA's name).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the study file if it exists.")
    ] = False,
    preset: Annotated[
        str,
        typer.Option(
            metavar="strong|course",
            help="The search space: strong (the course's with AdamW, a cosine schedule, label "
            "smoothing and the best epoch kept) or course (the course's alone).",
        ),
    ] = "strong",
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
) -> None:
    """Write a study file for a CSV file: its columns and what is done with each, the task and
    metric its target asks for, and a search space in the course's order of importance.

    `hpsearch check` then takes the file as it is. An existing file is never replaced unless
    --force is given."""
    from hpsearch.cli.report import render_init
    from hpsearch.study.init import init_study

    done = init_study(
        data, target, output=output, name=name, runs_dir=runs_dir, force=force, preset=preset
    )
    render_init(stdout, done)


@app.command()
def check(
    path: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The study's YAML file.", show_default=False)
    ],
    draws: Annotated[
        int, typer.Option(min=0, metavar="N", help="How many of the first trials to show.")
    ] = 5,
) -> None:
    """Validate a study file and its data; show what it would search.

    Nothing is trained or written."""
    from hpsearch.cli.report import render_check
    from hpsearch.study.check import check_study

    render_check(stdout, check_study(path, draws))


@app.command()
def recover(study: Study, runs_dir: RunsDir = Path(DEFAULT_RUNS)) -> None:
    """Rebuild a damaged study from the trials that can still be read.

    The damaged study is kept, renamed; running the study again trains the lost trials anew,
    to the same results."""
    from hpsearch.cli.report import render_recovery
    from hpsearch.study.find import study_folder
    from hpsearch.study.recover import recover_study

    render_recovery(stdout, recover_study(study_folder(study, runs_dir)))


@app.command()
def schema() -> None:
    """Print the JSON Schema of study files, for completion and checking in editors."""
    from hpsearch.config import StudyConfig

    typer.echo(json.dumps(StudyConfig.model_json_schema(), indent=2))


@app.command()
def datasets() -> None:
    """List the built-in datasets: their shape, classes, options and what they are."""
    from hpsearch.cli.datasets_table import render_datasets
    from hpsearch.data import BUILTIN_DATASETS

    render_datasets(stdout, BUILTIN_DATASETS)


@app.command()
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
    from hpsearch.study.launch import run_config

    given = _execution(workers, backend, scheduler)
    with progress_for(stdout, quiet=quiet) as observer:
        done = run_config(path, runs_dir, given, new=new, observer=observer, top=top)
    render_outcome(stdout, done, _again("run", str(path), runs_dir, **given))
    raise typer.Exit(done.exit_code)


def _again(command: str, target: str, runs_dir: Path, **given: object) -> str:
    """The command that resumes what this one began, as it can be pasted: with the options it
    was `given` (a zoom's --trials, --top, … so that it goes on with the same round; None or
    False: not given), and the runs folder unless it is the one the command would find by
    itself."""
    line = f"hpsearch {command} {quoted(target)}"
    for name, value in given.items():
        flag = f"--{name.strip('_').replace('_', '-')}"
        values = value if isinstance(value, list | tuple) else [value]
        for one in values:
            if one is True:
                line += f" {flag}"
            elif one is not None and one is not False:
                line += f" {flag} {quoted(str(one))}"
    if runs_dir != default_runs():
        line += f" --runs-dir {quoted(runs_dir)}"
    return line


def _execution(workers: int | None, backend: str | None, scheduler: str | None) -> dict:
    """The execution settings given on the command line; a scheduler means the dask backend."""
    from hpsearch.study.launch import given_execution

    return given_execution(workers, backend, scheduler)


FORMATS = {
    "table": "the summary and the ranked table",
    "csv": "the rows alone, for a spreadsheet",
    "json": "the rows alone, for a program",
    "markdown": "the rows alone, for a document",
}


def _check_format(value: str) -> None:
    """Refuses an unknown --format, listing the formats in the tool's own words."""
    if value not in FORMATS:
        listed = "; ".join(f"{name} ({what})" for name, what in FORMATS.items())
        raise ConfigError(f"--format must be one of: {listed}; but got '{value}'")


@app.command()
def show(
    study: Study,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
    top: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Rows to show (default: 10 in a table or markdown; every one with --all, "
            "in csv and in json).",
        ),
    ] = None,
    round: Annotated[
        int | None, typer.Option(metavar="N", help="Only the trials of this round.")
    ] = None,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            metavar="",
            help="Also the trials that did not complete, with their reasons and workers.",
        ),
    ] = False,
    sort: Annotated[
        str,
        typer.Option(
            metavar="COLUMN",
            help="dev_error (the ranking, by the study's metric), train_error (that metric on "
            "train), duration, trial, or a hyperparameter.",
        ),
    ] = "dev_error",
    format: Annotated[
        str,
        typer.Option(metavar="|".join(FORMATS), help="How to print the rows."),
    ] = "table",
    target_error: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            metavar="VALUE",
            help="An estimate of the optimal value of the study's metric, in its units "
            "(default: the config's target_error).",
        ),
    ] = None,
) -> None:
    """Rank a study's trials by the dev metric, with a summary of what matters.

    Or the rows alone as csv, json or markdown. Works while the study runs."""
    from hpsearch.cli.export import render
    from hpsearch.cli.show_table import render_view
    from hpsearch.study.find import study_folder
    from hpsearch.study.overview import DEFAULT_TOP, ShowOptions, view_study
    from hpsearch.study.snapshot import read_snapshot

    _check_format(format)
    if top is None and format in ("table", "markdown") and not all_:
        top = DEFAULT_TOP
    options = ShowOptions(top, round, all_, sort, target_error)
    table = format == "table"
    with read_snapshot(study_folder(study, runs_dir)) as snapshot:
        view = view_study(snapshot, options, summary=table, stream=table)
        if table:  # while the snapshot is open: the rows stream in as they are printed
            render_view(stdout, view)
        else:
            typer.echo(render(view, format), nl=False)


@app.command()
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


@app.command()
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
    from hpsearch.study.snapshot import read_snapshot

    with read_snapshot(study_folder(study, runs_dir)) as snapshot:
        paths = plot_study(snapshot, top)
    for path in paths:
        stdout.print(str(path), markup=False, highlight=False)


@app.command()
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
    from hpsearch.study.zoom_round import zoom_study

    with progress_for(stdout, quiet=quiet) as observer:
        done = zoom_study(folder, request, _execution(workers, backend, scheduler), observer)
    render_zoom(stdout, done)
    if done.run is not None:
        again = _again(
            "zoom", study, runs_dir, top=top, trials=trials, margin=margin, set_=set_,
            schedule=schedule, **_execution(workers, backend, scheduler),
        )  # fmt: skip
        render_outcome(stdout, done.run, again)
        raise typer.Exit(done.run.exit_code)


@app.command()
def studies(runs_dir: RunsDir = Path(DEFAULT_RUNS)) -> None:
    """List the studies in the runs folder: rounds, trials done of planned, best dev metric,
    state (running, interrupted, complete, damaged) and last change."""
    from hpsearch.cli.studies_table import render_studies
    from hpsearch.study.listing import list_studies

    render_studies(stdout, runs_dir, list_studies(runs_dir))


@app.command()
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


@app.command()
def train(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="CONFIG",
            help="A study file: its data and fixed hyperparameters.",
            show_default=False,
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Without CONFIG: a built-in dataset (digits when only --set is given).",
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="NAME=VALUE",
            help="A hyperparameter: NAME=VALUE, e.g. learning_rate=0.01.",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            metavar="N",
            help="Seeds the weights, shuffling, dropout (default: the file's "
            "search.training_seed, else 0).",
            show_default=False,
        ),
    ] = None,
    save: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write the trained network to this model file (.npz, for predict).",
        ),
    ] = None,
) -> None:
    """Train one network with fixed hyperparameters and print its train and dev metric per
    epoch."""
    from hpsearch.cli.cells import EpochTable
    from hpsearch.cli.report import render_training
    from hpsearch.study.train import fixed_hyperparameters, study_for, train_fixed
    from hpsearch.userinput.settings import parse_setting

    if path is None and dataset is None and not set_:
        raise ConfigError(TRAIN_NEEDS)
    config = study_for(path, dataset)
    hyperparameters = fixed_hyperparameters(config, [parse_setting(text) for text in set_ or ()])
    curve = EpochTable(metric=config.ranked_by)
    training = train_fixed(
        config,
        hyperparameters,
        seed,
        lambda epoch, row: stdout.print("\n".join(curve.lines(epoch, row)), markup=False),
        save,
    )
    render_training(stdout, training)
    raise typer.Exit(0 if training.state == "complete" else 1)


MODEL_FORMATS = ("npz", "onnx")
EXPORT_FORMATS = {
    "npz": "the model file",
    "onnx": "an ONNX graph",
    "optuna": "the whole study as an Optuna storage, a JournalStorage file",
}


@app.command()
def export(
    study: Study,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The file to write.", show_default=False)
    ],
    trial: Annotated[
        int | None,
        typer.Option(min=0, help="A trial with saved weights (default: the chosen one)."),
    ] = None,
    format: Annotated[
        str,
        typer.Option(
            metavar="|".join(EXPORT_FORMATS),
            help="npz: the model file; onnx: an ONNX graph; optuna: the study's trials as an "
            "Optuna storage (optuna.load_study, optuna-dashboard).",
        ),
    ] = "npz",
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
) -> None:
    """Write a trial's model to one file: weights, how each column becomes inputs, class names.

    `hpsearch predict` and `hpsearch.load_model` read it; with --format onnx, any ONNX runtime.
    With --format optuna, the study's finished trials go to an Optuna JournalStorage file;
    exporting again to the same file adds the trials finished since."""
    from hpsearch.study.find import study_folder

    folder = study_folder(study, runs_dir)
    if format not in EXPORT_FORMATS:
        listed = ", ".join(f"{name} ({what})" for name, what in EXPORT_FORMATS.items())
        raise ConfigError(f"--format must be one of: {listed}; but got '{format}'")
    if format == "optuna":
        from hpsearch.cli.optuna_report import render_optuna_export
        from hpsearch.study.optuna_export import export_optuna

        if trial is not None:
            raise ConfigError(
                "--trial picks a model; --format optuna writes every trial, so leave it out"
            )
        render_optuna_export(stdout, export_optuna(folder, output))
        return
    from hpsearch.cli.model_report import render_export
    from hpsearch.study.export import export_model

    render_export(stdout, export_model(folder, output, trial, format))


@app.command()
def dashboard(
    study: Study,
    port: Annotated[
        int,
        typer.Option(
            min=0, max=65535, metavar="N", help="The port on 127.0.0.1 (0: any free one)."
        ),
    ] = 8080,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
) -> None:
    """Open the study in optuna-dashboard: history, learning curves, importance, parallel
    coordinates, slice and contour plots, the trial table.

    The study is written as an Optuna storage in its folder (again: only the trials finished
    since) and served on 127.0.0.1 until Ctrl-C. Needs optuna-dashboard (pip install
    'hpsearch[dashboard]')."""
    from hpsearch.cli.optuna_report import render_dashboard
    from hpsearch.study.dashboard import serve_dashboard
    from hpsearch.study.find import study_folder

    serve_dashboard(study_folder(study, runs_dir), port, lambda d: render_dashboard(stdout, d))
    stdout.print("dashboard stopped")


@app.command()
def predict(
    model: Annotated[
        str,
        typer.Argument(
            metavar="MODEL_OR_STUDY",
            help="A model file (`hpsearch export`), or a study: its chosen trial.",
            show_default=False,
        ),
    ],
    data: Annotated[
        Path,
        typer.Argument(
            metavar="DATA", help="Rows to predict: a .csv, .npz or .npy file.", show_default=False
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the predictions here (default: stdout)."),
    ] = None,
    proba: Annotated[
        bool, typer.Option("--proba", help="Add one probability column per class.")
    ] = False,
    target: Annotated[
        str | None,
        typer.Option(
            metavar="COLUMN",
            help="The column of the rows' labels, to score them (default: the name it had in "
            "the study's data).",
        ),
    ] = None,
    runs_dir: RunsDir = Path(DEFAULT_RUNS),
) -> None:
    """Predict the class of every row of a data file with a saved model, as CSV.

    Columns are matched to the model's by name; a missing cell is filled as the study filled
    it, a level it never saw counts as "(other)"; rows with labels are scored too. With
    --output the file is written whole or not at all; to stdout, rows are written as they
    are read, so a bad line far down stops the output there."""
    import sys

    from hpsearch.cli.model_report import render_prediction
    from hpsearch.study.predict import predict_file

    done = predict_file(
        model, str(data), runs_dir=runs_dir, output=output, proba=proba, stream=sys.stdout,
        label=target,
    )  # fmt: skip
    render_prediction(stdout if output is not None else stderr, done)
