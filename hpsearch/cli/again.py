"""The command line that goes on with what a command began, as it can be pasted."""

from __future__ import annotations

from pathlib import Path

from hpsearch.store.layout import default_runs, quoted


def again_command(command: str, target: str, runs_dir: Path, **given: object) -> str:
    """The command that resumes what this one began, as it can be pasted: with the options it
    was `given` (a zoom's --trials, --top, … so that it goes on with the same round; None or
    False: not given), and the runs folder unless it is the one the command would find by
    itself."""
    line = f"hpsearch {command} {quoted(target)}"
    for name, value in given.items():
        flag = f"--{name.strip('_').replace('_', '-')}"
        values = value if isinstance(value, list | tuple) else [value]
        for one in values:
            if one is True:
                line += f" {flag}"
            elif one is not None and one is not False:
                line += f" {flag} {quoted(str(one))}"
    if runs_dir != default_runs():
        line += f" --runs-dir {quoted(runs_dir)}"
    return line
