"""Rows to predict on: a CSV, NPZ or NPY file read block by block as the given features, by the
same parsers and with the same messages as the `data:` section's readers.

A study's reader holds the whole file, because it must split and standardize it; prediction
needs one block at a time, so a file of any size is read in bounded memory. A CSV's columns are
matched to the model's features by name, in any order; other columns are ignored, but the label
column, when present, is read too, so that the rows can be scored. A .npy file is mapped and read
block by block too; a .npz archive, compressed or not, is read whole."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np

from hpsearch.data.arrays import LOAD_ERRORS, NOT_NUMPY, PICKLED, _cell, read_npz
from hpsearch.data.csvfile import _header
from hpsearch.data.csvscan import FLOAT32_MAX, GAPS, LOADTXT, Layout, _ignored, _number
from hpsearch.data.files import check_file, column_list, count, not_utf8
from hpsearch.data.table import DROP_HINT, nonfinite_rows, to_float32
from hpsearch.errors import DataError

BLOCK_ROWS = 65536  # lines parsed at a time: about 13 MB of float32 for 50 features
COMPLETE = "a model predicts from complete rows only: fill the cell, or remove the row"


@dataclass(frozen=True)
class Block:
    """Consecutive rows: their features in the asked order, and their labels if there are any."""

    X: np.ndarray  # float32, raw (not standardized)
    labels: list[str] | None


@dataclass(frozen=True)
class Rows:
    """A file's rows to predict on, read lazily: iterate `blocks()` once."""

    path: str
    ignored: tuple[str, ...]  # columns of the file that are neither features nor the labels
    has_labels: bool
    _blocks: Iterator[Block]

    def blocks(self) -> Iterator[Block]:
        return self._blocks


def read_rows(path: str, role: str, features: Sequence[str], target: str) -> Rows:
    """The rows of a .csv (by column name), .npz (X and its labels y) or .npy (features only,
    in the model's order) file, or a `DataError` naming the file, line and column at fault."""
    check_file(path, role)
    suffix = path.lower().rsplit(".", 1)[-1]
    if suffix == "csv":
        return _csv_rows(path, role, tuple(features), target)
    if suffix not in ("npz", "npy"):
        raise DataError(f"{role} file '{path}' must be a .csv, .npz or .npy file")
    if suffix == "npz":
        try:
            table = read_npz(path, role, "error")
        except DataError as error:
            raise DataError(str(error).replace(DROP_HINT, COMPLETE)) from None
        X, labels = table.X, [str(table.values[code]) for code in table.codes]
        _check_width(X, path, role, features)
        return Rows(path, (), True, iter([Block(X, labels)]))
    X = _mapped_npy(path, role)
    _check_width(X, path, role, features)
    return Rows(path, (), False, _npy_blocks(X, path))


def _check_width(X: np.ndarray, path: str, role: str, features: Sequence[str]) -> None:
    if X.ndim != 2 or X.shape[1] != len(features):
        raise DataError(
            f"{role} file '{path}' has {count(X.shape[-1], 'feature column')}, but the model "
            f"takes {len(features)} ({column_list(list(features))}), in that order"
        )


def _mapped_npy(path: str, role: str) -> np.ndarray:
    """A .npy file mapped, not read: its blocks are read as they are predicted."""
    with open(path, "rb") as stream:
        magic = stream.read(6)
    if magic != b"\x93NUMPY":
        raise DataError(f"{role} file '{path}' {NOT_NUMPY.format('.npy')}")
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error) or "object" in str(error):
            raise DataError(f"{role} file '{path}' {PICKLED}") from None
        raise DataError(f"{role} file '{path}' {NOT_NUMPY.format('.npy')}") from None
    except LOAD_ERRORS:
        raise DataError(f"{role} file '{path}' {NOT_NUMPY.format('.npy')}") from None


def _npy_blocks(mapped: np.ndarray, path: str) -> Iterator[Block]:
    for start in range(0, len(mapped), BLOCK_ROWS):
        X = to_float32(mapped[start : start + BLOCK_ROWS], path, _placed(path, start))
        bad = nonfinite_rows(X)
        if bad.any():
            row = int(np.argmax(bad))
            column = int(np.argmax(~np.isfinite(X[row])))
            where = _placed(path, start)(row, column)
            raise DataError(f"{where}: {X[row, column]} is not a finite number; {COMPLETE}")
        yield Block(X, None)


def _placed(path: str, start: int) -> Callable[[int, int], str]:
    """Where cell (row, column) of a block starting at row `start` is, as the readers say it."""
    return lambda row, column: _cell(path, start + row, column)


def _csv_rows(path: str, role: str, features: tuple[str, ...], target: str) -> Rows:
    names, skip = _header(path, role)
    missing = [name for name in features if name not in names]
    if missing:
        raise DataError(
            f"{role} file '{path}' has no column {', '.join(missing)}, which the model needs; "
            f"its columns are: {column_list(names)}"
        )
    label = names.index(target) if target in names else -1
    columns = tuple(names.index(name) for name in features)
    layout = Layout(path, role, names, skip, label, columns)
    ignored = tuple(n for i, n in enumerate(names) if i not in columns and i != label)
    return Rows(path, ignored, label >= 0, _csv_blocks(layout))


def _csv_blocks(layout: Layout) -> Iterator[Block]:
    try:
        with open(layout.path, newline="", encoding="utf-8-sig") as stream:
            for _ in range(layout.skip):
                stream.readline()
            line = layout.skip + 1
            while lines := list(islice(stream, BLOCK_ROWS)):
                yield _block(layout, lines, line)
                line += len(lines)
    except UnicodeDecodeError:
        raise not_utf8(layout.path, layout.role) from None


def _block(layout: Layout, lines: list[str], first_line: int) -> Block:
    """One block by NumPy's parser; one it refuses, or with a cell that is not finite, is read
    record by record to name the first problem."""
    labels: dict[str, int] = {}
    try:
        array = _parse(layout, lines, labels)
    except ValueError:
        array = None
    if array is None or nonfinite_rows(array).any():
        _raise_first_problem(layout, lines, first_line)
    X = np.ascontiguousarray(np.take(array, layout.features, axis=1))
    if layout.target < 0:
        return Block(X, None)
    names = list(labels)
    return Block(X, [names[int(code)] for code in array[:, layout.target]])


def _parse(layout: Layout, lines: list[str], labels: dict[str, int]) -> np.ndarray:
    def code(text: str) -> int:
        return labels.setdefault(text.strip(), len(labels))

    converters = {i: _ignored for i in range(len(layout.names)) if i not in layout.features}
    if layout.target >= 0:
        converters[layout.target] = code
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
        array = np.loadtxt(lines, delimiter=",", quotechar='"', **LOADTXT, converters=converters)
    if array.shape[1] != len(layout.names):
        raise ValueError("the rows do not fit the header")
    return array


def _raise_first_problem(layout: Layout, lines: list[str], first_line: int) -> None:
    reader, start = csv.reader(lines), first_line
    try:
        for cells in reader:
            if cells and (len(cells) > 1 or cells[0].strip()):
                _check_record(layout, start, cells)
            start = first_line + reader.line_num
    except csv.Error as error:
        raise DataError(f"{layout.where(start)}: {error}") from None
    raise DataError(f"{layout.where(first_line)} or a line below it cannot be read")


def _check_record(layout: Layout, line: int, cells: list[str]) -> None:
    if len(cells) != len(layout.names):
        raise DataError(
            f"{layout.where(line)} has {len(cells)} values, but the header names "
            f"{len(layout.names)} columns; give every row one value per column"
        )
    for column in sorted(layout.features):
        text, where = cells[column].strip(), layout.where(line, column)
        number = _number(text)
        if number is None and text.lower() not in GAPS:
            raise DataError(f"{where}: '{text}' is not a number; the model's features are numbers")
        if number is None or not abs(number) <= FLOAT32_MAX:
            shown = f"'{text}' is not a finite number" if text else "is empty"
            raise DataError(f"{where}{':' if text else ''} {shown}; {COMPLETE}")
