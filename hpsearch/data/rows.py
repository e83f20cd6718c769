"""Rows to predict on: a CSV, NPZ or NPY file read block by block as a model's columns, by the
same parsers and with the same messages as the `data:` section's readers.

A study's reader holds the whole file, because it must split it and take statistics from train;
prediction needs one block at a time, so a file of any size is read in bounded memory. A CSV's
columns are matched to the model's by name, in any order; other columns are ignored, but the
label column, when present, is read too, so that the rows can be scored. Missing cells stay
missing here: the model fills them as the study did. A .npy file is mapped and read block by
block too; a .npz archive, compressed or not, is read whole."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from hpsearch.data.arrays import LOAD_ERRORS, NOT_NUMPY, PICKLED
from hpsearch.data.columns import Column
from hpsearch.data.csvblock import BlockReader
from hpsearch.data.csvfile import csv_layout
from hpsearch.data.files import check_file, check_line_lengths, column_list, count
from hpsearch.data.frame import table_from_columns
from hpsearch.data.table import Table
from hpsearch.errors import DataError

BLOCK_ROWS = 65536  # rows of a .npy file read at a time: about 13 MB of float32 for 50 columns


@dataclass(frozen=True)
class Block:
    """Consecutive rows: their columns as read, and their labels if there are any."""

    table: Table  # the model's columns, raw (not encoded or scaled)
    labels: list[str] | None

    def __len__(self) -> int:
        return self.table.n_rows


@dataclass(frozen=True)
class Rows:
    """A file's rows to predict on, read lazily: iterate `blocks()` once."""

    path: str
    ignored: tuple[str, ...]  # columns of the file that are neither the model's nor the labels
    has_labels: bool
    _blocks: Iterator[Block]

    def blocks(self) -> Iterator[Block]:
        return self._blocks


def read_rows(path: str, role: str, columns: Sequence[Column], target: str) -> Rows:
    """The rows of a .csv (by column name), .npz (X and its labels y) or .npy (the columns in
    the model's order) file, or a `DataError` naming the file, line and column at fault."""
    check_file(path, role)
    suffix = path.lower().rsplit(".", 1)[-1]
    if suffix == "csv":
        return _csv_rows(path, role, tuple(columns), target)
    if suffix not in ("npz", "npy"):
        raise DataError(f"{role} file '{path}' must be a .csv, .npz or .npy file")
    if suffix == "npz":
        X, y = _npz_arrays(path, role)
        _check_width(X, y, path, role, columns)
        labels = None if y is None else [str(v) for v in y.tolist()]
        return Rows(path, (), y is not None, iter([Block(_table(X, columns, path), labels)]))
    X = _mapped_npy(path, role)
    _check_width(X, None, path, role, columns)
    return Rows(path, (), False, _npy_blocks(X, columns, path))


def _table(X: np.ndarray, columns: Sequence[Column], source: str) -> Table:
    return table_from_columns([X[:, i] for i in range(X.shape[1])], columns, source)


def _npz_arrays(path: str, role: str) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile) or "X" not in archive.files:
                raise DataError(f"{role} file '{path}' must be a .npz archive holding X (and y)")
            return archive["X"], archive["y"] if "y" in archive.files else None
    except ValueError as error:
        if "pickle" in str(error):
            raise DataError(f"{role} file '{path}' {PICKLED}") from None
        raise DataError(f"{role} file '{path}' {NOT_NUMPY.format('.npz')}") from None
    except LOAD_ERRORS:
        raise DataError(f"{role} file '{path}' {NOT_NUMPY.format('.npz')}") from None


def _check_width(
    X: np.ndarray, y: np.ndarray | None, path: str, role: str, columns: Sequence[Column]
) -> None:
    names = [column.name for column in columns]
    if X.ndim != 2 or X.shape[1] != len(columns):
        raise DataError(
            f"{role} file '{path}' has {count(X.shape[-1], 'column')}, but the model "
            f"takes {len(names)} ({column_list(names)}), in that order"
        )
    if X.dtype.kind not in "biufUS":
        raise DataError(f"{role} file '{path}': X holds {X.dtype} values, not numbers or text")
    if y is not None and y.shape != (len(X),):
        raise DataError(f"{role} file '{path}': y has shape {y.shape}, X has {len(X)} rows")


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


def _npy_blocks(mapped: np.ndarray, columns: Sequence[Column], path: str) -> Iterator[Block]:
    for start in range(0, len(mapped), BLOCK_ROWS):
        yield Block(_table(np.asarray(mapped[start : start + BLOCK_ROWS]), columns, path), None)


def _csv_rows(path: str, role: str, columns: tuple[Column, ...], target: str) -> Rows:
    check_line_lengths(path, role)
    features = [column.name for column in columns]
    text = [column.name for column in columns if column.kind == "categorical"]
    layout, ignored = csv_layout(path, role, features, target, text)
    reader = BlockReader(layout, text_in_numbers=_not_a_number)
    return Rows(path, ignored, layout.target >= 0, _csv_blocks(reader, columns))


def _not_a_number(place: str, text: str) -> str:
    return f"{place}: '{text}' is not a number; the model reads this column as numbers"


def _csv_blocks(reader: BlockReader, columns: tuple[Column, ...]) -> Iterator[Block]:
    layout = reader.layout
    for block in reader.blocks():
        labels = None
        if layout.target >= 0:
            names = np.array([*reader.labels, ""], dtype=object)  # code −1: no label
            labels = names[block.labels].tolist()
        table = Table(
            block.numbers, np.zeros(len(block), np.int64), (), layout.feature_names,
            layout.path, layout.label_name, texts=block.texts,
            levels=tuple(tuple(levels) for levels in reader.levels),
            text_columns=layout.text_positions,
        )  # fmt: skip
        yield Block(table, labels)
