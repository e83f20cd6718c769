"""How fast `hpsearch predict` goes through a large CSV file, and how much memory it needs.

    python benchmarks/predict.py [--rows 1000000] [--kind numeric|mixed] [--quick]

Writes the file in a temporary folder (as `load_csv.py` does: 50 numeric columns, or 40 numeric
and 10 text columns with 5% of the cells empty) and a model file for its columns (a network of two
hidden layers of 64 units; its weights do not change the cost of a prediction; for the mixed file,
each numeric column with a gap flag and each text column one-hot over its 8 levels, (missing) and
(other)), then, each in a child process that reports its wall time and the growth of its peak
resident memory: (1) reading the file's blocks alone, with the reader `predict` uses — what
parsing costs; (2) `predict_file`, writing every prediction with its probabilities to a CSV file.
The aim: prediction limited by the parsing, memory a small multiple of one block's text and
floats, whatever the file's length. --quick: 20,000 rows, for CI.
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
from hpsearch.study.model import load_model
from hpsearch.study.predict import predict_file
def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
mode, model, data, output = sys.argv[1:5]
columns = load_model(model).columns
before = peak_mib()
start = time.perf_counter()
if mode == "parse":
    rows = sum(len(block) for block in read_rows(data, "data", columns, "label").blocks())
else:
    rows = predict_file(model, data, output=__import__("pathlib").Path(output), proba=True).rows
print(json.dumps({"seconds": time.perf_counter() - start, "rows": rows,
                  "before_mib": before, "peak_mib": peak_mib()}))
"""


def write_model(path: Path, kind: str) -> None:
    """A model file for the columns `load_csv.py` writes and a `label` column of 5 classes."""
    import io

    from hpsearch.data.columns import Column, plan_inputs
    from hpsearch.nn import HyperParams, Network
    from hpsearch.store.model_file import ModelInfo, pack_model

    if kind == "numeric":
        columns = [Column(f"f{i}", "numeric") for i in range(50)]
    else:
        columns = [Column(f"n{i}", "numeric", indicator=True) for i in range(40)] + [
            Column(f"c{j}", "categorical", levels=tuple(f"c{j}_{k}" for k in range(8)),
                   missing_level=True, other=True)
            for j in range(10)
        ]  # fmt: skip
    inputs = plan_inputs(columns)
    hp = HyperParams(hidden_units=[64, 64], batchnorm=True)
    network = Network(hp, len(inputs), 5, np.random.default_rng(0))
    buffer = io.BytesIO()
    network.save(buffer)
    info = ModelInfo(
        tuple(c.name for c in columns), tuple("01234"), "label", "benchmark", "benchmark", 0, 0,
        None, columns=tuple(c.to_dict() for c in columns), inputs=inputs,
    )  # fmt: skip
    mean, std = np.zeros(len(inputs), np.float32), np.ones(len(inputs), np.float32)
    path.write_bytes(pack_model(buffer.getvalue(), info, mean, std))


def measure(mode: str, model: Path, data: Path, output: Path) -> dict:
    return json.loads(in_child("-c", CHILD, mode, str(model), str(data), str(output)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--kind", choices=("numeric", "mixed"), default="numeric")
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    from hpsearch.data.csvblock import CHUNK_BYTES

    with tempfile.TemporaryDirectory() as folder:
        data, model, output = (Path(folder) / name for name in ("big.csv", "m.npz", "out.csv"))
        start = time.perf_counter()
        script = Path(__file__).with_name("load_csv.py")
        in_child(str(script), f"--rows={rows}", f"--write={args.kind}:{data}")
        written = time.perf_counter() - start
        write_model(model, args.kind)
        parse = measure("parse", model, data, output)
        predict = measure("predict", model, data, output)
        file_mib, out_mib = data.stat().st_size / 2**20, output.stat().st_size / 2**20
    block_rows = min(rows, int(rows * CHUNK_BYTES / 2**20 / file_mib))
    block_mib = block_rows * (file_mib / rows + 200 * 4 / 2**20)
    command = "python benchmarks/predict.py" + f" --kind {args.kind}" * (args.kind != "numeric")
    print(f"`{command}{' --quick' if args.quick else ''}`")
    print(f"file        {rows:,} rows × 50 {args.kind} columns + label, {file_mib:,.0f} MiB")
    print(f"            (written in {written:.1f} s)")
    for name, result in (("parse only", parse), ("predict", predict)):
        growth = float(result["peak_mib"]) - float(result["before_mib"])
        print(
            f"{name:<11} {float(result['seconds']):.2f} s, "
            f"{result['rows'] / float(result['seconds']):,.0f} rows/s, "
            f"peak RSS +{growth:,.0f} MiB"
        )
    print(f"one block   {block_rows:,} rows: at most {block_mib:,.0f} MiB of text and inputs")
    print(f"output      {out_mib:,.0f} MiB of predictions with probabilities")
    print(f"predict / parse time: {float(predict['seconds']) / float(parse['seconds']):.2f}")


if __name__ == "__main__":
    main()
