"""What `hpsearch show` (and the end of `hpsearch run`) presents: a study's trials chosen, sorted
and diagnosed, with the summary above them. Read from the store without a lock, so it works while
a run writes; rendering is `show_table` for a terminal and `export` for files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, overload

from hpsearch.config import StudyConfig
from hpsearch.config.schedule import full_budget, round_schedule
from hpsearch.data.report import DataReport
from hpsearch.errors import ConfigError, StoreError
from hpsearch.search.halving import Savings
from hpsearch.search.importance import Importance, importance_of
from hpsearch.search.noise import Gap
from hpsearch.search.ranking import (
    Diagnosis,
    diagnose,
    searched_distributions,
    sort_trials,
    wide_gaps,
)
from hpsearch.search.space import Distribution, SearchSpace
from hpsearch.store.read_log import LoggedRead
from hpsearch.store.sqlite import Baseline, RoundRecord
from hpsearch.store.study_store import StudyStore, TrialGroup
from hpsearch.study.snapshot import Snapshot
from hpsearch.tasks import Metric, metric_of
from hpsearch.trial import TrialRecord, TrialState

DEFAULT_TOP = 10


@dataclass(frozen=True)
class ShowOptions:
    """`top` None shows every chosen trial; `all` adds those that did not complete; a
    `target_error` given here overrides the config's."""

    top: int | None = DEFAULT_TOP
    round: int | None = None
    all: bool = False
    sort: str = "dev_error"
    target_error: float | None = None


@dataclass(frozen=True)
class TrialRow:
    """One trial as shown: `rank` is its place in the whole study's ranking by dev error."""

    rank: int
    record: TrialRecord
    params: dict[str, Any]  # the searched hyperparameters only
    diagnosis: Diagnosis | None


@dataclass(frozen=True)
class StudyView:
    """The rows to show and what the summary says about the trials they were chosen from."""

    name: str
    folder: Path
    rows: Sequence[TrialRow]  # a tuple, or `Rows` read as they are reached
    distributions: dict[str, Distribution]  # every hyperparameter searched in some round
    fixed: dict[str, Any]  # fixed in every round
    counts: dict[TrialState, int]  # of the trials considered (one round's, with --round)
    engines: dict[str, int]  # complete trials considered, by the engine that trained them
    best: TrialRow | None  # the best complete trial considered
    rounds: int
    planned: int  # trials the rounds considered were made with (some may not have run yet)
    round: int | None
    options: ShowOptions
    target_error: float | None
    importance: Importance | None = field(default=None)
    test_reads: tuple[LoggedRead, ...] = ()  # every look at the test split, by `best --test`
    threads: int = 1  # BLAS threads per trial: the study's results depend on it
    savings: Savings | None = None  # what a halving schedule saved, of the trials considered
    one_round: bool = True  # all the trials the rows are chosen from are of one round
    best_gaps: tuple[Gap, ...] = ()  # the best trial's gaps above the threshold, with their noise
    splits: dict[str, int] = field(default_factory=dict)  # examples per split; {}: not kept
    metric: Metric = field(default_factory=lambda: metric_of(None))  # dev_error holds it
    data: DataReport | None = None  # what loading did to the data: rows dropped, gaps filled
    baselines: tuple[Baseline, ...] = ()  # fitted when the study was made; never ranked
    keeps_best: bool = False  # some round's trials keep their best epoch's weights

    @property
    def considered(self) -> int:
        """How many trials the rows were chosen from (before --top)."""
        return sum(self.counts.values()) if self.options.all else self.complete

    @property
    def complete(self) -> int:
        return self.counts.get(TrialState.COMPLETE, 0)


def view_study(
    snapshot: Snapshot, options: ShowOptions, *, summary: bool = True, stream: bool = False
) -> StudyView:
    """The study as `options` ask; `summary` False skips the importance (the machine formats
    print only rows). Ranked by dev error, only the rows shown are read (with their places in
    the study's ranking), and the summary from counts and a sample. With `stream`, every row
    asked for is read as it is first iterated, while `snapshot` is open: the first screen of
    `show --all` comes before the 100,000th row is read."""
    if options.top is not None and options.top < 1:
        raise ConfigError(f"top must be at least 1, but got {options.top}", option="top")
    config, rounds, spaces = snapshot.config, snapshot.rounds, snapshot.spaces
    _check_round(options.round, rounds)
    distributions = searched_distributions(spaces)
    target = config.target_error if options.target_error is None else options.target_error
    if options.target_error is not None and config.ranked_by.fraction and target >= 1:
        raise ConfigError(
            f"target_error must be below 1, as the {config.ranked_by.label} it estimates is a "
            f"share of the rows, but got {target:g}",
            option="target_error",
        )
    states = None if options.all else (TrialState.COMPLETE,)
    budget = full_budget(config)
    groups = [t for t in snapshot.trial_groups(budget or 0) if options.round in (None, t.round)]
    shown = [t for t in groups if t.n_trials and (options.all or t.state is TrialState.COMPLETE)]

    splits = snapshot.info.splits
    n_train, n_dev = splits.get("train"), splits.get("dev")
    metric = config.ranked_by
    # the names the machine formats give the metric's fields sort as the ranking's own
    named = {f"dev_{metric.name}": "dev_error", f"train_{metric.name}": "train_error"}
    if options.sort in named:
        options = replace(options, sort=named[options.sort])

    def row(place: int, record: TrialRecord) -> TrialRow:
        params = {name: record.params.get(name) for name in distributions}
        errors = (record.train_error, record.dev_error)
        reading = diagnose(*errors, target, metric.name, n_train, n_dev)
        return TrialRow(place, record, params, reading)

    rows: Sequence[TrialRow]
    if stream and options.top is None and options.sort == "dev_error":
        chosen = snapshot.ranked_stream(round=options.round, states=states)
        rows = Rows(sum(t.n_trials for t in shown), (row(*pair) for pair in chosen))
        best = snapshot.ranked(1, round=options.round, states=(TrialState.COMPLETE,))
    else:
        limit = options.top if options.sort == "dev_error" else None
        chosen = snapshot.ranked(limit, round=options.round, states=states)
        places = {record.number: place for place, record in chosen}
        ranked = [record for _, record in chosen]
        order = sort_trials(ranked, options.sort, list(distributions), already_ranked=True)
        rows = tuple(row(places[r.number], r) for r in order[: options.top])
        best = [pair for pair in chosen if pair[1].state is TrialState.COMPLETE][:1]
    return StudyView(
        name=config.name,
        folder=snapshot.folder,
        rows=rows,
        distributions=distributions,
        fixed={n: v for n, v in spaces[0].fixed.items() if n not in distributions}
        if spaces
        else {},
        counts=_by_state(groups),
        engines=_engines(groups),
        best=row(*best[0]) if best else None,
        best_gaps=_gaps(best[0][1], target, metric, n_train, n_dev) if best else (),
        splits=dict(splits),
        rounds=len(rounds),
        planned=sum(r.n_trials for r in rounds if options.round in (None, r.number)),
        round=options.round,
        options=options,
        target_error=target,
        importance=_importance(snapshot, options.round, distributions, metric) if summary else None,
        test_reads=tuple(snapshot.test_reads),
        threads=config.search.threads,
        savings=_savings(config, rounds, groups, budget),
        one_round=len({t.round for t in shown}) <= 1,
        metric=metric,
        data=snapshot.data_report,
        baselines=tuple(snapshot.baselines),
        keeps_best=any(keeps_best_epoch(space) for space in spaces),
    )


def _gaps(
    record: TrialRecord,
    target: float | None,
    metric: Metric,
    n_train: int | None,
    n_dev: int | None,
) -> tuple[Gap, ...]:
    if record.train_error is None or record.dev_error is None:
        return ()
    errors = (record.train_error, record.dev_error)
    return tuple(wide_gaps(*errors, target, metric.name, n_train, n_dev))


def keeps_best_epoch(space: SearchSpace) -> bool:
    """Whether trials of `space` may keep their best epoch's weights rather than their last's:
    with keep_best_epoch (fixed true, or searched) or patience."""
    kept, patience = space.root.get("keep_best_epoch"), space.root.get("patience")
    return kept not in (None, False) or patience is not None


class Rows(Sequence[TrialRow]):
    """A view's rows, `count` of them, made from `rows` as they are first reached and kept."""

    def __init__(self, count: int, rows: Iterator[TrialRow]) -> None:
        self._count, self._rows, self._read = count, rows, []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[TrialRow]:
        at = 0
        while at < self._count:
            yield self[at]
            at += 1

    @overload
    def __getitem__(self, index: int) -> TrialRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[TrialRow]: ...
    def __getitem__(self, index: int | slice) -> TrialRow | list[TrialRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        while len(self._read) <= index:
            self._read.append(next(self._rows))
        return self._read[index]


def _importance(
    snapshot: Snapshot, round: int | None, distributions: dict[str, Distribution], metric: Metric
) -> Importance:
    """The estimate a run kept, while the study holds the trials it was made from; else made
    from the complete trials' dev errors, reading the params of the sample only."""
    kept = snapshot.kept_importance(round)
    if kept is not None:
        return Importance.of(kept)
    complete = snapshot.complete_errors(round)
    numbers, errors = [n for n, _ in complete], [e for _, e in complete]

    def params_at(picked: Sequence[int]) -> list[dict[str, Any]]:
        return [r.params for r in snapshot.trials(numbers[i] for i in picked)]

    quantity = f"dev {metric.label}"
    return importance_of(errors, params_at, distributions, quantity=quantity, cell=metric.cell)


def keep_importance(store: StudyStore, view: StudyView) -> None:
    """Keeps the view's importance estimate in the study (a writer's store), for `show`; a
    cache: a full disk or a read-only copy of the study only costs the next `show` the time."""
    if view.importance is not None and store.writer:
        with suppress(StoreError):
            store.keep_importance(view.round, asdict(view.importance))


def _savings(
    config: StudyConfig, rounds: list[RoundRecord], groups: list[TrialGroup], budget: int | None
) -> Savings | None:
    """What the schedules of the rounds counted saved; None when every one ran plain."""
    shown = {t.round for t in groups}
    names = [round_schedule(config, r.schedule_settings) for r in rounds if r.number in shown]
    if budget is None or set(names) <= {"plain"}:
        return None
    label = "/".join(dict.fromkeys(names))
    tried, full = sum(t.n_trials for t in groups), sum(t.full for t in groups)
    allowed = config.search.budget if shown == {0} else None  # the first round's, as run sized it
    return Savings(label, tried, full, sum(t.epochs for t in groups), budget, allowed)


def _check_round(round: int | None, rounds: list[RoundRecord]) -> None:
    numbers = [r.number for r in rounds]
    if round is not None and round not in numbers:
        known = ", ".join(map(str, numbers)) or "none yet"
        raise ConfigError(
            f"round must be one of the study's rounds ({known}), but got {round}", option="round"
        )


def _by_state(groups: list[TrialGroup]) -> dict[TrialState, int]:
    counts = dict.fromkeys(TrialState, 0)
    for group in groups:
        counts[group.state] += group.n_trials
    return counts


def _engines(groups: list[TrialGroup]) -> dict[str, int]:
    """Complete trials by the engine that trained them."""
    engines: dict[str, int] = {}
    for group in groups:
        if group.state is TrialState.COMPLETE and group.engine:
            engines[group.engine] = engines.get(group.engine, 0) + group.n_trials
    return engines
