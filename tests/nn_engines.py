"""Both engines for the network's tests: "numpy", and "numba" where numba is installed (the test
extra installs it, so CI runs both)."""

import importlib.util

import pytest

HAS_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed")
ENGINES = ["numpy", pytest.param("numba", marks=needs_numba)]
each_engine = pytest.mark.parametrize("engine", ENGINES)
