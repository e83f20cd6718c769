"""What a halving schedule keeps in a study's store: each trial's result at each rung, and the
checkpoint of every trial that may still go on.

A rung's row is written after its checkpoint file, and the checkpoint of the rung before is
deleted only after that row is committed; so a run killed at any moment finds, for every trial,
the checkpoint its last recorded rung left, and reruns the unrecorded rung from it. Only trials
paused at their last rung keep a checkpoint: memory and disk stay bounded by those. A checkpoint
is read back only once verified (`store.checkpoints`); one that cannot be used is said so, and
its trial trains again from its start."""

from __future__ import annotations

from dataclasses import dataclass

from hpsearch.store.checkpoints import Label, Unusable, read_checkpoint, write_checkpoint
from hpsearch.store.layout import CHECKPOINTS_DIR, checkpoint_path
from hpsearch.store.sqlite import now
from hpsearch.store.study_store import StudyStore


@dataclass(frozen=True)
class RungRow:
    """Trial `trial` ended the rung at `epochs` with `dev_error`; `go_on`: it paused there;
    `duration_s`: its training time up to there, every rung before included."""

    trial: int
    epochs: int
    dev_error: float | None
    go_on: bool
    duration_s: float = 0.0


class RungStore:
    """The rungs of the study in `store` (a writer, for the writing methods)."""

    def __init__(self, store: StudyStore) -> None:
        self.store = store
        self.folder = store.folder

    def rows(self) -> dict[tuple[int, int], RungRow]:
        """Every recorded rung, by (trial, epochs)."""
        rows = self.store._conn.execute("SELECT * FROM rungs").fetchall()
        found = [
            RungRow(r["trial"], r["epochs"], r["dev_error"], bool(r["go_on"]), r["duration_s"])
            for r in rows
        ]
        return {(row.trial, row.epochs): row for row in found}

    def record(self, row: RungRow, checkpoint: bytes | None, before: int | None) -> None:
        """Keeps `checkpoint` (when the trial paused), then the row; then lets go of the
        checkpoint of the rung that ended at `before` epochs."""
        if checkpoint is not None:
            path = checkpoint_path(self.folder, row.trial, row.epochs)
            write_checkpoint(path, checkpoint, self._label(row.trial, row.epochs))
        with self.store._write():
            self.store._conn.execute(
                "INSERT OR REPLACE INTO rungs VALUES (?, ?, ?, ?, ?)",
                (row.trial, row.epochs, row.dev_error, int(row.go_on), row.duration_s),
            )
        if before is not None:
            checkpoint_path(self.folder, row.trial, before).unlink(missing_ok=True)

    def checkpoint(self, trial: int, epochs: int) -> bytes | Unusable:
        """The checkpoint trial `trial` left at the rung that ended at `epochs`, verified; or
        why it cannot be used (missing, empty, truncated, damaged, another trial's)."""
        path = checkpoint_path(self.folder, trial, epochs)
        return read_checkpoint(path, self._label(trial, epochs))

    def _label(self, trial: int, epochs: int) -> Label:
        info = self.store.info
        return Label(info.name, info.created.isoformat(), trial, epochs)

    def stop(self, trial: int, epochs: int, reason: str) -> bool:
        """Trial `trial`, paused at `epochs`, goes no further; False when it was stopped already."""
        with self.store._write():
            cursor = self.store._conn.execute(
                "UPDATE trials SET state = 'stopped', message = ?, finished = ? "
                "WHERE number = ? AND state = 'paused'",
                (reason, now(), trial),
            )
        checkpoint_path(self.folder, trial, epochs).unlink(missing_ok=True)
        return cursor.rowcount > 0

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
