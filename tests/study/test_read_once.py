"""Each thing a command shows is read once: no command sends the store the same read twice,
and a snapshot answers a second ask for a top it has read from the first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.store.study_store import StudyStore
from hpsearch.study.snapshot import read_snapshot
from hpsearch.trial import TrialState
from tests.results_cases import make_study


def traced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the store connections made from now on send SQLite, as it ran."""
    statements: list[str] = []
    connect = sqlite3.connect

    def tracing(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", tracing)
    return statements


@pytest.mark.parametrize(
    "command",
    [["show"], ["show", "--all"], ["best"], ["zoom", "--dry-run", "--top", "2"]],
    ids=" ".join,
)
def test_a_reading_command_sends_no_read_twice(tmp_path: Path, monkeypatch, command) -> None:
    folder = make_study(tmp_path, zoomed=6)
    statements = traced(monkeypatch)
    result = CliRunner().invoke(app, [command[0], str(folder), *command[1:]])
    assert result.exit_code == 0, result.output
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert any("FROM trials" in s for s in reads)  # traced at all
    assert sorted(s for s in set(reads) if reads.count(s) > 1) == []


def test_a_snapshot_answers_a_smaller_top_from_the_one_it_read(tmp_path, monkeypatch) -> None:
    one_round = make_study(tmp_path / "one")
    complete = (TrialState.COMPLETE,)
    with StudyStore.open(one_round) as store:
        whole = store.ranked(5, states=complete)
    statements = traced(monkeypatch)
    with read_snapshot(one_round) as snapshot:
        assert snapshot.ranked(5, states=complete) == whole
        assert snapshot.ranked(2, states=complete) == whole[:2]
        assert snapshot.ranked(3, round=0, states=complete) == whole[:3]  # its one round
        assert snapshot.ranked(5) == whole  # every state: another read
    assert sum("ROW_NUMBER()" in s for s in statements) == 2
    two_rounds = make_study(tmp_path / "two", zoomed=6)
    with read_snapshot(two_rounds) as snapshot, StudyStore.open(two_rounds) as store:
        assert snapshot.ranked(2, states=complete) == store.ranked(2, states=complete)
        assert snapshot.ranked(2, round=1, states=complete) == store.ranked(
            2, round=1, states=complete
        )
        assert snapshot.ranked(9, states=complete) == store.ranked(9, states=complete)
