"""`hpsearch export`: a trial's saved model as one file to hand on: the model file itself, or
(`onnx`) the network as an ONNX graph that any ONNX runtime runs without hpsearch.

A study run before the model file carried its standardization and names holds weights only;
they are upgraded here from the study's own data, after its fingerprint says it is the same."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hpsearch.errors import ModelError, StoreError
from hpsearch.store.layout import refuse_study_part
from hpsearch.store.model_file import (
    check_origin,
    is_current,
    parse_model,
    read_model,
    write_model,
)
from hpsearch.study.best import choose
from hpsearch.study.model import model_of, pack_trial
from hpsearch.study.snapshot import Snapshot, read_snapshot
from hpsearch.tasks import Metric
from hpsearch.trial import TrialRecord

FORMATS = ("npz", "onnx")


@dataclass(frozen=True)
class Exported:
    """What was written, for the command line to say."""

    path: Path
    format: str
    study: str
    record: TrialRecord
    metric: Metric  # what the record's dev_error is


def export_model(
    folder: Path, output: Path, trial: int | None = None, format: str = "npz"
) -> Exported:
    """Writes trial `trial` (default: the chosen one, as `best` names it) of the study in
    `folder` to `output` as a model file or an ONNX graph."""
    refuse_study_part(output, "output")
    with read_snapshot(folder) as snapshot:
        record = choose(snapshot).record if trial is None else _trial(snapshot, trial)
        data = _model_bytes(snapshot, record)
    if format == "onnx":
        from hpsearch.study.onnx_graph import onnx_bytes

        data = onnx_bytes(model_of(parse_model(data, output), output))
    write_model(data, output)
    return Exported(output, format, snapshot.config.name, record, snapshot.config.ranked_by)


def _trial(snapshot: Snapshot, number: int) -> TrialRecord:
    found = snapshot.trials([number])
    if not found:
        numbers = sorted(r.number for r in snapshot.records)
        span = f"{numbers[0]}…{numbers[-1]}" if numbers else "none yet"
        raise StoreError(
            f"trial {number}: study '{snapshot.config.name}' has no such trial (its trials: "
            f"{span})",
            option="trial",
        )
    return found[0]


def _model_bytes(snapshot: Snapshot, record: TrialRecord) -> bytes:
    """The trial's model file, upgraded from the study's data when it holds weights only."""
    path = snapshot.weights_path(record.number)
    if path is None:
        kept = ", ".join(str(r.number) for r in snapshot.records if snapshot.weights_path(r.number))
        raise ModelError(
            f"trial {record.number} of study '{snapshot.config.name}' has no saved weights: the "
            f"study keeps those of its best search.keep_models = "
            f"{snapshot.config.search.keep_models} complete trials (now: {kept or 'none'}); "
            "export one of those, or raise keep_models in the study file to keep more of the "
            "trials it runs next"
        )
    if is_current(path):
        found = read_model(path)  # refuses a damaged or newer file before it is copied
        config, info = snapshot.config, snapshot.info
        check_origin(found.info, path, config.name, record.number, info.fingerprint)
        return found.network
    return _upgraded(snapshot, record, path)


def _upgraded(snapshot: Snapshot, record: TrialRecord, path: Path) -> bytes:
    from hpsearch.data import load_dataset

    dataset = load_dataset(snapshot.config.data)
    if dataset.fingerprint != snapshot.info.fingerprint:
        raise ModelError(
            f"{path} holds weights only, and the data of study '{snapshot.config.name}' changed "
            "since it ran, so its standardization cannot be recovered; restore the data, or run "
            "the study again"
        )
    config = snapshot.config
    return pack_trial(dataset, config.name, config.ranked_by.name, record, path.read_bytes())
