"""What a zoom asks and would do: the region around the best trials and the schedule of the new
round, read from the study without running anything (`hpsearch zoom --dry-run` imports no
executor). `zoom_round` runs the round."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpsearch.config.schedule import check_round_schedule, round_search, schedule_settings
from hpsearch.errors import ConfigError
from hpsearch.search.halving import SCHEDULES
from hpsearch.search.zoom import ZOOMED_STATES, RangeSetting, Zoom, narrow, top_count, zoom_yaml
from hpsearch.study.snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:
    from hpsearch.study.run import StudyRun


@dataclass(frozen=True)
class ZoomRequest:
    """What `hpsearch zoom` was asked: None keeps each default (see `hpsearch.search.zoom`)."""

    top: int | None = None
    trials: int | None = None  # default: the size of the previous round
    margin: float | None = None
    ranges: tuple[tuple[str, RangeSetting], ...] = ()
    schedule: str | None = None  # default: the last round's


@dataclass(frozen=True)
class ZoomRun:
    """The region (None when an unfinished zoom round was resumed instead), its YAML, and the
    round's run (None for a dry run)."""

    zoom: Zoom | None
    yaml: str
    trials: int
    run: StudyRun | None
    last_round: int = 0  # the round the zoom narrows (the study's last before this one)
    schedule: str = "plain"  # the schedule the new round runs under


def dry_zoom(folder: Path, request: ZoomRequest) -> ZoomRun:
    """The region and the new round a zoom of the study in `folder` would run; nothing is
    written, the store is read once."""
    with read_snapshot(folder) as snapshot:
        zoom = narrow_study(snapshot, request)
        trials = request.trials or snapshot.rounds[-1].n_trials
        name = schedule_name(snapshot, round_schedule(snapshot, request, trials))
    return ZoomRun(zoom, zoom_yaml(zoom.space), trials, None, snapshot.rounds[-1].number, name)


def round_schedule(snapshot: Snapshot, request: ZoomRequest, trials: int) -> dict[str, Any]:
    """The new round's own schedule settings: the last round's unless the request names one;
    refused when the study cannot run `trials` trials under it."""
    search = snapshot.config.search
    if request.schedule is None:
        schedule = snapshot.rounds[-1].schedule
    elif request.schedule not in SCHEDULES:
        raise ConfigError(
            f"schedule must be one of {', '.join(SCHEDULES)}, but got {request.schedule!r}",
            option="schedule",
        )
    else:
        schedule = schedule_settings(search, request.schedule)
    check_round_schedule(snapshot.config, round_search(search, schedule), trials)
    return schedule


def schedule_name(snapshot: Snapshot, schedule: dict[str, Any]) -> str:
    return round_search(snapshot.config.search, schedule).schedule


def narrow_study(snapshot: Snapshot, request: ZoomRequest) -> Zoom:
    """`search.zoom.choose_top` and `narrow`, reading the chosen trials only."""
    options = {} if request.margin is None else {"margin": request.margin}
    tallies = snapshot.tallies(0)
    completed = Counter[int]()
    for tally in tallies:
        if tally.state in ZOOMED_STATES:
            completed[tally.round] += tally.trials
    needed = top_count(completed, sum(t.trials for t in tallies), request.top)
    top = [record for _, record in snapshot.ranked(needed, states=ZOOMED_STATES)]
    return narrow(snapshot.spaces[-1], snapshot.spaces[0], top, ranges=request.ranges, **options)


