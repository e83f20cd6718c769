"""The layers of docs/architecture.md, enforced: the table there is read, and every module may
import only the packages on the floors below its own (the network package has its own test). The
package's face, `hpsearch/__init__.py`, is a floor of its own, the top one: no module imports it."""

from __future__ import annotations

import ast
import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hpsearch"
ROW = re.compile(r"^\| (\d+) \| ([^|]+) \| [^|]+ \| ([^|]*) \|$")


def _floors() -> dict[str, tuple[int, tuple[str, ...]]]:
    """package (or leaf module) → (its floor, what it must not load) as the table says."""
    floors = {}
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        if match := ROW.match(line):
            forbidden = tuple(re.findall(r"`([\w.]+)`", match[3]))
            for name in re.findall(r"`(\w+)/?`", match[2]):
                floors[name] = (int(match[1]), forbidden)
    return floors


FLOORS = _floors()


FACE = PACKAGE / "__init__.py"


def _home(module: str) -> str:
    """`hpsearch.study.run` → `study`; `hpsearch.trial` → `trial`; `hpsearch` → `hpsearch`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "hpsearch"


def _path_home(path: Path) -> str:
    """The table's name for a file: its package, its leaf, or `hpsearch` for the face."""
    if path == FACE:
        return "hpsearch"
    parts = path.relative_to(PACKAGE).parts  # a package's subpackage is on its floor
    return parts[0] if len(parts) > 1 else path.stem


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if _path_home(p) in FLOORS)


def _imports(path: Path) -> set[str]:
    """Every hpsearch module the file imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.split(".")[0] == "hpsearch"}


def _matches(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in prefixes)


def _loaded(code: str) -> list[str]:
    """The modules a fresh interpreter holds after running `code`."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


@functools.cache
def _face_loads() -> list[str]:
    return _loaded("import hpsearch")


def test_the_table_names_every_package_and_leaf_module() -> None:
    homes = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    leaves = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert homes | leaves | {"hpsearch"} == set(FLOORS)


def test_the_top_folder_holds_only_the_shared_vocabulary() -> None:
    files = sorted(p.name for p in PACKAGE.glob("*.py"))
    leaves = ["durable.py", "errors.py", "tasks.py", "trial.py", "version.py"]
    assert files == ["__init__.py", "__main__.py", *leaves]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_floors_below_its_own(path: Path) -> None:
    home = _path_home(path)
    floor, forbidden = FLOORS[home]
    upward = [
        m
        for m in _imports(path)
        if _home(m) != home and (FLOORS[_home(m)][0] >= floor or _matches(m, forbidden))
    ]
    assert upward == []


def test_no_module_imports_the_package_face() -> None:
    """`hpsearch/__init__.py` reaches up to `study` for `load_model`: a module below that
    imports it (for `__version__`, say) would close a circle; the version has its own leaf."""
    importers = [
        str(p.relative_to(PACKAGE)) for p in _modules() if p != FACE and "hpsearch" in _imports(p)
    ]
    assert importers == []


@pytest.mark.parametrize("home", sorted(FLOORS))
def test_importing_a_package_loads_nothing_above_it(home: str) -> None:
    """At run time too: the package with every module of it imported, in a fresh interpreter.
    What a package below loads in turn is allowed: the floors already rule it."""
    floor, forbidden = FLOORS[home]
    folder = PACKAGE / home
    paths = sorted(folder.glob("*.py")) if folder.is_dir() else [PACKAGE / f"{home}.py"]
    if home == "hpsearch":
        paths = [FACE]
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in paths]
    loaded = _loaded(f"import {', '.join(m.removesuffix('.__init__') for m in modules)}")
    if home != "hpsearch":  # every import of a module first runs the face, and what it loads
        loaded = sorted(set(loaded) - set(_face_loads()))
    libraries = tuple(f for f in forbidden if not f.startswith("hpsearch."))
    above = [
        m
        for m in loaded
        if (m.startswith("hpsearch.") and _home(m) != home and FLOORS[_home(m)][0] >= floor)
        or _matches(m, libraries)
    ]
    assert above == []


@pytest.mark.parametrize(
    "command", [["show"], ["best"], ["zoom", "--dry-run", "--top", "2"]], ids=" ".join
)
def test_reading_commands_load_no_executor_network_or_numpy(tmp_path: Path, command) -> None:
    from hpsearch.store.study_store import StudyStore
    from hpsearch.study.overview import ShowOptions, keep_importance, view_study
    from hpsearch.study.snapshot import snapshot_of
    from tests.results_cases import make_study

    folder = make_study(tmp_path)
    with StudyStore.open(folder, writer=True) as store:  # as the end of a run leaves it
        keep_importance(store, view_study(snapshot_of(store), ShowOptions()))
    loaded = _loaded(
        "from typer.testing import CliRunner; from hpsearch.cli.app import app; "
        f"result = CliRunner().invoke(app, {[command[0], str(folder), *command[1:]]!r}); "
        "assert result.exit_code == 0, result.output"
    )
    network = ("hpsearch.execution", "hpsearch.nn.network", "hpsearch.nn.training", "numpy")
    assert [m for m in loaded if _matches(m, network)] == []


def test_check_loads_neither_the_store_nor_what_runs_trials() -> None:
    loaded = _loaded(
        "from typer.testing import CliRunner; from hpsearch.cli.app import app; "
        "result = CliRunner().invoke(app, ['check', 'configs/quickstart.yaml']); "
        "assert result.exit_code == 0, result.output"
    )
    heavy = (
        "joblib",
        "sklearn",
        "hpsearch.store.study_store",
        "hpsearch.execution",
        "hpsearch.nn.network",
    )
    assert [m for m in loaded if _matches(m, heavy)] == []


def test_help_loads_neither_numpy_nor_the_libraries_of_a_command() -> None:
    loaded = _loaded(
        "from typer.testing import CliRunner; from hpsearch.cli.app import app; "
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0"
    )
    heavy = ("numpy", "sklearn", "matplotlib", "hpsearch.nn", "pydantic", "yaml")
    assert [m for m in loaded if _matches(m, heavy)] == []


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _import_graph() -> dict[str, set[str]]:
    """module → the hpsearch modules it names in any import: at its top, inside a function, or
    under `if TYPE_CHECKING:`. `from hpsearch.store import rungs` names `hpsearch.store.rungs`."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in modules:
                subs = {f"{node.module}.{alias.name}" for alias in node.names}
                edges |= (subs & modules.keys()) or {node.module}
            elif isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names} & modules.keys()
        graph[name] = edges - {name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in sorted(graph[node]):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_circle_finder_finds_a_circle_inside_one_package() -> None:
    graph = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}
    assert _circles(graph) == [["a.x", "a.y", "a.z"]]


def test_no_import_circle_anywhere() -> None:
    """Not between packages (the floors rule those out), nor inside one, nor through an import
    made only for type checking or inside a function: a circle is two modules that can only be
    understood, and changed, together. A package's own `__init__` running first is Python's
    order of loading, not an import, and is not counted."""
    assert _circles(_import_graph()) == []


def test_sql_stays_in_the_store() -> None:
    """Other packages read and write a study through `StudyStore`'s public methods: none imports
    sqlite3 or reaches into a store's connection or its write transaction."""
    reaching = []
    for path in _modules():
        if path.parent.name == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Attribute) and node.attr in ("_conn", "_write"):
                names = [node.attr]
            elif isinstance(node, ast.Import | ast.ImportFrom):
                modules = [node.module] if isinstance(node, ast.ImportFrom) else []
                modules += [alias.name for alias in getattr(node, "names", [])]
                names = [m for m in modules if m and m.split(".")[0] == "sqlite3"]
            reaching += [f"{path.relative_to(PACKAGE)}:{node.lineno}: {n}" for n in names]
    assert reaching == []


def test_only_the_study_store_holds_its_connection() -> None:
    """Inside the store too, `StudyStore` alone touches its connection and its write
    transaction (`self._conn`, `self._write()` in `study_store.py`): the store modules with SQL
    are handed the connection they need, so the store's contract is its public methods."""
    owner = PACKAGE / "store" / "study_store.py"
    reaching = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Attribute) and node.attr in ("_conn", "_write")):
                continue
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            if not (on_self and path == owner):
                reaching.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert reaching == []
