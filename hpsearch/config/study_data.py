"""A study's data, loaded with its problems placed in the study file: `d.yaml, line 4:
data.target: target column 'labl' is not in …`, so that the line to change is named."""

from __future__ import annotations

from hpsearch.config.study_file import StudyConfig
from hpsearch.data import Dataset, load_dataset
from hpsearch.errors import DataError


def load_study_data(config: StudyConfig) -> Dataset:
    """`load_dataset(config.data)`; a `DataError` names the line of the setting it is about
    (the `dataset:` line when it is about the data itself, or that setting is not written)."""
    try:
        return load_dataset(config.data)
    except DataError as error:
        key = error.key if config.data_line(error.key or "") else "dataset"
        line = config.data_line(key)
        if config.path is None or line is None:
            raise
        raise DataError(f"{config.path}, line {line}: data.{key}: {error}", key=key) from None
