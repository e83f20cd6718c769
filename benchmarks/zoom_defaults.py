"""Coarse to fine on a known bowl: how often repeated zooms keep the optimum, how fast they
narrow the hyperparameters that matter and leave those that do not, and what the best trial
found is worth, for the rules a zoom could follow.

Nothing is trained: a trial's dev error is a smooth bowl in log10 α, log10(1 − β) and hidden
units, plus a penalty per activation, plus noise; three more hyperparameters (keep_prob, L2 and
the batch size) do not matter at all. Each seed runs rounds of random trials; after each round
the space is zoomed from the best trials of all rounds so far. Run from the repository root:
`python benchmarks/zoom_defaults.py [--seeds N] [--trials N ...] [--zooms N]`.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hpsearch.search.sampler import plan_trials
from hpsearch.search.space import (
    Choice,
    IntUniform,
    LogUniform,
    OneMinusLogUniform,
    SearchSpace,
    Uniform,
)
from hpsearch.search.zoom import choose_top, counted, narrow
from hpsearch.trial import TrialRecord, TrialState

FIRST = SearchSpace(
    {
        "learning_rate": LogUniform(low=1e-5, high=1.0),
        "beta1": OneMinusLogUniform(low=0.9, high=0.999),
        "hidden_units": IntUniform(low=16, high=256),
        "activation": Choice(choices=["relu", "tanh", "sigmoid"]),
        "keep_prob": Uniform(low=0.5, high=1.0),
        "l2": LogUniform(low=1e-6, high=1e-1),
        "batch_size": Choice(choices=[32, 64, 128, 256]),
    }
)
OPTIMUM = {"learning_rate": 10**-2.5, "beta1": 0.99, "hidden_units": 100}
MATTER = ("learning_rate", "beta1", "hidden_units", "activation")
IDLE = ("keep_prob", "l2", "batch_size")
RULES = {  # name → (margin, evidence level): margin None is 1/(K − 1), the default
    "span ± 0.5, every bound (before)": (0.5, None),
    "span ± 1/(K − 1), every bound": (None, None),
    "span ± 1/(K − 1), evidence at 5%": (None, 0.05),
    "span ± 1/(K − 1), evidence at 10% (default)": (None, 0.1),
    "span ± 1/(K − 1), evidence at 20%": (None, 0.2),
}


def dev_error(params: dict, number: int) -> float:
    alpha = math.log10(params["learning_rate"] / OPTIMUM["learning_rate"])
    beta = math.log10((1 - params["beta1"]) / (1 - OPTIMUM["beta1"]))
    units = (params["hidden_units"] - OPTIMUM["hidden_units"]) / 50
    penalty = {"tanh": 0.0, "relu": 0.01, "sigmoid": 0.2}[params["activation"]]
    noise = np.random.default_rng(number).normal(0, 0.005)
    return 0.05 + 0.02 * alpha**2 + 0.03 * beta**2 + 0.02 * units**2 + penalty + noise


def one_search(seed: int, trials: int, zooms: int, margin: float | None, level: float | None):
    """Per zoom: was every optimum kept, the share of the first range of the hyperparameters
    that matter and of those that do not, and the best dev error of the round after it."""
    space, records, found = FIRST, [], []
    for r in range(zooms + 1):
        numbers = range(r * trials, (r + 1) * trials)
        for spec in plan_trials(space, "random", seed=seed, round=r, numbers=numbers):
            error = dev_error(spec.params, seed * 10**6 + spec.number)
            records.append(
                TrialRecord(spec.number, r, spec.params, 0, TrialState.COMPLETE, dev_error=error)
            )
        best = min(rec.dev_error for rec in records)
        if r:
            found[-1] = (*found[-1], best)
        if r == zooms:
            break
        top = choose_top(records)
        evidence = None if level is None else counted(records, level=level)
        zoom = narrow(space, FIRST, top, margin=margin, evidence=evidence)
        space = zoom.space
        kept = all(space.searched[n].low <= v <= space.searched[n].high for n, v in OPTIMUM.items())
        kept = kept and "tanh" in space.searched["activation"].choices
        shares = {row.name: _share(row.name, row.new) for row in zoom.rows}
        found.append(
            (
                kept,
                math.prod(shares[n] for n in MATTER) ** (1 / len(MATTER)),
                math.prod(shares[n] for n in IDLE) ** (1 / len(IDLE)),
            )
        )
    return found


def _share(name: str, new) -> float:
    first = FIRST.searched[name]
    if isinstance(first, Choice):
        return len(new.choices) / len(first.choices)
    if isinstance(first, IntUniform):
        return (new.high - new.low + 1) / (first.high - first.low + 1)
    return first.to_unit(new.high) - first.to_unit(new.low)


def random_best(seed: int, trials: int, rounds: int) -> list[float]:
    """The best dev error of plain random search after as many trials as each round."""
    specs = plan_trials(FIRST, "random", seed=seed, round=0, numbers=range(trials * rounds))
    errors = [dev_error(s.params, seed * 10**6 + 10**5 + s.number) for s in specs]
    return [min(errors[: trials * (r + 1)]) for r in range(rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--trials", type=int, nargs="+", default=[20, 27, 50])
    parser.add_argument("--zooms", type=int, default=3)
    args = parser.parse_args()
    print(
        "| trials per round | rule | optimum kept | share of the range, hyperparameters that "
        "matter, zooms 1–3 | share, those that do not | best dev error after each zoom's round "
        "(random search with as many trials) |"
    )
    print("|---|---|---|---|---|---|")
    for trials in args.trials:
        plain = [random_best(s, trials, args.zooms + 1)[1:] for s in range(args.seeds)]
        plain_cells = [statistics.median(p[z] for p in plain) for z in range(args.zooms)]
        for name, (margin, level) in RULES.items():
            runs = [one_search(s, trials, args.zooms, margin, level) for s in range(args.seeds)]
            kept = sum(step[0] for run in runs for step in run)
            matter, idle, best = (
                [statistics.median(run[z][i] for run in runs) for z in range(args.zooms)]
                for i in (1, 2, 3)
            )
            print(
                f"| {trials} | {name} | {kept}/{len(runs) * args.zooms} | "
                + ", ".join(f"{x:.0%}" for x in matter)
                + " | "
                + ", ".join(f"{x:.0%}" for x in idle)
                + " | "
                + ", ".join(f"{b:.4f} ({p:.4f})" for b, p in zip(best, plain_cells, strict=True))
                + " |"
            )


if __name__ == "__main__":
    main()
