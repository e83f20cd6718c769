"""What `export` and `predict` say when they are done: which trial went where, and how the rows
were read (the columns ignored, said once) and scored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

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
    if done.ignored:
        console.print(
            f"ignored {len(done.ignored)} column{'s' if len(done.ignored) > 1 else ''} the model "
            f"does not take: {', '.join(done.ignored)}",
            markup=False,
        )
    where = f" to {done.output}" if done.output is not None else ""
    console.print(f"predicted {done.rows:,} rows with {done.model}{where}", markup=False)
    if done.target is None:
        return
    metric = METRICS[done.metric]
    left = ""
    if done.unscored:
        left = f"; {done.unscored:,} rows without a target it can score left out"
    if done.score is None:
        console.print(f"no row's '{done.target}' could be scored{left}", markup=False)
        return
    if done.metric == "error":
        rows = f"{done.wrong:,} of {done.scored:,} wrong"
    else:
        rows = f"{done.scored:,} rows"
    console.print(
        f"{metric.label} on these rows (their '{done.target}' column): "
        f"{metric.cell(done.score)} ({rows}{left})",
        markup=False,
    )
