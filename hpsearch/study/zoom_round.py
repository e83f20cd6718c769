"""`hpsearch zoom`: narrow a study's space to where its best trials cluster, and run a new round
of that narrower space into the same study. An unfinished zoom round is resumed, not stacked on."""

from __future__ import annotations

from pathlib import Path

from hpsearch.config.schedule import round_schedule
from hpsearch.data import load_dataset
from hpsearch.search.zoom import zoom_yaml
from hpsearch.store.study_store import StudyStore
from hpsearch.study.overview import ShowOptions
from hpsearch.study.recording import Observer
from hpsearch.study.run import Execution, check_same_data, run_unfinished, split_sizes
from hpsearch.study.snapshot import Snapshot, snapshot_of
from hpsearch.study.zoom_plan import (
    ZoomRequest,
    ZoomRun,
    narrow_study,
    new_round_settings,
    round_size,
)


def zoom_study(
    folder: Path,
    request: ZoomRequest,
    given: dict[str, object] | None = None,
    observer: Observer | None = None,
) -> ZoomRun:
    """Narrows the study in `folder` and runs the new round (`given`: the execution settings
    given on the command line, over the study's own); `zoom_plan.dry_zoom` only says what it
    would run."""
    with StudyStore.open(folder, writer=True) as store:
        snapshot = snapshot_of(store)
        config = snapshot.config
        last = snapshot.rounds[-1]
        left = unfinished_zoom_round(snapshot)
        if left:
            zoom, space, trials, settings = None, snapshot.spaces[-1], left, last.schedule_settings
        else:
            zoom = narrow_study(snapshot, request)
            space = zoom.space
            settings = new_round_settings(snapshot, request)
            trials = round_size(snapshot, request, settings)
        dataset = load_dataset(config.data)
        check_same_data(store, config, dataset)
        store.keep_splits(split_sizes(dataset))  # a study made before they were kept
        if zoom is not None:
            end = last.trial_numbers.stop
            store.add_round(space.to_dict(), config.search.method, trials, end, settings)
        run = run_unfinished(
            store,
            dataset,
            Execution.of(config.search, **(given or {})),
            observer or Observer(),
            ShowOptions(),
        )
        name = round_schedule(config, settings)
        return ZoomRun(zoom, zoom_yaml(space), trials, run, last.number, name)


def unfinished_zoom_round(snapshot: Snapshot) -> int:
    """How many trials the last round has left to finish, if it is a zoom round (else 0)."""
    last = snapshot.rounds[-1]
    if last.number == 0:
        return 0
    finished = sum(
        t.n_trials
        for t in snapshot.trial_groups(0)
        if t.round == last.number and t.state.is_finished
    )
    return last.n_trials - finished
