"""What pausing at every rung and going on costs over training straight to the full budget.

One network trained to `epochs` straight, and the same network trained rung by rung (1, 3, 9,
… epochs), its checkpoint pickled and unpickled at each rung as it is when it waits in a study
folder and travels to a worker. Both end bit-identical (tests/nn/test_checkpoint.py); this
measures the time. Run from the repository root:
`python benchmarks/continuation_overhead.py [--quick] [--repeats N]`."""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hpsearch.data import DataSpec, load_dataset
from hpsearch.nn import HyperParams, train
from hpsearch.search.halving import rung_epochs


def straight(hp: HyperParams, data: tuple, n_classes: int) -> float:
    start = time.perf_counter()
    train(hp, *data, n_classes=n_classes, rng=np.random.default_rng(0))
    return time.perf_counter() - start


def by_rungs(hp: HyperParams, data: tuple, n_classes: int, rungs: list[int]) -> float:
    start, checkpoint = time.perf_counter(), None
    for until in rungs:
        result = train(
            hp, *data, n_classes=n_classes, rng=np.random.default_rng(0), until=until,
            resume=checkpoint,
        )  # fmt: skip
        checkpoint = result.checkpoint and pickle.loads(pickle.dumps(result.checkpoint))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few epochs, for CI")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    epochs, repeats = (9, 1) if args.quick else (27, args.repeats)
    dataset = load_dataset(DataSpec(dataset="digits"))
    data = (dataset.X_train, dataset.y_train, dataset.X_dev, dataset.y_dev)
    hp = HyperParams(epochs=epochs, batchnorm=True, hidden_units=64, layers=2)
    rungs = rung_epochs(1, 3, epochs)
    straight(hp, data, dataset.n_classes)  # warm-up: kernels, caches
    times = [
        (straight(hp, data, dataset.n_classes), by_rungs(hp, data, dataset.n_classes, rungs))
        for _ in range(repeats)
    ]
    base, paused = min(t[0] for t in times), min(t[1] for t in times)
    report = (
        f"digits, {epochs} epochs, rungs {rungs}, best of {repeats}: straight {base:.3f}s, "
        f"rung by rung {paused:.3f}s, overhead {100 * (paused / base - 1):+.1f}%"
    )
    print(report)
    return report


if __name__ == "__main__":
    main()
