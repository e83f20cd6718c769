"""`hpsearch zoom`: narrow a study's space to where its best trials cluster, and run a new round
of that narrower space into the same study. An unfinished zoom round is resumed, not stacked on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpsearch.config.schedule import check_round_schedule, round_search, schedule_settings
from hpsearch.data import load_dataset
from hpsearch.errors import ConfigError
from hpsearch.search.halving import SCHEDULES
from hpsearch.search.sampler import plan_trials
from hpsearch.search.space import SearchSpace
from hpsearch.search.zoom import ZOOMED_STATES, RangeSetting, Zoom, narrow, top_count, zoom_yaml
from hpsearch.store.study_store import StudyStore
from hpsearch.study.overview import ShowOptions
from hpsearch.study.run import (
    Execution,
    Observer,
    StudyRun,
    check_same_data,
    pending_trials,
    run_unfinished,
)
from hpsearch.study.snapshot import Snapshot, read_snapshot, snapshot_of
from hpsearch.trial import TrialSpec


@dataclass(frozen=True)
class ZoomRequest:
    """What `hpsearch zoom` was asked: None keeps each default (see `hpsearch.search.zoom`)."""

    top: int | None = None
    trials: int | None = None  # default: the size of the previous round
    margin: float | None = None
    ranges: tuple[tuple[str, RangeSetting], ...] = ()
    dry_run: bool = False
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


def zoom_study(
    folder: Path,
    request: ZoomRequest,
    execution: dict[str, object] | None = None,
    observer: Observer | None = None,
) -> ZoomRun:
    """Narrows the study in `folder` and runs the new round (`execution`: settings given on the
    command line, over the study's own). A dry run reads the store once and writes nothing."""
    if request.dry_run:
        with read_snapshot(folder) as snapshot:
            zoom = _narrow(snapshot, request)
        trials = request.trials or snapshot.rounds[-1].n_trials
        schedule = _round_schedule(snapshot, request, trials)
        last = snapshot.rounds[-1].number
        return ZoomRun(zoom, zoom_yaml(zoom.space), trials, None, last, _name(snapshot, schedule))
    with StudyStore.open(folder, writer=True) as store:
        snapshot = snapshot_of(store)
        config = snapshot.config
        pending = pending_trials(snapshot.rounds, snapshot.records, config.search.seed)
        unfinished = _unfinished_zoom_round(snapshot, pending)
        if unfinished is not None:
            zoom, space, trials = None, unfinished, len(pending)
            schedule = snapshot.rounds[-1].schedule
        else:
            zoom = _narrow(snapshot, request)
            space = zoom.space
            trials = request.trials or snapshot.rounds[-1].n_trials
            schedule = _round_schedule(snapshot, request, trials)
        dataset = load_dataset(config.data)
        check_same_data(store, config, dataset)
        if zoom is not None:
            end = snapshot.rounds[-1].trial_numbers.stop
            number = store.add_round(space.to_dict(), config.search.method, trials, end, schedule)
            pending += plan_trials(
                space,
                config.search.method,
                seed=config.search.seed,
                round=number,
                numbers=range(end, end + trials),
            )
        run = run_unfinished(
            store,
            snapshot,
            dataset,
            Execution.of(config.search, **(execution or {})),
            observer or Observer(),
            pending,
            ShowOptions(),
        )
        last = snapshot.rounds[-1].number
        return ZoomRun(zoom, zoom_yaml(space), trials, run, last, _name(snapshot, schedule))


def _round_schedule(snapshot: Snapshot, request: ZoomRequest, trials: int) -> dict[str, Any]:
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


def _name(snapshot: Snapshot, schedule: dict[str, Any]) -> str:
    return round_search(snapshot.config.search, schedule).schedule


def _narrow(snapshot: Snapshot, request: ZoomRequest) -> Zoom:
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


def _unfinished_zoom_round(snapshot: Snapshot, pending: list[TrialSpec]) -> SearchSpace | None:
    """The space of the last round if it is a zoom round with trials still to run."""
    last = snapshot.rounds[-1]
    in_last = last.number > 0 and any(spec.round == last.number for spec in pending)
    return snapshot.spaces[-1] if in_last else None
