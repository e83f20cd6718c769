"""`load_dataset`: a `DataSpec` → train, dev and test as the network's inputs, every statistic
taken from the train split, the same way for every dataset a user may bring or try first:

read (each column as numbers or text) → drop the rows without a label (and, with
`missing: drop`, those with a gap) → the target as classes or numbers (`data.target`) → split →
each column's plan from the train rows (`data.columns`) → encode every part by it
(`data.encode`) → scale with train's statistics (a regression's target too, in the network)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hpsearch.data.arrays import read_npy_pair, read_npz
from hpsearch.data.builtin import load_builtin
from hpsearch.data.columns import Column, Rules, check_listed_levels, plan_columns, plan_inputs
from hpsearch.data.csvfile import read_csv
from hpsearch.data.encode import encode
from hpsearch.data.files import count
from hpsearch.data.report import DataReport
from hpsearch.data.scale import apply_scaling, fingerprint, fit_scaling, target_statistics
from hpsearch.data.spec import PART_FILES, PARTS, DataSpec
from hpsearch.data.split import part_sizes, shuffled_split, stratified_split
from hpsearch.data.table import Table, handle_missing, take
from hpsearch.data.target import encode_target
from hpsearch.errors import DataError
from hpsearch.tasks import Task


@dataclass(frozen=True, eq=False)
class Dataset:
    """What every trial trains on (train), is ranked on (dev) and is finally estimated on (test).
    X is float32, C-contiguous, rows = examples, one column per network input (`feature_names`),
    scaled as (x − mean) / std with the train split's statistics (then smoothly clipped where
    `clip` says). For a classification y holds int64 class indices, `classes[i]` being the label
    text of class i; for a regression, float64 values in the target's own units (the network
    standardizes them with `target_mean` and `target_std`, the train split's, and answers in
    those units). `columns` says how each column of the data became its inputs. The arrays are
    read-only: a trial that changed them would change every later trial's data."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]  # the network's inputs, e.g. `island=Dream`, `age (missing)`
    mean: np.ndarray  # float32, per input: the centre (the median, with robust scaling)
    std: np.ndarray  # float32, per input: the scale; 1 for an input constant on train
    fingerprint: str
    target: str = ""  # the label column's name, as the source calls it
    columns: tuple[Column, ...] = ()  # each feature column of the data and its plan
    clip: np.ndarray | None = None  # bool, per input: smoothly clipped after scaling
    scaling: str = "standard"
    report: DataReport | None = field(default=None, compare=False)
    task: Task = "classification"
    target_mean: float = 0.0  # a regression's train split: mean and std (1/m) of y
    target_std: float = 1.0

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        """The classes (0 for a regression)."""
        return len(self.classes)

    @property
    def target_scale(self) -> tuple[float, float]:
        return self.target_mean, self.target_std

    def class_counts(self) -> dict[str, int]:
        """Each class's rows in all three parts (none for a regression)."""
        if self.task == "regression":
            return {}
        parts = (self.y_train, self.y_dev, self.y_test)
        counts = sum(np.bincount(y, minlength=self.n_classes) for y in parts)
        return dict(zip(self.classes, map(int, counts), strict=True))

    def describe(self) -> str:
        sizes = (len(self.y_train), len(self.y_dev), len(self.y_test))
        report = self.report
        # the rows each file holds, not their sum: a test file's rows are no rows of `dataset`
        read = dict(report.rows) if report else {"dataset": sum(sizes)}
        files = " and ".join(f"a {p} file of {n:,}" for p, n in read.items() if p != "dataset")
        rows = f"{read['dataset']:,} rows" + (f" (and {files})" if files else "")
        width = len(self.columns) or self.n_features
        features = (
            count(width, "feature")
            if width == self.n_features
            else f"{count(width, 'feature column')} ({count(self.n_features, 'input')})"
        )
        dropped = f"; {count(report.rows_dropped, 'row')} dropped" if report and (
            report.rows_dropped) else ""  # fmt: skip
        target = (
            f"a regression of {self.target or 'the target'}"
            if self.task == "regression"
            else f"{self.n_classes} classes"
        )
        return (
            f"{self.name}: {rows} × {features}, {target}{dropped}; train "
            f"{sizes[0]:,} / dev {sizes[1]:,} / test {sizes[2]:,}"
        )


def load_dataset(spec: DataSpec) -> Dataset:
    """Reads or generates the data, splits it (stratified, shuffled by `spec.seed`, or taking dev
    and test from their files), encodes and scales it; a user's mistake is one `DataError`."""
    data_seed, split_seed = np.random.SeedSequence(spec.seed).spawn(2)
    main = _read_main(spec, np.random.default_rng(data_seed))
    extra = {part: _read_extra(spec, part, main) for part in PART_FILES if getattr(spec, part)}
    read = (("dataset", main.n_rows), *((part, t.n_rows) for part, t in extra.items()))
    main = handle_missing(main, spec.missing)
    extra = {part: handle_missing(table, spec.missing) for part, table in extra.items()}
    rules = _rules(spec)
    check_listed_levels(main, rules)
    task = spec.task or (None if spec.is_file else spec.target_task)
    labelled = encode_target(main, list(extra.values()), task, spec.missing)
    (main, *tables), (y, *extra_ys) = labelled.tables, labelled.ys
    extra = dict(zip(extra, tables, strict=True))
    classes = labelled.classes
    sizes = part_sizes(main.n_rows, spec, main.source)
    split_rng = np.random.default_rng(split_seed)
    if labelled.task == "regression":
        indices = shuffled_split(len(y), sizes, split_rng)
    else:
        indices = stratified_split(y, classes, sizes, split_rng)
    raw = {part: (take(main, rows), y[rows]) for part, rows in indices.items()}
    raw |= {part: (table, ys) for (part, table), ys in zip(extra.items(), extra_ys, strict=True)}
    dropped = (("dataset", main.dropped), *((p, t.dropped) for p, t in extra.items()))
    name, target = main.source, main.label_name
    del main, extra  # their rows are copied into the parts: free them first (peak memory)
    columns, summaries = plan_columns(raw["train"][0], rules)
    encoded, filled = {}, {}
    for part in PARTS:
        table, ys = raw.pop(part)
        encoded[part], filled[part] = encode(table, columns)
        encoded[part] = (encoded[part], ys)
        del table
    measured = [flag for column in columns for flag in column.scaled]
    scaling = fit_scaling(encoded["train"][0], measured, spec.scaling)
    arrays = [array for part in PARTS for array in encoded[part]]
    for part in PARTS:
        apply_scaling(encoded[part][0], scaling)
    for array in arrays:
        array.flags.writeable = False
    inputs = plan_inputs(columns)
    y_train = encoded["train"][1]
    scale = target_statistics(y_train) if labelled.task == "regression" else (0.0, 1.0)
    report = DataReport(
        missing=spec.missing,
        scaling=spec.scaling,
        rows=read,
        dropped=tuple((part, d) for part, d in dropped if d.rows),
        parts=tuple((part, len(encoded[part][1])) for part in PARTS),
        columns=summaries,
        filled=tuple((part, done) for part, done in filled.items() if done),
        inputs=len(inputs),
    )
    return Dataset(
        Path(name).name if spec.is_file else name,
        *arrays,
        classes=classes,
        feature_names=inputs,
        mean=scaling.center,
        std=scaling.scale,
        fingerprint=fingerprint(arrays, classes, inputs),
        target=target,
        columns=columns,
        clip=scaling.clip,
        scaling=spec.scaling,
        report=report,
        task=labelled.task,
        target_mean=scale[0],
        target_std=scale[1],
    )


def _rules(spec: DataSpec) -> Rules:
    return Rules(
        categorical=spec.categorical_levels,
        numeric=frozenset(spec.numeric or ()),
        min_level_count=spec.min_level_count,
        max_level_share=spec.max_level_share,
    )


def _read_main(spec: DataSpec, rng: np.random.Generator) -> Table:
    if not spec.is_file:
        return load_builtin(spec, rng)
    if spec.suffix == ".csv":
        return read_csv(
            spec.dataset, "dataset", spec.target, spec.features,
            ignore=spec.ignore or (), text=tuple(spec.categorical_levels),
        )  # fmt: skip
    if spec.suffix == ".npz":
        return read_npz(spec.dataset, "dataset")
    return read_npy_pair(spec.dataset, spec.labels or "")


def _read_extra(spec: DataSpec, part: str, main: Table) -> Table:
    """The dev or test file: the dataset's columns, by name for CSV, by count for NumPy files;
    a column read as text in the dataset is read as text there too."""
    path = getattr(spec, part)
    if spec.suffix == ".csv":
        text = tuple(main.feature_names[i] for i in main.text_columns)
        return read_csv(path, part, main.label_name, main.feature_names, text=text)
    table = read_npz(path, part)
    if table.X.shape[1] != main.X.shape[1]:
        raise DataError(
            f"{part} file '{path}' has {count(table.X.shape[1], 'feature')}, but dataset has "
            f"{main.X.shape[1]}; they must match"
        )
    return table
