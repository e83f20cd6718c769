"""The `search:` settings of a schedule (successive halving, Hyperband, asynchronous halving) and
of a budget in epochs, checked against the rest of the study file: a first rung within
`epochs`, η above 1, enough trials for one promotion, a budget that holds them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from hpsearch.errors import ConfigError
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.budget import (
    MAX_TRIALS,
    Ladder,
    RoundOutlook,
    default_min_epochs,
    fewest_trials,
    outlook,
    trials_for_budget,
)
from hpsearch.userinput.yaml_lines import Problem

if TYPE_CHECKING:
    from hpsearch.config.search_settings import SearchSettings
    from hpsearch.search.space import SearchSpace


class StudyFile(Protocol):
    """What a schedule reads of a study file: `StudyConfig`, which checks and settles its
    schedule with these functions while it is made, so they name it by its shape."""

    @property
    def hyperparameters(self) -> SearchSpace: ...
    @property
    def search(self) -> SearchSettings: ...


SCHEDULE_KEYS = ("schedule", "min_epochs", "eta", "brackets")
CHANGED_DEFAULTS = (
    "hpsearch's defaults for a schedule changed (eta 3 → 2, min_epochs 1 → about epochs / 9): "
    "to resume a study made with the old ones, write them in its file's search: section"
)


def full_budget(config: StudyFile) -> int | None:
    """`hyperparameters.epochs` when it is fixed (its default when not written); None when
    searched."""
    if "epochs" in config.hyperparameters.searched:
        return None
    epochs = config.hyperparameters.fixed.get("epochs")
    return HyperParams.model_fields["epochs"].default if epochs is None else epochs


def ladder_of(config: StudyFile, search: SearchSettings | None = None) -> Ladder | None:
    """The schedule `search` (default: the study file's) runs under; None when the epochs are
    searched or the settings cannot make one (their problems say why)."""
    search = search or config.search
    epochs = full_budget(config)
    if epochs is None or search.eta < 2:
        return None
    first = search.min_epochs or default_min_epochs(epochs, search.eta)
    if search.schedule != "plain" and first > epochs:
        return None
    return Ladder(search.schedule, min(first, epochs), search.eta, epochs, search.brackets)


def settled_search(config: StudyFile) -> SearchSettings:
    """The `search:` settings with what follows from the rest of the file: the first rung of a
    schedule when none is written, and the trials a budget holds (where it holds a valid
    count: else its problem is reported)."""
    search = config.search
    ladder = ladder_of(config)
    if ladder is None:
        return search
    update: dict[str, Any] = {}
    if search.schedule != "plain" and search.min_epochs is None:
        update["min_epochs"] = ladder.min_epochs
    if search.budget is not None:
        trials = trials_for_budget(ladder, search.budget)
        if 1 <= trials <= MAX_TRIALS:
            update["trials"] = trials
    return search.model_copy(update=update) if update else search


def schedule_problems(config: StudyFile, search: SearchSettings | None = None) -> list[Problem]:
    """Every problem of the schedule's and the budget's settings (default: the study file's),
    each at its key."""
    search = search or config.search
    if search.eta <= 1:
        return [
            Problem(
                ("search", "eta"),
                f"must be an integer above 1 (the best 1/eta of a "
                f"rung go on), e.g. 2, but got {search.eta}",
            )
        ]
    if search.schedule == "plain":
        return _unused(search) + _budget_problems(config, search)
    epochs = full_budget(config)
    if epochs is None:
        return [
            Problem(
                ("hyperparameters", "epochs"),
                f"must be one fixed value with schedule: "
                f"{search.schedule} (the full budget every rung leads to), not searched",
            )
        ]
    if search.min_epochs is not None and search.min_epochs > epochs:
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
    return _budget_problems(config, search) or _too_few(config, search)


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


def _budget_problems(config: StudyFile, search: SearchSettings) -> list[Problem]:
    """A budget that holds no whole round: too small for one trial or for a schedule's
    promotions, too large for `MAX_TRIALS`, or without a fixed number of epochs to count in."""
    ladder = ladder_of(config, search)
    if search.budget is None:
        return []
    at = ("search", "budget")
    if ladder is None:
        return [
            Problem(
                at,
                "counts epochs, so hyperparameters.epochs must be one fixed value (the epochs "
                "of a full trial), not searched; or give search.trials instead",
            )
        ]
    trials = trials_for_budget(ladder, search.budget)
    if trials > MAX_TRIALS:
        return [
            Problem(
                at,
                f"holds more than {MAX_TRIALS:,} configurations of {ladder.epochs} epochs under "
                f"schedule: {ladder.schedule}, the most a round may have, but got "
                f"{search.budget:,}; lower it",
            )
        ]
    need = fewest_trials(ladder)
    if trials >= need:
        return []
    least = outlook(ladder, need).epochs
    what = (
        "one full trial"
        if ladder.schedule == "plain"
        else f"the {need} configurations schedule: {ladder.schedule} with eta={ladder.eta} needs"
    )
    return [Problem(at, f"must hold {what}: at least {least:,} epochs, but got {search.budget:,}")]


def _too_few(config: StudyFile, search: SearchSettings) -> list[Problem]:
    ladder = ladder_of(config, search)
    assert ladder is not None  # the problems that leave none were reported before this
    need = fewest_trials(ladder)
    if search.trials >= need:
        return []
    at = ("search", "budget" if search.budget is not None else "trials")
    return [Problem(at, _too_few_message(ladder, need, search.trials))]


def _too_few_message(ladder: Ladder, need: int, trials: int) -> str:
    if need > MAX_TRIALS:
        return (
            f"schedule: {ladder.schedule} with eta={ladder.eta} and {ladder.epochs:,} epochs "
            f"needs at least {need:,} trials, more than a round may have ({MAX_TRIALS:,}), so "
            "that the best 1/eta of every first rung is one trial at least; use a smaller eta"
            + (", fewer brackets or a larger min_epochs" if ladder.schedule == "hyperband" else "")
        )
    return (
        f"schedule: {ladder.schedule} with eta={ladder.eta} needs at least {need} trials, so "
        f"that the best 1/{ladder.eta} of every first rung is one trial at least, but got {trials}"
    )


def schedule_identity(search: SearchSettings) -> dict[str, Any]:
    """The schedule's part of a study's identity: it decides which trials stop, so a resumed
    run must keep it. Empty for plain, so that studies from before schedules keep theirs."""
    if search.schedule == "plain":
        return {}
    return {"schedule": {k: getattr(search, k) for k in SCHEDULE_KEYS}}


def round_search(config: StudyFile, settings: Mapping[str, Any]) -> SearchSettings:
    """This round's `search:` settings: the study file's, with the round's own schedule
    settings (`settings`; a zoom round told to run under another schedule) in place of its."""
    search = config.search
    return search.model_copy(update=dict(settings)) if settings else search


def round_schedule(config: StudyFile, settings: Mapping[str, Any]) -> str:
    """The name of the schedule this round runs under (see `round_search`)."""
    return round_search(config, settings).schedule


def schedule_settings(config: StudyFile, schedule: str) -> dict[str, Any]:
    """A round's own settings for running under `schedule`: the study file's first rung, η and
    (for Hyperband) brackets; empty when that is the study file's schedule."""
    search = config.search
    if schedule == search.schedule:
        return {}
    brackets = search.brackets if schedule == "hyperband" else None
    ladder = ladder_of(config, search.model_copy(update={"schedule": schedule}))
    first = search.min_epochs or (ladder.min_epochs if ladder else None)
    return {"schedule": schedule, "min_epochs": first, "eta": search.eta, "brackets": brackets}


def round_trials(config: StudyFile, search: SearchSettings) -> int | None:
    """The trials a round under `search` runs when the study counts its rounds in epochs (a
    `budget`): as many as the budget holds under that round's schedule; else None."""
    ladder = ladder_of(config, search)
    if search.budget is None or ladder is None:
        return None
    return trials_for_budget(ladder, search.budget)


def round_outlook(
    config: StudyFile, search: SearchSettings, round: int, trials: int
) -> RoundOutlook | None:
    """What round `round` of `trials` trials under `search` plans to train; None when its
    epochs are searched (nothing to count in)."""
    ladder = ladder_of(config, search)
    if ladder is None:
        return None
    budget = search.budget if round == 0 else None  # a zoom round is sized by its trials
    planned = outlook(ladder, trials)
    return RoundOutlook(round, ladder.schedule, tuple(ladder.rungs()), planned, budget)


def check_round_schedule(config: StudyFile, search: SearchSettings, trials: int) -> None:
    """Refuses a round of `trials` trials under `search`'s schedule that the study cannot run:
    searched epochs, a first rung past them, too few trials for one promotion."""
    search = search.model_copy(update={"trials": trials, "budget": None})
    problems = schedule_problems(config, search)
    for problem in problems:
        if problem.location != ("search", "trials"):
            key = ".".join(map(str, problem.location))
            raise ConfigError(
                f"schedule {search.schedule} does not fit this study: {key} {problem.message}; "
                "zoom with --schedule plain, or change the study file",
                option="schedule",
            )
    ladder = ladder_of(config, search)
    if problems and ladder is not None:
        need = fewest_trials(ladder)
        raise ConfigError(
            f"trials must be at least {need} under schedule {search.schedule} with "
            f"eta={search.eta}, so that the best 1/{search.eta} of every first rung is one trial "
            f"at least, but got {trials}",
            option="trials",
        )
