"""Reading a .csv file with a header line, by the fastest reader that takes it:

1. NumPy's C parser: a well-formed file, a million rows × 50 columns in seconds, with little more
   memory than the float32 result;
2. the same parser with a Python converter on every feature cell, which also takes the markers of
   missing values (empty, NA, N/A, null, ?) as NaN: a few times slower;
3. `csvscan`, record by record: it finds the exact line and column of a problem to report, and
   reads what the parser cannot (records spanning lines, lines of spaces)."""

from __future__ import annotations

import csv
import difflib
from collections.abc import Sequence
from functools import partial
from typing import Literal

import numpy as np

from hpsearch.data.csvscan import (
    Layout,
    find_label,
    first_problem,
    incomplete,
    locate,
    parse,
    scan_csv,
)
from hpsearch.data.files import check_file, column_list, not_utf8
from hpsearch.data.table import Table, drop_rows
from hpsearch.errors import DataError

Missing = Literal["error", "drop"]


def read_csv(
    path: str,
    role: str,
    target: str | None,
    features: Sequence[str] | None,
    missing: Missing,
) -> Table:
    """The table of one CSV file: `target` names the label column (default: the last one),
    `features` the feature columns (default: all the others)."""
    check_file(path, role)
    layout = _layout(path, role, target, features)
    table = _read(layout, missing)
    if table.n_rows == 0:
        raise DataError(f"{role} file '{path}' has a header but no rows of data")
    return table


def _read(layout: Layout, missing: Missing) -> Table:
    for gaps in (False, True):
        try:
            table = _parse(layout, gaps)
        except UnicodeDecodeError:
            raise not_utf8(layout.path, layout.role) from None
        except ValueError:  # a cell or a row this reader refuses: try the next one
            continue
        return _clean(table, layout, missing)
    return scan_csv(layout, missing)


def _layout(path: str, role: str, target: str | None, features: Sequence[str] | None) -> Layout:
    names, skip = _header(path, role)
    label = _column(names, target or names[-1], "target", path, role)
    if features is None:
        columns = tuple(i for i in range(len(names)) if i != label)
    else:
        columns = tuple(_column(names, name, "feature", path, role) for name in features)
    if not columns:
        raise DataError(
            f"{path} has no feature columns besides the target '{names[label]}'; it needs one"
        )
    if label in columns:  # only when the target is the last column by default
        raise DataError(
            f"column '{names[label]}' is the target (the last column, by default) and one of the "
            "features; name the target with `target:`, or leave it out of `features:`"
        )
    return Layout(path, role, names, skip, label, columns)


def _header(path: str, role: str) -> tuple[tuple[str, ...], int]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
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
    for i, name in enumerate(names):
        if not name:
            raise DataError(
                f"column {i + 1} of the header of {path} has no name; name every column "
                "(a pandas index column? write the file with index=False)"
            )
        if names.count(name) > 1:
            raise DataError(
                f"the header of {path} names column '{name}' twice; column names must be unique"
            )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column(names: tuple[str, ...], name: str, what: str, path: str, role: str) -> int:
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        listed = f"its columns are: {column_list(names)}"
        hint = f"did you mean '{close[0]}'? {listed[0].upper()}{listed[1:]}" if close else listed
        raise DataError(
            f"{what} column '{name}' is not in {path}; {hint}",
            key=role if role != "dataset" else "target" if what == "target" else "features",
        )
    return names.index(name)


def _parse(layout: Layout, gaps: bool) -> Table:
    labels: dict[str, int] = {}
    array = parse(layout.path, layout, gaps, labels, skip=layout.skip)
    codes = array[:, layout.target].astype(np.int64)
    X = _columns(array, layout.features)
    names = layout.feature_names, layout.path, layout.label_name
    return Table(X, codes, tuple(labels), *names, partial(find_label, layout))


def _columns(array: np.ndarray, columns: tuple[int, ...]) -> np.ndarray:
    """The feature columns; a run of adjacent ones (the usual case) as a view, not a copy: the
    split copies the rows anyway, so a big file's values are held at most twice at a time."""
    first = columns[0]
    if columns == tuple(range(first, first + len(columns))):
        return array[:, first : first + len(columns)]
    return np.take(array, columns, axis=1)


def _clean(table: Table, layout: Layout, missing: Missing) -> Table:
    """Rows with NaN or infinite features, or without a label: reported, or dropped."""
    bad = incomplete(table.X, table.codes, table.values)
    if not bad.any():
        return table
    if missing == "drop":
        return drop_rows(table, ~bad)
    line, cells = locate(layout, int(np.argmax(bad)))
    raise DataError(first_problem(layout, line, cells, missing))
