"""What `export --format optuna` and `dashboard` say: what the Optuna storage holds now, how far
the study had run when it was read, and where the dashboard is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from hpsearch.store.layout import quoted

if TYPE_CHECKING:
    from hpsearch.study.dashboard import Dashboard
    from hpsearch.study.optuna_export import OptunaExport


def render_optuna_export(console: Console, export: OptunaExport) -> None:
    console.print(export_lines(export), markup=False)


def export_lines(export: OptunaExport) -> str:
    """`wrote 24 trials …` and, for a study read while it ran, what was left for next time."""
    added = "no new trial" if not export.added else _trials(export.added, "new")
    kept = f" (it holds {export.trials} of study {export.study})" if export.kept else ""
    if not export.kept:
        kept = f" (study {export.study}, through trial {export.last})" if export.added else ""
    when = export.read_at.strftime("%H:%M:%S")
    lines = [f"wrote {added} to {export.path}{kept}, as the study stood at {when}"]
    if export.left:
        lines.append(
            f"{_trials(export.left, 'unfinished')} (running, paused or interrupted) left out; "
            "export again once they finish to add them"
        )
    lines.append(
        f"open it with optuna.load_study(study_name={export.study!r}, storage="
        f"optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend("
        f"{str(export.path)!r}))) or `optuna-dashboard {quoted(export.path)}`"
    )
    return "\n".join(lines)


def render_dashboard(console: Console, dashboard: Dashboard) -> None:
    console.print(export_lines(dashboard.export).splitlines()[0], markup=False)
    if dashboard.export.left:
        console.print(
            f"{_trials(dashboard.export.left, 'unfinished')} left out; open the dashboard again "
            "once they finish",
            markup=False,
        )
    console.print(f"optuna-dashboard serves it at {dashboard.url}", markup=False)
    console.print("press Ctrl-C to stop it", markup=False)


def _trials(count: int, what: str) -> str:
    return f"{count:,} {what} trial{'' if count == 1 else 's'}"
