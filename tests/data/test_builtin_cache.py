"""scikit-learn's bundled datasets are read from a cache after their first load."""

from __future__ import annotations

import numpy as np
import pytest

from hpsearch.data.builtin import _real
from hpsearch.data.builtin_cache import cache_path, cached_table


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def test_the_second_load_is_the_first_one_read_back(cache_home) -> None:
    loads = []

    def load():
        loads.append(1)
        return _real("digits")

    first, second = cached_table("digits", load), cached_table("digits", load)
    assert loads == [1] and cache_path("digits").is_relative_to(cache_home)
    assert np.array_equal(first.X, second.X) and second.X.dtype == np.float32
    assert np.array_equal(first.codes, second.codes) and second.values == first.values
    assert (second.feature_names, second.source, second.label_name) == (
        first.feature_names, "digits", first.label_name,
    )  # fmt: skip


def test_a_broken_cache_file_is_loaded_again_and_replaced() -> None:
    path = cache_path("iris")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an npz")
    table = cached_table("iris", lambda: _real("iris"))
    assert table.values == ("setosa", "versicolor", "virginica")
    assert cached_table("iris", lambda: 1 / 0).values == table.values  # read from the new file
