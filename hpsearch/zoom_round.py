"""`hpsearch zoom`: narrow a study's space to where its best trials cluster, and run a new round
of that narrower space into the same study. An unfinished zoom round is resumed, not stacked on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hpsearch.data import load_dataset
from hpsearch.space import SearchSpace
from hpsearch.store import StudyStore
from hpsearch.study import (
    Execution,
    Observer,
    RunOutcome,
    check_same_data,
    pending_trials,
    run_unfinished,
    stored_config,
)
from hpsearch.zoom import Override, Zoom, choose_top, narrow, zoom_yaml


@dataclass(frozen=True)
class ZoomRequest:
    """What `hpsearch zoom` was asked: None keeps each default (see `hpsearch.zoom`)."""

    top: int | None = None
    trials: int | None = None  # default: the size of the previous round
    margin: float | None = None
    overrides: tuple[tuple[str, Override], ...] = ()
    dry_run: bool = False


@dataclass(frozen=True)
class ZoomOutcome:
    """The region (None when an unfinished zoom round was resumed instead), its YAML, and the
    round's run (None for a dry run)."""

    zoom: Zoom | None
    yaml: str
    trials: int
    run: RunOutcome | None


def zoom_study(
    folder: Path,
    request: ZoomRequest,
    overrides: dict[str, object] | None = None,
    observer: Observer | None = None,
) -> ZoomOutcome:
    """Narrows the study in `folder` and runs the new round (`overrides`: execution settings
    given on the command line). A dry run reads the store and writes nothing."""
    with StudyStore.open(folder, writer=not request.dry_run) as store:
        config = stored_config(store)
        unfinished, pending = _unfinished_zoom_round(store, config.search.seed)
        if unfinished is not None and not request.dry_run:
            zoom, space, trials = None, unfinished, pending
        else:
            zoom = _narrow(store, request)
            space = zoom.space
            trials = request.trials or store.rounds()[-1].n_trials
        if request.dry_run:
            return ZoomOutcome(zoom, zoom_yaml(space), trials, None)
        dataset = load_dataset(config.data)
        check_same_data(store, config, dataset)
        if zoom is not None:
            end = store.rounds()[-1].trial_numbers.stop
            store.add_round(space.to_dict(), config.search.method, trials, first_number=end)
        execution = Execution.of(config.search, **(overrides or {}))
        outcome = run_unfinished(store, config, dataset, execution, observer or Observer())
        return ZoomOutcome(zoom, zoom_yaml(space), trials, outcome)


def _narrow(store: StudyStore, request: ZoomRequest) -> Zoom:
    rounds = store.rounds()
    options = {} if request.margin is None else {"margin": request.margin}
    return narrow(
        SearchSpace.from_dict(rounds[-1].space),
        SearchSpace.from_dict(rounds[0].space),
        choose_top(store.trials(), request.top),
        overrides=request.overrides,
        **options,
    )


def _unfinished_zoom_round(store: StudyStore, seed: int) -> tuple[SearchSpace | None, int]:
    """The space of the last round if it is a zoom round with trials still to run, and how many
    trials of the study are still to run."""
    last = store.rounds()[-1]
    pending = pending_trials(store, seed)
    in_last = last.number > 0 and any(spec.round == last.number for spec in pending)
    return (SearchSpace.from_dict(last.space) if in_last else None), len(pending)
