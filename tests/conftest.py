"""What every test shares: the environment of a plain run, the slow tests first, and the iris
study many tests run (small enough to train in a second)."""

from __future__ import annotations

import os
import signal

# The suite runs in parallel workers (pytest-xdist), which set COLUMNS=80 and LINES=24; the
# tests are written for what a plain run sees, no width told, so every worker starts without them.
for _told in ("COLUMNS", "LINES"):
    os.environ.pop(_told, None)

# A shell starts a background job (`pytest &` in a script) with SIGINT ignored, and its children
# inherit that; the tests of Ctrl-C need it to interrupt, as it does in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def iris_yaml(
    *,
    low: int = 4,
    high: int,
    epochs: int,
    search: str,
    batch_size: bool = False,
    more: str = "",
    after: str = "",
) -> str:
    """The iris study file: α on a log scale and the hidden units searched, `epochs` fixed;
    `more` adds hyperparameter lines, `after` top-level ones, `search` the `search:` mapping."""
    return (
        "name: iris\n"
        "data: {dataset: iris}\n"
        "hyperparameters:\n"
        "  learning_rate: {distribution: log_uniform, low: 1e-3, high: 1e-1}\n"
        f"  hidden_units: {{distribution: int_uniform, low: {low}, high: {high}}}\n"
        f"{more}"
        f"  epochs: {epochs}\n"
        f"{'  batch_size: 32' + chr(10) if batch_size else ''}"
        f"search: {{{search}}}\n"
        f"{after}"
    )


def pytest_collection_modifyitems(items: list) -> None:
    """The slow tests first: `-n auto` hands each worker a block of the list in order, so they
    start on one worker while the quick ones fill the others, instead of ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
