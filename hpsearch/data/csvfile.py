"""Reading a .csv file with a header line, by the fastest reader that takes it:

1. NumPy's C parser over the whole file, when every feature column holds numbers: a million
   rows × 50 columns in seconds, with little more memory than the float32 result;
2. block by block (`csvblock`): missing-value markers and text columns taken in NumPy, a
   block the parser refuses read record by record, which finds the exact line and column of
   a problem and reads what the parser cannot (records spanning lines, lines of spaces).

Which columns hold text is seen in the file's first records; a column that shows text only
later makes the file read again with it as text."""

from __future__ import annotations

import csv
import difflib
import warnings
from collections import Counter
from collections.abc import Sequence
from functools import partial

import numpy as np

from hpsearch.data.csvblock import LOADTXT, BlockReader, Columns, Retype
from hpsearch.data.csvscan import Layout, find_label, first_gap, is_gap, locate, text_columns
from hpsearch.data.files import (
    LINE_LIMIT,
    check_file,
    check_line_lengths,
    column_list,
    long_line,
    not_utf8,
)
from hpsearch.data.table import Table
from hpsearch.errors import DataError

SNIFF_CELLS = 200_000  # cells looked at for text (up to 1,000 records) before the fastest reader


def read_csv(
    path: str,
    role: str,
    target: str | None,
    features: Sequence[str] | None = None,
    *,
    ignore: Sequence[str] = (),
    text: Sequence[str] = (),
) -> Table:
    """The table of one CSV file: `target` names the label column (default: the last one),
    `features` the feature columns (default: all the others but `ignore`); the columns `text`
    names, and any other that holds text, are read as text."""
    check_file(path, role)
    check_line_lengths(path, role)
    layout = _layout(path, role, target, features, ignore, text)
    sniffed = max(10, min(1000, SNIFF_CELLS // len(layout.names)))
    layout = layout.with_text(text_columns(layout, sniffed))
    table = None if layout.text else _whole(layout)
    if table is None:
        table = _blocks(layout)
    if table.n_rows == 0:
        raise DataError(f"{role} file '{path}' has a header but no rows of data")
    return table


def csv_layout(
    path: str, role: str, features: Sequence[str], target: str, text: Sequence[str]
) -> tuple[Layout, tuple[str, ...]]:
    """The layout of rows to predict on: `features` by name (each must be there), the label
    column `target` when the file has it, and the names of the columns read for neither."""
    names, skip = header(path, role)
    index = {name: i for i, name in enumerate(names)}
    missing = [name for name in features if name not in index]
    if missing:
        raise DataError(
            f"{role} file '{path}' has no column {', '.join(missing)}, which the model needs; "
            f"its columns are: {column_list(names)}"
        )
    columns = tuple(index[name] for name in features)
    label = index.get(target, -1)
    used = {*columns, label}
    ignored = tuple(name for i, name in enumerate(names) if i not in used)
    layout = Layout(path, role, names, skip, label, columns)
    return layout.with_text({index[name] for name in text}), ignored


def _layout(
    path: str,
    role: str,
    target: str | None,
    features: Sequence[str] | None,
    ignore: Sequence[str],
    text: Sequence[str],
) -> Layout:
    names, skip = header(path, role)
    index = {name: i for i, name in enumerate(names)}
    for name in ignore:
        _column(index, names, name, "ignored", path, role)
    label = _column(index, names, target or _default_target(names, features, ignore, path),
                    "target", path, role)  # fmt: skip
    if not features:
        left_out = {label, *(index[name] for name in ignore)}
        columns = tuple(i for i in range(len(names)) if i not in left_out)
    else:
        columns = tuple(_column(index, names, name, "feature", path, role) for name in features)
    if not columns:
        raise DataError(
            f"{path} has no feature columns besides the target '{names[label]}'; it needs one"
        )
    for name in text:
        if index.get(name) not in columns:
            _column(index, names, name, "categorical", path, role)
            raise DataError(
                f"categorical column '{name}' is not among the features; add it to `features:`, "
                "or take it out of `categorical:`",
                key="categorical",
            )
    layout = Layout(path, role, names, skip, label, columns)
    return layout.with_text({index[name] for name in text})


def _default_target(
    names: tuple[str, ...], features: Sequence[str] | None, ignore: Sequence[str], path: str
) -> str:
    """The last column, or, when `features` lists it, the one column left out of every list."""
    if not features or names[-1] not in features:
        return names[-1]
    left = [name for name in names if name not in set(features) | set(ignore)]
    if len(left) == 1:
        return left[0]
    raise DataError(
        f"features lists column '{names[-1]}', the last one, which is the target unless "
        f"`target:` names another; name the target with `target:` (one of "
        f"{column_list(left) if left else 'the columns left out of features'})",
        key="target",
    )


def header(path: str, role: str) -> tuple[tuple[str, ...], int]:
    """The column names and the number of lines up to the header (blank lines come first)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            lines = iter(lambda: stream.readline(LINE_LIMIT + 1), "")
            reader = csv.reader(_bounded(lines, path, role))
            row = next((row for row in reader if any(cell.strip() for cell in row)), None)
            skip = reader.line_num
    except UnicodeDecodeError:
        raise not_utf8(path, role) from None
    except csv.Error as error:
        raise DataError(f"{role} file '{path}' is not CSV text: {error}") from None
    if row is None:
        raise DataError(f"{role} file '{path}' is empty")
    names = tuple(cell.strip() for cell in row)
    _check_separator(names, path, role)
    _check_names(names, path)
    return names, skip


def _bounded(lines, path: str, role: str):
    for number, line in enumerate(lines, 1):
        if len(line) > LINE_LIMIT:
            raise long_line(path, role, number)
        yield line


SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "bars"}


def _check_separator(names: tuple[str, ...], path: str, role: str) -> None:
    """A file with one column whose name holds `;`, a tab or `|` was written with another
    separator (a spreadsheet in a comma-decimal locale, a .tsv): say so, and how to convert."""
    if len(names) != 1:
        return
    found = [sep for sep in SEPARATORS if sep in names[0]]
    if found:
        sep = max(found, key=names[0].count)
        raise DataError(
            f"{role} file '{path}' seems to be separated by {SEPARATORS[sep]}, not commas (its "
            f"header: {names[0]!r}); hpsearch reads comma-separated files: save it as CSV "
            f"with commas (pandas: pd.read_csv(path, sep={sep!r}).to_csv(new_path, index=False))",
            key=None if role == "dataset" else role,
        )


def _check_names(names: tuple[str, ...], path: str) -> None:
    if all(_is_number(name) for name in names):
        raise DataError(
            f"the first line of {path} looks like data ({column_list(names, 5)}); a .csv file "
            "needs a header line naming its columns"
        )
    counts = Counter(names)
    for i, name in enumerate(names):
        if not name:
            raise DataError(
                f"column {i + 1} of the header of {path} has no name; name every column "
                "(a pandas index column? write the file with index=False)"
            )
        if counts[name] > 1:
            raise DataError(
                f"the header of {path} names column '{name}' twice; column names must be unique"
            )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


KEYS = {"target": "target", "feature": "features", "ignored": "ignore"}


def _column(
    index: dict[str, int], names: tuple[str, ...], name: str, what: str, path: str, role: str
) -> int:
    if name not in index:
        close = difflib.get_close_matches(name, names, n=1)
        listed = f"its columns are: {column_list(names)}"
        hint = f"did you mean '{close[0]}'? {listed[0].upper()}{listed[1:]}" if close else listed
        raise DataError(
            f"{what} column '{name}' is not in {path}; {hint}",
            key=role if role != "dataset" else KEYS.get(what, what),
        )
    return index[name]


def _whole(layout: Layout) -> Table | None:
    """The file in one pass of NumPy's parser, every feature a number; None when the parser
    refuses it (a missing-value marker, a ragged line, …) or reads an infinite value."""
    labels: dict[str, int] = {}

    def code(text: str) -> int:
        return labels.setdefault(text.strip(), len(labels))

    features = set(layout.features)
    converters = {i: _ignored for i in range(len(layout.names)) if i not in features}
    converters[layout.target] = code
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            array = np.loadtxt(
                layout.path, delimiter=",", skiprows=layout.skip, quotechar='"',
                converters=converters, **LOADTXT,
            )  # fmt: skip
    except UnicodeDecodeError:
        raise not_utf8(layout.path, layout.role) from None
    except ValueError:
        return None
    if len(array) == 0:
        array = np.zeros((0, len(layout.names)), dtype=np.float32)
    if array.shape[1] != len(layout.names) or len(labels) >= 2**24:
        return None
    X = _columns(array, layout.features)
    if np.isinf(X).any():
        return None
    values, lookup = _label_values(labels)
    codes = lookup[array[:, layout.target].astype(np.int64)]
    return _table(layout, X, None, (), codes, values)


def _ignored(_: str) -> float:
    return 0.0


def _columns(array: np.ndarray, columns: tuple[int, ...]) -> np.ndarray:
    """The feature columns; a run of adjacent ones (the usual case) as a view, not a copy: the
    split copies the rows anyway, so a big file's values are held at most twice at a time."""
    first = columns[0]
    if columns == tuple(range(first, first + len(columns))):
        return array[:, first : first + len(columns)]
    return np.take(array, columns, axis=1)


def _blocks(layout: Layout) -> Table:
    """The file block by block; read again, with more columns as text, when one shows text."""
    while True:
        reader = BlockReader(layout)
        try:
            blocks: list[Columns] = list(reader.blocks())
        except Retype as more:
            layout = layout.with_text(more.columns)
            continue
        break
    codes = np.concatenate([np.zeros(0, np.int64), *(b.labels for b in blocks)])
    texts = _stacked([b.texts for b in blocks], (0, len(layout.text)), np.int32)
    numbers = [b.numbers for b in blocks]
    del blocks  # the numbers are stacked next: hold each block once, not twice
    numbers = _stacked(numbers, (0, len(reader.numeric)), np.float32)
    levels = tuple(tuple(d) for d in reader.levels)
    return _table(layout, numbers, texts, levels, codes, tuple(reader.labels))


def _stacked(arrays: list[np.ndarray], empty: tuple[int, int], dtype: type) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(empty, dtype)


def _label_values(labels: dict[str, int]) -> tuple[tuple[str, ...], np.ndarray]:
    """The labels read (their codes the dict's) without the missing-value markers: the values
    kept, and a lookup from a code read to a code among them (−1 for a missing label)."""
    values = [value for value in labels if not is_gap(value)]
    lookup = np.full(len(labels) + 1, -1, np.int64)  # the extra last entry: −1 stays −1
    kept = {value: i for i, value in enumerate(values)}
    for value, code in labels.items():
        lookup[code] = kept.get(value, -1)
    return tuple(values), lookup


def _table(
    layout: Layout,
    X: np.ndarray,
    texts: np.ndarray | None,
    levels: tuple[tuple[str, ...], ...],
    codes: np.ndarray,
    values: tuple[str, ...],
) -> Table:
    return Table(
        X, codes, values, layout.feature_names, layout.path, layout.label_name,
        partial(find_label, layout), texts=texts, levels=levels,
        text_columns=layout.text_positions, explain=partial(first_gap, layout),
        place=partial(_place, layout),
    )  # fmt: skip


def _place(layout: Layout, row: int, position: int) -> str:
    """Where the cell of data row `row` (as read) and feature `position` is in the file."""
    return layout.where(locate(layout, row)[0], layout.features[position])
