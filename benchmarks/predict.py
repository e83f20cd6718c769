"""How fast `hpsearch predict` goes through a large CSV file, and how much memory it needs.

    python benchmarks/predict.py [--rows 1000000] [--features 50] [--quick]

Writes the file in a temporary folder (as `load_csv.py` does) and a model file for its columns (a
network of two hidden layers of 64 units; its weights do not change the cost of a prediction),
then, each in a child process that reports its wall time and the growth of its peak resident
memory: (1) reading the file's blocks alone, with the reader `predict` uses — what parsing costs;
(2) `predict_file`, writing every prediction with its probabilities to a CSV file. The aim:
prediction limited by the parsing, memory a small multiple of one block's text and floats.
--quick: 20,000 rows × 10 features, for CI.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_csv import in_child

CHILD = """
import json, resource, sys, time
from hpsearch.data.rows import read_rows
from hpsearch.study.predict import predict_file
def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
mode, model, data, output, features = sys.argv[1:6]
names = [f"f{i}" for i in range(int(features))]
before = peak_mib()
start = time.perf_counter()
if mode == "parse":
    rows = sum(len(block.X) for block in read_rows(data, "data", names, "label").blocks())
else:
    rows = predict_file(model, data, output=__import__("pathlib").Path(output), proba=True).rows
print(json.dumps({"seconds": time.perf_counter() - start, "rows": rows,
                  "before_mib": before, "peak_mib": peak_mib()}))
"""


def write_model(path: Path, features: int) -> None:
    """A model file for columns f0…f{features−1} and a `label` column of 5 classes."""
    import io

    from hpsearch.nn import HyperParams, Network
    from hpsearch.store.model_file import ModelInfo, pack_model

    hp = HyperParams(hidden_units=[64, 64], batchnorm=True)
    network = Network(hp, features, 5, np.random.default_rng(0))
    buffer = io.BytesIO()
    network.save(buffer)
    names = tuple(f"f{i}" for i in range(features))
    info = ModelInfo(names, tuple("abcde"), "label", "benchmark", "benchmark", 0, 0, None)
    mean, std = np.zeros(features, np.float32), np.ones(features, np.float32)
    path.write_bytes(pack_model(buffer.getvalue(), info, mean, std))


def measure(mode: str, model: Path, data: Path, output: Path, features: int) -> dict:
    args = (mode, str(model), str(data), str(output), str(features))
    return json.loads(in_child("-c", CHILD, *args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="20,000 rows × 10 features")
    args = parser.parse_args()
    rows, features = (20_000, 10) if args.quick else (args.rows, args.features)
    from hpsearch.data.rows import BLOCK_ROWS

    with tempfile.TemporaryDirectory() as folder:
        data, model, output = (Path(folder) / name for name in ("big.csv", "m.npz", "out.csv"))
        start = time.perf_counter()
        script = Path(__file__).with_name("load_csv.py")
        in_child(str(script), f"--rows={rows}", f"--features={features}", f"--write={data}")
        written = time.perf_counter() - start
        write_model(model, features)
        parse = measure("parse", model, data, output, features)
        predict = measure("predict", model, data, output, features)
        file_mib, out_mib = data.stat().st_size / 2**20, output.stat().st_size / 2**20
    block_mib = min(BLOCK_ROWS, rows) * (file_mib / rows + features * 4 / 2**20)
    command = "python benchmarks/predict.py" + (" --quick" if args.quick else "")
    print(f"`{command}`")
    print(f"file        {rows:,} rows × {features} features + label, {file_mib:,.0f} MiB")
    print(f"            (written in {written:.1f} s)")
    for name, result in (("parse only", parse), ("predict", predict)):
        growth = float(result["peak_mib"]) - float(result["before_mib"])
        print(
            f"{name:<11} {float(result['seconds']):.2f} s, "
            f"{result['rows'] / float(result['seconds']):,.0f} rows/s, "
            f"peak RSS +{growth:,.0f} MiB"
        )
    print(f"one block   {min(BLOCK_ROWS, rows):,} rows: {block_mib:,.0f} MiB of text and float32")
    print(f"output      {out_mib:,.0f} MiB of predictions with probabilities")
    print(f"predict / parse time: {float(predict['seconds']) / float(parse['seconds']):.2f}")


if __name__ == "__main__":
    main()
