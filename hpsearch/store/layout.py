"""A study's folder: the names of the files in it, in one place.

`<runs>/<name>/` holds `study.db` (the store), `study.lock` (the run lock), `models/` (the weights
of the best trials) and `test-reads.jsonl` (every look at the test split)."""

from __future__ import annotations

from pathlib import Path

DB_NAME = "study.db"
LOCK_NAME = "study.lock"
MODELS_DIR = "models"
TEST_LOG = "test-reads.jsonl"


def model_path(folder: Path, number: int) -> Path:
    """Where the saved model of trial `number` of the study in `folder` lies, if it was kept."""
    return folder / MODELS_DIR / f"trial-{number}.npz"
