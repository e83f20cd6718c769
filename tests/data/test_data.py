"""hpsearch.data: built-ins offline, user files, splits, normalization, fingerprints, bad input."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from hpsearch.data import (
    BUILTIN_DATASETS,
    Dataset,
    DataSpec,
    csvblock,
    csvfile,
    csvscan,
    load_dataset,
    parse_spec,
)
from hpsearch.data.catalog import BuiltinDataset
from hpsearch.data.table import Table
from hpsearch.errors import DataError
from tests.data_cases import BAD_INPUTS, BadInput


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a dataset tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def rows_of(data: Dataset) -> int:
    return len(data.y_train) + len(data.y_dev) + len(data.y_test)


def write_npz(path: Path, X: np.ndarray, y: np.ndarray) -> str:
    np.savez(path, X=X, y=y)
    return str(path)


def ids_of(data: Dataset, part: str) -> np.ndarray:
    """Column 0 holds each row's number before standardization: undo it to find the rows."""
    X = getattr(data, f"X_{part}")
    return np.rint(X[:, 0].astype(np.float64) * data.std[0] + data.mean[0]).astype(int)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda case: case.id)
def test_bad_input_is_one_clear_data_error(case: BadInput, tmp_path: Path) -> None:
    spec = case.write(tmp_path)
    with pytest.raises(DataError) as caught:
        load_dataset(parse_spec(spec))
    assert str(caught.value) == case.expected(tmp_path)


@pytest.mark.parametrize("info", BUILTIN_DATASETS, ids=lambda info: info.name)
def test_builtin_loads_offline_as_listed(info: BuiltinDataset, offline: None) -> None:
    data = load_dataset(DataSpec(dataset=info.name))
    assert (rows_of(data), data.n_features) == info.shape
    assert data.task == info.task
    regression = info.task == "regression"
    assert data.n_classes == info.n_classes == (0 if regression else len(set(data.y_train)))
    for X, y in (
        (data.X_train, data.y_train),
        (data.X_dev, data.y_dev),
        (data.X_test, data.y_test),
    ):
        assert X.dtype == np.float32 and X.flags.c_contiguous and np.isfinite(X).all()
        if regression:
            assert y.dtype == np.float64 and np.isfinite(y).all()
        else:
            assert y.dtype == np.int64 and set(y) == set(range(info.n_classes))
    assert len(data.feature_names) == data.n_features


def test_split_is_stratified_disjoint_complete_and_repeatable(tmp_path: Path) -> None:
    y = np.repeat([0, 1, 2], [500, 300, 200])
    X = np.column_stack((np.arange(1000), np.random.default_rng(0).normal(size=1000)))
    spec = DataSpec(dataset=write_npz(tmp_path / "d.npz", X, y), seed=7)
    data = load_dataset(spec)
    ids = {part: ids_of(data, part) for part in ("train", "dev", "test")}
    assert sorted(np.concatenate(list(ids.values()))) == list(range(1000))
    assert {part: len(i) for part, i in ids.items()} == {"train": 600, "dev": 200, "test": 200}
    for part, rows in ids.items():
        assert np.array_equal(y[rows], getattr(data, f"y_{part}"))
        assert np.bincount(y[rows]).tolist() == [
            len(rows) // 2,
            len(rows) * 3 // 10,
            len(rows) // 5,
        ]
    again = load_dataset(spec)
    assert np.array_equal(again.X_dev, data.X_dev) and again.fingerprint == data.fingerprint
    other = load_dataset(spec.model_copy(update={"seed": 8}))
    assert not np.array_equal(ids_of(other, "dev"), ids["dev"])
    assert other.fingerprint != data.fingerprint


def test_normalization_uses_train_statistics_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    X = np.column_stack((rng.normal(3, 2, 200), rng.normal(-1, 5, 200), np.full(200, 4.0)))
    y = np.arange(200) % 2
    held = X[:50].copy()
    shifted = held + np.array([10.0, 0.0, 1.0])
    spec = DataSpec(
        dataset=write_npz(tmp_path / "train.npz", X, y),
        dev=write_npz(tmp_path / "dev.npz", shifted, y[:50]),
        test=write_npz(tmp_path / "test.npz", held, y[:50]),
    )
    data = load_dataset(spec)
    assert np.allclose(data.mean, X.mean(axis=0)) and np.allclose(data.std[:2], X.std(axis=0)[:2])
    assert np.allclose(data.X_train[:, :2].mean(axis=0), 0, atol=1e-6)
    assert np.allclose(data.X_train[:, :2].std(axis=0), 1, atol=1e-5)
    assert data.std[2] == 1 and not data.X_train[:, 2].any()  # constant on train: left at 0
    expected_shift = np.array([10 / X[:, 0].std(), 0, 1])
    assert np.allclose(data.X_dev - data.X_test, expected_shift, atol=1e-5)
    assert np.allclose(data.X_test, (held - data.mean) / data.std, atol=1e-5)


def test_dataset_arrays_are_read_only() -> None:
    data = load_dataset(DataSpec(dataset="iris"))
    with pytest.raises(ValueError, match="read-only"):
        data.X_train[0, 0] = 1.0


def test_default_split_past_100000_rows_holds_out_10000_each(tmp_path: Path) -> None:
    for n, dev in ((100_000, 20_000), (100_001, 10_000)):
        X = np.arange(n, dtype=np.float32)[:, None]
        spec = DataSpec(dataset=write_npz(tmp_path / f"{n}.npz", X, np.arange(n) % 2))
        data = load_dataset(spec)
        assert (len(data.y_dev), len(data.y_test), len(data.y_train)) == (dev, dev, n - 2 * dev)


def test_split_counts_are_exact_and_may_leave_rows_unused() -> None:
    data = load_dataset(DataSpec(dataset="iris", split=(90, 30, 15)))
    sizes = [np.bincount(y).tolist() for y in (data.y_train, data.y_dev, data.y_test)]
    assert sizes == [[30, 30, 30], [10, 10, 10], [5, 5, 5]]


def test_a_dev_file_leaves_train_and_test_in_their_split_ratio(tmp_path: Path) -> None:
    X, y = np.arange(200.0)[:, None], np.arange(200) % 2
    spec = DataSpec(
        dataset=write_npz(tmp_path / "d.npz", X[:100], y[:100]),
        dev=write_npz(tmp_path / "dev.npz", X[100:130], y[100:130]),
    )
    data = load_dataset(spec)
    assert (len(data.y_train), len(data.y_dev), len(data.y_test)) == (75, 30, 25)


def test_csv_labels_become_sorted_classes(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    rows = [f"{i},{label},{i % 7}" for i, label in enumerate(["10", "9", "-1"] * 10)]
    path.write_text("\ufeffid,label,f\r\n" + "\r\n".join(rows) + "\r\n")
    data = load_dataset(DataSpec(dataset=str(path), target="label", features=["f", "id"]))
    assert data.classes == ("-1", "9", "10")  # integers sort numerically
    assert data.feature_names == ("f", "id")
    ids = np.rint(data.X_train[:, 1] * data.std[1] + data.mean[1]).astype(int)
    assert [["10", "9", "-1"][i % 3] for i in ids] == [data.classes[c] for c in data.y_train]

    path.write_text('a,"b, quoted",kind\n' + '1,2,"setosa"\n 3 , 4 ,virginica\n\n  \n' * 3)
    data = load_dataset(DataSpec(dataset=str(path), split=(2, 2, 2)))
    assert data.classes == ("setosa", "virginica")
    assert data.feature_names == ("a", "b, quoted")


@pytest.mark.parametrize(
    ("gap", "spaces", "reader"),
    [
        ("nan", "", "whole"),
        ("inf", "", "careful"),
        ("NA", "", "fast"),
        ("", "", "fast"),
        ("?", "   \n", "careful"),
    ],
)
def test_missing_drop_reads_the_same_rows_with_every_reader(
    gap: str, spaces: str, reader: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["a,b,label", *(f"{i},{i % 5},{'xyz'[i % 3]}" for i in range(9000))]
    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join(lines) + "\n")
    expected = load_dataset(DataSpec(dataset=str(clean)))
    used = _spy_on_readers(monkeypatch)
    gappy = tmp_path / "gappy.csv"
    gappy.write_text("\n".join([*lines[:4], f"7,{gap},x", *lines[4:], "8,1,"]) + "\n" + spaces)
    data = load_dataset(DataSpec(dataset=str(gappy), missing="drop"))
    assert used[-1] == reader
    assert data.fingerprint == expected.fingerprint


def _spy_on_readers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records which CSV reader took the file, or its last block: the whole file by NumPy's
    parser, a block the fast way, or a block record by record."""
    used: list[str] = []
    whole = csvfile._whole
    fast, careful = csvblock.BlockReader._fast, csvblock.BlockReader._careful

    def spy_whole(layout: csvscan.Layout) -> Table | None:
        table = whole(layout)
        used.append("whole" if table is not None else "not whole")
        return table

    def spy_fast(self, *args):
        columns = fast(self, *args)
        used.append("fast" if columns is not None else "not fast")
        return columns

    def spy_careful(self, *args):
        used.append("careful")
        return careful(self, *args)

    monkeypatch.setattr(csvfile, "_whole", spy_whole)
    monkeypatch.setattr(csvblock.BlockReader, "_fast", spy_fast)
    monkeypatch.setattr(csvblock.BlockReader, "_careful", spy_careful)
    return used


def test_npy_pair_loads(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.arange(30, dtype=np.int32).reshape(15, 2))
    np.save(tmp_path / "y.npy", np.array([b"no", b"yes", b"no"] * 5))
    spec = DataSpec(dataset=str(tmp_path / "x.npy"), labels=str(tmp_path / "y.npy"))
    data = load_dataset(spec)
    assert data.classes == ("no", "yes") and data.feature_names == ("x1", "x2")
    assert data.name == "x.npy" and rows_of(data) == 15


def test_fingerprint_changes_with_any_value(tmp_path: Path) -> None:
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    first = load_dataset(DataSpec(dataset=write_npz(tmp_path / "a.npz", X, y)))
    X[13, 1] += 0.5
    changed = load_dataset(DataSpec(dataset=write_npz(tmp_path / "b.npz", X, y)))
    assert first.fingerprint != changed.fingerprint and len(first.fingerprint) == 16


def test_synthetic_options_and_seed() -> None:
    spec = DataSpec(dataset="spirals", n_samples=250, classes=5, noise=0.0)
    data = load_dataset(spec)
    assert (rows_of(data), data.n_features, data.n_classes) == (250, 2, 5)
    assert load_dataset(spec).fingerprint == data.fingerprint
    assert load_dataset(spec.model_copy(update={"seed": 1})).fingerprint != data.fingerprint


def test_describe_sums_up_the_split() -> None:
    assert load_dataset(DataSpec(dataset="wine")).describe() == (
        "wine: 178 rows × 13 features, 3 classes; train 106 / dev 36 / test 36"
    )


def test_an_empty_feature_list_takes_every_column_and_a_list_may_leave_the_target_first(
    tmp_path: Path,
) -> None:
    path = tmp_path / "d.csv"
    path.write_text("kind,a,b\n" + "".join(f"{'xy'[i % 2]},{i},{i % 3}\n" for i in range(30)))
    every = load_dataset(DataSpec(dataset=str(path), target="kind", features=[]))
    assert every.feature_names == ("a", "b")
    # the last column is listed as a feature: the one column left out of the list is the target
    listed = load_dataset(DataSpec(dataset=str(path), features=["a", "b"]))
    assert listed.target == "kind" and listed.classes == ("x", "y")
