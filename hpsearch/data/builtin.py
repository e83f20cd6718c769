"""The built-in datasets as tables: scikit-learn's bundled real data (read from the files inside the
package, never downloaded) and synthetic 2-D data drawn from a generator. Every generator is
vectorised: the loops run over classes, never over samples."""

from __future__ import annotations

import numpy as np

from hpsearch.data.builtin_cache import cached_table
from hpsearch.data.catalog import BUILTINS
from hpsearch.data.spec import DataSpec
from hpsearch.data.table import Table, from_labels


def load_builtin(spec: DataSpec, rng: np.random.Generator) -> Table:
    """The table of the built-in `spec.dataset`; synthetic ones are drawn from `rng`."""
    info = BUILTINS[spec.dataset]
    if info.kind == "real":
        return cached_table(spec.dataset, lambda: _real(spec.dataset))
    options = {**info.defaults, **spec.model_dump(include=set(info.defaults), exclude_none=True)}
    X, y = GENERATORS[spec.dataset](rng, **options)
    return from_labels(X.astype(np.float32), y, ("x1", "x2"), spec.dataset, "class")


def _real(name: str) -> Table:
    from sklearn import datasets  # here, not at the top: importing scikit-learn takes a second

    if name == "diabetes":  # the measurements as taken, not scikit-learn's rescaled ones
        bunch = datasets.load_diabetes(scaled=False)
        X = np.ascontiguousarray(bunch.data, dtype=np.float32)
        names = tuple(map(str, bunch.feature_names))
        return from_labels(X, bunch.target, names, name, "progression")
    bunch = getattr(datasets, f"load_{name}")()
    X = np.ascontiguousarray(bunch.data, dtype=np.float32)
    labels = np.asarray(bunch.target_names)[bunch.target]
    return from_labels(X, labels, tuple(map(str, bunch.feature_names)), name, "class")


def _class_positions(n_samples: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's class (classes as equal as `n_samples` allows) and its position 0..1 along
    its class, the parameter every generator draws its shape with."""
    sizes = np.full(classes, n_samples // classes) + (np.arange(classes) < n_samples % classes)
    y = np.repeat(np.arange(classes), sizes)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    rank = np.arange(n_samples) - starts[y]
    return y, rank / np.maximum(sizes[y] - 1, 1)


def flower(rng: np.random.Generator, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar data (week 3 of course 1): petals r = 4·sin(4t), class by angle range,
    noise on both the angle and the radius."""
    y, position = _class_positions(n_samples, 2)
    t = (y + position) * 3.12 + rng.normal(0, noise, n_samples)
    r = 4 * np.sin(4 * t) + rng.normal(0, noise, n_samples)
    return np.column_stack((r * np.sin(t), r * np.cos(t))), y


def moons(rng: np.random.Generator, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two half circles: the upper one centred at the origin, the lower one shifted to hook
    into it."""
    y, position = _class_positions(n_samples, 2)
    angle = np.pi * position
    x1 = np.where(y == 0, np.cos(angle), 1 - np.cos(angle))
    x2 = np.where(y == 0, np.sin(angle), 0.5 - np.sin(angle))
    return np.column_stack((x1, x2)) + rng.normal(0, noise, (n_samples, 2)), y


def spirals(
    rng: np.random.Generator, n_samples: int, noise: float, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """One arm per class: class j sweeps the angles 4j to 4(j+1) radians while its radius grows
    from 0 to 1; noise perturbs the angle."""
    y, position = _class_positions(n_samples, classes)
    angle = (y + position) * 4 + rng.normal(0, noise, n_samples)
    return np.column_stack((position * np.sin(angle), position * np.cos(angle))), y


def blobs(
    rng: np.random.Generator, n_samples: int, noise: float, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, standard deviation `noise`, centred evenly on a circle of
    radius 4."""
    y, _ = _class_positions(n_samples, classes)
    angle = 2 * np.pi * np.arange(classes) / classes
    centres = 4 * np.column_stack((np.cos(angle), np.sin(angle)))
    return centres[y] + rng.normal(0, noise, (n_samples, 2)), y


GENERATORS = {"flower": flower, "moons": moons, "spirals": spirals, "blobs": blobs}
