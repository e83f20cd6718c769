"""Optuna's pruners driving hpsearch's network epoch by epoch, for `benchmarks/halving.py`.

Each Optuna trial samples the same space on the same scales, trains one epoch at a time (going
on from the checkpoint of the epoch before, so that pruning costs no retraining), reports the dev
error after each epoch and stops when the pruner says so. The pruners use hpsearch's default
rungs: a first rung of 4 epochs and η = 2 up to the 27 of a full trial. The study stops once the
epochs trained reach the budget."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import optuna
from halving_outcome import Outcome

from hpsearch.config import parse_config
from hpsearch.data import load_dataset
from hpsearch.execution.threads import blas_threads
from hpsearch.nn import HyperParams, train

OPTUNA_VARIANTS = ("halving+random", "halving+tpe", "hyperband+random", "hyperband+tpe")
FIRST_RUNG, ETA = 4, 2  # hpsearch's defaults at 27 epochs
optuna.logging.set_verbosity(optuna.logging.WARNING)


class _Spent:
    """Epochs trained so far by every trial of a study, across its threads, and the trace."""

    def __init__(self, limit: int) -> None:
        self.limit, self.epochs, self.lock = limit, 0, threading.Lock()
        self.start, self.best, self.trace = time.perf_counter(), math.inf, []
        self.network = None

    def epoch(self, full: bool, error: float, network) -> None:
        with self.lock:
            self.epochs += 1
            if full and error < self.best:
                self.best, self.network = error, network
            self.trace.append((time.perf_counter() - self.start, self.epochs, self.best))

    def stop_when_spent(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if self.epochs >= self.limit:
            study.stop()


def _study(label: str, seed: int, epochs: int) -> optuna.Study:
    pruner_name, sampler_name = label.split("+")
    if pruner_name == "hyperband":
        pruner = optuna.pruners.HyperbandPruner(
            min_resource=FIRST_RUNG, max_resource=epochs, reduction_factor=ETA
        )
    else:
        pruner = optuna.pruners.SuccessiveHalvingPruner(
            min_resource=FIRST_RUNG, reduction_factor=ETA
        )
    sampler = (
        optuna.samplers.RandomSampler(seed=seed)
        if sampler_name == "random"
        else optuna.samplers.TPESampler(seed=seed)
    )
    return optuna.create_study(
        study_name=f"{label}-{seed}", direction="minimize", sampler=sampler, pruner=pruner
    )


def _data(section: str):
    return load_dataset(parse_config(f"data: {section}\n", "data.yaml").data)


def _objective(data, epochs: int, seed: int, spent: _Spent):
    def objective(trial: optuna.Trial) -> float:
        hp = HyperParams(
            learning_rate=trial.suggest_float("learning_rate", 1e-5, 1, log=True),
            beta1=1 - trial.suggest_float("one_minus_beta1", 1e-3, 0.2, log=True),
            hidden_units=trial.suggest_int("hidden_units", 16, 128),
            layers=trial.suggest_int("layers", 1, 3),
            batch_size=trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
            keep_prob=trial.suggest_float("keep_prob", 0.5, 1.0),
            l2=trial.suggest_float("l2", 1e-6, 1e-1, log=True),
            epochs=epochs,
        )
        checkpoint, error = None, 1.0
        for epoch in range(1, epochs + 1):
            with blas_threads(1):
                result = train(
                    hp, data.X_train, data.y_train, data.X_dev, data.y_dev,
                    n_classes=data.n_classes, rng=np.random.default_rng([seed, trial.number]),
                    until=epoch, resume=checkpoint,
                )  # fmt: skip
            error = result.dev_error if result.dev_error is not None else 1.0
            spent.epoch(epoch == epochs, error, result.network)
            trial.report(error, epoch)
            if result.checkpoint is None and epoch < epochs:
                return error  # diverged: nothing to go on with
            if epoch < epochs and trial.should_prune():
                raise optuna.TrialPruned()
            checkpoint = result.checkpoint
        return error

    return objective


def optuna_search(label: str, seed: int, budget: int, section: str, epochs: int) -> Outcome:
    """One Optuna search of `budget` epochs, on one worker."""
    data, spent = _data(section), _Spent(budget)
    study = _study(label, seed, epochs)
    study.optimize(
        _objective(data, epochs, seed, spent), n_trials=1_000_000,
        callbacks=[spent.stop_when_spent],
    )  # fmt: skip
    wall = time.perf_counter() - spent.start
    test = spent.network.error(data.X_test, data.y_test) if spent.network else math.inf
    return Outcome(spent.best, test, len(study.trials), spent.epochs, wall, spent.trace)


def optuna_twice(label: str, seed: int, budget: int, section: str, epochs: int) -> bool:
    """Whether two runs with two parallel workers (threads) give the same trials and values."""
    data, seen = _data(section), []
    for _ in range(2):
        spent = _Spent(budget)
        study = _study(label, seed, epochs)
        study.optimize(
            _objective(data, epochs, seed, spent), n_trials=1_000_000, n_jobs=2,
            callbacks=[spent.stop_when_spent],
        )  # fmt: skip
        seen.append(sorted((t.number, str(t.state), t.value, tuple(sorted(t.params.items())))
                           for t in study.trials))  # fmt: skip
    return seen[0] == seen[1]
