"""`hpsearch train`: one network, every hyperparameter fixed, trained on train and scored on dev —
to try a setting by hand, or to retrain the configuration `hpsearch best` chose."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from hpsearch.config import StudyConfig, load_config
from hpsearch.config_errors import one_line, show
from hpsearch.data import Dataset, load_dataset, parse_spec
from hpsearch.errors import ConfigError
from hpsearch.executor import one_blas_thread
from hpsearch.nn import HyperParams, TrainResult, train
from hpsearch.yaml_lines import read_yaml


def study_for(path: Path | None, dataset: str | None) -> StudyConfig:
    """The study file at `path`, or a study of a built-in dataset with every default."""
    if path is not None and dataset is not None:
        raise ConfigError("give a study file or --dataset, not both (the file names its data)")
    if path is not None:
        return load_config(path)
    return StudyConfig(name="train", data=parse_spec({"dataset": dataset or "digits"}))


def parse_setting(text: str) -> tuple[str, Any]:
    """`NAME=VALUE`, the value read as YAML: `1e-3` is a number, `[64, 32]` a list."""
    name, equals, value = (part.strip() for part in text.partition("="))
    if not (name and equals and value):
        raise ConfigError(f"--set takes NAME=VALUE (e.g. learning_rate=0.01), but got {show(text)}")
    return name, read_yaml(value, f"--set {name}").data


def fixed_hyperparameters(config: StudyConfig, settings: Iterable[tuple[str, Any]]) -> HyperParams:
    """The config's fixed values with `settings` on top; every searched one must be set."""
    settings = dict(settings)
    searched = [name for name in config.hyperparameters.searched if name not in settings]
    if searched:
        where = config.path or "the config"
        raise ConfigError(
            f"{', '.join(searched)} {'is' if len(searched) == 1 else 'are'} searched in {where}, "
            f"but one training needs fixed values: add --set {searched[0]}=VALUE "
            "(`hpsearch best STUDY --output FILE` writes a study's chosen values as a config)"
        )
    values = {**config.hyperparameters.fixed, **settings}
    try:
        return HyperParams(**values)
    except ValidationError as error:
        raise ConfigError(f"--set: {one_line(error.errors(), values, HyperParams)}") from None


def train_one(
    config: StudyConfig,
    hyperparameters: HyperParams,
    seed: int,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
) -> tuple[TrainResult, Dataset]:
    """Trains on the config's train split, scores on dev; the test split stays untouched."""
    dataset = load_dataset(config.data)
    with one_blas_thread():  # as every trial trains, so that a trial retrains to the same errors
        result = train(
            hyperparameters,
            dataset.X_train,
            dataset.y_train,
            dataset.X_dev,
            dataset.y_dev,
            n_classes=dataset.n_classes,
            rng=np.random.default_rng(seed),
            on_epoch=on_epoch,
        )
    return result, dataset
