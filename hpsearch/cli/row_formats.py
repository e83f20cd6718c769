"""`hpsearch show --format csv|json|markdown`: the chosen rows as data, with no summary. CSV and
JSON keep the stored numbers exactly (a float is written as the shortest text that reads back
to it); Markdown shows them as the table does. The metric's fields are named after it:
`dev_error` and `train_error` for the error rate, `dev_rmse`, `train_balanced_error`, … for the
others."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from hpsearch.cli.cells import MISSING, duration_cell, param_cell

if TYPE_CHECKING:
    from hpsearch.study.overview import StudyView, TrialRow
    from hpsearch.tasks import Metric

FIELDS = (
    "rank", "trial", "round", "state", "dev_error", "train_error", "dev_cost", "train_cost",
    "diagnosis", "epochs", "best_epoch", "duration_s", "worker", "message",
)  # fmt: skip


def field_names(metric: Metric) -> tuple[str, ...]:
    """FIELDS, the metric's two named after it."""
    named = {"dev_error": f"dev_{metric.name}", "train_error": f"train_{metric.name}"}
    return tuple(named.get(name, name) for name in FIELDS)


def trial_object(row: TrialRow, names: tuple[str, ...] = FIELDS) -> dict[str, Any]:
    """One trial for orjson, which writes its times as `datetime.isoformat` would; a value that
    is not finite becomes null. `names`: the fields' (`field_names`)."""
    record = row.record
    values = dict(zip(names, _fields(row), strict=True))
    values.update(params=row.params, started=record.started, finished=record.finished)
    return values


def _fields(row: TrialRow) -> tuple:
    """The values of FIELDS, in order; a value that is not finite becomes None."""
    record = row.record
    return (
        row.rank, record.number, record.round, str(record.state), _number(record.dev_error),
        _number(record.train_error), _number(record.dev_cost), _number(record.train_cost),
        row.diagnosis, record.epochs, record.best_epoch, record.duration_s, record.worker,
        record.message,
    )  # fmt: skip


def to_json(view: StudyView) -> str:
    """A list of objects, one per row, in the table's order (by orjson: the standard library's
    encoder, when it indents, takes seconds for 100,000 rows)."""
    names = field_names(view.metric)
    rows = [trial_object(row, names) for row in view.rows]
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n"


def to_csv(view: StudyView) -> str:
    """One column per searched hyperparameter after the trial's own columns; a list or a
    boolean value is written as JSON, a missing one as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*field_names(view.metric), *view.distributions])
    names = list(view.distributions)
    writer.writerows(  # the trial's own fields are text, numbers or None: written as they are
        [*_fields(row), *(_csv_cell(row.params[name]) for name in names)] for row in view.rows
    )
    return buffer.getvalue()


def to_markdown(view: StudyView) -> str:
    """A GitHub table with the terminal table's columns and formatting, every value in full."""
    columns = [*_markdown_columns(view)]
    lines = ["| " + " | ".join(header for header, _, _ in columns) + " |"]
    lines.append("|" + "|".join("---:" if right else "---" for _, right, _ in columns) + "|")
    for row in view.rows:
        cells = (cell(row).replace("|", "\\|") for _, _, cell in columns)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _markdown_columns(view: StudyView) -> Iterator[tuple[str, bool, Callable[[TrialRow], str]]]:
    """(header, right-aligned, cell) of each column."""
    yield "#", True, lambda row: str(row.rank)
    yield "trial", True, lambda row: str(row.record.number)
    yield "round", True, lambda row: str(row.record.round)
    metric = view.metric
    yield f"dev {metric.label}", True, lambda row: metric.cell(row.record.dev_error)
    yield f"train {metric.label}", True, lambda row: metric.cell(row.record.train_error)
    yield "diagnosis", False, lambda row: row.diagnosis or MISSING
    if view.options.all:
        yield "state", False, lambda row: str(row.record.state)
    for name, distribution in view.distributions.items():
        yield (
            name,
            distribution.scale != "categorical",
            lambda row, name=name, d=distribution: param_cell(d, row.params[name]),
        )
    if view.keeps_best:
        yield "best epoch", True, lambda row: str(row.record.best_epoch or MISSING)
    yield "epochs", True, lambda row: str(row.record.epochs)
    yield "time", True, lambda row: duration_cell(row.record.duration_s)


WRITERS = {"csv": to_csv, "json": to_json, "markdown": to_markdown}


def render(view: StudyView, format: str) -> str:
    """The rows in one of the machine formats."""
    return WRITERS[format](view)


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _csv_cell(value: Any) -> Any:
    """What the csv writer writes as is (None as an empty cell, a float as its repr), or JSON
    for a boolean, a list or a mapping."""
    return json.dumps(value) if isinstance(value, bool | list | dict) else value
