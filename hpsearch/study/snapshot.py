"""A study read once: what `show`, `best`, `plot` and `zoom --dry-run` build from, so that no
command reads the store twice or sees two moments of a running study."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from hpsearch.config import StudyConfig
from hpsearch.search.ranking import rank
from hpsearch.search.space import SearchSpace
from hpsearch.store.layout import kept_model
from hpsearch.store.sqlite import RoundRecord, StudyInfo
from hpsearch.store.study_store import StudyStore
from hpsearch.store.test_reads import LoggedRead, logged_reads
from hpsearch.trial import TrialRecord


@dataclass(frozen=True)
class Snapshot:
    """Everything a study's store holds at one moment, but the weights themselves."""

    folder: Path
    info: StudyInfo
    config: StudyConfig
    rounds: list[RoundRecord]
    records: list[TrialRecord]
    test_reads: list[LoggedRead]

    @cached_property
    def ranking(self) -> list[TrialRecord]:
        """Every trial, best first (see `search.ranking.rank`)."""
        return rank(self.records)

    @cached_property
    def spaces(self) -> list[SearchSpace]:
        """Each round's space, round 0 first."""
        return [SearchSpace.from_dict(r.space) for r in self.rounds]

    def weights_path(self, number: int) -> Path | None:
        """The saved model of trial `number`, None when it was not kept."""
        return kept_model(self.folder, number)


def read_snapshot(folder: Path) -> Snapshot:
    """The study in `folder`, read without the run lock (a run may be writing)."""
    with StudyStore.open(folder) as store:
        return snapshot_of(store)


def snapshot_of(store: StudyStore) -> Snapshot:
    """The study of an open store, as it is now."""
    return Snapshot(
        store.folder,
        store.info,
        StudyConfig.model_validate(store.info.config),  # validated again, as when it was made
        store.rounds(),
        store.trials(),
        logged_reads(store.folder),
    )
