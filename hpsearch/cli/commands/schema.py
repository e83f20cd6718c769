"""`hpsearch schema`: the JSON Schema of study files."""

from __future__ import annotations

import json

import typer


def schema() -> None:
    """Print the JSON Schema of study files, for completion and checking in editors."""
    from hpsearch.config import StudyConfig

    typer.echo(json.dumps(StudyConfig.model_json_schema(), indent=2))
