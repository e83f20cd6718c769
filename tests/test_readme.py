"""Every command the README shows runs as printed, in order, on a fresh copy of the repository.

What counts as a command (the rule for whoever adds one to the README):
- A fenced block tagged `bash`, `sh` or `shell`: each line, a trailing backslash joining it to
  the next. A block tagged `console` or untagged: each line that starts with `$ `; the lines
  after it, up to the next `$ ` or the block's end, are what it prints.
- A line's `pip install …` parts (joined by `&&`) are left out: the suite runs where the
  package is installed. What remains is run when every part of it is an `hpsearch` command;
  other programs (`ruff`, `pytest`, `dask`) are not. A `python benchmarks/NAME.py` line must
  name a script that exists; the benchmarks run with `--quick` in tests/test_benchmarks.py,
  their full runs take minutes to hours.
- A command with a placeholder, a word in capitals (`STUDY`, `CONFIG`, `SCHEDULER_HOST`), is
  a template and is not run; a leading `NAME=value` (an environment variable) is no placeholder.
- A block whose first line is a comment naming a file (`# study.yaml, with three mistakes`)
  is written to that file before the commands that follow it.
- A command exits 0, unless the output shown under it begins with `error:`: then it exits 2
  and prints exactly that (a mistake's message does not depend on the machine; figures do,
  so other output is not compared).

The copy is every file git tracks or would track (a fresh clone, plus files not yet added),
in a temporary folder, with no `$HPSEARCH_RUNS`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RUN = ("bash", "sh", "shell")
SHOWN = ("console", "")
PLACEHOLDER = re.compile(r"(?<![\w$-])[A-Z][A-Z0-9_]*(?![\w-])")
FILE = re.compile(r"^#\s*([\w./-]+\.[A-Za-z]+)\b")


@dataclass(frozen=True)
class Step:
    """One thing the README asks for, at `line` of it: a command to run (with the exit code and,
    for a mistake, the message it must print), or a file to write."""

    line: int
    command: str = ""
    exit_code: int = 0
    error: str = ""
    file: str = ""
    text: str = ""


def steps(markdown: str) -> tuple[list[Step], list[Step]]:
    """The steps of `markdown` in order, and the commands it shows that are not run (templates,
    other programs), each with its line."""
    run: list[Step] = []
    skipped: list[Step] = []
    for start, language, lines in _blocks(markdown):
        named = FILE.match(lines[0]) if lines else None
        if named and language not in RUN and not lines[0].startswith("$ "):
            run.append(Step(start, file=named[1], text="\n".join(lines) + "\n"))
            continue
        for at, command, shown in _commands(language, lines):
            step = _step(start + at, command, shown)
            (run if step.command else skipped).append(
                step if step.command else Step(start + at, command)
            )
    return run, skipped


def _blocks(markdown: str):
    """(line of the first content line, language, lines) of each fenced block."""
    lines = markdown.splitlines()
    at = 0
    while at < len(lines):
        fence = re.match(r"^(`{3,})\s*([\w-]*)", lines[at])
        if not fence:
            at += 1
            continue
        end = next(i for i in range(at + 1, len(lines)) if lines[i].startswith(fence[1]))
        yield at + 2, fence[2].lower(), lines[at + 1 : end]
        at = end + 1


def _commands(language: str, lines: list[str]):
    """(offset, command, shown output) of each command of a block."""
    if language in RUN:
        joined, first = "", 0
        for offset, line in enumerate(lines):
            if not joined:
                first = offset
            joined += line.rstrip("\\")
            if line.endswith("\\"):
                continue
            if joined.strip() and not joined.lstrip().startswith("#"):
                yield first, joined.strip(), []
            joined = ""
    elif language in SHOWN:
        prompts = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        for n, i in enumerate(prompts):
            end = prompts[n + 1] if n + 1 < len(prompts) else len(lines)
            yield i, lines[i][2:].strip(), lines[i + 1 : end]


def _step(line: int, command: str, shown: list[str]) -> Step:
    """The command as the suite runs it, or a Step without a command when it is not run."""
    parts = [p.strip() for p in command.split("&&")]
    parts = [p for p in parts if not p.startswith("pip install")]
    words = [_words(p) for p in parts]
    if not parts or not all(w and w[0] == "hpsearch" for w in words):
        return Step(line)
    if any(PLACEHOLDER.search(word) for w in words for word in w):
        return Step(line)
    error = "\n".join(shown) if shown and shown[0].startswith("error:") else ""
    return Step(line, " && ".join(parts), 2 if error else 0, error)


def _words(command: str) -> list[str]:
    """The words a shell runs, without a comment and without the NAME=value before them."""
    words = shlex.split(command, comments=True)
    while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
        words.pop(0)
    return words


def fresh_copy(to: Path) -> Path:
    """The files of a fresh clone (and those not yet added), copied into `to`; outside a git
    checkout (an unpacked archive), the study files and their data."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout.decode().split("\0")  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(ROOT / "configs", to / "configs")
        return to
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    return to


def test_the_rule_finds_each_kind_of_command() -> None:
    markdown = (
        "```bash\npip install -e . && hpsearch run a.yaml\n"
        'pip install -e ".[test]" && ruff check . && pytest\n'
        "hpsearch show STUDY --all\nHPSEARCH_ENGINE=numba hpsearch run a.yaml\n"
        "hpsearch run a.yaml \\\n  --new   # the OLD one set aside\n```\n"
        "```yaml\n# a.yaml, a study\nname: a\n```\n"
        "```\n$ hpsearch zoom a\nzoom: the region\n"
        "$ hpsearch run b.yaml\nerror: b.yaml\nline 2\n```\n"
        "```python\nhpsearch.load_model('x')\n```\n"
    )
    run, skipped = steps(markdown)
    assert [(s.line, s.command or s.file, s.exit_code) for s in run] == [
        (2, "hpsearch run a.yaml", 0),
        (5, "HPSEARCH_ENGINE=numba hpsearch run a.yaml", 0),
        (6, "hpsearch run a.yaml   --new   # the OLD one set aside", 0),
        (10, "a.yaml", 0),
        (14, "hpsearch zoom a", 0),
        (16, "hpsearch run b.yaml", 2),
    ]
    assert (
        run[3].text == "# a.yaml, a study\nname: a\n" and run[-1].error == "error: b.yaml\nline 2"
    )
    assert [s.line for s in skipped] == [3, 4]


@pytest.mark.slow
@pytest.mark.timeout(1200)  # some forty commands, each up to a search; on a loaded machine too
def test_every_readme_command_runs_as_printed_in_order(tmp_path) -> None:
    run, skipped = steps(README.read_text())
    commands = [s.command for s in run if s.command]
    assert "hpsearch run configs/quickstart.yaml" in commands, "the quickstart is in the README"
    for step in skipped:  # not run; a benchmark named must exist
        line = README.read_text().splitlines()[step.line - 1]
        for script in re.findall(r"python (benchmarks/\S+\.py)", line):
            assert (ROOT / script).is_file(), f"README line {step.line}: no {script}"
    here = fresh_copy(tmp_path / "clone")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HPSEARCH_")}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    for step in run:
        if step.file:
            (here / step.file).write_text(step.text)
            continue
        done = subprocess.run(
            ["bash", "-c", step.command], cwd=here, env=environment, capture_output=True,
            text=True, timeout=600,
        )  # fmt: skip
        said = f"README line {step.line}: `{step.command}` exited {done.returncode}\n{done.stderr}"
        assert done.returncode == step.exit_code, said
        if step.error:
            assert done.stderr == step.error + "\n", said
