"""The `search:` settings of a schedule (successive halving, Hyperband) checked against the rest
of the study file: a first rung within `epochs`, η above 1, enough trials for one promotion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def _too_few(search: SearchSettings, epochs: int) -> list[Problem]:
    need = fewest_trials(search.schedule, search.min_epochs, search.eta, epochs, search.brackets)
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
