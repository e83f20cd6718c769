"""A study read at one moment: what `show`, `best`, `plot` and `zoom` build from, so that no
command reads the store twice or sees two moments of a running study.

A snapshot reads what a command asks of it, when it asks: every trial (`records`), or only the
best few, the counts and a sample (`ranked`, `trial_groups`, ...), which is what keeps `show` and
`best` fast on 100,000 trials. A read-only snapshot holds one read transaction from its first
read to `close()`, so all its parts show the same moment however long the command takes."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Self

from hpsearch.config import StudyConfig
from hpsearch.search.ranking import rank
from hpsearch.search.space import SearchSpace
from hpsearch.store.data_report import data_report
from hpsearch.store.layout import kept_model
from hpsearch.store.read_log import LoggedRead, logged_reads
from hpsearch.store.sqlite import Baseline, RoundRecord
from hpsearch.store.study_store import StudyStore, TrialGroup
from hpsearch.trial import TrialRecord, TrialState


class Snapshot:
    """Everything a study's store holds at one moment, but the weights themselves."""

    def __init__(self, store: StudyStore, *, owned: bool = False) -> None:
        self.store, self._owned = store, owned
        self.folder = store.folder
        self.info = store.info
        self.config = StudyConfig.model_validate(self.info.config)  # checked as when made
        self.rounds: list[RoundRecord] = store.rounds()
        self.test_reads: list[LoggedRead] = logged_reads(store.folder)
        self.data_report = data_report(store.folder)
        self.baselines: list[Baseline] = store.baselines()
        self._ranked: dict[tuple, tuple[int | None, list[tuple[int, TrialRecord]]]] = {}

    @cached_property
    def records(self) -> list[TrialRecord]:
        """Every trial, by number."""
        return self.store.trials()

    @cached_property
    def ranking(self) -> list[TrialRecord]:
        """Every trial, best first (see `search.ranking.rank`)."""
        return rank(self.records)

    @cached_property
    def spaces(self) -> list[SearchSpace]:
        """Each round's space, round 0 first."""
        return [SearchSpace.from_dict(r.space) for r in self.rounds]

    def ranked(
        self,
        limit: int | None = None,
        *,
        round: int | None = None,
        states: Collection[TrialState] | None = None,
    ) -> list[tuple[int, TrialRecord]]:
        """The best `limit` trials of `round` in `states`, each with its place in the study; read
        once: a later ask for as many or fewer is answered from the first (the snapshot is one
        moment), and the one round of a study of one round is the study."""
        if len(self.rounds) == 1 and round == self.rounds[0].number:
            round = None
        key = (round, None if states is None else frozenset(states))
        read, found = self._ranked.get(key, (0, []))
        if read is None or (limit is not None and read >= limit):
            return found[:limit]
        found = self.store.ranked(limit, round=round, states=states)
        self._ranked[key] = (limit, found)
        return found

    def ranked_stream(
        self, *, round: int | None = None, states: Collection[TrialState] | None = None
    ) -> Iterator[tuple[int, TrialRecord]]:
        """`ranked` with no limit, read a page at a time while the snapshot is open."""
        return self.store.ranked_stream(round=round, states=states)

    def trial_groups(self, budget: int) -> list[TrialGroup]:
        """The trials counted by round, state and engine (`full`: those with `budget` epochs)."""
        return self.store.trial_groups(budget)

    def complete_errors(self, round: int | None = None) -> list[tuple[int, float]]:
        """(number, dev error) of the complete trials with a finite dev error, by number."""
        return self.store.complete_errors(round)

    def count_beyond(
        self, round: int, states: Collection[TrialState], bounds: Sequence[tuple[str, str, Any]]
    ) -> tuple[int, list[int]]:
        """The trials of `round` in `states`, and how many of them lie beyond each bound
        (`StudyStore.count_beyond`)."""
        return self.store.count_beyond(round, states, bounds)

    def kept_importance(self, round: int | None) -> dict[str, Any] | None:
        """The importance estimate of `round` a run kept, if it was made from the trials the
        study holds now (`StudyStore.kept_importance`)."""
        return self.store.kept_importance(round)

    def last_rungs(self) -> dict[int, int]:
        """Each scheduled trial's last decided rung, by its epochs."""
        return self.store.last_rungs()

    def trials(self, numbers: Iterable[int]) -> list[TrialRecord]:
        """The trials among `numbers`, by number."""
        return self.store.numbered(numbers)

    def check_whole(self) -> None:
        """Refuses a damaged store, wherever the damage lies (`StudyStore.check_whole`)."""
        self.store.check_whole()

    def weights_path(self, number: int) -> Path | None:
        """The saved model of trial `number`, None when it was not kept."""
        return kept_model(self.folder, number)

    def close(self) -> None:
        """Ends the read (a snapshot of a store it did not open leaves the store open)."""
        if self._owned:
            self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def read_snapshot(folder: Path) -> Snapshot:
    """The study in `folder`, read without the run lock (a run may be writing) in one read
    transaction, held until the snapshot is closed (or goes away); use it in a `with`."""
    store = StudyStore.open(folder)
    try:
        store.begin_read()  # every read after this sees the same moment
        return Snapshot(store, owned=True)
    except BaseException:
        store.close()
        raise


def snapshot_of(store: StudyStore) -> Snapshot:
    """The study of an open store, as it is now; it reads through that store while it is open."""
    return Snapshot(store)
