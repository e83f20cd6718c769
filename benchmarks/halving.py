"""Successive halving and Hyperband against plain random search at the same total epochs, and
Optuna's pruners driving the same network epoch by epoch at that budget.

For each dataset and seed: a Hyperband study sets the budget (the epochs it trained in all);
successive halving gets as many trials as fit in it, plain random search as many full trials.
Each study runs through `run_study`, as `hpsearch run` would, on one in-process worker. Reported:
the best dev error, the test error of the pick, and the epochs each needed to reach plain random
search's median best dev error (wall time pro rata). Optuna's HyperbandPruner and
SuccessiveHalvingPruner, with RandomSampler and TPESampler, train the same network epoch by
epoch (going on from a checkpoint, as hpsearch does) until the budget is spent; each is also run
twice with two parallel workers, to see whether it gives the same result twice. Run from the
repository root: `python benchmarks/halving.py [--quick] [--seeds N] [--output FILE]`."""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from halving_optuna import OPTUNA_VARIANTS, optuna_search, optuna_twice
from halving_outcome import Outcome
from search_figures import paired, verdict

from hpsearch.config import parse_config
from hpsearch.data import load_dataset
from hpsearch.nn import Network
from hpsearch.search.halving import plan_brackets
from hpsearch.search.ranking import rank
from hpsearch.study.run import Execution, run_study

DATASETS = {  # name → (the data section, the full budget in epochs)
    "spirals": ("{dataset: spirals, n_samples: 10000, classes: 3, noise: 0.3}", 9),
    "digits": ("{dataset: digits}", 27),
}
SPACE = """\
  learning_rate: {distribution: log_uniform, low: 1e-4, high: 1}
  beta1: {distribution: one_minus_log_uniform, low: 0.8, high: 0.999}
  layers: {distribution: int_uniform, low: 1, high: 3}
  hidden_units: {distribution: int_uniform, low: 16, high: 128}
  l2: {distribution: log_uniform, low: 1e-5, high: 1e-1}
  batch_size: 128
"""
STUDY = """\
name: %(name)s
data: %(data)s
hyperparameters:
%(space)s  epochs: %(epochs)d
search: {trials: %(trials)d, seed: %(seed)d, schedule: %(schedule)s, workers: %(workers)d}
"""


def hpsearch_search(
    name: str, seed: int, schedule: str, trials: int, folder: Path, workers: int = 1
) -> Outcome:
    data, epochs = DATASETS[name]
    text = STUDY % dict(
        name=name, data=data, space=SPACE, epochs=epochs, trials=trials, seed=seed,
        schedule=schedule, workers=workers,
    )  # fmt: skip
    config = parse_config(text, f"{name}.yaml")
    start = time.perf_counter()
    run = run_study(config, folder, Execution.of(config.search))
    wall = time.perf_counter() - start
    best = rank(run.records)[0]
    dataset = load_dataset(config.data)
    network = Network.load(run.snapshot.weights_path(best.number))
    table = [(r.number, str(r.state), r.epochs, r.dev_error, r.message) for r in run.records]
    return Outcome(
        best.dev_error, network.error(dataset.X_test, dataset.y_test),
        sum(r.epochs for r in run.records), wall, _trace(run, epochs), table, run.utilisation,
    )  # fmt: skip


def _trace(run, budget: int) -> list[tuple[int, float]]:
    """Epochs spent and the best full-budget dev error, in the order the rungs ran (a trial's
    rung costs the epochs it ran past the rung before)."""
    with sqlite3.connect(run.folder / "study.db") as conn:
        rows = conn.execute("SELECT trial, epochs, dev_error FROM rungs ORDER BY rowid").fetchall()
    if not rows:  # plain: one trial after another
        rows = [(r.number, r.epochs, r.dev_error) for r in run.records]
    reached: dict[int, int] = {}
    spent, best, trace = 0, float("inf"), []
    finals = {r.number: r for r in run.records}
    for trial, epochs, dev_error in rows:
        done = min(epochs, finals[trial].epochs)
        spent += done - reached.get(trial, 0)
        reached[trial] = done
        final = finals[trial]
        if final.state == "complete" and done == final.epochs and dev_error is not None:
            best = min(best, dev_error)
        trace.append((spent, best))
    return trace


def halving_trials(budget: int, epochs: int) -> int:
    """The most successive-halving trials whose planned epochs fit in `budget`."""
    n = 3
    while (
        plan_brackets(range(n + 1), schedule="halving", min_epochs=1, eta=3, epochs=epochs)[
            0
        ].planned_epochs(3)
        <= budget
    ):
        n += 1
    return n


def one_seed(
    name: str, seed: int, hb_trials: int, folder: Path, variants: tuple[str, ...]
) -> dict[str, Outcome]:
    _, epochs = DATASETS[name]
    hb = hpsearch_search(name, seed, "hyperband", hb_trials, folder / "hb")
    found = {"hyperband": hb}
    found["halving"] = hpsearch_search(
        name, seed, "halving", halving_trials(hb.epochs, epochs), folder / "sh"
    )
    found["plain"] = hpsearch_search(
        name, seed, "plain", max(1, round(hb.epochs / epochs)), folder / "plain"
    )
    for label in variants:
        found[label] = optuna_search(name, seed, label, hb.epochs, DATASETS[name])
    return found


def report(
    results: dict[str, list[dict[str, Outcome]]], seeds: int, optuna_seeds: int, command: str
) -> str:
    lines = [
        f"`{command}`: {seeds} seeds per dataset (Optuna: the first {optuna_seeds}), every "
        "search at Hyperband's epochs.",
        "",
    ]
    lines += [
        "| dataset | search | best dev error (median) | test error of the pick (median) | "
        "epochs | epochs to plain's median best (median, reached in) | wall s | "
        "wall s to plain's median best (median, pro rata) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    claims = []
    for name, per_seed in results.items():
        target = statistics.median(s["plain"].best_dev for s in per_seed)
        for label in dict.fromkeys(label for s in per_seed for label in s):
            runs = [s[label] for s in per_seed if label in s]
            to = [r.epochs_to(target) for r in runs]
            reached = [t for t in to if t is not None]
            median_to = f"{statistics.median(reached):.0f}" if reached else "–"
            walls = [r.wall_s * t / r.epochs for r, t in zip(runs, to, strict=True) if t]
            wall_to = f"{statistics.median(walls):.1f}" if walls else "–"
            lines.append(
                f"| {name} | {label} | {statistics.median(r.best_dev for r in runs):.4f} | "
                f"{statistics.median(r.pick_test for r in runs):.4f} | "
                f"{statistics.median(r.epochs for r in runs):.0f} | {median_to} "
                f"({len(reached)} of {len(runs)}) | "
                f"{statistics.median(r.wall_s for r in runs):.1f} | {wall_to} |"
            )
        plain = [s["plain"].best_dev for s in per_seed]
        for label in ("halving", "hyperband"):
            ours = [s[label].best_dev for s in per_seed]
            counts = paired(ours, plain, lambda a, b: a < b)
            claims.append(
                f"- {name}: {label}'s best dev error below plain random's: {verdict(counts)}"
            )
            third = [
                (s[label].epochs_to(target) or 10**9) <= s["plain"].epochs / 3 for s in per_seed
            ]
            claims.append(
                f"- {name}: {label} reaches plain random's median best within a third of "
                f"plain's epochs in {sum(third)} of {len(third)} seeds"
            )
    return "\n".join([*lines, "", *claims, ""])


def reproducibility(
    name: str, seed: int, hb_trials: int, folder: Path, variants: tuple[str, ...]
) -> list[str]:
    """hpsearch's Hyperband twice on two workers, and each Optuna variant twice on two."""
    first = hpsearch_search(name, seed, "hyperband", hb_trials, folder / "r1", workers=2)
    second = hpsearch_search(name, seed, "hyperband", hb_trials, folder / "r2", workers=2)
    same = first.table == second.table
    busy = f"workers busy {first.utilisation.share:.0%} and {second.utilisation.share:.0%}"
    lines = [
        f"- {name}, hpsearch hyperband, 2 workers, twice: {'same' if same else 'DIFFERENT'} "
        f"({busy})"
    ]
    for label in variants:
        same = optuna_twice(name, seed, label, first.epochs, DATASETS[name])
        lines.append(
            f"- {name}, Optuna {label}, 2 workers, twice: {'same' if same else 'different'}"
        )
    return lines


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, digits, few trials")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--optuna-seeds", type=int, default=10, help="the first N seeds")
    parser.add_argument("--trials", type=int, default=30, help="Hyperband's trials")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    seeds, trials = (1, 12) if args.quick else (args.seeds, args.trials)
    names = ["digits"] if args.quick else list(DATASETS)
    variants = OPTUNA_VARIANTS[:1] if args.quick else OPTUNA_VARIANTS
    if args.quick:  # a budget of 9 epochs: rungs 1, 3, 9
        DATASETS["digits"] = (DATASETS["digits"][0], 9)
    given = [
        f"--{name.replace('_', '-')} {getattr(args, name)}"
        for name in ("seeds", "optuna_seeds", "trials")
        if getattr(args, name) != parser.get_default(name)
    ]
    command = " ".join(["python benchmarks/halving.py", *(["--quick"] if args.quick else given)])
    if args.quick:
        args.optuna_seeds = 1
    results: dict[str, list[dict[str, Outcome]]] = {}
    repro = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            results[name] = [
                one_seed(
                    name,
                    seed,
                    trials,
                    Path(tmp) / f"{name}-{seed}",
                    variants if seed < args.optuna_seeds else (),
                )
                for seed in range(seeds)
            ]
            repro += reproducibility(name, 0, trials, Path(tmp) / f"{name}-repro", variants)
    text = (
        report(results, seeds, min(seeds, args.optuna_seeds), command)
        + "\nSame result twice?\n\n"
        + "\n".join(repro)
        + "\n"
    )
    print(text, end="")
    if args.output:
        args.output.write_text(text)
    return text


if __name__ == "__main__":
    main()
