"""`hpsearch check`: a study file validated with its data, and what it would search, without
training or writing anything."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from hpsearch.config import StudyConfig, load_config
from hpsearch.config.schedule import round_outlook
from hpsearch.config.study_data import load_study_data
from hpsearch.data import Dataset
from hpsearch.data.target import imbalance_note
from hpsearch.nn.engine import (
    ENVIRONMENT_VARIABLE,
    FUSED_FROM,
    numba_installed,
    training_engine,
)
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.budget import RoundOutlook
from hpsearch.search.sampler import count_trials, preview_trials
from hpsearch.trial import TrialSpec

ENGINE_DRAWS = 1_000  # trials whose engine `check` works out: all of a round of up to this many


@dataclass(frozen=True)
class Engines:
    """Which engine trains the first round's trials, as each trial chooses by its size: how many
    of the `drawn` first trials each one trains; `forced` is HPSEARCH_ENGINE's value, if set."""

    counts: dict[str, int]
    drawn: int
    n_trials: int
    numba_installed: bool
    forced: str | None
    fused_from: float = FUSED_FROM


@dataclass(frozen=True)
class Checked:
    """A valid study file, its data, its first trials and the engines that would train them;
    `balance`, what imbalanced classes mean for its metric (None when they are not)."""

    config: StudyConfig
    dataset: Dataset
    trials: list[TrialSpec]
    engines: Engines
    balance: str | None = None
    outlook: RoundOutlook | None = None  # what the first round plans to train

    @property
    def settings(self) -> str:
        """Every resolved setting but the search space, as YAML: what the file amounts to."""
        settings = self.config.model_dump(
            mode="json", exclude={"hyperparameters"}, exclude_none=True
        )
        return yaml.safe_dump(settings, sort_keys=False)


def check_study(path: Path, draws: int) -> Checked:
    """Loads the study file at `path` and its data; the first `draws` trials it would run."""
    config = load_config(path)
    dataset = load_study_data(config)
    search = config.search
    trials = preview_trials(
        config.hyperparameters, search.method, seed=search.seed, trials=search.trials, count=draws
    )
    balance = imbalance_note(dataset.class_counts(), config.ranked_by.name)
    size = count_trials(config.hyperparameters, search.method, search.trials)
    told = round_outlook(config, search, 0, size)
    return Checked(config, dataset, trials, engines_of(config, dataset), balance, told)


def engines_of(config: StudyConfig, dataset: Dataset) -> Engines:
    """The engine each of the first round's trials would train on (the first ENGINE_DRAWS of
    them): a trial's size, not only what is installed, decides it."""
    search = config.search
    specs = preview_trials(
        config.hyperparameters, search.method, seed=search.seed, trials=search.trials,
        count=ENGINE_DRAWS,
    )  # fmt: skip
    shape, classes = dataset.X_train.shape, dataset.n_classes
    counts = Counter(training_engine(HyperParams(**s.params), shape, classes) for s in specs)
    forced = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() or None
    total = count_trials(config.hyperparameters, search.method, search.trials)
    return Engines(dict(counts), len(specs), total, numba_installed(), forced)
