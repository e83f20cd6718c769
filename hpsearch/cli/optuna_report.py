"""What `export --format optuna` and `dashboard` say: what the Optuna storage holds now, how far
the study had run when it was read, and where the dashboard is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from hpsearch.cli.output import say
from hpsearch.store.layout import quoted

if TYPE_CHECKING:
    from hpsearch.study.dashboard import Dashboard
    from hpsearch.study.optuna_export import OptunaExport


def render_optuna_export(console: Console, export: OptunaExport) -> None:
    say(console, export_lines(export))
    say(
        console,
        f"open it with `optuna-dashboard {quoted(export.path)}`, or with optuna.load_study "
        f"(study_name={export.study!r}) and a JournalStorage of it",
    )


def export_lines(export: OptunaExport) -> str:
    """What the file holds now, how far the study had run when it was read, and what was left
    for the next export."""
    added = "no new trial" if not export.added else _trials(export.added, "new")
    when = export.read_at.strftime("%H:%M:%S")
    lines = [
        f"wrote {added} to {export.path}",
        f"it holds {_trials(export.n_trials, 'finished')} of study {export.study}, as the study "
        f"stood at {when}",
    ]
    if export.left:
        lines.append(
            f"left out {_trials(export.left, 'unfinished')} (running, paused or interrupted); "
            "export again once they finish to add them"
        )
    return "\n".join(lines)


def render_dashboard(console: Console, dashboard: Dashboard) -> None:
    say(console, export_lines(dashboard.export).replace("export again", "open the dashboard again"))
    console.print(f"optuna-dashboard serves it at {dashboard.url}", markup=False)
    console.print("press Ctrl-C to stop it", markup=False)


def _trials(count: int, what: str) -> str:
    return f"{count:,} {what} trial{'' if count == 1 else 's'}"
