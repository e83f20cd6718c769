"""How many times each command reads each table of a study's store: what "each thing read once
per command" is checked against.

    python benchmarks/store_reads.py              # the quickstart's commands
    python benchmarks/store_reads.py --halving    # and the halving example's run, show and zoom

Every command runs in this process, as a user types it, in a fresh folder; every SQL statement
its store connections execute is traced (SQLite's trace callback), so that the figures count
what reaches the database whatever layer asked for it. A row counts the statements that read
(SELECT; a write that returns its rows, such as a stop, counts as the write it is) and, per
table, how many of those read it (`schema`: SQLite's table of tables, read by the schema checks);
`pragma` counts the settings and integrity checks. The figures are counts: the machine's load
does not change them. benchmarks/results/store_reads.md has the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout

TABLES = ("study", "rounds", "trials", "rungs", "baselines", "importance", "sqlite_master")
QUICKSTART = [
    "run configs/quickstart.yaml --workers 2",
    "show quickstart",
    "best quickstart",
    "zoom quickstart --dry-run",
    "zoom quickstart",
    "show quickstart",
    "studies",
    "plot quickstart",
    "export quickstart --output model.npz",
]
HALVING = [
    "run configs/hyperband.yaml",
    "show hyperband --all",
    "zoom hyperband --dry-run",
]


class Trace:
    """The statements every store connection made since the last `take()`."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def install(self) -> Callable[[], None]:
        """Traces every connection sqlite3 makes from now on; returns what undoes it."""
        connect = sqlite3.connect

        def traced(*args, **kwargs):
            conn = connect(*args, **kwargs)
            conn.set_trace_callback(self.statements.append)
            return conn

        sqlite3.connect = traced
        return lambda: setattr(sqlite3, "connect", connect)

    def take(self) -> Counter:
        """The reads since the last call, counted: 'reads', 'pragma' and each table's."""
        counts: Counter = Counter()
        for sql in self.statements:
            text = " ".join(sql.split()).lower()
            if text.startswith("pragma"):
                counts["pragma"] += 1
            elif text.startswith(("select", "with")):
                counts["reads"] += 1
                found = set(re.findall(r"\b(?:from|join)\s+([a-z_]+)", text)) & set(TABLES)
                counts.update(found)
        self.statements.clear()
        return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halving", action="store_true", help="also the halving example")
    args = parser.parse_args()
    from typer.testing import CliRunner

    from hpsearch.cli.app import app

    commands = QUICKSTART + (HALVING if args.halving else [])
    trace = Trace()
    undo = trace.install()
    rows = []
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(ROOT / "configs", Path(folder) / "configs")
        os.chdir(folder)
        try:
            for command in commands:
                trace.take()
                done = CliRunner().invoke(app, command.split())
                if done.exit_code != 0:
                    raise SystemExit(
                        f"`hpsearch {command}` exited {done.exit_code}:\n{done.output}"
                    )
                rows.append((command, trace.take()))
        finally:
            os.chdir(here)
            undo()
    columns = ["reads", *TABLES, "pragma"]
    shown = ["reads", *(t if t != "sqlite_master" else "schema" for t in TABLES), "pragma"]
    width = max(len(c) for c, _ in rows) + 2
    print(f"{'hpsearch …':<{width}}" + "".join(f"{name:>11}" for name in shown))
    for command, counts in rows:
        print(f"{command:<{width}}" + "".join(f"{counts[c]:>11}" for c in columns))


if __name__ == "__main__":
    main()
