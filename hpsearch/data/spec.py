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
    StrictStr,
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
MIN_LEVEL_COUNT = 5  # a level seen in fewer train rows joins "(other)"
MAX_LEVEL_SHARE = 0.5  # more distinct levels than this share of the train rows: an id
Level = StrictStr | StrictInt | StrictFloat  # a level as YAML reads it: 1 is the text "1"
EXAMPLE_SPLIT = "e.g. split: [0.6, 0.2, 0.2]"
COLUMN_LISTS = ("features", "categorical", "numeric", "ignore")
CATEGORICAL_SHAPE = (
    "categorical lists columns: each a name, or {{name: [its levels]}}, e.g. categorical: "
    "[island, {{sex: [female, male]}}]; {}"
)
# Settings that came after studies were first stored: in a study's identity only when not default.
LATER_KEYS = ("categorical", "numeric", "ignore", "scaling", "min_level_count", "max_level_share")


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
    features: list[str] | None = Field(
        None, description="CSV feature columns (default, or []: all but the target and ignore)"
    )
    categorical: list[str | dict[str, list[Level]]] | None = Field(
        None,
        description="CSV columns to one-hot, each a name, or {name: [its levels]} (default: "
        "the columns whose train cells hold text)",
    )
    numeric: list[str] | None = Field(
        None, description="CSV columns read as numbers (default: those whose cells are numbers)"
    )
    ignore: list[str] | None = Field(None, description="CSV columns left out")
    missing: Literal["impute", "drop", "error"] = Field(
        "impute",
        description="a missing or infinite feature: impute (numbers: the train median and an "
        "input that flags it; text: a level of its own), drop its row, or error; rows without "
        "a label are dropped, except with error",
    )
    scaling: Literal["standard", "robust"] = Field(
        "standard",
        description="standard: mean and standard deviation of train; robust: median and "
        "interquartile range, then smooth clipping to about ±3 (RealMLP)",
    )
    min_level_count: Annotated[StrictInt, Field(ge=1)] = Field(
        MIN_LEVEL_COUNT,
        description="a level seen in fewer train rows joins the level (other)",
    )
    max_level_share: Annotated[float, Field(gt=0, le=1)] = Field(
        MAX_LEVEL_SHARE,
        description="a text column with more distinct values than this share of its train rows "
        "reads as an id and is refused",
    )
    split: (
        tuple[Share, Share, Share] | tuple[Count, Count, Count] | tuple[Share, Share]
        | tuple[Count, Count] | None
    ) = Field(
        None,
        description="train/dev/test fractions summing to 1, or counts; default 60/20/20, "
        "and dev = test = 10,000 past 100,000 rows; with a dev or test file, two numbers: "
        "train and the part cut out with it",
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

    @property
    def shares(self) -> dict[str, int | float] | None:
        """`split` by part: the parts cut out of `dataset` and their share or count."""
        if self.split is None:
            return None
        if len(self.split) == 2:
            return dict(zip(self.split_parts, self.split, strict=True))
        return {part: self.split[PARTS.index(part)] for part in self.split_parts}

    @property
    def categorical_levels(self) -> dict[str, tuple[str, ...] | None]:
        """`categorical` as name → its levels as listed (None: taken from the train split)."""
        found: dict[str, tuple[str, ...] | None] = {}
        for item in self.categorical or ():
            if isinstance(item, str):
                found[item] = None
            else:
                found.update({name: tuple(map(_level, levels)) for name, levels in item.items()})
        return found

    def identity(self, exclude: set[str]) -> dict[str, Any]:
        """What of this section makes a study this study, as JSON (paths in `exclude` left
        out). Settings that came later appear only when not their default, so that a study
        stored before them resumes; and `missing: impute` is said as `error` was: both give
        the same values for every file `error` accepts, and the fingerprint sees the rest."""
        dumped = self.model_dump(mode="json", exclude=exclude)
        defaults = DataSpec.model_fields
        for key in LATER_KEYS:
            if getattr(self, key) == defaults[key].default:
                dumped.pop(key, None)
        if dumped.get("missing") == "impute":
            dumped["missing"] = "error"
        return dumped

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
        numbers = isinstance(value, list | tuple) and len(value) in (2, 3)
        if not numbers or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
            raise ValueError(
                "split must be three numbers for train, dev and test: fractions summing to 1 "
                f"like [0.6, 0.2, 0.2], or row counts like [6000, 2000, 2000] (two with a dev "
                f"or test file); got {value!r}"
            )
        if any(isinstance(v, float) for v in value):
            return _checked_fractions(tuple(float(v) for v in value))
        if min(value) < 0:
            raise ValueError(f"split counts must be 0 or more, but got {list(value)}")
        return tuple(value)

    @field_validator("features", "numeric", "ignore")
    @classmethod
    def _distinct_names(cls, names: list[str] | None, info: Any) -> list[str] | None:
        seen: set[str] = set()
        for name in names or ():
            if name in seen:
                raise ValueError(f"{info.field_name} lists '{name}' twice; name each column once")
            seen.add(name)
        return names

    @field_validator("categorical", mode="before")
    @classmethod
    def _categorical_shape(cls, items: Any) -> Any:
        """Each item a column's name, or {name: [its levels]}; levels as the file writes them."""
        if items is None:
            return None
        if not isinstance(items, list):
            raise ValueError(CATEGORICAL_SHAPE.format(f"got {items!r}"))
        seen: set[str] = set()
        for item in items:
            listed = {item: None} if isinstance(item, str) else item
            if not isinstance(listed, dict):
                raise ValueError(CATEGORICAL_SHAPE.format(f"got {item!r}"))
            for name, levels in listed.items():
                if not isinstance(name, str):
                    raise ValueError(CATEGORICAL_SHAPE.format(f"got the name {name!r}"))
                if name in seen:
                    raise ValueError(f"categorical lists '{name}' twice; name each column once")
                seen.add(name)
                if levels is None and isinstance(item, str):
                    continue
                if not isinstance(levels, list) or not levels:
                    raise ValueError(
                        f"'{name}' needs a list of its levels, like {{{name}: [a, b]}},"
                        f" or its name alone to take them from the train split; got {levels!r}"
                    )
                for level in levels:
                    if isinstance(level, bool) or not isinstance(level, str | int | float):
                        raise ValueError(
                            f"level {level!r} of '{name}' is not text; quote it as "
                            "the file writes it, e.g. 'yes' or 'true'"
                        )
                texts = [_level(level) for level in levels]
                twice = next((t for i, t in enumerate(texts) if t in texts[:i]), None)
                if twice is not None:
                    raise ValueError(f"'{name}' lists level '{twice}' twice")
        return items

    @model_validator(mode="after")
    def _one_list_per_column(self) -> Self:
        """A column is in one list at most, and never in one and the target."""
        lists: dict[str, list[str]] = {
            "features": list(self.features or ()),
            "categorical": list(self.categorical_levels),
            "numeric": list(self.numeric or ()),
            "ignore": list(self.ignore or ()),
        }
        where: dict[str, str] = {}
        for key, names in lists.items():
            for name in names:
                if name == self.target:
                    raise ValueError(
                        f"column '{name}' is the target and is listed under {key}; the target is "
                        f"the label, not a feature: take it out of {key}"
                    )
                if key == "features":
                    where[name] = key
                    continue
                if where.get(name, "features") != "features" or (
                    key == "ignore" and name in where
                ):
                    first = where[name]
                    raise ValueError(
                        f"column '{name}' is listed under both {first} and {key}; a column gets "
                        "one treatment: keep it in one of them"
                    )
                where[name] = key
        if self.features:
            for key in ("categorical", "numeric"):
                for name in lists[key]:
                    if name not in lists["features"]:
                        raise ValueError(
                            f"column '{name}' is listed under {key} but not under features, "
                            f"which names every column used; add it there, or take it out of {key}"
                        )
        return self

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
        for option in ("target", *COLUMN_LISTS):
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
        parts = self.split_parts
        if parts == ("train",):
            raise ValueError(
                "split has no effect when dev and test are both files (all of dataset is train); "
                "remove split"
            )
        if len(parts) == 2 and len(self.split) == 3:
            given = next(part for part in PART_FILES if part not in parts)
            example = [self.split[PARTS.index(p)] for p in parts]
            raise ValueError(
                f"with a {given} file, split gives only {' and '.join(parts)} (its {given} number "
                f"would be ignored): write split: [{example[0]!r}, {example[1]!r}], rescaled to "
                "sum to 1 if they are fractions"
            )
        if len(parts) == 3 and len(self.split) == 2:
            raise ValueError(
                "split must be three numbers for train, dev and test (two only with a dev or "
                f"test file), but got {list(self.split)}; {EXAMPLE_SPLIT}"
            )
        for part, share in (self.shares or {}).items():
            if share == 0:
                raise ValueError(
                    f"split gives {part} no rows, but {part} is cut out of dataset; "
                    f"give it a share, {EXAMPLE_SPLIT}"
                )
        return self


def _level(value: str | int | float) -> str:
    """A level as the study file lists it, as a CSV cell writes it: 1 is "1"."""
    return value if isinstance(value, str) else repr(value)


def _checked_fractions(shares: tuple[float, ...]) -> tuple[float, ...]:
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
