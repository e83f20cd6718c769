"""The command modules: light to import, so that `hpsearch --help` and `hpsearch CMD --help` load
no command's libraries; each registered under its own name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hpsearch.cli.app import app

COMMANDS = Path(__file__).resolve().parents[2] / "hpsearch" / "cli" / "commands"
NAMES = sorted(p.stem for p in COMMANDS.glob("*.py") if p.stem != "__init__")
HEAVY = (
    "numpy", "yaml", "pydantic", "sklearn", "matplotlib", "joblib", "hpsearch.config",
    "hpsearch.data", "hpsearch.execution", "hpsearch.nn", "hpsearch.study",
    "hpsearch.store.study_store",
)  # fmt: skip


def test_every_command_module_is_a_command_of_that_name() -> None:
    registered = sorted(c.callback.__module__ for c in app.registered_commands)
    assert registered == [f"hpsearch.cli.commands.{name}" for name in NAMES]
    assert sorted(c.callback.__name__ for c in app.registered_commands) == NAMES


def _heavy(loaded: list[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return [m for m in loaded if any(m == h or m.startswith(f"{h}.") for h in heavy)]


def test_the_command_modules_and_their_help_load_nothing_heavy() -> None:
    """Every command module imported, then every command's --help printed, in a fresh
    interpreter: what a command runs is imported inside it, never at a module's top. (Typer
    itself loads pydantic to print a command's help; the command modules do not.)"""
    modules = ", ".join(f"hpsearch.cli.commands.{name}" for name in NAMES)
    script = (
        f"import json, sys\nimport {modules}\nprint(json.dumps(sorted(sys.modules)))\n"
        "from typer.testing import CliRunner\nfrom hpsearch.cli.app import app\n"
        f"for name in {NAMES!r}:\n"
        "    assert CliRunner().invoke(app, [name, '--help']).exit_code == 0, name\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    imported, helped = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    assert _heavy(imported) == []
    assert _heavy(helped, tuple(h for h in HEAVY if h != "pydantic")) == []
