"""Studies for the results tests, written through `StudyStore` directly (no training): each trial's
dev error is a known function of its hyperparameters, so a test knows what the results must say."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.config import parse_config
from hpsearch.search.space import SearchSpace
from hpsearch.store.study_store import StudyStore
from hpsearch.trial import TrialResult, TrialSpec, TrialState

SYNTHETIC = """\
name: synthetic
data: {dataset: iris}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-4, high: 1.0}
  beta1: {distribution: one_minus_log_uniform, low: 0.9, high: 0.999}
  hidden_units: {distribution: int_uniform, low: 8, high: 64}
  activation: {distribution: choice, choices: [relu, tanh]}
  epochs: 5
search: {trials: 24, seed: 0}
"""
ZOOMED = {  # round 1: a narrower region of round 0's space
    "learning_rate": {"distribution": "log_uniform", "low": 1e-3, "high": 1e-1},
    "beta1": {"distribution": "one_minus_log_uniform", "low": 0.95, "high": 0.995},
    "hidden_units": {"distribution": "int_uniform", "low": 16, "high": 48},
    "activation": {"distribution": "choice", "choices": ["tanh"]},
    "epochs": 5,
}
Params = dict[str, Any]


def learning_rate_decides(params: Params) -> float:
    """A bowl in log10 α with its floor at α = 0.01; nothing else matters."""
    return 0.05 + 0.04 * (math.log10(params["learning_rate"]) + 2) ** 2


def curves_for(dev_error: float, train_error: float, epochs: int = 5) -> dict[str, list[float]]:
    """Curves that end at the given errors, with the train cost still falling."""
    steps = range(epochs, 0, -1)
    return {
        "train_cost": [0.2 * s for s in steps],
        "train_error": [train_error + 0.01 * (s - 1) for s in steps],
        "dev_cost": [0.3 * s for s in steps],
        "dev_error": [dev_error + 0.01 * (s - 1) for s in steps],
    }


def make_study(
    runs: Path,
    *,
    trials: int = 24,
    zoomed: int = 0,
    error: Callable[[Params], float] = learning_rate_decides,
    others: dict[int, TrialState] | None = None,
    splits: dict[str, int] | None = None,
) -> Path:
    """A study of `trials` complete round-0 trials and `zoomed` round-1 ones (train error half
    the dev error); trials named in `others` end in that state instead, with a reason; `splits`,
    the examples of its data's splits (default: not kept, as in a study of before)."""
    config = parse_config(SYNTHETIC, "synthetic.yaml")
    folder = runs / config.name
    identity = config.study_identity()
    store = StudyStore.create(
        folder, config.name, config.model_dump(mode="json"), identity, "fp", "ab", splits
    )
    with store:
        rng = np.random.default_rng(0)
        spaces = [config.hyperparameters, SearchSpace.from_dict(ZOOMED)]
        store.add_round(spaces[0].to_dict(), "random", trials, 0)
        if zoomed:
            store.add_round(spaces[1].to_dict(), "random", zoomed, trials)
        for number in range(trials + zoomed):
            round = int(number >= trials)
            params = spaces[round].sample(rng)
            store.mark_running(TrialSpec(number, round, params, number), f"host:{number % 2}")
            state = (others or {}).get(number, TrialState.COMPLETE)
            if state is not TrialState.RUNNING:
                store.record(_result(number, round, state, error(params)))
    return folder


def _result(number: int, round: int, state: TrialState, dev: float) -> TrialResult:
    worker = f"host:{number % 2}"
    if state in (TrialState.FAILED, TrialState.INTERRUPTED):
        message = "RuntimeError: broke" if state is TrialState.FAILED else ""
        return TrialResult(number, round, state, duration_s=0.5, worker=worker, message=message)
    if state is TrialState.DIVERGED:
        return TrialResult(
            number, round, state, epochs=2, duration_s=0.2, worker=worker,
            message="dev cost not finite at epoch 2", curves={"train_cost": [1.0, math.inf]},
        )  # fmt: skip
    return TrialResult(
        number, round, state, dev_error=dev, train_error=dev / 2, dev_cost=3 * dev,
        train_cost=dev, epochs=5, best_epoch=5, curves=curves_for(dev, dev / 2),
        duration_s=1 + number / 10,
        worker=worker, message="deadline reached" if state is TrialState.TIMED_OUT else "",
    )  # fmt: skip
