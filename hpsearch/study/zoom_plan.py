"""What a zoom asks and would do: the region around the best trials and the schedule of the new
round, read from the study without running anything (`hpsearch zoom --dry-run` imports no
executor). `zoom_round` runs the round."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpsearch.config.schedule import (
    check_round_schedule,
    full_budget,
    round_schedule,
    round_search,
    round_trials,
    schedule_settings,
)
from hpsearch.errors import ConfigError
from hpsearch.search.halving import SCHEDULES
from hpsearch.search.zoom import (
    WEIGHED_STATES,
    ZOOMED_STATES,
    Evidence,
    RangeSetting,
    Zoom,
    narrow,
    top_count,
    zoom_yaml,
)
from hpsearch.study.snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:
    from hpsearch.study.recording import StudyRun


@dataclass(frozen=True)
class ZoomRequest:
    """What `hpsearch zoom` was asked: None keeps each default (see `hpsearch.search.zoom`)."""

    top: int | None = None
    trials: int | None = None  # default: as many as the study's budget holds, or the last round's
    margin: float | None = None
    ranges: tuple[tuple[str, RangeSetting], ...] = ()
    schedule: str | None = None  # default: the last round's
    budget: int | None = None  # epochs the round may train, instead of `trials`


@dataclass(frozen=True)
class ZoomRun:
    """The region (None when an unfinished zoom round was resumed instead), its YAML, and the
    round's run (None for a dry run)."""

    zoom: Zoom | None
    yaml: str
    n_trials: int
    run: StudyRun | None
    last_round: int = 0  # the round the zoom narrows (the study's last before this one)
    schedule: str = "plain"  # the schedule the new round runs under


def dry_zoom(folder: Path, request: ZoomRequest) -> ZoomRun:
    """The region and the new round a zoom of the study in `folder` would run; nothing is
    written, the store is read once."""
    with read_snapshot(folder) as snapshot:
        zoom = narrow_study(snapshot, request)
        settings = new_round_settings(snapshot, request)
        trials = round_size(snapshot, request, settings)
        name = round_schedule(snapshot.config, settings)
    return ZoomRun(zoom, zoom_yaml(zoom.space), trials, None, snapshot.rounds[-1].number, name)


def new_round_settings(snapshot: Snapshot, request: ZoomRequest) -> dict[str, Any]:
    """The new round's own schedule settings: the last round's unless the request names one."""
    if request.schedule is None:
        return snapshot.rounds[-1].schedule_settings
    if request.schedule not in SCHEDULES:
        raise ConfigError(
            f"schedule must be one of {', '.join(SCHEDULES)}, but got {request.schedule!r}",
            option="schedule",
        )
    return schedule_settings(snapshot.config, request.schedule)


def round_size(snapshot: Snapshot, request: ZoomRequest, settings: dict[str, Any]) -> int:
    """The new round's trials: as asked (`trials`, or as many as `budget` holds), else as many
    as the study's budget holds under the round's schedule, else the last round's count;
    refused when the study cannot run them under that schedule."""
    config = snapshot.config
    if request.trials is not None and request.budget is not None:
        raise ConfigError("trials and --budget both size the round; give one", option="trials")
    search = round_search(config, settings)
    if request.budget is not None:
        search = search.model_copy(update={"budget": request.budget})
    trials = request.trials or round_trials(config, search)
    if trials is None:
        trials = snapshot.rounds[-1].n_trials
    if trials < 1:
        raise ConfigError(
            f"budget of {search.budget} epochs holds no trial of {full_budget(config)} epochs "
            f"under schedule {search.schedule}; give a larger one",
            option="budget",
        )
    check_round_schedule(config, search, trials)
    return trials


def narrow_study(snapshot: Snapshot, request: ZoomRequest) -> Zoom:
    """`search.zoom.choose_top` and `narrow`, reading the chosen trials only; the evidence for
    each bound is counted in the store, over the trials of the last round."""
    options = {} if request.margin is None else {"margin": request.margin}
    groups = snapshot.trial_groups(0)
    completed = Counter[int]()
    for group in groups:
        if group.state in ZOOMED_STATES:
            completed[group.round] += group.n_trials
    needed = top_count(completed, sum(t.n_trials for t in groups), request.top)
    top = [record for _, record in snapshot.ranked(needed, states=ZOOMED_STATES)]
    last = snapshot.rounds[-1].number
    best = snapshot.ranked(min(needed, completed[last]), round=last, states=ZOOMED_STATES)
    weighed = sum(g.n_trials for g in groups if g.round == last and g.state in WEIGHED_STATES)

    def count(bounds):
        return snapshot.count_beyond(last, WEIGHED_STATES, bounds)[1]

    evidence = Evidence(weighed, [record for _, record in best] if completed[last] else [], count)
    return narrow(
        snapshot.spaces[-1], snapshot.spaces[0], top, ranges=request.ranges, evidence=evidence,
        **options,
    )  # fmt: skip
