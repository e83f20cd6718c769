"""What `export` and `predict` say when they are done: which trial went where, and how the rows
were read (the columns ignored, said once) and scored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from hpsearch.cli.output import say, whole
from hpsearch.tasks import METRICS

if TYPE_CHECKING:  # the network loads only when a command needs it
    from hpsearch.study.export import Exported
    from hpsearch.study.predict import Prediction


def render_export(console: Console, exported: Exported) -> None:
    record, metric = exported.record, exported.metric
    what = "ONNX graph" if exported.format == "onnx" else "model"
    dev = ""
    if record.dev_error is not None:
        dev = f", dev {metric.label} {metric.cell(record.dev_error)}"
    console.print(
        f"wrote the {what} of trial {record.number} (round {record.round}{dev}) of study "
        f"{exported.study} to {exported.path}",
        markup=False,
    )


def render_prediction(console: Console, done: Prediction) -> None:
    """How the rows were read and scored, as prose that wraps at words; a column's name and the
    model's path stay whole."""
    if done.ignored:
        say(
            console,
            f"ignored {len(done.ignored)} column{'s' if len(done.ignored) > 1 else ''} the model "
            f"does not take: {', '.join(map(whole, done.ignored))}",
        )
    where = f" to {done.output}" if done.output is not None else ""
    console.print(f"predicted {done.rows:,} rows with {done.model}{where}", markup=False)
    gaps = [(f.column, f.gaps) for f in done.filled if f.gaps]
    if gaps:
        say(
            console,
            f"filled {sum(n for _, n in gaps):,} missing cells as the study did: "
            + ", ".join(f"{whole(name)} {n:,}" for name, n in gaps),
        )
    other = [(f.column, f.other) for f in done.filled if f.other]
    if other:
        say(
            console,
            f"{sum(n for _, n in other):,} cells held a level the model keeps no input for, and "
            "count as (other): " + ", ".join(f"{whole(name)} {n:,}" for name, n in other),
        )
    if done.target is None and done.label_column:
        say(
            console,
            f"no column '{whole(done.label_column)}' (the labels' column in the study's data) in "
            "these rows, so they are not scored; if their labels are in a column of another "
            "name, add `--target COLUMN`",
        )
    if done.score is not None:
        metric, unscored = METRICS[done.metric], done.rows - done.labelled
        skipped = f"; {unscored:,} rows without a label not scored" if unscored else ""
        rows = f"{done.labelled:,} rows"
        if done.metric == "error":
            rows = f"{done.wrong:,} of {done.labelled:,} wrong"
        say(
            console,
            f"{metric.label} on these rows (their '{whole(done.target)}' column): "
            f"{metric.cell(done.score)} ({rows}{skipped})",
        )
