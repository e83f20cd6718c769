"""`hpsearch zoom`: narrow a study's space to where its best trials cluster, and run a new round
of that narrower space into the same study. An unfinished zoom round is resumed, not stacked on."""

from __future__ import annotations

from pathlib import Path

from hpsearch.data import load_dataset
from hpsearch.search.sampler import plan_trials
from hpsearch.search.space import SearchSpace
from hpsearch.search.zoom import zoom_yaml
from hpsearch.store.study_store import StudyStore
from hpsearch.study.overview import ShowOptions
from hpsearch.study.run import (
    Execution,
    Observer,
    check_same_data,
    pending_trials,
    run_unfinished,
    split_sizes,
)
from hpsearch.study.snapshot import Snapshot, snapshot_of
from hpsearch.study.zoom_plan import (
    ZoomRequest,
    ZoomRun,
    narrow_study,
    round_schedule,
    schedule_name,
)
from hpsearch.trial import TrialSpec


def zoom_study(
    folder: Path,
    request: ZoomRequest,
    execution: dict[str, object] | None = None,
    observer: Observer | None = None,
) -> ZoomRun:
    """Narrows the study in `folder` and runs the new round (`execution`: settings given on the
    command line, over the study's own); `zoom_plan.dry_zoom` only says what it would run."""
    with StudyStore.open(folder, writer=True) as store:
        snapshot = snapshot_of(store)
        config = snapshot.config
        pending = pending_trials(snapshot.rounds, snapshot.records, config.search.seed)
        unfinished = _unfinished_zoom_round(snapshot, pending)
        if unfinished is not None:
            zoom, space, trials = None, unfinished, len(pending)
            schedule = snapshot.rounds[-1].schedule
        else:
            zoom = narrow_study(snapshot, request)
            space = zoom.space
            trials = request.trials or snapshot.rounds[-1].n_trials
            schedule = round_schedule(snapshot, request, trials)
        dataset = load_dataset(config.data)
        check_same_data(store, config, dataset)
        store.keep_splits(split_sizes(dataset))  # a study made before they were kept
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
        return ZoomRun(zoom, zoom_yaml(space), trials, run, last, schedule_name(snapshot, schedule))


def _unfinished_zoom_round(snapshot: Snapshot, pending: list[TrialSpec]) -> SearchSpace | None:
    """The space of the last round if it is a zoom round with trials still to run."""
    last = snapshot.rounds[-1]
    in_last = last.number > 0 and any(spec.round == last.number for spec in pending)
    return snapshot.spaces[-1] if in_last else None
