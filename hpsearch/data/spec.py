"""What the `data:` section of a study may say. Every check that needs no file lives here, so the
config module reports it against the YAML line; `load.py` checks what only the files can tell."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from hpsearch.data.catalog import BUILTIN_NAMES, BUILTINS
from hpsearch.errors import DataError
from hpsearch.tasks import Task

REAL_DATASETS = tuple(info.name for info in BUILTINS.values() if info.kind == "real")
# The options each synthetic dataset takes.
SYNTHETIC_DATASETS = {
    info.name: tuple(name for name, _ in info.options)
    for info in BUILTINS.values()
    if info.kind == "synthetic"
}
FILE_SUFFIXES = (".csv", ".npz", ".npy")
SYNTHETIC_OPTIONS = ("n_samples", "noise", "classes")
PARTS = ("train", "dev", "test")
PART_FILES = ("dev", "test")  # parts that may come from files of their own
PATH_KEYS = ("labels", *PART_FILES)  # always paths; `dataset` is one when it has a file suffix

Count = Annotated[StrictInt, Field(ge=0)]
Share = Annotated[StrictFloat, Field(ge=0, le=1)]
EXAMPLE_SPLIT = "e.g. split: [0.6, 0.2, 0.2]"


class DataSpec(BaseModel):
    """The `data:` section: which dataset, how to split it, and the options of synthetic data."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    dataset: str = Field(
        "digits", description="a built-in dataset, or a path to a .csv, .npz or .npy file"
    )
    labels: str | None = Field(None, description="with a .npy features file: the .npy labels")
    target: str | None = Field(None, description="CSV label column (default: the last)")
    task: Task | None = Field(
        None,
        description="classification (the target names classes) or regression (it is a number "
        "to predict); default: a built-in's own, else classification, and a target that looks "
        "like a quantity is refused",
    )
    features: list[str] | None = Field(None, description="CSV feature columns (default: all)")
    missing: Literal["error", "drop"] = Field(
        "error", description="rows with an empty, NaN or infinite feature: refuse, or drop them"
    )
    split: tuple[Share, Share, Share] | tuple[Count, Count, Count] | None = Field(
        None,
        description="train/dev/test fractions summing to 1, or counts; default 60/20/20, "
        "and dev = test = 10,000 past 100,000 rows",
    )
    dev: str | None = Field(None, description="a file of dev examples, instead of a split")
    test: str | None = Field(None, description="a file of test examples, instead of a split")
    seed: Annotated[StrictInt, Field(ge=0)] = Field(
        0, description="shuffles the split and generates synthetic data"
    )
    n_samples: Annotated[StrictInt, Field(ge=1)] | None = None
    noise: Annotated[StrictFloat, Field(ge=0)] | None = None
    classes: Annotated[StrictInt, Field(ge=2)] | None = None

    @property
    def is_file(self) -> bool:
        return self.dataset.lower().endswith(FILE_SUFFIXES)

    @property
    def suffix(self) -> str:
        """The dataset file's suffix in lower case ('.csv', '.npz', '.npy'); '' for a built-in."""
        return self.dataset[self.dataset.rfind(".") :].lower() if self.is_file else ""

    @property
    def target_task(self) -> Task:
        """The task as said, or the built-in dataset's; a file's target without `task:` is read
        as classes (and refused when it looks like a quantity)."""
        builtin = BUILTINS.get(self.dataset)
        return self.task or (builtin.task if builtin is not None else "classification")

    @property
    def split_parts(self) -> tuple[str, ...]:
        """The parts cut out of `dataset`; the others come from the `dev` and `test` files."""
        return tuple(p for p in PARTS if p == "train" or getattr(self, p) is None)

    @field_validator("dataset")
    @classmethod
    def _known_dataset(cls, name: str) -> str:
        if name in BUILTIN_NAMES or name.lower().endswith(FILE_SUFFIXES):
            return name
        if name.lower().endswith((".tsv", ".tab", ".txt")):
            raise ValueError(
                f"'{name}': hpsearch reads comma-separated .csv files, and .npz or .npy arrays; "
                "save a tab-separated file as .csv with commas (pandas: pd.read_csv(path, "
                "sep='\\t').to_csv(new_path, index=False))"
            )
        close = difflib.get_close_matches(name, BUILTIN_NAMES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ValueError(
            f"unknown dataset '{name}'; {hint}built-in datasets: "
            f"{', '.join(BUILTIN_NAMES)}; or give a path to a .csv, .npz or .npy file"
        )

    @field_validator("split", mode="before")
    @classmethod
    def _split_numbers(cls, value: Any) -> Any:
        if value is None:
            return None
        numbers = isinstance(value, list | tuple) and len(value) == 3
        if not numbers or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
            raise ValueError(
                "split must be three numbers for train, dev and test: fractions summing to 1 "
                f"like [0.6, 0.2, 0.2], or row counts like [6000, 2000, 2000]; got {value!r}"
            )
        if any(isinstance(v, float) for v in value):
            return _checked_fractions(tuple(float(v) for v in value))
        if min(value) < 0:
            raise ValueError(f"split counts must be 0 or more, but got {list(value)}")
        return tuple(value)

    @field_validator("features")
    @classmethod
    def _distinct_features(cls, names: list[str] | None) -> list[str] | None:
        if names is not None and not names:
            raise ValueError("features must name at least one column, or be left out for all")
        for name in names or ():
            if names.count(name) > 1:
                raise ValueError(f"features lists '{name}' twice; name each column once")
        return names

    @model_validator(mode="after")
    def _options_fit_dataset(self) -> Self:
        takes = SYNTHETIC_DATASETS.get(self.dataset, ())
        for option in SYNTHETIC_OPTIONS:
            if getattr(self, option) is not None and option not in takes:
                accepted = f"it takes {', '.join(takes)}" if takes else "it takes no options"
                raise ValueError(f"dataset '{self.dataset}' does not take {option}; {accepted}")
        return self

    @model_validator(mode="after")
    def _task_fits_builtin(self) -> Self:
        builtin = BUILTINS.get(self.dataset)
        if builtin is not None and self.task not in (None, builtin.task):
            raise ValueError(
                f"dataset '{self.dataset}' is a {builtin.task} dataset; remove task, or give "
                "a file whose target is what you want to predict"
            )
        return self

    @model_validator(mode="after")
    def _labels_fit_format(self) -> Self:
        if self.suffix == ".npy" and self.labels is None:
            raise ValueError(
                f"a .npy dataset holds features only, so labels must name the .npy file of its "
                f"labels; add e.g. labels: labels.npy next to dataset: {self.dataset}"
            )
        if self.labels is not None and self.suffix != ".npy":
            raise ValueError(
                f"labels goes only with a .npy features file, but dataset is '{self.dataset}'; "
                "remove labels"
            )
        if self.labels is not None and not self.labels.lower().endswith(".npy"):
            raise ValueError(f"labels must be a .npy file, but got '{self.labels}'")
        return self

    @model_validator(mode="after")
    def _columns_fit_format(self) -> Self:
        for option in ("target", "features"):
            if getattr(self, option) is not None and self.suffix != ".csv":
                raise ValueError(
                    f"{option} applies only to a .csv dataset, but dataset is '{self.dataset}'; "
                    f"remove {option}"
                )
        if self.target is not None and self.target in (self.features or ()):
            raise ValueError(
                f"column '{self.target}' is both the target and one of the features; "
                "a column is either the label or a feature"
            )
        return self

    @model_validator(mode="after")
    def _extra_files_fit_dataset(self) -> Self:
        for part in PART_FILES:
            path = getattr(self, part)
            if path is None:
                continue
            if not self.is_file:
                raise ValueError(
                    f"a {part} file goes with a dataset file, but dataset is the built-in "
                    f"'{self.dataset}'; remove {part}, or give dataset as a file"
                )
            wanted = ".csv" if self.suffix == ".csv" else ".npz"
            if not path.lower().endswith(wanted):
                what = "like dataset" if wanted == ".csv" else "holding arrays X and y"
                raise ValueError(f"{part} must be a {wanted} file {what}, but got '{path}'")
        return self

    @model_validator(mode="after")
    def _split_fits_parts(self) -> Self:
        if self.split is None:
            return self
        if self.split_parts == ("train",):
            raise ValueError(
                "split has no effect when dev and test are both files (all of dataset is train); "
                "remove split"
            )
        for part in self.split_parts:
            if self.split[PARTS.index(part)] == 0:
                raise ValueError(
                    f"split gives {part} no rows, but {part} is cut out of dataset; "
                    f"give it a share, {EXAMPLE_SPLIT}"
                )
        return self


def _checked_fractions(shares: tuple[float, float, float]) -> tuple[float, float, float]:
    for share in shares:
        if not (math.isfinite(share) and 0 <= share <= 1):
            raise ValueError(
                f"split fractions must lie between 0 and 1, but got {share:g}; {EXAMPLE_SPLIT}"
            )
    if abs(sum(shares) - 1) > 1e-9:
        raise ValueError(
            f"split fractions must sum to 1, but {' + '.join(f'{s:g}' for s in shares)} "
            f"= {sum(shares):g}; {EXAMPLE_SPLIT}"
        )
    return shares


def parse_spec(options: Mapping[str, Any]) -> DataSpec:
    """Builds a DataSpec from plain options, for callers without a config file (which maps
    pydantic's errors to YAML lines itself): the first problem becomes one `DataError`."""
    try:
        return DataSpec.model_validate(dict(options))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in ("data", *first["loc"]))
        message = first["msg"].removeprefix("Value error, ")
        raise DataError(f"{where}: {message}") from None
