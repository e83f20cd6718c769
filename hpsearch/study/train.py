"""`hpsearch train`: one network, every hyperparameter fixed, trained on train and scored on dev —
to try a setting by hand, or to retrain the configuration `hpsearch best` chose."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hpsearch.config import StudyConfig, load_config
from hpsearch.config.study_data import load_study_data
from hpsearch.config.study_defaults import with_study_defaults
from hpsearch.data import parse_spec
from hpsearch.errors import ConfigError
from hpsearch.execution.objective import train_seeded, training_data
from hpsearch.execution.threads import blas_threads
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.space import SearchSpace
from hpsearch.store.layout import refuse_study_part
from hpsearch.tasks import Metric, metric_of
from hpsearch.userinput.messages import one_line


def study_for(path: Path | None, dataset: str | None) -> StudyConfig:
    """The study file at `path`, or a study of a built-in dataset with every default."""
    if path is not None and dataset is not None:
        raise ConfigError("give a study file or --dataset, not both (the file names its data)")
    if path is not None:
        return load_config(path)
    space, _ = with_study_defaults(SearchSpace())
    data = parse_spec({"dataset": dataset or "digits"})
    return StudyConfig(name="train", data=data, hyperparameters=space)


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
        raise ConfigError(
            f"set: {one_line(error.errors(), values, HyperParams)}", option="set"
        ) from None


@dataclass(frozen=True)
class Training:
    """How one training went: its end and the errors of the weights it kept."""

    state: str
    epochs: int
    message: str
    train_error: float | None
    dev_error: float | None
    data: str  # the dataset and its split, in words
    saved: Path | None  # where the trained network was written as a model file, if asked
    metric: Metric = field(default_factory=lambda: metric_of(None))  # what the errors hold


def train_fixed(
    config: StudyConfig,
    hyperparameters: HyperParams,
    seed: int | None,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    save: Path | None = None,
) -> Training:
    """Trains on the config's train split, scores on dev, as a trial does; the test split stays
    untouched. `save` writes the trained network there. Without a `seed`, the study file's
    `search.training_seed` (what `best --output` writes), else 0."""
    if save is not None:
        refuse_study_part(save, "save")
    if seed is None:
        seed = config.search.training_seed or 0
    dataset = load_study_data(config)
    with blas_threads(config.search.threads):  # as its trials train: the same errors again
        data = training_data(dataset, config.ranked_by.name)
        result = train_seeded(hyperparameters, data, seed, on_epoch)
    if save is not None:
        _save(result.network, dataset, config, result.dev_error, save)
    return Training(
        result.state,
        result.epochs,
        result.message,
        result.train_error,
        result.dev_error,
        dataset.describe(),
        save,
        config.ranked_by,
    )


def _save(network, dataset, config: StudyConfig, dev_error: float | None, path: Path) -> None:
    """The trained network as a model file, as a study keeps its best trials' (no trial)."""
    import io

    from hpsearch.store.model_file import write_model
    from hpsearch.study.model import pack_network

    buffer = io.BytesIO()
    network.save(buffer)
    origin = (None, None, dev_error)
    packed = pack_network(dataset, config.name, buffer.getvalue(), origin, config.ranked_by.name)
    write_model(packed, path, "save")
