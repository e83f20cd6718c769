"""Coarse to fine on a known bowl: how often repeated zooms keep the optimum and how fast they
narrow, for several margins and two ways of counting "the best 20%".

Nothing is trained: a trial's dev error is a smooth bowl in log10 α, log10(1 − β) and hidden units,
plus a penalty per activation. Each seed runs rounds of random trials; after each round the space
is zoomed from the best trials of all rounds so far. Run from the repository root:
`python benchmarks/zoom_defaults.py [--seeds N] [--trials N] [--zooms N]`.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hpsearch.search.sampler import plan_trials
from hpsearch.search.space import Choice, IntUniform, LogUniform, OneMinusLogUniform, SearchSpace
from hpsearch.search.zoom import choose_top, narrow
from hpsearch.trial import TrialRecord, TrialState

FIRST = SearchSpace(
    {
        "learning_rate": LogUniform(low=1e-4, high=1.0),
        "beta1": OneMinusLogUniform(low=0.9, high=0.999),
        "hidden_units": IntUniform(low=16, high=256),
        "activation": Choice(choices=["relu", "tanh", "sigmoid"]),
    }
)
OPTIMUM = {"learning_rate": 10**-2.5, "beta1": 0.99, "hidden_units": 100}


def dev_error(params: dict) -> float:
    alpha = math.log10(params["learning_rate"] / OPTIMUM["learning_rate"])
    beta = math.log10((1 - params["beta1"]) / (1 - OPTIMUM["beta1"]))
    units = (params["hidden_units"] - OPTIMUM["hidden_units"]) / 50
    penalty = {"tanh": 0.0, "relu": 0.01, "sigmoid": 0.2}[params["activation"]]
    return 0.05 + 0.02 * alpha**2 + 0.03 * beta**2 + 0.02 * units**2 + penalty


def best(records: list[TrialRecord], rule: str) -> list[TrialRecord]:
    if rule == "latest round":
        return choose_top(records)
    top = max(3, -(-len(records) * 20 // 100))  # 20% of every completed trial so far
    return choose_top(records, top)


def one_search(seed: int, trials: int, zooms: int, margin: float, rule: str):
    """(per zoom: was every numeric optimum kept, the share of the first space searched)."""
    space, records, kept, shares = FIRST, [], [], []
    for r in range(zooms):
        for spec in plan_trials(
            space, "random", seed=seed, round=r, numbers=range(r * trials, (r + 1) * trials)
        ):
            error = dev_error(spec.params)
            records.append(
                TrialRecord(spec.number, r, spec.params, 0, TrialState.COMPLETE, dev_error=error)
            )
        zoom = narrow(space, FIRST, best(records, rule), margin=margin)
        space = zoom.space
        kept.append(
            all(space.searched[n].low <= v <= space.searched[n].high for n, v in OPTIMUM.items())
        )
        shares.append(zoom.volume_of_first)
    return kept, shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--trials", type=int, nargs="+", default=[20, 30])
    parser.add_argument("--zooms", type=int, default=4)
    parser.add_argument("--margins", type=float, nargs="+", default=[0.1, 0.25, 0.5, 1.0])
    args = parser.parse_args()
    print("trials  best 20% of    margin  optimum kept  median share of the first space per zoom")
    for trials in args.trials:
        for rule, margin in [
            ("all trials", 0.5),
            *(("latest round", m) for m in args.margins),
        ]:
            runs = [one_search(s, trials, args.zooms, margin, rule) for s in range(args.seeds)]
            kept = sum(sum(k) for k, _ in runs)
            shares = [statistics.median(s[i] for _, s in runs) for i in range(args.zooms)]
            cells = "  ".join(f"{s:7.2%}" for s in shares)
            total = len(runs) * args.zooms
            print(f"{trials:6}  {rule:12}  {margin:6}  {kept:4}/{total:<4}     {cells}")


if __name__ == "__main__":
    main()
