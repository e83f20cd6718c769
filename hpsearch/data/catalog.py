"""The built-in datasets as a user sees them: what `data.dataset` may name and what
`hpsearch datasets` lists. Plain records, so the spec and the CLI can read them without loading
scikit-learn or generating anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hpsearch.tasks import Task

Kind = Literal["real", "synthetic"]


@dataclass(frozen=True)
class BuiltinDataset:
    """One built-in dataset; `shape` and `n_classes` are those of its default options (a
    regression has no classes: 0)."""

    name: str
    kind: Kind
    shape: tuple[int, int]  # rows × features
    n_classes: int
    description: str
    options: tuple[tuple[str, int | float], ...] = ()  # each option it takes, with its default
    task: Task = "classification"

    @property
    def defaults(self) -> dict[str, int | float]:
        return dict(self.options)


BUILTIN_DATASETS: tuple[BuiltinDataset, ...] = (
    BuiltinDataset("digits", "real", (1797, 64), 10, "8×8 images of handwritten digits 0–9"),
    BuiltinDataset(
        "breast_cancer",
        "real",
        (569, 30),
        2,
        "benign or malignant tumour, from 30 cell-nucleus measurements",
    ),
    BuiltinDataset("wine", "real", (178, 13), 3, "three cultivars of wine, from chemical analysis"),
    BuiltinDataset("iris", "real", (150, 4), 3, "three iris species, from petal and sepal sizes"),
    BuiltinDataset(
        "diabetes",
        "real",
        (442, 10),
        0,
        "a regression: disease progression a year on, from age, sex, BMI, blood pressure "
        "and six blood serum measurements",
        task="regression",
    ),
    BuiltinDataset(
        "flower",
        "synthetic",
        (400, 2),
        2,
        "the course's planar flower: two classes of petals",
        (("n_samples", 400), ("noise", 0.2)),
    ),
    BuiltinDataset(
        "moons",
        "synthetic",
        (400, 2),
        2,
        "two interleaving half circles",
        (("n_samples", 400), ("noise", 0.2)),
    ),
    BuiltinDataset(
        "spirals",
        "synthetic",
        (600, 2),
        3,
        "one spiral arm per class",
        (("n_samples", 600), ("noise", 0.2), ("classes", 3)),
    ),
    BuiltinDataset(
        "blobs",
        "synthetic",
        (600, 2),
        3,
        "Gaussian clusters on a circle; noise is their spread",
        (("n_samples", 600), ("noise", 1.0), ("classes", 3)),
    ),
)

BUILTINS: dict[str, BuiltinDataset] = {info.name: info for info in BUILTIN_DATASETS}
BUILTIN_NAMES: tuple[str, ...] = tuple(BUILTINS)
