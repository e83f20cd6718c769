"""What the tests of the Python API and of the Optuna export share: a tiny iris study as a dict
(five trials of three epochs: a second to run), and `show --format json --all` to check against."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hpsearch.cli.app import app

IRIS = {
    "name": "iris",
    "data": {"dataset": "iris"},
    "hyperparameters": {
        "learning_rate": {"distribution": "log_uniform", "low": 1e-3, "high": 1e-1},
        "hidden_units": {"distribution": "int_uniform", "low": 4, "high": 16},
        "beta1": {"distribution": "one_minus_log_uniform", "low": 0.9, "high": 0.999},
        "activation": {"distribution": "choice", "choices": ["relu", "tanh"]},
        "epochs": 3,
    },
    "search": {"trials": 5, "seed": 3, "workers": 1},
}


def show_json(runs: Path, name: str) -> list[dict]:
    """Every trial of the study as `hpsearch show --format json --all` prints it."""
    args = ["show", name, "--format", "json", "--all", "--runs-dir", str(runs)]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)
