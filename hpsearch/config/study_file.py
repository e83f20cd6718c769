"""The study's YAML file → a validated, frozen `StudyConfig`, or one `ConfigError` listing every
problem of the file at once, each at its line, with the fix.

A file is written by hand and read months later, so every setting has a default and a minimal
file is about ten lines. What a network accepts is read from `HyperParams` and what the data
section accepts from `DataSpec`; nothing is described twice."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hpsearch.config.hyperparameters import check_space
from hpsearch.config.schedule import schedule_identity, schedule_problems, settled_search
from hpsearch.config.schema import hyperparameters_schema
from hpsearch.config.search_settings import SearchSettings
from hpsearch.config.study_defaults import with_study_defaults, without
from hpsearch.data.spec import PATH_KEYS, DataSpec
from hpsearch.errors import ConfigError
from hpsearch.search.space import SearchSpace
from hpsearch.tasks import Metric, MetricName, default_metric, metric_of, metrics_of
from hpsearch.userinput.messages import problems_from, show
from hpsearch.userinput.yaml_lines import Document, Problem, dotted, read_yaml

BOTH_SIZES = (
    "is given with search.trials, and both size the first round; keep one: budget (the epochs "
    "it trains in all) or trials (how many configurations)"
)
MAPPING = "must be a mapping of settings (name:, data:, hyperparameters:, search:)"
NAME_LIMIT = 100  # characters of a study name: it names a folder
NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{NAME_LIMIT - 1}}}")


class StudyConfig(BaseModel):
    """A validated study file. `hyperparameters` holds what is searched and what is fixed."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: StrictStr = Field(description="the study's folder under runs/ (default: the file's name)")
    data: DataSpec = Field(default_factory=DataSpec)
    hyperparameters: SearchSpace = Field(default_factory=SearchSpace)
    search: SearchSettings = Field(default_factory=SearchSettings)
    metric: MetricName | None = Field(
        None,
        description="what ranks the trials (lower is better): error, balanced_error or log_loss "
        "for a classification, rmse or mae for a regression; default: error, or rmse",
    )
    target_error: Annotated[StrictFloat, Field(ge=0)] | None = Field(
        None,
        description="an estimate of the optimal (Bayes, human) value of the metric, in its "
        "units, for the bias/variance reading",
    )
    baseline: StrictBool = Field(
        True,
        description="when the study is made, fit gradient boosting and a linear model on its "
        "train split and score them on dev, as a yardstick beside the trials; false: none",
    )
    _path: Path | None = PrivateAttr(None)
    _data_lines: dict[str, int] = PrivateAttr(default_factory=dict)  # `data:` key → its line
    _added: frozenset[str] = PrivateAttr(frozenset())  # new-study defaults the file left out

    @model_validator(mode="after")
    def _settle_schedule(self) -> Self:
        """The first rung when none is given and the trials a `budget` holds, filled in once,
        while the config is made: they are part of what the study stores and resumes with."""
        object.__setattr__(self, "search", settled_search(self))
        return self

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name: str) -> str:
        if not NAME.fullmatch(name):
            raise ValueError(
                f"must be up to {NAME_LIMIT} letters, digits, '-', '_' or '.', starting with a "
                f"letter or digit (it names the study's folder), but got {show(name)}"
            )
        return name

    @field_validator("metric")
    @classmethod
    def _metric_fits_task(cls, metric: str | None, info: ValidationInfo) -> str | None:
        data = info.data.get("data")
        if metric is None or data is None or metric in metrics_of(data.target_task):
            return metric
        task = data.target_task
        fix = "set `task: regression` in `data:`, or " if data.task is None and data.is_file else ""
        raise ValueError(
            f"{metric} ranks a {metric_of(metric).task}, but this study is a {task}; {fix}"
            f"use one of {', '.join(metrics_of(task))}"
        )

    @field_validator("target_error")
    @classmethod
    def _target_error_in_range(cls, value: float | None, info: ValidationInfo) -> float | None:
        data = info.data.get("data")
        if value is None or data is None or "metric" not in info.data:
            return value
        metric = metric_of(info.data["metric"], data.target_task)
        if metric.fraction and value >= 1:
            raise ValueError(
                f"must be below 1, as the {metric.label} it estimates is a share of the rows, "
                f"but got {value:g}"
            )
        return value

    @property
    def ranked_by(self) -> Metric:
        """The metric that ranks the trials: the file's, or its task's default."""
        return metric_of(self.metric, self.data.target_task)

    @property
    def path(self) -> Path | None:
        """The file this config was read from, if any."""
        return self._path

    def as_made(self, identity: dict[str, Any]) -> StudyConfig:
        """This config as the study of the stored `identity` was made: a new-study default
        (`study_defaults`) that the file leaves out and the study was made without is left
        out again, so that a study made before the default resumes as it was made."""
        made = identity.get("hyperparameters", {})
        older = [name for name in self._added if name not in made]
        if not older:
            return self
        config = self.model_copy(update={"hyperparameters": without(self.hyperparameters, older)})
        config._added = self._added - set(older)
        return config

    def data_line(self, key: str) -> int | None:
        """The line of `data.<key>` in the study file, None when it was not written there."""
        return self._data_lines.get(key)

    def study_identity(self) -> dict[str, Any]:
        """What makes a study this study, as plain JSON: a resumed run with a different identity
        is refused. How many trials, where and how fast they run, and `target_error` (which only
        changes how results are read) may change between runs."""
        # File paths are left out: where the data lies may change (a moved project, another
        # working folder); what the data is, the store checks by its fingerprint.
        paths = set(PATH_KEYS) | ({"dataset"} if self.data.is_file else set())
        identity = {
            "name": self.name,
            "data": self.data.identity(paths | {"task"}),
            "hyperparameters": self.hyperparameters.to_dict(),
            "method": self.search.method,
            "seed": self.search.seed,
            **schedule_identity(self.search),
        }
        # BLAS threads change how a matrix product rounds, so a study's trials depend on them;
        # named only when not the default, so that a study made before the setting resumes.
        if self.search.threads != 1:
            identity["threads"] = self.search.threads
        # The metric picks each trial's best epoch, patience's stop and a schedule's promotions:
        # it makes the results. Task and metric are named only when not a classification by
        # error rate, so that a study made before them resumes.
        task = self.data.target_task
        if task != "classification":
            identity["task"] = task
        if self.ranked_by.name != default_metric(task):
            identity["metric"] = self.ranked_by.name
        return identity

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema of the file, for editor completion: `hyperparameters` lists every
        `HyperParams` field, each a fixed value or a distribution."""
        return hyperparameters_schema(super().model_json_schema(*args, **kwargs))


def load_config(path: str | Path) -> StudyConfig:
    """Read and validate a study file; relative data paths are taken from the file's folder and
    made absolute, so that a study can be resumed, zoomed or evaluated from any folder."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; give the study's YAML file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}, line {line}: not UTF-8 text; save the file as UTF-8") from None
    config = parse_config(text, str(path), folder=path.resolve().parent)
    config._path = path
    return config


def parse_config(
    text: str, source_name: str = "<config>", *, folder: Path | None = None
) -> StudyConfig:
    """Validate the text of a study file. `source_name` names it in messages and gives the default
    study name; relative data paths are resolved against `folder` when given."""
    document = read_yaml(text, source_name)
    return _checked(document, source_name, folder, Path(source_name).stem)


def config_from_mapping(
    settings: Any, source_name: str = "config", *, folder: Path | None = None
) -> StudyConfig:
    """Validate a study file's settings given as Python data (`hpsearch.run(dict)`): checked as
    the file is, every problem at once, each at its key path (`search.trials`) where a file's
    would be at its line. A dict has no file name, so it needs its `name:`; relative data
    paths are taken from `folder` (default: the working folder)."""
    if not isinstance(settings, Mapping):
        raise ConfigError(f"{source_name}: {MAPPING}, but got {show(settings)}")
    document = Document(data=_plain(settings, (), source_name))
    return _checked(document, source_name, Path.cwd() if folder is None else folder, "<dict>")


def _plain(value: Any, location: tuple, source_name: str) -> Any:
    """Python data as YAML would have given it: mappings with text keys, lists for tuples."""
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                where = f"{dotted(location)}: " if location else ""
                raise ConfigError(
                    f"{source_name}: {where}a key must be text, but got {show(key)}; quote it"
                )
        return {key: _plain(item, (*location, key), source_name) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, (*location, i), source_name) for i, item in enumerate(value)]
    return value


def _checked(
    document: Document, source_name: str, folder: Path | None, stem: str
) -> StudyConfig:
    if not isinstance(document.data, dict):
        raise ConfigError(f"{source_name}: the file {MAPPING}, but got {show(document.data)}")
    config, problems = _validate(document.data, stem)
    problems = document.problems + problems
    if problems or config is None:
        raise ConfigError(document.render(problems, source_name))
    space, added = with_study_defaults(config.hyperparameters)
    config = config.model_copy(
        update={"data": _resolve_paths(config.data, folder), "hyperparameters": space}
    )
    config._added = added
    config._data_lines = {
        location[1]: line
        for location, line in document.lines.items()
        if len(location) == 2 and location[0] == "data"
    }
    return config


def _validate(raw: dict[str, Any], stem: str) -> tuple[StudyConfig | None, list[Problem]]:
    raw = dict(raw)
    space, problems = check_space(raw.get("hyperparameters"))
    problems = [Problem(("hyperparameters", *p.location), p.message) for p in problems]
    if "hyperparameters" in raw:
        raw["hyperparameters"] = space or SearchSpace()  # its problems are reported above
    if "name" not in raw and NAME.fullmatch(stem):
        raw["name"] = stem
    elif "name" not in raw and not stem.startswith("<"):  # a file's name that cannot be one
        problems.append(Problem((), _unnamed(stem)))
        raw["name"] = "unnamed"  # so that only the message above speaks of the name
    search = raw.get("search")
    if isinstance(search, dict) and search.get("budget") is not None and "trials" in search:
        problems.append(Problem(("search", "budget"), BOTH_SIZES))
    try:
        config = StudyConfig.model_validate(raw)
    except ValidationError as error:
        return None, problems + problems_from(error.errors(), raw, StudyConfig)
    found = _grid_problems(config) + schedule_problems(config) + _smoothing_problems(config)
    return config, problems + found


def _unnamed(stem: str) -> str:
    suggested = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.") or "my-study"
    return (
        f"the study needs a `name:`: without one it is named after the file, but '{stem}' "
        "cannot name its folder (letters, digits, `_`, `.` and `-`, no spaces); add "
        f"`name: {suggested}` to the file, or rename the file"
    )


def _grid_problems(config: StudyConfig) -> list[Problem]:
    if config.search.method != "grid":
        return []
    from hpsearch.search.sampler import grid_shape  # loads NumPy: only a grid needs it here

    try:
        grid_shape(config.hyperparameters, config.search.trials)
    except ValueError as error:
        return [Problem(("search", "trials"), str(error))]
    return []


def _smoothing_problems(config: StudyConfig) -> list[Problem]:
    """Label smoothing smooths class labels: a regression has none to smooth."""
    value = config.hyperparameters.root.get("label_smoothing")
    if config.data.target_task != "regression" or value in (None, 0, 0.0):
        return []
    return [
        Problem(
            ("hyperparameters", "label_smoothing"),
            "label smoothing smooths class labels, but this study is a regression, which has "
            "none; remove label_smoothing (or set it to 0)",
        )
    ]


def _resolve_paths(data: DataSpec, folder: Path | None) -> DataSpec:
    """Data paths written relative to the config file, made independent of the current folder."""
    names = [n for n in PATH_KEYS if getattr(data, n) is not None]
    names += ["dataset"] if data.is_file else []
    paths = {n: Path(getattr(data, n)).expanduser() for n in names}
    if folder is not None:
        paths = {n: p if p.is_absolute() else folder / p for n, p in paths.items()}
    return data.model_copy(update={n: os.path.normpath(p) for n, p in paths.items()})
