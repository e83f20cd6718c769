"""Training speed of hpsearch's network, on both engines (NumPy, and numba's fused kernels),
against PyTorch (CPU) on the same network and data, with scikit-learn's MLPClassifier (no batch
normalization, no dropout) as a reference, and the bound the matrix products alone set; and on
each engine the same epoch with what the tabular-network recipes add (AdamW, the cosine's α,
label smoothing 0.1), as a ratio to Adam alone.

    python benchmarks/network_speed.py            # 60,000 × 784 examples, 5 rounds
    python benchmarks/network_speed.py --quick    # a smoke run: 6,000 examples, 2 rounds
    python benchmarks/network_speed.py --threads-only   # one trial on 1 and on 2 BLAS threads

One BLAS / PyTorch thread, float32, one epoch per measurement after a warm-up epoch. Rounds
alternate between the frameworks and the figures are medians, so that the ratio measured in one
run survives a noisy, shared machine. The GEMM rate is a large float32 matrix product's; "matrix
products only" runs just a step's products (forward, dW, dX) for an epoch's steps.

Where OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE is set, the engines are measured a second time in a
subprocess without them, on OpenBLAS's native kernels for this CPU.

Last, one 784→256→128→10 epoch on both engines with `search.threads` 1 and 2: what one big
trial alone (`--workers 1`) gains from the cores (`hpsearch.execution.threads.blas_threads`)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from hpsearch.nn import HyperParams, Network
from hpsearch.nn.optimizer_choice import make_optimizer
from hpsearch.nn.schedules import learning_rate
from hpsearch.nn.training import Batches, train_epoch

N_FEATURES, N_CLASSES, KEEP_PROB, LEARNING_RATE = 784, 10, 0.8, 1e-3
OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # they change OpenBLAS's kernels


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


# What the tabular-network recipes add (`init --preset strong`), used together.
ADDITIONS = dict(
    optimizer="adamw", weight_decay=0.01, decay_schedule="cosine", warmup_epochs=1, epochs=20,
    label_smoothing=0.1,
)  # fmt: skip


def hpsearch_epoch(
    case: Case, X: np.ndarray, y: np.ndarray, engine: str, additions: bool = False
) -> Callable[[], None]:
    """One epoch of `train_epoch`; with `additions`, AdamW, the cosine's α for the epoch and
    label smoothing (the best epoch kept costs nothing in an epoch: the copy is patience's)."""
    hp = HyperParams(
        layers=len(case.hidden),
        hidden_units=case.hidden,
        keep_prob=KEEP_PROB,
        batch_size=case.batch_size,
        learning_rate=LEARNING_RATE,
        **(ADDITIONS if additions else {}),
    )
    rng = np.random.default_rng(0)
    network = Network(hp, N_FEATURES, N_CLASSES, rng, engine=engine)
    optimizer = make_optimizer(hp, engine, network.n_weights)
    batches = Batches(X, y, case.batch_size)
    count = iter(range(10**9))

    def epoch() -> None:
        rate = learning_rate(hp, next(count) % hp.epochs)
        train_epoch(network, optimizer, batches, epoch=1, learning_rate=rate, rng=rng)

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


def products_epoch(case: Case, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    """An epoch's steps of matrix products alone, on preallocated buffers: the bound for any
    engine that computes them with this BLAS."""
    sizes, n = (N_FEATURES, *case.hidden, N_CLASSES), case.batch_size
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal(shape, dtype=np.float32) for shape in pairwise(sizes)]
    acts = [np.empty((n, units), np.float32) for units in sizes]  # acts[0] unused: x is X's
    dWs = [np.empty_like(W) for W in Ws]
    starts = [start % (len(X) - n + 1) for start in range(0, len(X), n)]

    def epoch() -> None:
        for start in starts:
            x = X[start : start + n]
            for layer, W in enumerate(Ws):
                np.matmul(x if layer == 0 else acts[layer], W, out=acts[layer + 1])
            for layer in range(len(Ws) - 1, -1, -1):
                np.matmul((x if layer == 0 else acts[layer]).T, acts[layer + 1], out=dWs[layer])
                if layer > 0:  # dX, written over the layer's input: its values do not matter
                    np.matmul(acts[layer + 1], Ws[layer].T, out=acts[layer])

    return epoch


ADDED = " + AdamW, cosine, smoothing"
ENGINES = {
    "hpsearch, NumPy": partial(hpsearch_epoch, engine="numpy"),
    "hpsearch, numba": partial(hpsearch_epoch, engine="numba"),
    f"NumPy{ADDED}": partial(hpsearch_epoch, engine="numpy", additions=True),
    f"numba{ADDED}": partial(hpsearch_epoch, engine="numba", additions=True),
    "matrix products only": products_epoch,
}
FRAMEWORKS = {
    **ENGINES,
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


def measure(
    case: Case, X: np.ndarray, y: np.ndarray, rounds: int, frameworks: dict
) -> tuple[dict, float]:
    """Median samples/s of each framework, one epoch each per round, rounds interleaved; and the
    median GEMM rate in GFLOP/s, measured between them."""
    epochs = {name: make(case, X, y) for name, make in frameworks.items()}
    for epoch in epochs.values():
        epoch()  # warm-up: allocation, first touch, lazy initialization, compiling
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
    """samples/s, the ratio to the NumPy engine, and the rate of the matrix products (the
    step's GFLOP/s) as a share of the GEMM rate."""
    print(f"\n{case.name}, ReLU, batch norm, keep_prob {KEEP_PROB}, Adam, 1 thread")
    print(f"  {'':<36}{'samples/s':>10}{'vs NumPy':>10}{'of GEMM rate':>14}")
    numpy_rate = rates["hpsearch, NumPy"]
    for name, rate in rates.items():
        share = case.step_flops() / case.batch_size * rate / 1e9 / gflops
        print(f"  {name:<36}{rate:>10,.0f}{rate / numpy_rate:>9.2f}×{share:>14.0%}")
    print(f"  GEMM rate: {gflops:.0f} GFLOP/s (2048² float32 matrix product)")
    costs = [
        f"{engine} {rates[f'{engine}{ADDED}'] / rates[f'hpsearch, {engine}']:.3f}×"
        for engine in ("NumPy", "numba")
        if f"{engine}{ADDED}" in rates
    ]
    if costs:
        print(f"  AdamW, cosine and label smoothing against Adam alone: {', '.join(costs)}")


THREAD_COUNTS = (1, 2)


def threads_section(X: np.ndarray, y: np.ndarray, rounds: int) -> None:
    """samples/s of one trial's epoch with 1 and with 2 BLAS threads, each engine."""
    from hpsearch.execution.threads import blas_threads

    case = CASES[0]
    print(f"\nOne trial, {case.name}, on 1 and {THREAD_COUNTS[-1]} BLAS threads (search.threads)")
    print(f"  {'':<22}" + "".join(f"{f'{t} thread' + 's' * (t > 1):>12}" for t in THREAD_COUNTS))
    for name, make in ENGINES.items():
        if not name.startswith("hpsearch"):
            continue
        rates = []
        for threads in THREAD_COUNTS:
            with blas_threads(threads):
                rates.append(measure(case, X, y, rounds, {name: make})[0][name])
        cells = "".join(f"{rate:>12,.0f}" for rate in rates)
        print(f"  {name:<22}{cells}   ×{rates[-1] / rates[0]:.2f} samples/s")


def blas_kernels() -> str:
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    return ", ".join(f"{i['internal_api']} {i['version']} {i.get('architecture')}" for i in blas)


def native_run(args: argparse.Namespace) -> None:
    """The engines again in a subprocess without OpenBLAS's kernel overrides, if any are set."""
    overridden = {name: os.environ[name] for name in OVERRIDES if name in os.environ}
    if not overridden:
        print("\n(no OpenBLAS override is set: the figures above are the native kernels')")
        return
    settings = ", ".join(f"{k}={v}" for k, v in overridden.items())
    print(f"\nThe engines without {settings}:", flush=True)
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    command = [sys.executable, __file__, "--engines-only", *(["--quick"] if args.quick else [])]
    if args.rounds:
        command += ["--rounds", str(args.rounds)]
    subprocess.run(command, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6,000 examples, 2 rounds")
    parser.add_argument("--rounds", type=int, help="epochs measured per framework (default 5)")
    parser.add_argument(
        "--engines-only", action="store_true", help="hpsearch's engines and the bound only"
    )
    parser.add_argument(
        "--threads-only", action="store_true", help="one trial on 1 and on 2 BLAS threads only"
    )
    args = parser.parse_args()
    samples, rounds = (6_000, 2) if args.quick else (60_000, 5)
    rounds = args.rounds or rounds
    frameworks = ENGINES if args.engines_only else FRAMEWORKS
    if not args.engines_only:
        import torch

        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((samples, N_FEATURES), dtype=np.float32)
    y = rng.integers(0, N_CLASSES, samples)
    print(f"{samples:,} random examples × {N_FEATURES} float32; median of {rounds} epochs")
    if args.threads_only:
        threads_section(X, y, rounds)
        return
    with threadpool_limits(limits=1):
        print(f"BLAS: {blas_kernels()}, 1 thread", flush=True)
        for case in CASES:
            report(case, *measure(case, X, y, rounds, frameworks))
    if not args.engines_only:
        threads_section(X, y, rounds)
        native_run(args)


if __name__ == "__main__":
    main()
