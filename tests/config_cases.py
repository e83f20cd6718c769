"""Broken study files and the exact message each must give, shared by the config and CLI tests.

Each case is (id, the text of `quickstart.yaml` (None: no file at all), the message). Files are
read from the current folder, so messages start with the bare file name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hpsearch.data import DataSpec

VALID = """\
name: quickstart
data:
  dataset: digits
hyperparameters:
  beta1: {distribution: one_minus_log_uniform, low: 0.9, high: 0.999}
  hidden_units: {distribution: int_uniform, low: 32, high: 128}
  learning_rate: {distribution: log_uniform, low: 1e-4, high: 1e-1}
  activation: {distribution: choice, choices: [relu, tanh], weights: [0.7, 0.3]}
  epochs: 20
search:
  method: random
  trials: 20
  seed: 0
  workers: 2
"""


def edit(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


def _dataset_message(name: str) -> str:
    """DataSpec words its own refusal; the config adds the file, the line and the key."""
    try:
        DataSpec(dataset=name)
    except ValidationError as error:
        return error.errors()[0]["msg"].removeprefix("Value error, ")
    raise AssertionError(f"{name} was accepted")


KNOWN = (
    "layers, hidden_units, activation, init, batchnorm, bn_momentum, keep_prob, l2, optimizer, "
    "weight_decay, learning_rate, beta1, beta2, epsilon, decay_schedule, learning_rate_decay, "
    "decay_every, warmup_epochs, label_smoothing, keep_best_epoch, batch_size, epochs, patience"
)
Q = "quickstart.yaml"

CASES = [
    (
        "unknown key with a close match",
        edit("low: 1e-4, high: 1e-1", "low: 1e-4, hihg: 1e-1"),
        f"{Q}, line 7: hyperparameters.learning_rate.hihg: unknown key; did you mean 'high'?",
    ),
    (
        "unknown key without a close match",
        edit("  seed: 0\n", "  seed: 0\n  parallel: yes\n"),
        f"{Q}, line 14: search.parallel: unknown key; expected one of: method, trials, seed, "
        "workers, backend, scheduler, trial_timeout, keep_models, training_seed, threads, "
        "budget, schedule, min_epochs, eta, brackets",
    ),
    (
        "wrong type",
        edit("trials: 20", "trials: many"),
        f"{Q}, line 12: search.trials: must be an integer, but got 'many'",
    ),
    (
        "a quoted number is text",
        edit("low: 1e-4, high: 1e-1", "low: '1e-4', high: 1e-1"),
        f"{Q}, line 7: hyperparameters.learning_rate.low: must be a number, but got '1e-4'",
    ),
    (
        "low not below high",
        edit("low: 1e-4, high: 1e-1", "low: 1e-1, high: 1e-4"),
        f"{Q}, line 7: hyperparameters.learning_rate: `low < high` must hold, but got "
        "low=0.1, high=0.0001",
    ),
    (
        "a log bound at or below zero",
        edit("low: 1e-4, high: 1e-1", "low: 0, high: 1e-1"),
        f"{Q}, line 7: hyperparameters.learning_rate.low: must be > 0 on a log scale, but got 0",
    ),
    (
        "a one-minus-log bound outside (0, 1)",
        edit("low: 0.9, high: 0.999", "low: 0.9, high: 1"),
        f"{Q}, line 5: hyperparameters.beta1.high: must be inside (0, 1), as 1 − value is "
        "sampled on a log scale, but got 1",
    ),
    (
        "an empty choice",
        edit("choices: [relu, tanh], weights: [0.7, 0.3]", "choices: []"),
        f"{Q}, line 8: hyperparameters.activation.choices: must not be empty; list at least "
        "one value",
    ),
    (
        "a choice the field refuses",
        edit("[relu, tanh]", "[relu, tahn]"),
        f"{Q}, line 8: hyperparameters.activation.choices[1]: must be 'relu', 'leaky_relu', "
        "'tanh' or 'sigmoid', but got 'tahn'; did you mean 'tanh'?",
    ),
    (
        "an unknown hyperparameter",
        edit("  epochs: 20\n", "  epochs: 20\n  learning_rat: 0.01\n"),
        f"{Q}, line 10: hyperparameters.learning_rat: unknown hyperparameter; did you mean "
        f"'learning_rate'? Known: {KNOWN}",
    ),
    (
        "an unknown distribution",
        edit("distribution: log_uniform", "distribution: log_uniformm"),
        f"{Q}, line 7: hyperparameters.learning_rate.distribution: unknown distribution "
        "'log_uniformm'; did you mean 'log_uniform'? Known: uniform, int_uniform, log_uniform, "
        "one_minus_log_uniform, choice",
    ),
    (
        "an unknown dataset",
        edit("dataset: digits", "dataset: digit"),
        f"{Q}, line 3: data.dataset: {_dataset_message('digit')}",
    ),
    (
        "no workers",
        edit("workers: 2", "workers: 0"),
        f"{Q}, line 14: search.workers: must be at least 1, but got 0",
    ),
    (
        "no trials",
        edit("trials: 20", "trials: 0"),
        f"{Q}, line 12: search.trials: must be at least 1, but got 0",
    ),
    (
        "a duplicate key",
        edit("  epochs: 20\n", "  epochs: 20\n  epochs: 30\n"),
        f"{Q}, line 10: hyperparameters.epochs: duplicate key (first at line 9); keep only one",
    ),
    (
        "a rule across fixed fields",
        edit("{distribution: int_uniform, low: 32, high: 128}", "[64, 32]\n  layers: 3"),
        f"{Q}, line 4: hyperparameters: hidden_units has 2 values but layers is 3; give one "
        "value per hidden layer, or a single value for all",
    ),
    (
        "a fixed list that does not fit a searched field",
        edit(
            "  epochs: 20\n",
            "  epochs: 20\n  layers: {distribution: int_uniform, low: 1, "
            "high: 3}\n  keep_prob: [0.8, 0.9]\n",
        ),
        f"{Q}, line 4: hyperparameters: keep_prob has 2 values but layers is 1; give one value "
        "per hidden layer, or a single value for all (in a draw with layers=1)",
    ),
    (
        "floats drawn for an integer field",
        edit("distribution: int_uniform", "distribution: uniform"),
        f"{Q}, line 6: hyperparameters.hidden_units: uniform draws values such as 32.0, but "
        "hidden_units must be an integer or a list; use int_uniform, or choice",
    ),
    (
        "a grid with fewer trials than choices",
        edit("method: random", "method: grid").replace("trials: 20", "trials: 1"),
        f"{Q}, line 12: search.trials: a grid enumerates every choice: 2 combinations "
        "(activation 2), so trials must be at least 2, but got 1",
    ),
    (
        "a YAML syntax error",
        edit("  trials: 20\n", "  trials: [20\n"),
        f"{Q}, line 13, column 7: invalid YAML: expected ',' or ']', but got ':' (while "
        "parsing a flow sequence at line 12)",
    ),
    (
        "a tab for indentation",
        edit("  seed: 0", "\tseed: 0"),
        f"{Q}, line 13, column 1: a tab indents this line: '\\tseed: 0'; YAML indents with "
        "spaces, not tabs",
    ),
    (
        "an empty file",
        "# nothing yet\n",
        f"{Q}: the file is empty; write at least a `hyperparameters:` section (see "
        "configs/quickstart.yaml)",
    ),
    (
        "a list instead of settings",
        "- learning_rate\n- beta1\n",
        f"{Q}: the file must be a mapping of settings (name:, data:, hyperparameters:, "
        "search:), but got ['learning_rate', 'beta1']",
    ),
    ("a missing file", None, f"{Q}: no such file; check the path"),
    (
        "schedule: reduction factor of 1",
        edit("  seed: 0\n", "  seed: 0\n  schedule: halving\n  eta: 1\n"),
        f"{Q}, line 15: search.eta: must be an integer above 1 (the best 1/eta of a rung go "
        "on), e.g. 2, but got 1",
    ),
    (
        "schedule: first rung above the full budget",
        edit("  seed: 0\n", "  seed: 0\n  schedule: halving\n  min_epochs: 30\n"),
        f"{Q}, line 15: search.min_epochs: the first rung must be at most "
        "hyperparameters.epochs (20), the full budget, but got 30",
    ),
    (
        "schedule: too few trials for one promotion",
        edit("  trials: 20\n", "  trials: 2\n  schedule: halving\n  eta: 3\n"),
        f"{Q}, line 12: search.trials: schedule: halving with eta=3 needs at least 3 trials, "
        "so that the best 1/3 of every first rung is one trial at least, but got 2",
    ),
    (
        "schedule: hyperband brackets too small",
        edit("  trials: 20\n", "  trials: 5\n  schedule: hyperband\n  eta: 3\n  min_epochs: 1\n"),
        f"{Q}, line 12: search.trials: schedule: hyperband with eta=3 needs at least 21 "
        "trials, so that the best 1/3 of every first rung is one trial at least, but got 5",
    ),
    (
        "schedule: searched epochs",
        edit("  epochs: 20\n", "  epochs: {distribution: int_uniform, low: 5, high: 20}\n")
        + "  schedule: hyperband\n",
        f"{Q}, line 9: hyperparameters.epochs: must be one fixed value with schedule: "
        "hyperband (the full budget every rung leads to), not searched",
    ),
    (
        "schedule: brackets without hyperband",
        edit("  seed: 0\n", "  seed: 0\n  schedule: halving\n  brackets: 2\n"),
        f"{Q}, line 15: search.brackets: is a setting of schedule: hyperband only; remove it, "
        "or set schedule: hyperband",
    ),
]

PARAMETERS = [pytest.param(text, message, id=name) for name, text, message in CASES]
