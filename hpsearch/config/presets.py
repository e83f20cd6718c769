"""The search spaces `hpsearch init` writes: each hyperparameter with its distribution on its
proper scale and a comment on why, in the course's order of importance (α first; then β, hidden
units and the mini-batch size; then layers and α's decay), and the budget that fits the data's
size. A preset is plain data, so a new one (a stronger network, a schedule) is a new entry.

`strong`, init's default, is `course` with what the published tabular-network recipes add
(Kadra et al. 2021, Gorishniy et al. 2021, Holzmüller et al. 2024): AdamW's decoupled weight
decay, searched; a cosine schedule after a one-epoch warm-up in place of α's decay; label
smoothing 0.1 for a classifier; and each trial's best epoch on dev kept. The rest of the space is
the course's, so that the two compare at the same budget (benchmarks/real_data.py); `course`
writes `keep_best_epoch: false`, the network as the course trains it (a new study's default is
true)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Searched:
    """One hyperparameter of a preset: a distribution (a mapping, searched) or a value (fixed),
    with the comment the study file shows beside it."""

    name: str
    value: Any
    comment: str
    rank: int  # the course's order of importance: 1 tuned first
    task: str | None = None  # written for this task only (None: for every task)


@dataclass(frozen=True)
class Budget:
    """How many trials, of how many epochs, for a train split of some size, and why."""

    n_trials: int
    epochs: int
    reason: str


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    hyperparameters: tuple[Searched, ...]
    fixed: tuple[Searched, ...] = field(default=())


def log_uniform(low: float, high: float) -> dict[str, Any]:
    return {"distribution": "log_uniform", "low": low, "high": high}


COURSE = Preset(
    "course",
    "the course's order of importance, each hyperparameter on its scale",
    (
        Searched("learning_rate", log_uniform(1e-4, 1e-1),
                 "α, the one that matters most: tune it first, on a log scale", 1),
        Searched("beta1", {"distribution": "one_minus_log_uniform", "low": 0.8, "high": 0.999},
                 "Adam's momentum β1: on the log scale of 1 − β", 2),
        Searched("hidden_units", {"distribution": "int_uniform", "low": 16, "high": 256},
                 "units per hidden layer", 2),
        Searched("batch_size", {"distribution": "choice", "choices": [32, 64, 128, 256]},
                 "mini-batch size: powers of 2", 2),
        Searched("layers", {"distribution": "int_uniform", "low": 1, "high": 3},
                 "hidden layers", 3),
        Searched("learning_rate_decay", log_uniform(1e-3, 1.0),
                 "α's decay: α0 / (1 + decay · epoch), on a log scale", 3),
    ),
    (
        Searched("optimizer", "adam", "momentum and RMSprop together", 0),
        Searched("decay_schedule", "inverse_time", "the course's 1 / (1 + decay · epoch)", 0),
        Searched("batchnorm", True, "Batch Normalization on the hidden layers", 0),
        Searched("keep_best_epoch", False, "each trial keeps its last epoch's weights", 0),
    ),
)  # fmt: skip

STRONG = Preset(
    "strong",
    "the course's space with the tabular-network recipes' additions: AdamW's weight decay, a "
    "cosine schedule, label smoothing, the best epoch kept",
    (
        *(entry for entry in COURSE.hyperparameters if entry.name != "learning_rate_decay"),
        Searched("weight_decay", log_uniform(1e-5, 1e-1),
                 "AdamW's decoupled weight decay: W shrinks by α · weight_decay each step", 3),
    ),
    (
        Searched("optimizer", "adamw", "Adam with decoupled weight decay", 0),
        Searched("decay_schedule", "cosine", "α follows a half cosine down to 0 over the epochs",
                 0),
        Searched("warmup_epochs", 1, "the first epoch's α rises linearly: Adam's moments settle",
                 0),
        Searched("label_smoothing", 0.1, "targets 0.9 · one-hot + 0.1 / classes", 0,
                 "classification"),
        Searched("keep_best_epoch", True, "each trial keeps its epoch of lowest dev metric", 0),
        Searched("batchnorm", True, "Batch Normalization on the hidden layers", 0),
    ),
)  # fmt: skip

PRESETS = {preset.name: preset for preset in (STRONG, COURSE)}
DEFAULT_PRESET = STRONG.name

# (train rows up to, trials, epochs): small data trains fast and needs more passes to learn
BUDGETS = ((2_000, 40, 60), (20_000, 30, 30), (200_000, 24, 15), (None, 16, 8))


def budget(train_rows: int) -> Budget:
    """The trials and epochs that fit a train split of `train_rows`: more of both where a
    trial takes seconds, fewer where it takes minutes."""
    for limit, trials, epochs in BUDGETS:
        if limit is None or train_rows <= limit:
            size = f"up to {limit:,}" if limit is not None else f"over {BUDGETS[-2][0]:,}"
            return Budget(
                trials, epochs, f"{train_rows:,} train rows ({size}): {trials} trials of {epochs} "
                "epochs; raise trials for a wider search, or zoom in on the best afterwards",
            )  # fmt: skip
    raise AssertionError("the last budget has no limit")
