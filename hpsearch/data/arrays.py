"""Reading NumPy files: a .npz archive holding arrays X and y, or a pair of .npy files (features,
labels). Never with pickle: a data file must not be able to run code."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from typing import Any

import numpy as np

from hpsearch.data.files import check_file
from hpsearch.data.table import DROP_HINT, Table, from_labels, to_float32
from hpsearch.errors import DataError

LOAD_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile)
NOT_NUMPY = "is not a {} file that NumPy can read; write it with numpy.save or numpy.savez"
PICKLED = "holds Python objects, which hpsearch does not unpickle; save plain numeric arrays"


def read_npz(path: str, role: str) -> Table:
    """The table of a .npz archive whose arrays X (rows × features) and y (labels) match;
    NaN and ±inf in X, and NaN in a float y, are missing values."""
    archive = _load(path, role, ".npz")
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{role} file '{path}' is a single .npy array; a .npz must hold X and y")
    with archive:
        if not {"X", "y"} <= set(archive.files):
            raise DataError(
                f"{role} file '{path}' must hold arrays named X and y, but it holds: "
                f"{', '.join(archive.files) or 'nothing'}"
            )
        try:
            X, y = archive["X"], archive["y"]
        except ValueError:
            raise DataError(f"{role} file '{path}' {PICKLED}") from None
    return _table(X, y, path, (f"X in {path}", f"y in {path}"))


def read_npy_pair(path: str, labels: str) -> Table:
    """The table of a .npy features file and the .npy file of its labels."""
    X = _load_npy(path, "dataset")
    y = _load_npy(labels, "labels")
    return _table(X, y, path, (path, labels))


def _load_npy(path: str, role: str) -> np.ndarray:
    array = _load(path, role, ".npy")
    if not isinstance(array, np.ndarray):
        array.close()
        raise DataError(f"{role} file '{path}' is a .npz archive; give a .npy array")
    return array


def _load(path: str, role: str, suffix: str) -> Any:
    """np.load without pickle; a file that is neither .npy nor .npz is refused before NumPy
    guesses that it is a pickle."""
    check_file(path, role)
    with open(path, "rb") as stream:
        magic = stream.read(6)
    if magic != b"\x93NUMPY" and not magic.startswith(b"PK"):
        raise DataError(f"{role} file '{path}' {NOT_NUMPY.format(suffix)}")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error):  # an array of Python objects
            raise DataError(f"{role} file '{path}' {PICKLED}") from None
        raise DataError(f"{role} file '{path}' {NOT_NUMPY.format(suffix)}") from None
    except LOAD_ERRORS:
        raise DataError(f"{role} file '{path}' {NOT_NUMPY.format(suffix)}") from None


def _table(
    X: np.ndarray, y: np.ndarray, source: str, names: tuple[str, str]
) -> Table:
    x_name, y_name = names
    y = _label_vector(y, y_name)
    if X.ndim != 2 or X.shape[1] == 0:
        raise DataError(f"{x_name} must be a 2-D array (rows × features), but has shape {X.shape}")
    if len(X) != len(y):
        raise DataError(
            f"{x_name} has {len(X)} rows but {y_name} has {len(y)} labels; "
            "they must be the same length"
        )
    if len(X) == 0:
        raise DataError(f"{x_name} has no rows")
    raw = X
    X = to_float32(X, x_name, lambda r, c: _cell(x_name, r, c))
    features = tuple(f"x{i + 1}" for i in range(X.shape[1]))
    table = from_labels(X, y, features, source, "y")

    def explain(row: int) -> str:
        if table.codes[row] < 0:
            return (
                f"{y_name} row {row + 1} (counting from 1) is {y[row]}, but every row needs a "
                f"label; {DROP_HINT}"
            )
        column = int(np.argmax(np.isnan(X[row])))
        return f"{_cell(x_name, row, column, raw[row, column])} is not a finite number; {DROP_HINT}"

    return replace(table, explain=explain)


def _label_vector(y: np.ndarray, y_name: str) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{y_name} must be a 1-D array of labels, but has shape {y.shape}")
    if y.dtype.kind not in "biufUS":
        raise DataError(f"{y_name} must hold integers or text, but holds {y.dtype} values")
    return y.astype(str) if y.dtype.kind == "S" else y


def _cell(name: str, row: int, column: int, value: object = None) -> str:
    place = f"{name} row {row + 1}, column {column + 1} (counting from 1)"
    return place if value is None else f"{place}: {value}"
