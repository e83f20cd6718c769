"""`hpsearch predict`: a model (a model file, or a study's chosen trial) applied to the rows of a
file, block by block, written as CSV: the class name of each row, and under `proba` one
probability column per class; a regression's value in the target's units. Rows that carry the
label column are scored as well, by the metric the model's study ranked by, from sums kept
block by block (`nn.metrics.totals`), so that scoring costs no memory per row.

Output to a file is written aside and renamed at the end, so that a run refused halfway (a bad
cell on line 800,000) leaves no partial file behind."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from hpsearch.data.encode import Filled
from hpsearch.data.rows import Rows, read_rows
from hpsearch.data.target import class_name
from hpsearch.durable import written_aside
from hpsearch.errors import ModelError, StoreError
from hpsearch.nn.metrics import READS, finish, totals
from hpsearch.store.layout import DEFAULT_RUNS, refuse_study_part
from hpsearch.store.model_file import check_origin, read_model
from hpsearch.study.best import choose
from hpsearch.study.find import study_folder
from hpsearch.study.model import Model, load_model, model_of
from hpsearch.study.snapshot import read_snapshot

PRODUCT_ROWS = 8192  # rows per matrix product, at fixed places in the file (see `aligned`)


@dataclass(frozen=True)
class Prediction:
    """What a prediction run did, for the command line to say."""

    model: str  # where the model came from, in words
    rows: int
    ignored: tuple[str, ...]  # columns of the data that the model does not take
    target: str | None  # the label column, when the data had it
    output: Path | None
    labelled: int = 0  # rows scored: with a label (a regression's: a number)
    filled: tuple[Filled, ...] = ()  # per column: gaps filled, levels sent to (other)
    label_column: str = ""  # the model's label column, said when the data has none by its name
    metric: str = "error"  # the model's study's metric, which `score` is
    score: float | None = None  # of the labelled rows
    wrong: int | None = None  # a classifier's labelled rows given another class


@dataclass(frozen=True, eq=False)
class Inputs:
    """Rows as the network takes them, and their labels if the data has them."""

    X: np.ndarray
    labels: list[str] | None


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
    found = read_model(chosen.weights)
    number = chosen.record.number
    check_origin(found.info, chosen.weights, chosen.config.name, number, chosen.fingerprint)
    return model_of(found, chosen.weights), f"trial {number} of study {folder.name}"


def predict_file(
    target: str,
    data: str,
    *,
    runs_dir: str | Path = DEFAULT_RUNS,
    output: Path | None = None,
    proba: bool = False,
    stream: TextIO | None = None,
    label: str | None = None,
) -> Prediction:
    """Predicts every row of `data` with the model `target` names; writes to `output`, or to
    `stream` when no output file is given. The rows are scored on their label column: the
    model's (its name in the study's data), or `label`."""
    if output is not None:
        refuse_study_part(output, "output")
    model, source = open_model(target, runs_dir)
    if proba and model.task == "regression":
        raise ModelError(
            f"proba: {source} is a regression of '{model.info.target}': it predicts a value per "
            "row, not class probabilities; leave --proba out",
            option="proba",
        )
    column = label or model.info.target
    rows = read_rows(data, "data", model.columns, column)
    if label and not rows.has_labels:
        raise ModelError(
            f"--target names column '{label}', which {data} does not have", option="target"
        )
    counts = RowCounts(model)
    if output is None:
        _write(model, rows, stream or io.StringIO(), proba, counts)
    else:
        _write_file(model, rows, output, proba, counts)
    return Prediction(
        source,
        counts.rows,
        rows.ignored,
        column if rows.has_labels else None,
        output,
        counts.labelled,
        counts.filled(),
        model.info.target,
        model.info.metric,
        counts.score() if rows.has_labels else None,
        counts.wrong if rows.has_labels and model.task == "classification" else None,
    )


class RowCounts:
    """What a prediction run counts as it goes: rows, labelled rows, the sums the model's
    metric is made of (`nn.metrics.totals`), wrong ones, what was filled in each column."""

    def __init__(self, model: Model) -> None:
        self.model, self.metric = model, model.info.metric
        self.rows = self.labelled = self.wrong = 0
        self.sums: np.ndarray | None = None
        self._filled: dict[str, list[int]] = {}

    def add(self, filled: Iterable[Filled]) -> None:
        for f in filled:
            counts = self._filled.setdefault(f.column, [0, 0])
            counts[0] += f.gaps
            counts[1] += f.other

    def filled(self) -> tuple[Filled, ...]:
        return tuple(Filled(name, *counts) for name, counts in self._filled.items())

    def scored(self, labels: list[str], logits: np.ndarray) -> None:
        """Adds a block's labelled rows to the metric's sums. A regression scores the rows whose
        label is a number; a classifier those with a label, one it has no class for counting
        as a class of its own that it never predicts (always wrong)."""
        network = self.model.network
        if network.n_classes is None:
            y = np.array([_number(text) for text in labels], np.float64)
            keep, n_classes = np.isfinite(y), None
        else:
            n_classes = network.n_classes
            index = {name: i for i, name in enumerate(self.model.classes)}
            y = np.array([index.get(class_name(t), n_classes) for t in labels], np.int64)
            keep = np.array([t.strip() != "" for t in labels], bool)
        y, logits = y[keep], logits[keep]
        answers = network.answers(logits, READS[self.metric])
        if READS[self.metric] == "probabilities":  # no probability for a class it does not know
            answers = np.hstack([answers, np.zeros((len(answers), 1))])
        block = totals(self.metric, y, answers, None if n_classes is None else n_classes + 1)
        self.sums = block if self.sums is None else self.sums + block
        if n_classes is not None:
            self.wrong += int(np.count_nonzero(network.answers(logits, "labels") != y))
        self.labelled += len(y)

    def score(self) -> float | None:
        return None if self.sums is None or not self.labelled else finish(self.metric, self.sums)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


def _write_file(model: Model, rows: Rows, output: Path, proba: bool, counts: RowCounts) -> None:
    try:
        with written_aside(output, "w", encoding="utf-8", newline="") as stream:
            _write(model, rows, stream, proba, counts)
    except OSError as error:
        raise ModelError(
            f"output {output} cannot be written ({error.strerror}); give a file in an existing, "
            "writable folder",
            option="output",
        ) from None


def _write(model: Model, rows: Rows, stream: TextIO, proba: bool, counts: RowCounts) -> None:
    """Writes the header and each block's predictions, counting as it goes."""
    names = np.array([_quoted(name) for name in model.classes], dtype=object)
    header = ["prediction", *(f"proba_{name}" for name in model.classes if proba)]
    csv.writer(stream, lineterminator="\n").writerow(header)
    for block in aligned(_encoded(model, rows, counts), PRODUCT_ROWS):
        logits = model.network.logits(block.X)
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
        counts.rows += len(lines)
        if block.labels is not None:
            counts.scored(block.labels, logits)


def _encoded(model: Model, rows: Rows, counts: RowCounts) -> Iterator[Inputs]:
    for block in rows.blocks():
        X, filled = model.encoded(block.table)
        counts.add(filled)
        yield Inputs(X, block.labels)


def aligned(blocks: Iterable[Inputs], size: int) -> Iterator[Inputs]:
    """The rows of `blocks` again, in blocks of `size` rows that start at multiples of `size`
    (the last one shorter). A matrix product rounds a row differently with the number of rows
    beside it and its place among them, so a row is always computed in the same company: the
    probabilities are the same bytes whatever size of blocks the file was read in."""
    waiting: list[Inputs] = []
    held = 0
    for block in blocks:
        waiting.append(block)
        held += len(block.X)
        while held >= size:
            whole = _joined(waiting)
            yield Inputs(whole.X[:size], None if whole.labels is None else whole.labels[:size])
            rest = Inputs(whole.X[size:], None if whole.labels is None else whole.labels[size:])
            waiting, held = [rest], held - size
    if held:
        yield _joined(waiting)


def _joined(blocks: list[Inputs]) -> Inputs:
    if len(blocks) == 1:
        return blocks[0]
    labels = None if blocks[0].labels is None else [x for b in blocks for x in b.labels or ()]
    return Inputs(np.concatenate([b.X for b in blocks]), labels)


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
