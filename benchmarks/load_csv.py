"""How long `load_dataset` takes on a large CSV file, and how much memory it needs: a numeric file,
and a file as users bring them, of the same rows and columns.

    python benchmarks/load_csv.py [--rows 1000000] [--quick] [--gaps] [--only numeric|mixed]

Writes each file in a temporary folder (rows drawn from a pool of distinct random rows, so
writing stays quick; parsing costs the same), then loads it in a child process, which reports
its wall time and its peak resident memory (`resource.getrusage(RUSAGE_SELF).ru_maxrss`) before
and after the load. The files, 1,000,000 rows by default:

- numeric: 50 numeric columns and an integer label (5 classes), no gap;
- mixed: 40 numeric and 10 text columns (8 levels each, and a rare ninth), 5% of every
  feature's cells empty, loaded as a study does by default (`missing: impute`): each text
  column one-hot, each numeric gap filled with the train median and flagged.

The figures to compare: the mixed load's time against the numeric one's (the aim: within 2×;
the CPU time's ratio too, which a machine shared with other work disturbs less than the wall's),
and the peak memory's growth against the size of the arrays the load returns (float32 inputs
of train, dev and test: the "encoded array"). With --gaps, the numeric file instead has `NA`
in about one row in a thousand and is loaded with `missing: drop`.
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
start, cpu = time.perf_counter(), time.process_time()
data = load_dataset(DataSpec(dataset=sys.argv[1], missing=sys.argv[2]))
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
encoded = sum(getattr(data, f"X_{part}").nbytes for part in ("train", "dev", "test"))
print(json.dumps({"seconds": seconds, "cpu": cpu, "before_mib": before, "peak_mib": peak_mib(),
                  "encoded_mib": encoded / 2**20, "summary": data.describe()}))
"""


def write_numeric(path: Path, rows: int, gaps: bool, rng: np.random.Generator) -> None:
    """A header, then `rows` lines of 50 numbers and an integer label (5 classes)."""
    values = rng.normal(size=(POOL, 50)).round(6).astype(str).astype(object)
    if gaps:
        values[: POOL // 1000, 0] = "NA"
    _write(path, [f"f{i}" for i in range(50)], values, rows, rng)


def write_mixed(path: Path, rows: int, rng: np.random.Generator) -> None:
    """40 numbers and 10 text columns (levels `c3_0` … `c3_7`, and a rare `c3_rare`), 5% of
    every feature cell empty, an integer label."""
    numbers = rng.normal(size=(POOL, 40)).round(6).astype(str).astype(object)
    levels = np.array([[f"c{j}_{k}" for k in range(8)] + [f"c{j}_rare"] for j in range(10)])
    picks = np.minimum(rng.integers(0, 8, (POOL, 10)) + (rng.random((POOL, 10)) < 1e-4) * 8, 8)
    texts = levels[np.arange(10), picks].astype(object)
    values = np.concatenate([numbers, texts], axis=1)
    values[rng.random(values.shape) < 0.05] = ""
    names = [f"n{i}" for i in range(40)] + [f"c{j}" for j in range(10)]
    _write(path, names, values, rows, rng)


def _write(
    path: Path, names: list[str], values: np.ndarray, rows: int, rng: np.random.Generator
) -> None:
    labels = rng.integers(0, 5, POOL).astype(str).astype(object)
    pool = np.array([",".join(row) for row in values], dtype=object) + "," + labels
    with path.open("w") as stream:
        stream.write(",".join([*names, "label"]) + "\n")
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


def measure(kind: str, rows: int, gaps: bool, folder: Path) -> dict:
    path = folder / f"{kind}.csv"
    start = time.perf_counter()
    in_child(__file__, f"--rows={rows}", *["--gaps"] * gaps, f"--write={kind}:{path}")
    written = time.perf_counter() - start
    missing = "drop" if gaps else "impute"
    result = json.loads(in_child("-c", CHILD, str(path), missing))
    result["file_mib"] = path.stat().st_size / 2**20
    result["written"] = written
    path.unlink()
    return result


def report(kind: str, result: dict) -> None:
    growth = float(result["peak_mib"]) - float(result["before_mib"])
    encoded = float(result["encoded_mib"])
    print(f"{kind}: {result['summary']}")
    print(f"  file      {result['file_mib']:,.0f} MiB (written in {result['written']:.1f} s)")
    print(
        f"  time      {float(result['seconds']):.2f} s for load_dataset "
        f"({float(result['cpu']):.2f} s of CPU)"
    )
    print(f"  encoded   {encoded:,.0f} MiB of float32 inputs (train, dev and test)")
    print(
        f"  peak RSS  {float(result['peak_mib']):,.0f} MiB (after imports "
        f"{float(result['before_mib']):,.0f} MiB): growth {growth:,.0f} MiB = "
        f"{growth / encoded:.2f} × the encoded arrays"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows: a smoke run")
    parser.add_argument("--gaps", action="store_true", help="numeric: NA in 0.1%% of rows, drop")
    parser.add_argument("--only", choices=("numeric", "mixed"))
    parser.add_argument("--write", help=argparse.SUPPRESS)  # the writing child: KIND:PATH
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    if args.write:
        kind, path = args.write.split(":", 1)
        rng = np.random.default_rng(0)
        if kind == "numeric":
            write_numeric(Path(path), rows, args.gaps, rng)
        else:
            write_mixed(Path(path), rows, rng)
        return
    kinds = [args.only] if args.only else ["numeric", "mixed"]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            results[kind] = measure(kind, rows, args.gaps and kind == "numeric", Path(folder))
            report(kind, results[kind])
    if len(results) == 2:
        wall, cpu = (float(results["mixed"][k]) / float(results["numeric"][k])
                     for k in ("seconds", "cpu"))  # fmt: skip
        print(f"mixed / numeric load time: {wall:.2f}× (aim: within 2×); CPU time {cpu:.2f}×")


if __name__ == "__main__":
    main()
