"""Training speed of hpsearch's NumPy network against PyTorch (CPU) on the same network and data,
with scikit-learn's MLPClassifier (no batch normalization, no dropout) as a reference.

    python benchmarks/network_speed.py            # 60,000 × 784 examples, 5 rounds
    python benchmarks/network_speed.py --quick    # a smoke run: 6,000 examples, 2 rounds

One BLAS / PyTorch thread, float32, one epoch per measurement after a warm-up epoch. Rounds
alternate between the frameworks and the figures are medians, so that the ratio measured in one
run survives a noisy, shared machine. The GEMM rate is a large float32 matrix product's."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from hpsearch.nn import HyperParams, Network
from hpsearch.nn.optimizers import make_optimizer
from hpsearch.nn.training import Batches, train_epoch

N_FEATURES, N_CLASSES, KEEP_PROB, LEARNING_RATE = 784, 10, 0.8, 1e-3


@dataclass(frozen=True)
class Case:
    hidden: tuple[int, ...]
    batch_size: int

    @property
    def name(self) -> str:
        sizes = "→".join(map(str, (N_FEATURES, *self.hidden, N_CLASSES)))
        return f"{sizes}, batch {self.batch_size}"

    def step_flops(self) -> int:
        """Multiply-adds ×2 of one step's matrix products: forward, dW everywhere, dX but for
        the first layer."""
        sizes = (N_FEATURES, *self.hidden, N_CLASSES)
        products = [a * b for a, b in pairwise(sizes)]
        return 2 * self.batch_size * (2 * sum(products) + sum(products[1:]))


CASES = (Case((256, 128), 128), Case((64, 64), 64))


def hpsearch_epoch(case: Case, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    hp = HyperParams(
        layers=len(case.hidden),
        hidden_units=case.hidden,
        keep_prob=KEEP_PROB,
        batch_size=case.batch_size,
        learning_rate=LEARNING_RATE,
    )
    rng = np.random.default_rng(0)
    network, optimizer = Network(hp, N_FEATURES, N_CLASSES, rng), make_optimizer(hp)
    batches = Batches(X, y, case.batch_size)

    def epoch() -> None:
        train_epoch(network, optimizer, batches, epoch=1, learning_rate=LEARNING_RATE, rng=rng)

    return epoch


def torch_epoch(
    case: Case, X: np.ndarray, y: np.ndarray, *, fused: bool = False
) -> Callable[[], None]:
    """PyTorch as a user writes it; `fused` selects Adam's single-kernel CPU implementation
    instead of the default per-tensor loop."""
    import torch

    torch.manual_seed(0)
    layers, width = [], N_FEATURES
    for units in case.hidden:
        layers += [
            torch.nn.Linear(width, units, bias=False),
            torch.nn.BatchNorm1d(units),
            torch.nn.ReLU(),
            torch.nn.Dropout(1 - KEEP_PROB),
        ]
        width = units
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, N_CLASSES)).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, fused=fused or None)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_all, y_all = torch.from_numpy(X), torch.from_numpy(y)
    X_batch = torch.empty((case.batch_size, N_FEATURES))
    y_batch = torch.empty(case.batch_size, dtype=torch.int64)

    def epoch() -> None:  # the same per-batch gather into a preallocated buffer as hpsearch's
        order = torch.randperm(len(X_all))
        for start in range(0, len(order), case.batch_size):
            rows = order[start : start + case.batch_size]
            xb, yb = X_batch[: len(rows)], y_batch[: len(rows)]
            torch.index_select(X_all, 0, rows, out=xb)
            torch.index_select(y_all, 0, rows, out=yb)
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            optimizer.step()

    return epoch


def sklearn_epoch(case: Case, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=case.hidden,
        batch_size=case.batch_size,
        alpha=0.0,
        learning_rate_init=LEARNING_RATE,
        random_state=0,
    )
    classes = np.arange(N_CLASSES)

    def epoch() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.partial_fit(X, y, classes=classes)  # one pass over the data

    return epoch


FRAMEWORKS = {
    "hpsearch": hpsearch_epoch,
    "PyTorch": torch_epoch,
    "PyTorch, fused Adam": partial(torch_epoch, fused=True),
    "scikit-learn": sklearn_epoch,  # MLPClassifier: no batch normalization, no dropout
}


def gemm_seconds() -> float:
    """One 2048² float32 matrix product: 2·2048³ flops."""
    a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
    start = time.perf_counter()
    np.matmul(a, a)
    return time.perf_counter() - start


def measure(case: Case, X: np.ndarray, y: np.ndarray, rounds: int) -> tuple[dict, float]:
    """Median samples/s of each framework, one epoch each per round, rounds interleaved; and the
    median GEMM rate in GFLOP/s, measured between them."""
    epochs = {name: make(case, X, y) for name, make in FRAMEWORKS.items()}
    for epoch in epochs.values():
        epoch()  # warm-up: allocation, first touch, lazy initialization
    times: dict[str, list[float]] = {name: [] for name in [*epochs, "GEMM"]}
    for _ in range(rounds):
        for name, epoch in epochs.items():
            start = time.perf_counter()
            epoch()
            times[name].append(time.perf_counter() - start)
        times["GEMM"].append(min(gemm_seconds() for _ in range(3)))
    gflops = 2 * 2048**3 / statistics.median(times.pop("GEMM")) / 1e9
    return {name: len(X) / statistics.median(t) for name, t in times.items()}, gflops


def report(case: Case, rates: dict[str, float], gflops: float) -> None:
    print(f"\n{case.name}, ReLU, batch norm, keep_prob {KEEP_PROB}, Adam, 1 thread")
    for name, rate in rates.items():
        print(f"  {name:<21}{rate:>10,.0f} samples/s")
    ours = rates["hpsearch"]
    step = case.step_flops() / case.batch_size * ours / 1e9
    print(
        f"  hpsearch / PyTorch: {ours / rates['PyTorch']:.2f}× "
        f"(against fused Adam: {ours / rates['PyTorch, fused Adam']:.2f}×); "
        f"matrix products at {step:.0f} GFLOP/s, {step / gflops:.0%} of the GEMM rate "
        f"({gflops:.0f} GFLOP/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6,000 examples, 2 rounds")
    parser.add_argument("--rounds", type=int, help="epochs measured per framework (default 5)")
    args = parser.parse_args()
    samples, rounds = (6_000, 2) if args.quick else (60_000, 5)
    rounds = args.rounds or rounds

    import torch

    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        rng = np.random.default_rng(0)
        X = rng.standard_normal((samples, N_FEATURES), dtype=np.float32)
        y = rng.integers(0, N_CLASSES, samples)
        print(f"{samples:,} random examples × {N_FEATURES} float32; median of {rounds} epochs")
        for case in CASES:
            report(case, *measure(case, X, y, rounds))


if __name__ == "__main__":
    main()
