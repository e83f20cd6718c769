"""`hpsearch export`: a trial's model, or the whole study as an Optuna storage, in one file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir, Study
from hpsearch.errors import ConfigError
from hpsearch.store.layout import DEFAULT_RUNS

EXPORT_FORMATS = {
    "npz": "the model file",
    "onnx": "an ONNX graph",
    "optuna": "the whole study as an Optuna storage, a JournalStorage file",
}


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
