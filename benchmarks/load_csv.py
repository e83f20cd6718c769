"""How long `load_dataset` takes on a large numeric CSV file, and how much memory it needs.

    python benchmarks/load_csv.py [--rows 1000000] [--features 50] [--gaps]

Writes the file in a temporary folder (rows drawn from a pool of distinct random rows, so writing
stays quick; parsing costs the same), then loads it in a child process, which reports its wall
time and its peak resident memory (`resource.getrusage(RUSAGE_SELF).ru_maxrss`) before and after
the load. The figure to compare with the float32 size of the data is the growth of that peak.
With --gaps, about one row in a thousand has an NA cell and the file is loaded with
`missing: drop`, which takes the second, slower reader.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
POOL = 20_000  # distinct rows to draw from
CHILD = """
import json, resource, sys, time
from hpsearch.data import DataSpec, load_dataset
def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
before = peak_mib()
start = time.perf_counter()
data = load_dataset(DataSpec(dataset=sys.argv[1], missing=sys.argv[2]))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "before_mib": before, "peak_mib": peak_mib(),
                  "summary": data.describe()}))
"""


def write_csv(path: Path, rows: int, features: int, gaps: bool, rng: np.random.Generator) -> None:
    """A header, then `rows` lines of `features` numbers and an integer label (5 classes)."""
    values = rng.normal(size=(POOL, features)).round(6).tolist()
    if gaps:
        for row in values[: POOL // 1000]:
            row[0] = "NA"
    labels = rng.integers(0, 5, POOL)
    pool = np.array([",".join(map(str, row)) for row in values], dtype=object)
    pool = pool + "," + labels.astype(str).astype(object)
    header = ",".join([*(f"f{i}" for i in range(features)), "label"])
    with path.open("w") as stream:
        stream.write(header + "\n")
        for start in range(0, rows, 100_000):
            picks = rng.integers(0, POOL, min(100_000, rows - start))
            stream.write("\n".join(pool[picks]) + "\n")


def in_child(*args: str) -> str:
    """Runs Python in a child process: ru_maxrss survives exec on Linux, so the parent stays
    small and writes nothing big itself, or the child's figure would include the parent's."""
    result = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--gaps", action="store_true", help="NA in 0.1%% of rows; missing: drop")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)  # the writing child
    args = parser.parse_args()
    if args.write:
        write_csv(args.write, args.rows, args.features, args.gaps, np.random.default_rng(0))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        start = time.perf_counter()
        shape = (f"--rows={args.rows}", f"--features={args.features}")
        in_child(__file__, *shape, *["--gaps"] * args.gaps, f"--write={path}")
        written = time.perf_counter() - start
        result = json.loads(in_child("-c", CHILD, str(path), "drop" if args.gaps else "error"))
        file_mib = path.stat().st_size / 2**20
    data_mib = args.rows * args.features * 4 / 2**20
    growth = float(result["peak_mib"]) - float(result["before_mib"])
    print(f"file        {args.rows:,} rows × {args.features} features + label, {file_mib:,.0f} MiB")
    print(f"            (written in {written:.1f} s)")
    print(f"loaded      {result['summary']}")
    print(f"time        {float(result['seconds']):.2f} s for load_dataset")
    print(f"float32     {data_mib:,.0f} MiB of features")
    print(
        f"peak RSS    {float(result['peak_mib']):,.0f} MiB "
        f"(after imports {float(result['before_mib']):,.0f} MiB)"
    )
    print(f"growth      {growth:,.0f} MiB = {growth / data_mib:.2f} × the float32 size")


if __name__ == "__main__":
    main()
