"""Datasets: what the `data:` section of a study may say, and loading it as train/dev/test."""

from __future__ import annotations

import difflib
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

REAL_DATASETS = ("digits", "breast_cancer", "wine", "iris")
# The options each synthetic dataset takes.
SYNTHETIC_DATASETS = {
    "flower": ("n_samples", "noise"),
    "moons": ("n_samples", "noise"),
    "spirals": ("n_samples", "noise", "classes"),
    "blobs": ("n_samples", "noise", "classes"),
}
BUILTIN_NAMES = REAL_DATASETS + tuple(SYNTHETIC_DATASETS)
FILE_SUFFIXES = (".csv", ".npz", ".npy")
SYNTHETIC_OPTIONS = ("n_samples", "noise", "classes")

Count = Annotated[StrictInt, Field(ge=1)]
Share = Annotated[StrictFloat, Field(ge=0, le=1)]


class DataSpec(BaseModel):
    """The `data:` section: which dataset, how to split it, and the options of synthetic data."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    dataset: str = Field(
        "digits", description="a built-in dataset, or a path to a .csv, .npz or .npy file"
    )
    labels: str | None = Field(None, description="with a .npy features file: the .npy labels")
    target: str | None = Field(None, description="CSV label column (default: the last)")
    features: list[str] | None = Field(None, description="CSV feature columns (default: all)")
    missing: Literal["error", "drop"] = "error"
    split: tuple[Share, Share, Share] | tuple[Count, Count, Count] | None = Field(
        None,
        description="train/dev/test fractions summing to 1, or counts; default 60/20/20, "
        "and dev = test = 10,000 past 100,000 rows",
    )
    dev: str | None = Field(None, description="a file of dev examples, instead of a split")
    test: str | None = Field(None, description="a file of test examples, instead of a split")
    seed: StrictInt = Field(0, description="shuffles the split and generates synthetic data")
    n_samples: Count | None = None
    noise: Annotated[StrictFloat, Field(ge=0)] | None = None
    classes: Annotated[StrictInt, Field(ge=2)] | None = None

    @property
    def is_file(self) -> bool:
        return self.dataset.lower().endswith(FILE_SUFFIXES)

    @field_validator("dataset")
    @classmethod
    def _known_dataset(cls, name: str) -> str:
        if name in BUILTIN_NAMES or name.lower().endswith(FILE_SUFFIXES):
            return name
        close = difflib.get_close_matches(name, BUILTIN_NAMES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ValueError(
            f"unknown dataset '{name}'; {hint}built-in datasets: "
            f"{', '.join(BUILTIN_NAMES)}; or give a path to a .csv, .npz or .npy file"
        )

    @model_validator(mode="after")
    def _options_fit_dataset(self) -> Self:
        takes = SYNTHETIC_DATASETS.get(self.dataset, ())
        for option in SYNTHETIC_OPTIONS:
            if getattr(self, option) is not None and option not in takes:
                accepted = f"it takes {', '.join(takes)}" if takes else "it takes no options"
                raise ValueError(f"dataset '{self.dataset}' does not take {option}; {accepted}")
        return self

    @model_validator(mode="after")
    def _fractions_sum_to_one(self) -> Self:
        if self.split and isinstance(self.split[0], float) and abs(sum(self.split) - 1) > 1e-9:
            raise ValueError(
                f"split fractions must sum to 1, but {' + '.join(map(str, self.split))} "
                f"= {sum(self.split):g}; e.g. split: [0.6, 0.2, 0.2]"
            )
        return self
