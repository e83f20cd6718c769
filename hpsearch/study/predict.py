"""`hpsearch predict`: a model (a model file, or a study's chosen trial) applied to the rows of a
file, block by block, written as CSV: the class name of each row, and under `proba` one
probability column per class. Rows that carry the label column are scored as well.

Output to a file is written aside and renamed at the end, so that a run refused halfway (a bad
cell on line 800,000) leaves no partial file behind."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from hpsearch.data.rows import read_rows
from hpsearch.errors import ModelError, StoreError
from hpsearch.study.best import choose
from hpsearch.study.find import study_folder
from hpsearch.study.model import Model, load_model
from hpsearch.study.snapshot import read_snapshot


@dataclass(frozen=True)
class Prediction:
    """What a prediction run did, for the command line to say."""

    model: str  # where the model came from, in words
    rows: int
    ignored: tuple[str, ...]  # columns of the data that the model does not take
    target: str | None  # the label column, when the data had it
    errors: int | None  # rows whose label the model got wrong, when the data had labels
    output: Path | None

    @property
    def error_rate(self) -> float | None:
        return None if self.errors is None or not self.rows else self.errors / self.rows


def open_model(target: str, runs_dir: str | Path) -> tuple[Model, str]:
    """A model file's path, or a study (its name under `runs_dir`, or its folder): its chosen
    trial's model."""
    path = Path(target)
    if path.is_file():
        return load_model(path), str(path)
    try:
        folder = study_folder(target, runs_dir)
    except StoreError:
        raise ModelError(
            f"{target} is neither a model file nor a study (no study folder "
            f"{Path(runs_dir) / target}); give a file that `hpsearch export` wrote, or a study's "
            "name or folder",
            option="model",
        ) from None
    with read_snapshot(folder) as snapshot:
        chosen = choose(snapshot)
    if chosen.weights is None:
        raise ModelError(
            f"the model of trial {chosen.record.number}, the chosen one of study "
            f"'{chosen.config.name}', was not kept; raise search.keep_models and run the study "
            "again"
        )
    return load_model(chosen.weights), f"trial {chosen.record.number} of study {folder.name}"


def predict_file(
    target: str,
    data: str,
    *,
    runs_dir: str | Path = "runs",
    output: Path | None = None,
    proba: bool = False,
    stream: TextIO | None = None,
) -> Prediction:
    """Predicts every row of `data` with the model `target` names; writes to `output`, or to
    `stream` when no output file is given."""
    model, source = open_model(target, runs_dir)
    rows = read_rows(data, "data", model.features, model.info.target)
    if output is None:
        counts = _write(model, rows, stream or io.StringIO(), proba)
    else:
        counts = _write_file(model, rows, output, proba)
    errors = counts[1] if rows.has_labels else None
    target_name = model.info.target if rows.has_labels else None
    return Prediction(source, counts[0], rows.ignored, target_name, errors, output)


def _write_file(model: Model, rows, output: Path, proba: bool) -> tuple[int, int]:
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            counts = _write(model, rows, stream, proba)
        os.replace(partial, output)
    except OSError as error:
        raise ModelError(
            f"output {output} cannot be written ({error.strerror}); give a file in an existing, "
            "writable folder",
            option="output",
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _write(model: Model, rows, stream: TextIO, proba: bool) -> tuple[int, int]:
    """Writes the header and each block's predictions; returns (rows, wrong labels)."""
    names = np.array([_quoted(name) for name in model.classes], dtype=object)
    header = ["prediction", *(f"proba_{name}" for name in model.classes if proba)]
    csv.writer(stream, lineterminator="\n").writerow(header)
    total = wrong = 0
    for block in rows.blocks():
        inputs = model.inputs(block.X)
        logits = model.network.logits(inputs)
        labels = model.network.loss.labels(logits)
        lines = names[labels]
        if proba:
            with np.errstate(all="ignore"):
                p = model.network.loss.probabilities(logits)
            lines = lines + "," + _formatted(p)
        if len(lines):
            stream.write("\n".join(lines) + "\n")
        total += len(labels)
        if block.labels is not None:
            wrong += int(np.sum(np.asarray(model.classes, dtype=object)[labels] != block.labels))
    return total, wrong


def _formatted(p: np.ndarray) -> np.ndarray:
    """Each row's probabilities as "p1,p2,…", with float32's round-trip precision."""
    buffer = io.StringIO()
    np.savetxt(buffer, p, fmt="%.9g", delimiter=",")
    return np.array(buffer.getvalue().splitlines(), dtype=object)


def _quoted(name: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([name])
    return buffer.getvalue()
