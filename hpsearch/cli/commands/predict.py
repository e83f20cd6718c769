"""`hpsearch predict`: a saved model's predictions for a data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stderr, stdout
from hpsearch.cli.options import RunsDir
from hpsearch.store.layout import DEFAULT_RUNS


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
