"""A search started from Python as from the shell: `hpsearch.run(config)` and
`hpsearch.zoom(study)` go through the functions `hpsearch run` and `hpsearch zoom` call, so the
same config gives the same store, the same resume and the same table either way.

A config is a study file's path or a dict of the file's shape; a dict's mistakes are reported
as a file's are, each at its key path in place of its line."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hpsearch.config import StudyConfig, load_config
from hpsearch.config.execution import Execution
from hpsearch.config.study_file import config_from_mapping
from hpsearch.errors import ConfigError, Terminated
from hpsearch.search.zoom import parse_range
from hpsearch.store.layout import default_runs
from hpsearch.study.find import study_folder
from hpsearch.study.opened import Study
from hpsearch.study.overview import ShowOptions
from hpsearch.study.recording import Observer, StudyRun
from hpsearch.study.run import run_study
from hpsearch.study.zoom_plan import ZoomRequest, ZoomRun
from hpsearch.study.zoom_round import zoom_study

Config = str | os.PathLike[str] | Mapping[str, Any] | StudyConfig


def study_config(config: Config) -> StudyConfig:
    """A study file's path, a dict of its settings, or a config already read."""
    if isinstance(config, StudyConfig):
        return config
    if isinstance(config, Mapping):
        return config_from_mapping(config)
    if isinstance(config, str | os.PathLike):
        return load_config(config)
    raise ConfigError(
        "config must be a study file's path or a dict of its settings (name:, data:, "
        f"hyperparameters:, search:), but got {type(config).__name__}"
    )


def given_execution(
    workers: int | None = None, backend: str | None = None, scheduler: str | None = None
) -> dict[str, Any]:
    """The execution settings given over the study's own; a scheduler means the dask backend."""
    if scheduler is not None and backend is None:
        backend = "dask"
    return {"workers": workers, "backend": backend, "scheduler": scheduler}


def run_config(
    config: Config,
    runs_dir: str | os.PathLike[str] | None = None,
    given: Mapping[str, Any] | None = None,
    *,
    new: bool = False,
    observer: Observer | None = None,
    top: int = 10,
) -> StudyRun:
    """What `hpsearch run` does: the study of `config` run to its trials, resumed if it exists
    (`given`: execution settings over the study's, see `given_execution`)."""
    checked = study_config(config)
    execution = Execution.of(checked.search, **(given or {}))
    runs = Path(runs_dir) if runs_dir is not None else default_runs()
    return run_study(
        checked, runs, execution, new=new, observer=observer, show=ShowOptions(top=top)
    )


def run(
    config: Config,
    *,
    runs_dir: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    new: bool = False,
    observer: Observer | None = None,
) -> Study:
    """Runs a study from Python, as `hpsearch run` does, and returns it (`Study.outcome`
    says how the run went: its `exit_code`, the trials it ran). Run it again to resume.

    Ctrl-C (or SIGTERM) stops it as on the command line, every finished trial kept, and is
    raised again here once the run has stopped, so that a loop of runs stops too."""
    done = run_config(
        config, runs_dir, given_execution(workers, backend, scheduler), new=new,
        observer=observer,
    )  # fmt: skip
    return _returned(done)


def zoom(
    study: Study | str | os.PathLike[str],
    *,
    top: int | None = None,
    trials: int | None = None,
    budget: int | None = None,
    margin: float | None = None,
    ranges: Sequence[str] = (),
    schedule: str | None = None,
    runs_dir: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    observer: Observer | None = None,
) -> Study:
    """Coarse to fine, as `hpsearch zoom` does: the region of the best trials, a new round run
    in it; an unfinished zoom round is resumed. `ranges` are `--set`'s `NAME=LOW:HIGH` or
    `NAME=A,B`; None keeps each default. Returns the study, its `outcome` the round's run."""
    folder = study.folder if isinstance(study, Study) else _folder(study, runs_dir)
    request = ZoomRequest(top, trials, margin, tuple(map(parse_range, ranges)), schedule, budget)
    done = zoom_study(folder, request, given_execution(workers, backend, scheduler), observer)
    return _returned(_run_of(done))


def _folder(study: str | os.PathLike[str], runs_dir: str | os.PathLike[str] | None) -> Path:
    return study_folder(str(study), Path(runs_dir) if runs_dir is not None else default_runs())


def _run_of(done: ZoomRun) -> StudyRun:
    assert done.run is not None  # only a dry run has none
    return done.run


def _returned(done: StudyRun) -> Study:
    if done.interrupted:
        raise Terminated() if done.terminated else KeyboardInterrupt()
    return Study(done.folder, done)
