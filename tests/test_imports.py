"""The dependency direction of docs/architecture.md, enforced: importing a module loads none of
what it must not import (the network package has its own, stricter test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MUST_NOT_LOAD = {
    "hpsearch.config": ("hpsearch.store", "rich", "typer"),
    "hpsearch.space": ("hpsearch.nn", "hpsearch.store"),
    "hpsearch.sampler": ("hpsearch.nn", "hpsearch.store"),
    "hpsearch.zoom": ("hpsearch.nn", "hpsearch.store"),
    "hpsearch.trial": ("hpsearch.nn", "hpsearch.store"),
    "hpsearch.data": ("hpsearch.store", "rich", "sklearn"),  # scikit-learn only when loading
    "hpsearch.results": ("hpsearch.nn", "hpsearch.store", "rich"),
    "hpsearch.objective": ("hpsearch.store", "hpsearch.cli"),
    "hpsearch.executor": ("hpsearch.store", "hpsearch.cli"),
    "hpsearch.store": ("hpsearch.nn", "rich"),
    "hpsearch.study": ("rich", "typer"),
}


@pytest.mark.parametrize("module", MUST_NOT_LOAD)
def test_a_module_loads_nothing_it_must_not_import(module: str) -> None:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    loaded = json.loads(found.stdout)
    forbidden = MUST_NOT_LOAD[module]
    assert [m for m in loaded if any(m == f or m.startswith(f"{f}.") for f in forbidden)] == []
