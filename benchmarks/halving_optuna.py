"""Optuna's pruners driving hpsearch's network epoch by epoch, for `benchmarks/halving.py`.

Each Optuna trial samples the same space on the same scales, trains one epoch at a time (going
on from the checkpoint of the epoch before, so that pruning costs no retraining), reports the dev
error after each epoch and stops when the pruner says so. The study stops once the epochs
trained reach the budget. Trials train with their number as seed."""

from __future__ import annotations

import threading
import time

import numpy as np
import optuna
from halving_outcome import Outcome

from hpsearch.config import parse_config
from hpsearch.data import load_dataset
from hpsearch.nn import HyperParams, train

OPTUNA_VARIANTS = ("hyperband+random", "hyperband+tpe", "halving+random", "halving+tpe")
optuna.logging.set_verbosity(optuna.logging.WARNING)


class _Budget:
    """Epochs trained so far by every trial of a study, across its threads."""

    def __init__(self, limit: int) -> None:
        self.limit, self.spent, self.lock = limit, 0, threading.Lock()

    def spend(self) -> None:
        with self.lock:
            self.spent += 1

    def stop_when_spent(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if self.spent >= self.limit:
            study.stop()


def _study(label: str, seed: int, epochs: int) -> optuna.Study:
    pruner_name, sampler_name = label.split("+")
    if pruner_name == "hyperband":
        pruner = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=epochs)
    else:
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    sampler = (
        optuna.samplers.RandomSampler(seed=seed)
        if sampler_name == "random"
        else optuna.samplers.TPESampler(seed=seed)
    )
    return optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner)


def _data(dataset: tuple[str, int]):
    config = parse_config(f"data: {dataset[0]}\n", "data.yaml")
    return load_dataset(config.data)


def _objective(data, epochs: int, budget: _Budget, best: dict):
    def objective(trial: optuna.Trial) -> float:
        hp = HyperParams(
            learning_rate=trial.suggest_float("learning_rate", 1e-4, 1, log=True),
            beta1=1 - trial.suggest_float("one_minus_beta1", 1e-3, 0.2, log=True),
            layers=trial.suggest_int("layers", 1, 3),
            hidden_units=trial.suggest_int("hidden_units", 16, 128),
            l2=trial.suggest_float("l2", 1e-5, 1e-1, log=True),
            batch_size=128,
            epochs=epochs,
        )
        checkpoint, result = None, None
        for epoch in range(1, epochs + 1):
            result = train(
                hp, data.X_train, data.y_train, data.X_dev, data.y_dev,
                n_classes=data.n_classes, rng=np.random.default_rng(trial.number),
                until=epoch, resume=checkpoint,
            )  # fmt: skip
            budget.spend()
            error = result.dev_error if result.dev_error is not None else 1.0
            trial.report(error, epoch)
            if result.checkpoint is None and epoch < epochs:
                return error  # diverged: nothing to go on with
            if trial.should_prune():
                raise optuna.TrialPruned()
            checkpoint = result.checkpoint
        with budget.lock:
            if error < best.get("dev", np.inf):
                best.update(dev=error, network=result.network)
        return error

    return objective


def optuna_search(name: str, seed: int, label: str, budget_epochs: int, dataset: tuple[str, int]):
    """One Optuna search at `budget_epochs`, on one worker."""
    data, epochs = _data(dataset), dataset[1]
    budget, best = _Budget(budget_epochs), {}
    study = _study(label, seed, epochs)
    trace: list[tuple[int, float]] = []

    def record(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        trace.append((budget.spent, best.get("dev", float("inf"))))
        budget.stop_when_spent(study, trial)

    start = time.perf_counter()
    study.optimize(_objective(data, epochs, budget, best), n_trials=10_000, callbacks=[record])
    wall = time.perf_counter() - start
    if "network" not in best:
        return Outcome(float("inf"), float("inf"), budget.spent, wall, trace)
    test = best["network"].error(data.X_test, data.y_test)
    return Outcome(best["dev"], test, budget.spent, wall, trace)


def optuna_twice(name: str, seed: int, label: str, budget_epochs: int, dataset) -> bool:
    """Whether two runs with two parallel workers (threads) give the same trials and values."""
    data, epochs = _data(dataset), dataset[1]
    seen = []
    for _ in range(2):
        budget, best = _Budget(budget_epochs), {}
        study = _study(label, seed, epochs)
        study.optimize(
            _objective(data, epochs, budget, best), n_trials=10_000, n_jobs=2,
            callbacks=[budget.stop_when_spent],
        )  # fmt: skip
        seen.append(sorted((t.number, str(t.state), t.value, tuple(sorted(t.params.items())))
                           for t in study.trials))  # fmt: skip
    return seen[0] == seen[1]
