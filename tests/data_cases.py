"""Bad data input, one row each: the files to write, the `data:` options, and the exact message.

`tests/test_data.py` runs every row through `parse_spec` and `load_dataset`. The same rows can
drive CLI tests (`hpsearch check`/`run`) once the config module lands: write the files next to the
config file, put `spec` in its `data:` section (file names in it are relative to that folder), and
expect the message after `error: ` (a message starting `data.` or `data:` comes from the spec; the
config module may place it at its YAML line). `{dir}` in a message stands for the folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Writer = Callable[[Path], None]
FILE_KEYS = ("dataset", "labels", "dev", "test")
DROP_HINT = (
    "fix it, or leave `missing:` out to fill the gap (numbers: the train split's median; "
    "text: a level of its own), or set `missing: drop` to drop rows with missing values"
)
HEADER_LINE = "(counting the header line)"


def text(name: str, contents: str | bytes) -> Writer:
    def write(folder: Path) -> None:
        data = contents.encode() if isinstance(contents, str) else contents
        (folder / name).write_bytes(data)

    return write


def arrays(name: str, allow_pickle: bool = False, **named: Any) -> Writer:
    """A .npz archive of `named` arrays, or with one unnamed array a .npy file."""

    def write(folder: Path) -> None:
        if name.endswith(".npy"):
            np.save(folder / name, *named.values(), allow_pickle=allow_pickle)
        else:
            np.savez(folder / name, **named)

    return write


def folder(name: str) -> Writer:
    return lambda root: (root / name).mkdir()


def nothing(_: Path) -> None:
    """Writes no file (for a path that must not exist, or a built-in dataset)."""


@dataclass(frozen=True)
class BadInput:
    id: str
    writers: tuple[Writer, ...]
    spec: dict[str, Any]
    message: str

    def write(self, root: Path) -> dict[str, Any]:
        """Writes the files under `root` and returns the spec with file names made paths there,
        as the config module resolves them against the config file's folder."""
        for writer in self.writers:
            writer(root)
        return {
            key: str(root / value) if key in FILE_KEYS and "." in value else value
            for key, value in self.spec.items()
        }

    def expected(self, root: Path) -> str:
        return self.message.replace("{dir}", str(root))


def case(
    id: str, writers: Writer | tuple[Writer, ...], spec: dict[str, Any], message: str
) -> BadInput:
    return BadInput(id, writers if isinstance(writers, tuple) else (writers,), spec, message)


CSV = {"dataset": "d.csv"}
X10 = np.arange(20, dtype=np.float64).reshape(10, 2)
Y10 = np.array([0, 1] * 5)
TWO_CLASSES = "a,b,label\n" + "".join(f"{i},{i % 3},{'xy'[i % 2]}\n" for i in range(10))

BAD_INPUTS: tuple[BadInput, ...] = (
    case(
        "file_missing",
        nothing,
        {"dataset": "absent.csv"},
        "dataset file '{dir}/absent.csv' does not exist; check the path",
    ),
    case(
        "file_is_folder",
        folder("d.csv"),
        CSV,
        "dataset file '{dir}/d.csv' is a folder; give the path of a file",
    ),
    case("file_empty", text("d.csv", ""), CSV, "dataset file '{dir}/d.csv' is empty"),
    case("only_blank_lines", text("d.csv", "\n \n"), CSV, "dataset file '{dir}/d.csv' is empty"),
    case(
        "header_only",
        text("d.csv", "a,b,label\n"),
        CSV,
        "dataset file '{dir}/d.csv' has a header but no rows of data",
    ),
    case(
        "no_header",
        text("d.csv", "1,2,0\n3,4,1\n"),
        CSV,
        "the first line of {dir}/d.csv looks like data (1, 2, 0); a .csv file needs a header "
        "line naming its columns",
    ),
    case(
        "not_utf8",
        text("d.csv", b"a,b,label\n1,2,x\n3,4,\xff\n"),
        CSV,
        "dataset file '{dir}/d.csv' is not UTF-8 text: line 3, column 5 has the byte 0xff; save "
        "it with UTF-8 encoding",
    ),
    case(
        "header_name_missing",
        text("d.csv", ",a,label\n0,1,x\n"),
        CSV,
        "column 1 of the header of {dir}/d.csv has no name; name every column (a pandas index "
        "column? write the file with index=False)",
    ),
    case(
        "header_name_twice",
        text("d.csv", "a,a,label\n0,1,x\n"),
        CSV,
        "the header of {dir}/d.csv names column 'a' twice; column names must be unique",
    ),
    case(
        "ragged_row_short",
        text("d.csv", "a,b,label\n1,2,x\n\n3,y\n"),
        CSV,
        f"{{dir}}/d.csv line 4 {HEADER_LINE} has 2 values, but the header names 3 columns; "
        "give every row one value per column",
    ),
    case(
        "ragged_row_long",
        text("d.csv", "a,b,label\n1,2,x,9\n3,4,y,9\n"),
        CSV,
        f"{{dir}}/d.csv line 2 {HEADER_LINE} has 4 values, but the header names 3 columns; "
        f"give every row one value per column\n{{dir}}/d.csv line 3 {HEADER_LINE} has 4 values, "
        "but the header names 3 columns; give every row one value per column",
    ),
    case(
        "numbers_with_a_stray_text",
        text("d.csv", "a,b,label\n" + "".join(
            f"{i},{'abc' if i % 10 == 3 else i % 7},{'xy'[i % 2]}\n" for i in range(40))),
        CSV,
        "{dir}/d.csv: column 'b' holds numbers, and the text 'abc' in 4 train rows (first: "
        f"{{dir}}/d.csv line 5 {HEADER_LINE}, column 2 ('b')); if that marks a missing value, "
        "empty those cells; or list the column under `categorical:`",
    ),
    case(
        "feature_nan",
        text("d.csv", "a,b,label\n1,2,x\n3,nan,y\n"),
        {**CSV, "missing": "error"},
        f"{{dir}}/d.csv line 3 {HEADER_LINE}, column 2 ('b'): 'nan' is not a finite number; "
        + DROP_HINT,
    ),
    case(
        "feature_inf",
        text("d.csv", "a,b,label\n1,2,x\n\n-inf,4,y\n"),
        {**CSV, "missing": "error"},
        f"{{dir}}/d.csv line 4 {HEADER_LINE}, column 1 ('a'): '-inf' is not a finite number; "
        + DROP_HINT,
    ),
    case(
        "feature_na_marker",
        text("d.csv", "a,b,label\n1,2,x\n3,NA,y\n"),
        {**CSV, "missing": "error"},
        f"{{dir}}/d.csv line 3 {HEADER_LINE}, column 2 ('b'): 'NA' is not a finite number; "
        + DROP_HINT,
    ),
    case(
        "feature_empty",
        text("d.csv", "a,b,label\n1,2,x\n3, ,y\n"),
        {**CSV, "missing": "error"},
        f"{{dir}}/d.csv line 3 {HEADER_LINE}, column 2 ('b') is empty; " + DROP_HINT,
    ),
    case(
        "label_empty",
        text("d.csv", "a,b,label\n1,2,x\n3,4,\n"),
        {**CSV, "missing": "error"},
        f"{{dir}}/d.csv line 3 {HEADER_LINE}, column 3 ('label') is empty, but every row needs "
        "a label; " + DROP_HINT,
    ),
    case(
        "everything_dropped",
        text("d.csv", "a,b,label\n1,,x\n3,nan,y\n"),
        {**CSV, "missing": "drop"},
        "every row of {dir}/d.csv has a missing value, so `missing: drop` leaves none; leave "
        "`missing:` out to fill the gaps instead, or `ignore:` the columns that are mostly empty",
    ),
    case(
        "target_unknown",
        text("d.csv", TWO_CLASSES),
        {**CSV, "target": "class"},
        "target column 'class' is not in {dir}/d.csv; its columns are: a, b, label",
    ),
    case(
        "feature_unknown",
        text("d.csv", TWO_CLASSES),
        {**CSV, "features": ["a", "c"]},
        "feature column 'c' is not in {dir}/d.csv; its columns are: a, b, label",
    ),
    case(
        "default_target_among_features",
        text("d.csv", "a,b,c,label\n1,2,3,x\n"),
        {**CSV, "features": ["a", "label"]},
        "features lists column 'label', the last one, which is the target unless `target:` "
        "names another; name the target with `target:` (one of b, c)",
    ),
    case(
        "no_feature_column",
        text("d.csv", "label\nx\ny\n"),
        CSV,
        "{dir}/d.csv has no feature columns besides the target 'label'; it needs one",
    ),
    case(
        "labels_not_integers",
        text("d.csv", "a,label\n1,0.5\n2,1.5\n3,1\n"),
        CSV,
        "{dir}/d.csv line 2 (counting the header line), column 2 ('label'): target 'label' "
        "holds non-integer numbers like '0.5': it looks like a quantity to predict, not "
        "classes; set `task: regression` in `data:` to train a regression (or `task: "
        "classification` if they are class codes)",
    ),
    case(
        "single_class",
        text("d.csv", "a,label\n1,x\n2,x\n3,x\n"),
        CSV,
        "target 'label' of {dir}/d.csv has one value ('x') in every row: a classifier needs at "
        "least two classes; choose another target column",
    ),
    case(
        "class_too_small",
        text("d.csv", "a,label\n" + "1,x\n" * 6 + "2,y\n2,y\n"),
        CSV,
        "class 'y' has 2 rows, too few to appear in train, dev and test; every class needs at "
        "least 3 rows, one for each",
    ),
    case(
        "class_too_small_for_train_and_test",
        (text("d.csv", "a,label\n" + "1,x\n" * 6 + "2,y\n"), text("dev.csv", "a,label\n1,x\n")),
        {**CSV, "dev": "dev.csv"},
        "class 'y' has 1 row, too few to appear in train and test; every class needs at least 2 "
        "rows, one for each",
    ),
    case(
        "dev_smaller_than_classes",
        nothing,
        {"dataset": "iris", "split": [100, 2, 30]},
        "split gives dev 2 rows, fewer than the 3 classes; every class needs a row in dev, so "
        "give it at least 3",
    ),
    case(
        "fractions_do_not_sum_to_one",
        nothing,
        {"dataset": "iris", "split": [0.5, 0.2, 0.2]},
        "data.split: split fractions must sum to 1, but 0.5 + 0.2 + 0.2 = 0.9; "
        "e.g. split: [0.6, 0.2, 0.2]",
    ),
    case(
        "counts_exceed_rows",
        nothing,
        {"dataset": "iris", "split": [100, 30, 30]},
        "split asks for 100 train + 30 dev + 30 test = 160 rows, but iris has 150; lower the "
        "counts, or give fractions, e.g. split: [0.6, 0.2, 0.2]",
    ),
    case(
        "npz_lengths_differ",
        arrays("d.npz", X=X10, y=Y10[:9]),
        {"dataset": "d.npz"},
        "X in {dir}/d.npz has 10 rows but y in {dir}/d.npz has 9 labels; they must be the same "
        "length",
    ),
    case(
        "npy_lengths_differ",
        (arrays("x.npy", X=X10), arrays("y.npy", y=Y10[:8])),
        {"dataset": "x.npy", "labels": "y.npy"},
        "{dir}/x.npy has 10 rows but {dir}/y.npy has 8 labels; they must be the same length",
    ),
    case(
        "npz_without_y",
        arrays("d.npz", X=X10, labels=Y10),
        {"dataset": "d.npz"},
        "dataset file '{dir}/d.npz' must hold arrays named X and y, but it holds: X, labels",
    ),
    case(
        "npz_X_not_2d",
        arrays("d.npz", X=X10.ravel()[:10], y=Y10),
        {"dataset": "d.npz"},
        "X in {dir}/d.npz must be a 2-D array (rows × features), but has shape (10,)",
    ),
    case(
        "npz_nan",
        arrays("d.npz", X=np.where(X10 == 7, np.nan, X10), y=Y10),
        {"dataset": "d.npz", "missing": "error"},
        "X in {dir}/d.npz row 4, column 2 (counting from 1): nan is not a finite number; "
        + DROP_HINT,
    ),
    case(
        "npz_too_large_for_float32",
        arrays("d.npz", X=np.where(X10 == 7, 1e300, X10), y=Y10),
        {"dataset": "d.npz"},
        "X in {dir}/d.npz row 4, column 2 (counting from 1): 1e+300 is too large for float32 "
        "(largest 3.4e+38); rescale that feature",
    ),
    case(
        "npz_not_numpy",
        text("d.npz", "X,y\n1,2\n"),
        {"dataset": "d.npz"},
        "dataset file '{dir}/d.npz' is not a .npz file that NumPy can read; write it with "
        "numpy.save or numpy.savez",
    ),
    case(
        "npy_pickled",
        (arrays("x.npy", X=X10), arrays("y.npy", True, y=np.array(["a", 1] * 5, dtype=object))),
        {"dataset": "x.npy", "labels": "y.npy"},
        "labels file '{dir}/y.npy' holds Python objects, which hpsearch does not unpickle; save "
        "plain numeric arrays",
    ),
    case(
        "dev_label_unknown",
        (text("d.csv", TWO_CLASSES), text("dev.csv", "a,b,label\n1,2,x\n3,4,z\n")),
        {**CSV, "dev": "dev.csv"},
        "{dir}/dev.csv has labels that {dir}/d.csv has not: 'z'; dev and test may only hold the "
        "dataset's classes",
    ),
    case(
        "dev_column_missing",
        (text("d.csv", TWO_CLASSES), text("dev.csv", "a,label\n1,x\n")),
        {**CSV, "dev": "dev.csv"},
        "feature column 'b' is not in {dir}/dev.csv; its columns are: a, label",
    ),
    case(
        "test_features_differ",
        (arrays("d.npz", X=X10, y=Y10), arrays("t.npz", X=X10[:, :1], y=Y10)),
        {"dataset": "d.npz", "test": "t.npz"},
        "test file '{dir}/t.npz' has 1 feature, but dataset has 2; they must match",
    ),
    case(
        "dataset_unknown",
        nothing,
        {"dataset": "digit"},
        "data.dataset: unknown dataset 'digit'; did you mean 'digits'? built-in datasets: "
        "digits, breast_cancer, wine, iris, diabetes, flower, moons, spirals, blobs; or give a "
        "path to a "
        ".csv, .npz or .npy file",
    ),
    case(
        "option_not_taken",
        nothing,
        {"dataset": "iris", "noise": 0.1},
        "data: dataset 'iris' does not take noise; it takes no options",
    ),
    case(
        "npy_without_labels",
        arrays("x.npy", X=X10),
        {"dataset": "x.npy"},
        "data: a .npy dataset holds features only, so labels must name the .npy file of its "
        "labels; add e.g. labels: labels.npy next to dataset: {dir}/x.npy",
    ),
    case(
        "split_not_three_numbers",
        nothing,
        {"dataset": "iris", "split": [0.8, 0.2]},
        "data: split must be three numbers for train, dev and test (two only with a dev or test "
        "file), but got [0.8, 0.2]; e.g. split: [0.6, 0.2, 0.2]",
    ),
    case(
        "split_fraction_out_of_range",
        nothing,
        {"dataset": "iris", "split": [1.2, -0.1, -0.1]},
        "data.split: split fractions must lie between 0 and 1, but got 1.2; "
        "e.g. split: [0.6, 0.2, 0.2]",
    ),
    case(
        "split_count_negative",
        nothing,
        {"dataset": "iris", "split": [100, -5, 20]},
        "data.split: split counts must be 0 or more, but got [100, -5, 20]",
    ),
    case(
        "split_share_zero",
        nothing,
        {"dataset": "iris", "split": [0.8, 0.2, 0]},
        "data: split gives test no rows, but test is cut out of dataset; give it a share, "
        "e.g. split: [0.6, 0.2, 0.2]",
    ),
    case(
        "split_with_dev_and_test_files",
        nothing,
        {**CSV, "dev": "dev.csv", "test": "test.csv", "split": [0.6, 0.2, 0.2]},
        "data: split has no effect when dev and test are both files (all of dataset is train); "
        "remove split",
    ),
    case(
        "dev_file_with_builtin",
        nothing,
        {"dataset": "iris", "dev": "dev.csv"},
        "data: a dev file goes with a dataset file, but dataset is the built-in 'iris'; remove "
        "dev, or give dataset as a file",
    ),
    case(
        "dev_file_in_other_format",
        nothing,
        {**CSV, "dev": "dev.npz"},
        "data: dev must be a .csv file like dataset, but got '{dir}/dev.npz'",
    ),
    case(
        "labels_without_npy",
        nothing,
        {**CSV, "labels": "y.npy"},
        "data: labels goes only with a .npy features file, but dataset is '{dir}/d.csv'; "
        "remove labels",
    ),
    case(
        "target_with_npz",
        nothing,
        {"dataset": "d.npz", "target": "y"},
        "data: target applies only to a .csv dataset, but dataset is '{dir}/d.npz'; remove target",
    ),
    case(
        "features_twice",
        nothing,
        {**CSV, "features": ["a", "b", "a"]},
        "data.features: features lists 'a' twice; name each column once",
    ),
    case(
        "target_among_features",
        nothing,
        {**CSV, "target": "a", "features": ["a", "b"]},
        "data: column 'a' is the target and is listed under features; the target is the label, "
        "not a feature: take it out of features",
    ),
    case(
        "option_of_another_dataset",
        nothing,
        {"dataset": "flower", "classes": 3},
        "data: dataset 'flower' does not take classes; it takes n_samples, noise",
    ),
)
