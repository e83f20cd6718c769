"""`hpsearch predict`: a model (a model file, or a study's chosen trial) applied to the rows of a
file, block by block, written as CSV: the class name of each row, and under `proba` one
probability column per class; a regression's value in the target's units. Rows that carry the
target column are scored as well, by the metric the model's study ranked by, from sums kept
block by block (`nn.metrics.totals`), so that scoring costs no memory per row.

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
from hpsearch.data.target import class_name
from hpsearch.errors import ModelError, StoreError
from hpsearch.nn.metrics import READS, finish, totals
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
    target: str | None  # the target column, when the data had it
    output: Path | None
    metric: str = "error"  # the model's study's metric, which `score` is
    score: float | None = None  # of the rows that carry a target the model can score
    scored: int = 0
    wrong: int | None = None  # a classifier's rows with the wrong class, of those scored
    unscored: int = 0  # rows whose target cell is empty, or not a class or number it knows


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
    if proba and model.task == "regression":
        raise ModelError(
            f"proba: {source} is a regression of '{model.info.target}': it predicts a value per "
            "row, not class probabilities; leave --proba out",
            option="proba",
        )
    rows = read_rows(data, "data", model.features, model.info.target)
    score = _Score(model)
    if output is None:
        total = _write(model, rows, stream or io.StringIO(), proba, score)
    else:
        total = _write_file(model, rows, output, proba, score)
    if not rows.has_labels:
        return Prediction(source, total, rows.ignored, None, output, model.info.metric)
    return Prediction(
        source,
        total,
        rows.ignored,
        model.info.target,
        output,
        model.info.metric,
        score.value(),
        score.scored,
        score.wrong,
        score.unscored,
    )


class _Score:
    """The model's metric on the rows that carry a target, kept as sums block by block."""

    def __init__(self, model: Model) -> None:
        self.model, self.metric = model, model.info.metric
        self.regression = model.task == "regression"
        self.index = {name: i for i, name in enumerate(model.classes)}
        self.sums: np.ndarray | None = None
        self.wrong: int | None = None if self.regression else 0
        self.scored = self.unscored = 0

    def add(self, targets: list[str], logits: np.ndarray) -> None:
        if self.regression:
            y = np.array([_number(text) for text in targets], np.float64)
            known = np.isfinite(y)
        else:
            y = np.array([self.index.get(class_name(text), -1) for text in targets], np.int64)
            known = y >= 0
        y, logits = y[known], logits[known]
        network = self.model.network
        answers = network.answers(logits, READS[self.metric])
        block = totals(self.metric, y, answers, network.n_classes)
        self.sums = block if self.sums is None else self.sums + block
        if self.wrong is not None:
            self.wrong += int(np.count_nonzero(network.answers(logits, "labels") != y))
        self.scored += len(y)
        self.unscored += len(known) - len(y)

    def value(self) -> float | None:
        return None if self.sums is None or not self.scored else finish(self.metric, self.sums)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


def _write_file(model: Model, rows, output: Path, proba: bool, score: _Score) -> int:
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            total = _write(model, rows, stream, proba, score)
        os.replace(partial, output)
    except OSError as error:
        raise ModelError(
            f"output {output} cannot be written ({error.strerror}); give a file in an existing, "
            "writable folder",
            option="output",
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return total


def _write(model: Model, rows, stream: TextIO, proba: bool, score: _Score) -> int:
    """Writes the header and each block's predictions, scores the blocks that carry a target;
    returns the rows predicted."""
    names = np.array([_quoted(name) for name in model.classes], dtype=object)
    header = ["prediction", *(f"proba_{name}" for name in model.classes if proba)]
    csv.writer(stream, lineterminator="\n").writerow(header)
    total = 0
    for block in rows.blocks():
        inputs = model.inputs(block.X)
        logits = model.network.logits(inputs)
        if model.task == "regression":
            lines = _formatted(model.network.answers(logits, "values")[:, None])
        else:
            lines = names[model.network.answers(logits, "labels")]
        if proba:
            with np.errstate(all="ignore"):
                p = model.network.loss.probabilities(logits)
            lines = lines + "," + _formatted(p)
        if len(lines):
            stream.write("\n".join(lines) + "\n")
        total += len(lines)
        if block.labels is not None:
            score.add(block.labels, logits)
    return total


def _formatted(values: np.ndarray) -> np.ndarray:
    """Each row's values (probabilities, or a regression's value) as "v1,v2,…", to 9
    significant digits: float32's round-trip precision."""
    buffer = io.StringIO()
    np.savetxt(buffer, values, fmt="%.9g", delimiter=",")
    return np.array(buffer.getvalue().splitlines(), dtype=object)


def _quoted(name: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([name])
    return buffer.getvalue()
