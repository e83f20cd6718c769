"""Does random search, the right scale and zooming pay off? Measured on real data with hpsearch's
own trial function, sampler, ranking and zoom.

For each dataset and seed, with the same budget of 25 trials:
1. a 5×5 grid, random search, 15 random + 10 zoomed trials, and Optuna's TPE sampler, over the
   learning rate α (log-uniform in [1e-5, 1]) × hidden units (16 to 256): the best dev error and
   the test error of the pick (the trial the product ranks first);
2. α on a log against a linear scale (the same space), and momentum's β on the log scale of
   1 − β against a linear one in [0.9, 0.999] (α fixed at 0.3): the share of trials in the good
   region and the best dev error. Both arms of a pair share each trial's random draw, mapped
   through their own scale, and its training seed.
A seed s sets the data split (`DataSpec(seed=s)`), the sampling (the study seed s, Optuna's seed s)
and so every trial's training seed. The same trial asked by two searches runs once.

Run from the repository root: `python benchmarks/search_efficiency.py [--seeds N] [--quick]`.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from collections.abc import Generator
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from joblib import Parallel, delayed
from search_figures import Measured, Settings, zoom_of
from search_summary import MAIN, PICKED, summary
from threadpoolctl import threadpool_limits

from hpsearch.data import Dataset, DataSpec, load_dataset
from hpsearch.execution.objective import TrainingData, run_trial, training_data
from hpsearch.nn import Network
from hpsearch.search.ranking import rank
from hpsearch.search.sampler import plan_trials, training_seed
from hpsearch.search.space import IntUniform, LogUniform, OneMinusLogUniform, SearchSpace, Uniform
from hpsearch.trial import TrialRecord, TrialResult, TrialSpec, TrialState

DATASETS = ("digits", "breast_cancer")
TRIALS, FIRST_ROUND = 25, 15  # the budget; the zoomed search spends the rest in its second round
ALPHA_RANGE, UNITS_RANGE, BETA_RANGE = (1e-5, 1.0), (16, 256), (0.9, 0.999)
BETA_ALPHA = 0.3  # momentum's α in the β comparison: good on both datasets in a sweep of α
OUTPUT = Path(__file__).resolve().parent / "results" / "search_efficiency.md"

# A search yields batches of trials to run and is sent their records; it returns all its records.
Search = Generator[list[TrialSpec], list[TrialRecord], list[TrialRecord]]


def alpha_space(epochs: int, scale: str = "log") -> SearchSpace:
    kind = LogUniform if scale == "log" else Uniform
    return SearchSpace(
        {
            "learning_rate": kind(low=ALPHA_RANGE[0], high=ALPHA_RANGE[1]),
            "hidden_units": IntUniform(low=UNITS_RANGE[0], high=UNITS_RANGE[1]),
            "epochs": epochs,
        }
    )


def beta_space(epochs: int, scale: str) -> SearchSpace:
    kind = OneMinusLogUniform if scale == "one_minus_log" else Uniform
    return SearchSpace(
        {
            "optimizer": "momentum",
            "learning_rate": BETA_ALPHA,
            "beta1": kind(low=BETA_RANGE[0], high=BETA_RANGE[1]),
            "hidden_units": 64,
            "epochs": epochs,
        }
    )


def sampled(space: SearchSpace, method: str, seed: int) -> Search:
    """Grid or random: one batch of the whole budget."""
    return (yield plan_trials(space, method, seed=seed, round=0, numbers=range(TRIALS)))


def zoomed(space: SearchSpace, seed: int, evidence: bool = True) -> Search:
    """The product's coarse to fine: a random first round, then a round in the zoomed space;
    without `evidence`, by the rule before (every bound the span of the best moves, ± 0.5)."""
    records = yield plan_trials(space, "random", seed=seed, round=0, numbers=range(FIRST_ROUND))
    zoom = zoom_of(space, records, evidence)
    numbers = range(FIRST_ROUND, TRIALS)
    return records + (yield plan_trials(zoom.space, "random", seed=seed, round=1, numbers=numbers))


def tpe(space: SearchSpace, seed: int) -> Search:
    """Optuna's TPE (its defaults: 10 random start-up trials) asking one trial at a time; each
    trial trains with the training seed hpsearch gives the trial of the same number."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    distributions = {name: _optuna(d) for name, d in space.searched.items()}
    records = []
    for number in range(TRIALS):
        trial = study.ask(distributions)
        spec = TrialSpec(number, 0, space.complete(trial.params), training_seed(seed, 0, number)[1])
        (record,) = yield [spec]
        if record.state is TrialState.COMPLETE:
            study.tell(trial, record.dev_error)
        else:  # as Optuna records a failed trial: TPE then learns nothing from it
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        records.append(record)
    return records


def _optuna(distribution: Any) -> Any:
    from optuna.distributions import FloatDistribution, IntDistribution

    if isinstance(distribution, IntUniform):
        return IntDistribution(distribution.low, distribution.high)
    log = isinstance(distribution, LogUniform)
    return FloatDistribution(distribution.low, distribution.high, log=log)


def searches(epochs: int, seed: int) -> dict[str, Search]:
    """Every search of one dataset and seed, by the names the summary reads."""
    space = alpha_space(epochs)
    return {
        "grid": sampled(space, "grid", seed),
        "random": sampled(space, "random", seed),
        "zoom": zoomed(space, seed),
        "zoom_before": zoomed(space, seed, evidence=False),
        "tpe": tpe(space, seed),
        "alpha_log": sampled(space, "random", seed),
        "alpha_linear": sampled(alpha_space(epochs, "linear"), "random", seed),
        "beta_log": sampled(beta_space(epochs, "one_minus_log"), "random", seed),
        "beta_linear": sampled(beta_space(epochs, "linear"), "random", seed),
    }


Group = tuple[str, int]  # dataset, seed
Key = tuple[str, int, str]  # dataset, seed, search


class Trials:
    """Runs batches of trials in worker processes, each distinct trial (the same parameters, the
    same training seed, the same data) once, however many searches ask for it."""

    def __init__(self, parallel: Parallel, data: dict[Group, TrainingData]) -> None:
        self.parallel, self.data = parallel, data
        self.done: dict[tuple[Group, int, str], TrialResult] = {}

    def run(self, batches: dict[Key, list[TrialSpec]]) -> dict[Key, list[TrialRecord]]:
        wanted = {_identity(k[:2], s): (k[:2], s) for k, specs in batches.items() for s in specs}
        todo = [(identity, job) for identity, job in wanted.items() if identity not in self.done]
        results = self.parallel(delayed(train_trial)(s, self.data[g]) for _, (g, s) in todo)
        self.done.update(zip((identity for identity, _ in todo), results, strict=True))
        return {
            key: [TrialRecord.of(s, self.done[_identity(key[:2], s)]) for s in specs]
            for key, specs in batches.items()
        }


def train_trial(spec: TrialSpec, data: TrainingData, keep_weights: bool = False) -> TrialResult:
    """hpsearch's trial function in a worker, on one BLAS thread: the 2 workers fill 2 cores."""
    with threadpool_limits(limits=1):
        result = run_trial(spec, data)
    return result if keep_weights else replace(result, weights=None, curves={})


def _identity(group: Group, spec: TrialSpec) -> tuple[Group, int, str]:
    return group, spec.seed, json.dumps(spec.params, sort_keys=True)


def run_searches(trials: Trials, pending: dict[Key, Search]) -> dict[Key, list[TrialRecord]]:
    """Drives every search at once: each step runs the batches all unfinished searches asked
    for, so that a sequential search (TPE) still keeps both workers busy."""
    batches = {key: next(search) for key, search in pending.items()}
    finished = {}
    while batches:
        records = trials.run(batches)
        for key in list(batches):
            try:
                batches[key] = pending[key].send(records[key])
            except StopIteration as stop:
                finished[key] = stop.value
                del batches[key]
    return finished


def pick_test_errors(
    parallel: Parallel, data: dict[Group, Dataset], picks: dict[Key, TrialRecord]
) -> dict[Key, float]:
    """The test error of each search's pick: trained again with its seed (in workers, as the
    first time), checked to reach the same dev error, then scored once on test."""
    keys = list(picks)
    results = parallel(
        delayed(train_trial)(picks[k].spec, training_data(data[k[:2]]), True) for k in keys
    )
    errors = {}
    for key, result in zip(keys, results, strict=True):
        if result.dev_error != picks[key].dev_error:
            raise RuntimeError(f"{key}: trial {picks[key].number} did not train the same again")
        network = Network.load(io.BytesIO(result.weights))
        errors[key] = network.error(data[key[:2]].X_test, data[key[:2]].y_test)
    return errors


def measure(settings: Settings) -> Measured:
    """Every search of every dataset and seed, and the test error of the main searches' picks."""
    seeds = range(settings.seeds)
    data = {(d, s): load_dataset(DataSpec(dataset=d, seed=s)) for d in DATASETS for s in seeds}
    pending = {
        (d, s, name): search
        for d, s in data
        for name, search in searches(settings.epochs, s).items()
    }
    with Parallel(n_jobs=settings.workers) as parallel:
        trials = Trials(parallel, {group: training_data(ds) for group, ds in data.items()})
        records = run_searches(trials, pending)
        picks = {
            key: rank(found)[0]
            for key, found in records.items()
            if key[2] in PICKED and rank(found)[0].state is TrialState.COMPLETE
        }
        tests = pick_test_errors(parallel, data, picks)
    first = {d: data[(d, 0)] for d in DATASETS}
    sizes = {d: (len(ds.y_train), len(ds.y_dev), len(ds.y_test)) for d, ds in first.items()}
    return Measured(records, tests, sizes, trained=len(trials.done))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per dataset (default 20)")
    parser.add_argument("--epochs", type=int, default=15, help="epochs per trial (default 15)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 seed, 2 epochs")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the markdown summary")
    args = parser.parse_args()
    settings = _settings(args)
    start = time.perf_counter()
    measured = measure(settings)
    text = summary(measured, settings, time.perf_counter() - start)
    print(text, end="")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)


def _settings(args: argparse.Namespace) -> Settings:
    seeds, epochs = (1, 2) if args.quick else (args.seeds, args.epochs)
    command = "python benchmarks/search_efficiency.py" + (
        " --quick" if args.quick else f" --seeds {seeds} --epochs {epochs}"
    )
    spaces = {
        MAIN: alpha_space(epochs),
        "α linear": alpha_space(epochs, "linear"),
        "β log of 1 − β": beta_space(epochs, "one_minus_log"),
        "β linear": beta_space(epochs, "linear"),
    }
    return Settings(seeds, epochs, args.workers, command, spaces)


if __name__ == "__main__":
    main()
