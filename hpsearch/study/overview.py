"""What `hpsearch show` (and the end of `hpsearch run`) presents: a study's trials chosen, sorted
and diagnosed, with the summary above them. Read from the store without a lock, so it works while
a run writes; rendering is `show_table` for a terminal and `export` for files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hpsearch.config import StudyConfig
from hpsearch.config.schedule import full_budget, round_search
from hpsearch.errors import ConfigError
from hpsearch.search.halving import Savings, savings
from hpsearch.search.importance import Importance, importance
from hpsearch.search.ranking import Diagnosis, diagnose, searched_distributions, sort_trials
from hpsearch.search.space import Distribution
from hpsearch.store.sqlite import RoundRecord
from hpsearch.store.test_reads import LoggedRead
from hpsearch.study.snapshot import Snapshot
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
    rows: tuple[TrialRow, ...]
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

    @property
    def considered(self) -> int:
        """How many trials the rows were chosen from (before --top)."""
        return sum(self.counts.values()) if self.options.all else self.complete

    @property
    def complete(self) -> int:
        return self.counts.get(TrialState.COMPLETE, 0)


def view_study(snapshot: Snapshot, options: ShowOptions, *, summary: bool = True) -> StudyView:
    """The study as `options` ask; `summary` False skips the importance (the machine formats
    print only rows)."""
    if options.top is not None and options.top < 1:
        raise ConfigError(f"top must be at least 1, but got {options.top}", option="top")
    config, rounds, records, spaces = (
        snapshot.config,
        snapshot.rounds,
        snapshot.records,
        snapshot.spaces,
    )
    distributions = searched_distributions(spaces)
    considered = _of_round(records, options.round, [r.number for r in rounds])
    ranked = _of_round(snapshot.ranking, options.round, [r.number for r in rounds])
    target = config.target_error if options.target_error is None else options.target_error
    places = {r.number: place for place, r in enumerate(snapshot.ranking, start=1)}

    def row(record: TrialRecord) -> TrialRow:
        params = {name: record.params.get(name) for name in distributions}
        reading = diagnose(record.train_error, record.dev_error, target)
        return TrialRow(places[record.number], record, params, reading)

    chosen = [r for r in ranked if options.all or r.state is TrialState.COMPLETE]
    best = next((r for r in ranked if r.state is TrialState.COMPLETE), None)
    order = sort_trials(chosen, options.sort, list(distributions), already_ranked=True)
    return StudyView(
        name=config.name,
        folder=snapshot.folder,
        rows=tuple(map(row, order[: options.top])),
        distributions=distributions,
        fixed={n: v for n, v in spaces[0].fixed.items() if n not in distributions}
        if spaces
        else {},
        counts=_by_state(considered),
        engines=_engines(considered),
        best=None if best is None else row(best),
        rounds=len(rounds),
        planned=sum(r.n_trials for r in rounds if options.round in (None, r.number)),
        round=options.round,
        options=options,
        target_error=target,
        importance=importance(considered, distributions) if summary else None,
        test_reads=tuple(snapshot.test_reads),
        threads=config.search.threads,
        savings=_savings(config, rounds, considered),
    )


def _savings(
    config: StudyConfig, rounds: list[RoundRecord], records: list[TrialRecord]
) -> Savings | None:
    """What the schedules of the rounds of `records` saved; None when every one ran plain."""
    budget = full_budget(config)
    shown = {r.round for r in records}
    names = [round_search(config.search, r.schedule).schedule for r in rounds if r.number in shown]
    if budget is None or set(names) <= {"plain"}:
        return None
    return savings("/".join(dict.fromkeys(names)), [r.epochs for r in records], budget)


def _of_round(records: list[TrialRecord], round: int | None, rounds: list[int]) -> list:
    if round is None:
        return records
    if round not in rounds:
        known = ", ".join(map(str, rounds)) or "none yet"
        raise ConfigError(
            f"round must be one of the study's rounds ({known}), but got {round}", option="round"
        )
    return [r for r in records if r.round == round]


def _by_state(records: list[TrialRecord]) -> dict[TrialState, int]:
    counts = dict.fromkeys(TrialState, 0)
    for record in records:
        counts[record.state] += 1
    return counts


def _engines(records: list[TrialRecord]) -> dict[str, int]:
    engines: dict[str, int] = {}
    for record in records:
        if record.state is TrialState.COMPLETE and record.engine:
            engines[record.engine] = engines.get(record.engine, 0) + 1
    return engines
