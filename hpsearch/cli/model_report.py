"""What `export` and `predict` say when they are done: which trial went where, and how the rows
were read (the columns ignored, said once) and scored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:  # the network loads only when a command needs it
    from hpsearch.study.export import Exported
    from hpsearch.study.predict import Prediction


def render_export(console: Console, exported: Exported) -> None:
    record = exported.record
    what = "ONNX graph" if exported.format == "onnx" else "model"
    dev = "" if record.dev_error is None else f", dev error {record.dev_error:.4f}"
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
    if done.error_rate is not None:
        console.print(
            f"error on these rows (their '{done.target}' column): {done.error_rate:.4f} "
            f"({done.errors:,} of {done.rows:,} wrong)",
            markup=False,
        )
