"""The `search:` settings of a schedule (successive halving, Hyperband) checked against the rest
of the study file: a first rung within `epochs`, η above 1, enough trials for one promotion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hpsearch.errors import ConfigError
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.halving import fewest_trials
from hpsearch.userinput.yaml_lines import Problem

if TYPE_CHECKING:
    from hpsearch.config.study_file import SearchSettings, StudyConfig

SCHEDULE_KEYS = ("schedule", "min_epochs", "eta", "brackets")


def full_budget(config: StudyConfig) -> int | None:
    """`hyperparameters.epochs` when it is fixed (its default when not written); None when
    searched."""
    if "epochs" in config.hyperparameters.searched:
        return None
    epochs = config.hyperparameters.fixed.get("epochs")
    return HyperParams.model_fields["epochs"].default if epochs is None else epochs


def schedule_problems(config: StudyConfig) -> list[Problem]:
    """Every problem of the schedule's settings, each at its key."""
    search = config.search
    if search.eta <= 1:
        return [
            Problem(
                ("search", "eta"),
                f"must be an integer above 1 (the best 1/eta of a "
                f"rung go on), e.g. 3, but got {search.eta}",
            )
        ]
    if search.schedule == "plain":
        return _unused(search)
    epochs = full_budget(config)
    if epochs is None:
        return [
            Problem(
                ("hyperparameters", "epochs"),
                f"must be one fixed value with schedule: "
                f"{search.schedule} (the full budget every rung leads to), not searched",
            )
        ]
    if search.min_epochs > epochs:
        return [
            Problem(
                ("search", "min_epochs"),
                f"the first rung must be at most "
                f"hyperparameters.epochs ({epochs}), the full budget, but got "
                f"{search.min_epochs}",
            )
        ]
    if search.brackets is not None and search.schedule != "hyperband":
        return [
            Problem(
                ("search", "brackets"),
                "is a setting of schedule: hyperband only; remove it, or set schedule: hyperband",
            )
        ]
    return _too_few(search, epochs)


def _unused(search: SearchSettings) -> list[Problem]:
    """A halving setting written beside schedule: plain would be silently ignored."""
    written = [k for k in ("brackets",) if getattr(search, k) is not None]
    return [
        Problem(
            ("search", k),
            "is a setting of schedule: hyperband only; remove it, or set schedule: hyperband",
        )
        for k in written
    ]


def _fewest(search: SearchSettings, epochs: int) -> int:
    return fewest_trials(search.schedule, search.min_epochs, search.eta, epochs, search.brackets)


def _too_few(search: SearchSettings, epochs: int) -> list[Problem]:
    need = _fewest(search, epochs)
    if search.trials >= need:
        return []
    return [
        Problem(
            ("search", "trials"),
            f"schedule: {search.schedule} with eta={search.eta} "
            f"needs at least {need} trials, so that the best 1/{search.eta} of every "
            f"first rung is one trial at least, but got {search.trials}",
        )
    ]


def schedule_identity(search: SearchSettings) -> dict[str, Any]:
    """The schedule's part of a study's identity: it decides which trials stop, so a resumed
    run must keep it. Empty for plain, so that studies from before schedules keep theirs."""
    if search.schedule == "plain":
        return {}
    return {"schedule": {k: getattr(search, k) for k in SCHEDULE_KEYS}}


def round_search(search: SearchSettings, schedule: Mapping[str, Any]) -> SearchSettings:
    """The `search:` settings a round runs under: the study file's, with the round's own
    schedule settings (a zoom round told to run under another schedule) in place of its."""
    return search.model_copy(update=dict(schedule)) if schedule else search


def schedule_settings(search: SearchSettings, schedule: str) -> dict[str, Any]:
    """A round's own settings for running under `schedule`: the study file's first rung, η and
    (for Hyperband) brackets; empty when that is the study file's schedule."""
    if schedule == search.schedule:
        return {}
    brackets = search.brackets if schedule == "hyperband" else None
    return {
        "schedule": schedule,
        "min_epochs": search.min_epochs,
        "eta": search.eta,
        "brackets": brackets,
    }


def check_round_schedule(config: StudyConfig, search: SearchSettings, trials: int) -> None:
    """Refuses a round of `trials` trials under `search`'s schedule that the study cannot run:
    searched epochs, a first rung past them, too few trials for one promotion."""
    search = search.model_copy(update={"trials": trials})
    problems = schedule_problems(config.model_copy(update={"search": search}))
    for problem in problems:
        if problem.location != ("search", "trials"):
            key = ".".join(map(str, problem.location))
            raise ConfigError(
                f"schedule {search.schedule} does not fit this study: {key} {problem.message}; "
                "zoom with --schedule plain, or change the study file",
                option="schedule",
            )
    if problems:
        need = _fewest(search, full_budget(config) or 1)
        raise ConfigError(
            f"trials must be at least {need} under schedule {search.schedule} with "
            f"eta={search.eta}, so that the best 1/{search.eta} of every first rung is one trial "
            f"at least, but got {trials}",
            option="trials",
        )
