"""`hpsearch check`: a study file validated with its data, and what it would search, without
training or writing anything."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hpsearch.config import StudyConfig, load_config
from hpsearch.config.schedule import round_outlook
from hpsearch.config.study_data import load_study_data
from hpsearch.data import Dataset
from hpsearch.data.target import imbalance_note
from hpsearch.nn.engine import engine_name
from hpsearch.search.budget import RoundOutlook
from hpsearch.search.sampler import count_trials, preview_trials
from hpsearch.trial import TrialSpec


@dataclass(frozen=True)
class Checked:
    """A valid study file, its data, its first trials and the engine that would train them;
    `balance`, what imbalanced classes mean for its metric (None when they are not)."""

    config: StudyConfig
    dataset: Dataset
    trials: list[TrialSpec]
    engine: str
    balance: str | None = None
    outlook: RoundOutlook | None = None  # what the first round plans to train


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
    return Checked(config, dataset, trials, engine_name(), balance, told)
