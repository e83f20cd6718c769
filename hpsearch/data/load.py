"""`load_dataset`: a `DataSpec` → train, dev and test, normalized with train statistics, the same
way for every dataset a user may bring or try first; its target as classes or as numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hpsearch.data.arrays import read_npy_pair, read_npz
from hpsearch.data.builtin import load_builtin
from hpsearch.data.csvfile import read_csv
from hpsearch.data.files import count
from hpsearch.data.scale import fingerprint, standardize, target_statistics
from hpsearch.data.spec import PART_FILES, DataSpec
from hpsearch.data.split import part_sizes, shuffled_split, stratified_split
from hpsearch.data.table import Table
from hpsearch.data.target import Target, encode_target
from hpsearch.errors import DataError
from hpsearch.tasks import Task

Part = tuple[np.ndarray, np.ndarray]  # X, y


@dataclass(frozen=True, eq=False)
class Dataset:
    """What every trial trains on (train), is ranked on (dev) and is finally estimated on (test).
    X is float32, C-contiguous, rows = examples, standardized with the train split's `mean` and
    `std`. For a classification y holds int64 class indices, `classes[i]` being the label text
    of class i; for a regression, float64 values in the target's own units (the network
    standardizes them with `target_mean` and `target_std`, the train split's, and answers in
    those units). The arrays are read-only: a trial that changed them would change every later
    trial's data."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    mean: np.ndarray  # float32, per feature; new rows are scaled as (x - mean) / std
    std: np.ndarray  # float32, per feature; 1 for a column constant on train
    fingerprint: str
    target: str = ""  # the label column's name, as the source calls it
    task: Task = "classification"
    target_mean: float = 0.0  # a regression's train split: mean and std (1/m) of y
    target_std: float = 1.0
    target_dropped: int = 0  # rows of the dataset left out because their target was missing

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
        target = (
            f"a regression of {self.target or 'the target'}"
            if self.task == "regression"
            else f"{self.n_classes} classes"
        )
        return (
            f"{self.name}: {sum(sizes):,} rows × {self.n_features} features, {target}; "
            f"train {sizes[0]:,} / dev {sizes[1]:,} / test {sizes[2]:,}"
        )


def load_dataset(spec: DataSpec) -> Dataset:
    """Reads or generates the data, splits it (stratified, shuffled by `spec.seed`, or taking dev
    and test from their files) and standardizes it; a user's mistake is one `DataError`."""
    data_seed, split_seed = np.random.SeedSequence(spec.seed).spawn(2)
    main = _read_main(spec, np.random.default_rng(data_seed))
    parts, target = _parts(spec, main, np.random.default_rng(split_seed))
    name, feature_names, label = main.source, main.feature_names, main.label_name
    del main  # its X is copied into the parts: free it before standardizing (peak memory)
    mean, std = standardize(parts["train"][0], [parts["dev"][0], parts["test"][0]])
    arrays = [array for part in ("train", "dev", "test") for array in parts[part]]
    for array in arrays:
        array.flags.writeable = False
    scale = target_statistics(parts["train"][1]) if target.task == "regression" else (0.0, 1.0)
    return Dataset(
        Path(name).name if spec.is_file else name,
        *arrays,
        classes=target.classes,
        feature_names=feature_names,
        mean=mean,
        std=std,
        fingerprint=fingerprint(arrays, target.classes, feature_names),
        target=label,
        task=target.task,
        target_mean=scale[0],
        target_std=scale[1],
        target_dropped=target.dropped,
    )


def _read_main(spec: DataSpec, rng: np.random.Generator) -> Table:
    if not spec.is_file:
        return load_builtin(spec, rng)
    if spec.suffix == ".csv":
        return read_csv(spec.dataset, "dataset", spec.target, spec.features, spec.missing)
    if spec.suffix == ".npz":
        return read_npz(spec.dataset, "dataset", spec.missing)
    return read_npy_pair(spec.dataset, spec.labels or "", spec.missing)


def _read_extra(spec: DataSpec, part: str, main: Table) -> Table:
    """The dev or test file: the dataset's columns, by name for CSV, by count for NumPy files."""
    path = getattr(spec, part)
    if spec.suffix == ".csv":
        return read_csv(path, part, main.label_name, main.feature_names, spec.missing)
    table = read_npz(path, part, spec.missing)
    if table.X.shape[1] != main.X.shape[1]:
        raise DataError(
            f"{part} file '{path}' has {count(table.X.shape[1], 'feature')}, but dataset has "
            f"{main.X.shape[1]}; they must match"
        )
    return table


def _parts(spec: DataSpec, main: Table, rng: np.random.Generator) -> tuple[dict[str, Part], Target]:
    extra = {part: _read_extra(spec, part, main) for part in PART_FILES if getattr(spec, part)}
    task = spec.task or (None if spec.is_file else spec.target_task)
    target = encode_target(main, list(extra.values()), task, spec.missing)
    (main, *tables), (y, *extra_ys) = target.tables, target.ys
    sizes = part_sizes(main.n_rows, spec, main.source)
    if target.task == "regression":
        indices = shuffled_split(len(y), sizes, rng)
    else:
        indices = stratified_split(y, target.classes, sizes, rng)
    parts = {part: (np.ascontiguousarray(main.X[rows]), y[rows]) for part, rows in indices.items()}
    for part, table, extra_y in zip(extra, tables, extra_ys, strict=True):
        parts[part] = (table.X, extra_y)
    return parts, target
