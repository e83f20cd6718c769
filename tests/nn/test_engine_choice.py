"""Which engine a process trains with, and what choosing one costs: HPSEARCH_ENGINE, the numba
import kept off the import of `hpsearch.nn`, and the kernels compiled once per machine."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hpsearch.nn import HyperParams, Network, engine
from tests.nn_engines import HAS_NUMBA, needs_numba

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "hpsearch: compiling the network's fused kernels"


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=environment
    )


def _engine_and_numba(**env: str) -> tuple[str, bool]:
    code = (
        "import json, sys; from hpsearch.nn.engine import engine_name; "
        "print(json.dumps([engine_name(), 'numba' in sys.modules]))"
    )
    run = _python(code, **env)
    assert run.returncode == 0, run.stderr
    return tuple(json.loads(run.stdout))


def test_numba_is_the_default_where_it_is_installed():
    assert _engine_and_numba() == ("numba" if HAS_NUMBA else "numpy", False)


def test_the_environment_variable_forces_numpy():
    assert _engine_and_numba(HPSEARCH_ENGINE="numpy") == ("numpy", False)


def test_an_unknown_engine_is_refused():
    run = _python("from hpsearch.nn.engine import engine_name; engine_name()", HPSEARCH_ENGINE="c")
    assert run.returncode != 0 and "HPSEARCH_ENGINE='c' is not an engine" in run.stderr


def test_numba_asked_for_but_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(engine, "numba_installed", lambda: False)
    with pytest.raises(ValueError, match=r"pip install 'hpsearch\[numba\]'"):
        engine.resolve("numba")
    with pytest.raises(ValueError, match="unknown engine"):
        Network(HyperParams(), 3, 2, np.random.default_rng(0), engine="fortran")


def test_importing_the_network_does_not_import_numba():
    code = "import sys, hpsearch.nn, hpsearch.nn.hyperparams; print('numba' in sys.modules)"
    assert _python(code).stdout.strip() == "False"


@needs_numba
@pytest.mark.slow
def test_kernels_compile_once_per_machine_and_say_so_the_first_time(tmp_path):
    code = (
        "import numpy as np; from hpsearch.nn import HyperParams, Network; "
        "print(Network(HyperParams(), 4, 3, np.random.default_rng(0), engine='numba').engine)"
    )
    cache = tmp_path / "cache"
    first = _python(code, XDG_CACHE_HOME=str(cache), NUMBA_CACHE_DIR="")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "numba"
    assert MESSAGE in first.stderr and str(cache / "hpsearch" / "numba") in first.stderr
    assert any((cache / "hpsearch" / "numba").rglob("*.nbi"))
    second = _python(code, XDG_CACHE_HOME=str(cache), NUMBA_CACHE_DIR="")
    assert second.returncode == 0 and MESSAGE not in second.stderr


def test_a_training_too_small_to_repay_numbas_start_up_keeps_numpy(monkeypatch):
    monkeypatch.delenv("HPSEARCH_ENGINE", raising=False)
    assert engine.engine_for(engine.FUSED_FROM / 10) == "numpy"
    assert engine.engine_for(engine.FUSED_FROM) == ("numba" if HAS_NUMBA else "numpy")


def test_the_environment_variable_decides_whatever_the_size():
    run = _python(
        "from hpsearch.nn.engine import engine_for; print(engine_for(1.0), engine_for(1e15))",
        HPSEARCH_ENGINE="numpy",
    )
    assert run.stdout.split() == ["numpy", "numpy"]


@needs_numba
def test_train_sizes_its_engine_to_the_work():
    from hpsearch.nn.training import train

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 5)).astype(np.float32), rng.integers(0, 3, 40)
    small = train(HyperParams(epochs=2), X, y, X, y, n_classes=3, rng=rng)
    assert small.network.engine == "numpy"
