"""`hpsearch.nn` is the network alone: it imports nothing else of hpsearch."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import hpsearch.nn

PACKAGE = Path(hpsearch.nn.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add("." * node.level + (node.module or ""))
    return modules


def test_nn_modules_import_only_nn_from_hpsearch():
    offending = {
        f"{path.name}: {module}"
        for path in sorted(PACKAGE.glob("*.py"))
        for module in _imported_modules(path)
        if (module.startswith("hpsearch") and not module.startswith("hpsearch.nn"))
        or module.startswith("..")
    }
    assert not offending


def test_importing_nn_loads_no_other_hpsearch_module():
    code = "import json, sys, hpsearch.nn; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parents[1],
    )
    loaded = [m for m in json.loads(result.stdout) if m.split(".")[0] == "hpsearch"]
    face = ("hpsearch", "hpsearch.version")  # every import runs the package's face first
    assert [m for m in loaded if m not in face and not m.startswith("hpsearch.nn")] == []
    assert "hpsearch.nn.network" not in loaded, "the package's face loads its members lazily"
