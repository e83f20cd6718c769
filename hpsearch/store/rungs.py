"""What a halving schedule keeps in a study's store: each trial's result at each rung, and the
checkpoint of every trial that may still go on.

A rung's checkpoint is written before its row, and its row in the same transaction as the
trial's (`StudyStore.record`); the checkpoint of the rung before is deleted only after that
transaction is committed. So a run killed at any moment finds, for every trial, the checkpoint
its last recorded rung left, and reruns the unrecorded rung from it; and a trial's row and its
rung row never disagree. Only trials paused at their last rung keep a checkpoint: memory and
disk stay bounded by those. A checkpoint is read back only once verified (`store.checkpoints`);
one that cannot be used is said so, and its trial trains again from its start."""

from __future__ import annotations

from collections.abc import Iterable

from hpsearch.store.checkpoints import Label, Unusable, read_checkpoint, write_checkpoint
from hpsearch.store.layout import CHECKPOINTS_DIR, checkpoint_path
from hpsearch.store.sqlite import RungRow
from hpsearch.store.study_store import StudyStore
from hpsearch.trial import TrialRecord

__all__ = ["RungRow", "RungStore"]


class RungStore:
    """The rungs of the study in `store` (a writer, for the writing methods): their rows through
    the store's methods (`StudyStore.record_rung`, `stop_paused`; SQL in `rung_table`), their
    checkpoints as files beside it."""

    def __init__(self, store: StudyStore) -> None:
        self.store = store
        self.folder = store.folder

    def record(self, row: RungRow, checkpoint: bytes | None, before: int | None) -> None:
        """Writes a rung's row alone, its checkpoint first, then lets go of the checkpoint of
        the rung before: as `recover` rebuilds a study whose trial rows it has restored (a run
        writes a rung's row in its trial's transaction, `StudyStore.record`)."""
        if checkpoint is not None:
            self.keep_checkpoint(row.trial, row.epochs, checkpoint)
        self.store.record_rung(row)
        if before is not None:
            self.release(row.trial, before)

    def keep_checkpoint(self, trial: int, epochs: int, checkpoint: bytes) -> None:
        """Keeps the checkpoint trial `trial` left at the rung that ended at `epochs`; before
        its rung's row is written."""
        path = checkpoint_path(self.folder, trial, epochs)
        write_checkpoint(path, checkpoint, self._label(trial, epochs))

    def release(self, trial: int, epochs: int) -> None:
        """Lets go of the checkpoint of the rung that ended at `epochs`: once the next rung's
        row is committed, nothing goes on from it."""
        checkpoint_path(self.folder, trial, epochs).unlink(missing_ok=True)

    def checkpoint(self, trial: int, epochs: int) -> bytes | Unusable:
        """The checkpoint trial `trial` left at the rung that ended at `epochs`, verified; or
        why it cannot be used (missing, empty, truncated, damaged, another trial's)."""
        path = checkpoint_path(self.folder, trial, epochs)
        return read_checkpoint(path, self._label(trial, epochs))

    def _label(self, trial: int, epochs: int) -> Label:
        info = self.store.info
        return Label(info.name, info.created.isoformat(), trial, epochs)

    def stop(self, stops: Iterable[tuple[int, int, str]]) -> list[TrialRecord]:
        """Trials paused at a rung go no further, each (trial, its rung's epochs, reason), in
        one transaction; their checkpoints go. The records of those that were still paused
        (a trial stopped already is left as it is)."""
        stops = list(stops)
        if not stops:
            return []
        stopped = self.store.stop_paused((trial, reason) for trial, _, reason in stops)
        for trial, epochs, _ in stops:
            self.release(trial, epochs)
        return stopped

    def prune(self, keep: set[tuple[int, int]]) -> None:
        """Deletes every file of the checkpoints folder but the checkpoints of (trial, epochs) in
        `keep`: what a killed run may have left behind (a partial file, a checkpoint of an
        older format)."""
        folder = self.folder / CHECKPOINTS_DIR
        if not folder.is_dir():
            return
        kept = {checkpoint_path(self.folder, *key).name for key in keep}
        for path in folder.iterdir():
            if path.name not in kept and path.is_file():
                path.unlink()
