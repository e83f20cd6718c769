"""A study's folder: the names of the files in it, in one place.

`<runs>/<name>/` holds `study.db` (the store), `study.lock` (the run lock), `models/` (the weights
of the best trials), `checkpoints/` (trials paused at a rung, while they may still go on),
`test-reads.jsonl` (every look at the test split) and `data.json` (what loading did to the data)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

DB_NAME = "study.db"
LOCK_NAME = "study.lock"
MODELS_DIR = "models"
CHECKPOINTS_DIR = "checkpoints"  # trials paused at a rung of a halving schedule
TEST_LOG = "test-reads.jsonl"
DATA_REPORT = "data.json"  # what loading did to the data: rows dropped, gaps filled


def model_path(folder: Path, number: int) -> Path:
    """Where the saved model of trial `number` of the study in `folder` lies, if it was kept."""
    return folder / MODELS_DIR / f"trial-{number}.npz"


def kept_model(folder: Path, number: int) -> Path | None:
    """The saved model of trial `number`, None when it was not kept."""
    path = model_path(folder, number)
    return path if path.is_file() else None


RUNS_ENV = "HPSEARCH_RUNS"  # the folder that holds the studies, when --runs-dir is not given
DEFAULT_RUNS = "runs"  # else this folder of the working directory


def default_runs() -> Path:
    """The runs folder when none is named: $HPSEARCH_RUNS, else runs/ of the working directory.
    The command line's --runs-dir reads the same variable (its `envvar`)."""
    return Path(os.environ.get(RUNS_ENV) or DEFAULT_RUNS)


def is_study(folder: Path) -> bool:
    """Whether `folder` holds a study (its store)."""
    return (folder / DB_NAME).is_file()


def quoted(path: str | Path) -> str:
    """A path as a shell reads it back whole: copy-pasted into a command, it works."""
    return shlex.quote(str(path))
def checkpoint_path(folder: Path, number: int, epochs: int) -> Path:
    """Where trial `number` waits after the rung that ended at `epochs`."""
    return folder / CHECKPOINTS_DIR / f"trial-{number}-epoch-{epochs}.pkl"
