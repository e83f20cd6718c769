"""The study file: `load_config` reads a YAML file into a validated, frozen `StudyConfig`."""

from hpsearch.config.execution import available_cores
from hpsearch.config.study_file import SearchSettings, StudyConfig, load_config, parse_config

__all__ = ["SearchSettings", "StudyConfig", "available_cores", "load_config", "parse_config"]
