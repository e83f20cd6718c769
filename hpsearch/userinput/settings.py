"""`NAME=VALUE` settings typed on the command line (`--set`)."""

from __future__ import annotations

from typing import Any

from hpsearch.errors import ConfigError
from hpsearch.userinput.messages import show
from hpsearch.userinput.yaml_lines import read_yaml


def parse_setting(text: str) -> tuple[str, Any]:
    """`NAME=VALUE`, the value read as YAML: `1e-3` is a number, `[64, 32]` a list."""
    name, equals, value = (part.strip() for part in text.partition("="))
    if not (name and equals and value):
        raise ConfigError(
            f"set takes NAME=VALUE (e.g. learning_rate=0.01), but got {show(text)}", option="set"
        )
    return name, read_yaml(value, f"--set {name}").data
