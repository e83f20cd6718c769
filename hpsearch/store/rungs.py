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
from dataclasses import dataclass

from hpsearch.store.checkpoints import Label, Unusable, read_checkpoint, write_checkpoint
from hpsearch.store.layout import CHECKPOINTS_DIR, checkpoint_path
from hpsearch.store.sqlite import RungRow, now, trial_record
from hpsearch.store.study_store import StudyStore
from hpsearch.trial import TrialRecord

__all__ = ["RungRow", "RungStore", "Unrecorded"]


@dataclass(frozen=True)
class Unrecorded:
    """A finished trial of a scheduled round whose last rung row is missing (a store written
    before a trial's row and its rung's were one transaction): `after`, the rung it had paused
    at before (None: none), and the dev error it ended with."""

    trial: int
    after: int | None
    dev_error: float | None


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

    def last_rungs(self) -> dict[int, int]:
        """Each scheduled trial's last decided rung, by its epochs: how far a schedule let it go."""
        rows = self.store._conn.execute("SELECT trial, MAX(epochs) FROM rungs GROUP BY trial")
        return dict(rows.fetchall())

    def unrecorded(self, numbers: Iterable[range]) -> list[Unrecorded]:
        """The finished trials among `numbers` (blocks of trial numbers) that ended without
        their last rung row: none ended by a stop, whose row follows from its rung's."""
        found = []
        for block in numbers:
            rows = self.store._conn.execute(
                "SELECT t.number, t.dev_error, r.epochs AS after, r.go_on FROM trials AS t "
                "LEFT JOIN rungs AS r ON r.trial = t.number AND r.epochs = ("
                "SELECT MAX(epochs) FROM rungs WHERE trial = t.number) "
                "WHERE t.number >= ? AND t.number < ? "
                "AND t.state IN ('complete', 'diverged', 'failed', 'timed_out') "
                "AND (r.go_on IS NULL OR r.go_on = 1)",
                (block.start, block.stop),
            ).fetchall()
            found += [Unrecorded(r["number"], r["after"], r["dev_error"]) for r in rows]
        return found

    def record(self, row: RungRow, checkpoint: bytes | None, before: int | None) -> None:
        """Writes a rung's row alone, its checkpoint first, then lets go of the checkpoint of
        the rung before: as `recover` rebuilds a study whose trial rows it has restored (a run
        writes a rung's row in its trial's transaction, `StudyStore.record`)."""
        if checkpoint is not None:
            self.keep_checkpoint(row.trial, row.epochs, checkpoint)
        with self.store._write():
            self.store._conn.execute(
                "INSERT OR REPLACE INTO rungs VALUES (?, ?, ?, ?, ?)",
                (row.trial, row.epochs, row.dev_error, int(row.go_on), row.duration_s),
            )
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
        stopped = []
        with self.store._write():
            for trial, _, reason in stops:
                row = self.store._conn.execute(
                    "UPDATE trials SET state = 'stopped', message = ?, finished = ? "
                    "WHERE number = ? AND state = 'paused' RETURNING *",
                    (reason, now(), trial),
                ).fetchone()
                if row is not None:
                    stopped.append(trial_record(row))
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
