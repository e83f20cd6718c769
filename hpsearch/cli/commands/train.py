"""`hpsearch train`: one network trained with fixed hyperparameters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpsearch.cli.consoles import stdout
from hpsearch.errors import ConfigError

TRAIN_NEEDS = (
    "train needs a study file or a dataset: `hpsearch train CONFIG` trains the file's fixed "
    "values (a searched one needs --set NAME=VALUE), `hpsearch train --dataset digits` a network "
    "with every default; `hpsearch datasets` lists the built-in datasets"
)


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
