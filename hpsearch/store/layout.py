"""A study's folder: the names of the files in it, in one place.

`<runs>/<name>/` holds `study.db` (the store), `study.lock` (the run lock), `models/` (the weights
of the best trials), `checkpoints/` (trials paused at a rung, while they may still go on) and
`test-reads.jsonl` (every look at the test split)."""

from __future__ import annotations

from pathlib import Path

DB_NAME = "study.db"
LOCK_NAME = "study.lock"
MODELS_DIR = "models"
CHECKPOINTS_DIR = "checkpoints"  # trials paused at a rung of a halving schedule
TEST_LOG = "test-reads.jsonl"


def model_path(folder: Path, number: int) -> Path:
    """Where the saved model of trial `number` of the study in `folder` lies, if it was kept."""
    return folder / MODELS_DIR / f"trial-{number}.npz"


def checkpoint_path(folder: Path, number: int, epochs: int) -> Path:
    """Where trial `number` waits after the rung that ended at `epochs`."""
    return folder / CHECKPOINTS_DIR / f"trial-{number}-epoch-{epochs}.pkl"
