"""Where no terminal tells the width (a log, `| less` from a script, CI), prose wraps at 100
columns; a terminal's width, or $COLUMNS, wins over it."""

from __future__ import annotations

import io
import os

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.cli.output import UNKNOWN_WIDTH, Output, say
from tests.results_cases import make_study


def no_terminal(*_args: object) -> os.terminal_size:
    raise OSError("not a terminal")


@pytest.fixture
def piped(monkeypatch):
    """No terminal on stdin, stdout or stderr, and no $COLUMNS: a log file."""
    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    monkeypatch.delenv("COLUMNS", raising=False)


def test_without_a_terminal_prose_wraps_at_100_columns(piped, tmp_path) -> None:
    make_study(tmp_path)
    result = CliRunner().invoke(app, ["show", "synthetic", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= UNKNOWN_WIDTH
    assert max(map(len, lines)) > 90, "as wide as 100 columns allow, not rich's 80"
    said = " ".join(result.stdout.split())
    assert "learning_rate explains the largest share of the variation in dev error" in said


def test_columns_or_a_terminal_tells_the_width(piped, monkeypatch) -> None:
    assert Output(file=io.StringIO()).width == UNKNOWN_WIDTH
    monkeypatch.setenv("COLUMNS", "72")
    assert Output(file=io.StringIO()).width == 72
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((132, 40)))
    assert Output(file=io.StringIO()).width == 132


def test_prose_wraps_at_spaces_and_keeps_a_long_word_whole() -> None:
    out = io.StringIO()
    path = "/a/very/long/path/that/is/wider/than/the/console/itself/study.db"
    say(Output(file=out, width=30), f"the study is in {path}, kept as it was")
    assert out.getvalue() == f"the study is in\n{path},\nkept as it was\n"


def test_a_command_in_backticks_is_never_broken() -> None:
    out = io.StringIO()
    say(Output(file=out, width=40), "see why with `hpsearch show /runs/a study --all`, then go on")
    assert out.getvalue() == "see why with\n`hpsearch show /runs/a study --all`,\nthen go on\n"
