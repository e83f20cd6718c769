"""`hpsearch init`: a study file for a CSV file as it is. The data is read as a study would read
it; a column no study can use (an id, a name, a column empty in every train row) goes under
`ignore:` with the reason; the task and metric come from the target column, with the reason; the
search space is a preset (`config.presets`) and the budget fits the train split's size: spent
under the asynchronous schedule when the space is wide (`search.budget.proposal`), else on as
many plain random trials. The file then passes `hpsearch check` as it is. Nothing is overwritten
unless asked."""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hpsearch.config.presets import DEFAULT_PRESET, PRESETS, Budget, Preset, budget
from hpsearch.config.search_settings import SearchSettings
from hpsearch.config.study_file import NAME, StudyConfig
from hpsearch.data import DataSpec, load_dataset
from hpsearch.data.columns import ColumnsRefused, Summary, column_values, looks_like_id
from hpsearch.data.csvfile import read_csv
from hpsearch.data.files import count
from hpsearch.data.load import Dataset
from hpsearch.data.table import Table
from hpsearch.data.target import TargetGuess, infer_target
from hpsearch.durable import written_aside
from hpsearch.errors import ConfigError, DataError
from hpsearch.search.budget import Ladder, default_min_epochs, outlook, proposal, trials_for_budget
from hpsearch.search.space import SearchSpace
from hpsearch.store.layout import DEFAULT_RUNS, is_study, quoted

MAX_ROUNDS = 5  # loads of the data, each leaving out the columns the one before refused


@dataclass(frozen=True)
class Proposed:
    """The `search:` settings init writes: `configurations` trials of up to `epochs` epochs,
    `full` of which reach them; under `schedule: asha`, sized by a `budget` of epochs (the
    counts are then the schedule's expectations), else `trials` plain random trials."""

    schedule: str  # "asha" or "plain"
    configurations: int
    full: int
    epochs: int
    budget: int | None = None  # epochs in all, under the schedule
    rungs: tuple[int, ...] = ()  # the schedule's, in epochs
    searched: int = 0  # hyperparameters searched

    @property
    def full_trials(self) -> int:
        """As many full trials as the epochs it may train."""
        return self.budget // self.epochs if self.budget is not None else self.configurations


@dataclass(frozen=True)
class Initialized:
    """A study file written, for the command line to say."""

    path: Path
    name: str
    guess: TargetGuess
    dataset: Dataset
    ignored: tuple[tuple[str, str], ...]  # (column, why it is left out)
    budget: Budget
    preset: str = DEFAULT_PRESET  # the search space's (`config.presets`)
    proposed: Proposed | None = None  # how the budget is spent


def init_study(
    data: str | Path,
    target: str,
    *,
    output: Path | None = None,
    name: str | None = None,
    runs_dir: Path = Path(DEFAULT_RUNS),
    force: bool = False,
    preset: str = DEFAULT_PRESET,
) -> Initialized:
    """Writes a study file for the CSV file `data` whose labels are in column `target`, with
    the search space of `preset` (`config.presets.PRESETS`)."""
    if preset not in PRESETS:
        raise ConfigError(
            f"--preset must be one of {', '.join(PRESETS)}, but got '{preset}'", option="preset"
        )
    data = Path(data)
    if data.suffix.lower() != ".csv":
        raise ConfigError(f"init reads a .csv file, but got '{data}'", option="data")
    output = output or Path(f"{data.stem}.yaml")
    name = name or _name(data.stem)
    _check_output(output, data, force)
    if not NAME.fullmatch(name):
        raise ConfigError(
            f"'{name}' cannot name a study (letters, digits, '-', '_' or '.'); give --name",
            option="name",
        )
    if is_study(runs_dir / name):
        raise ConfigError(
            f"a study named '{name}' already exists in {runs_dir}; give the new one another "
            "name with --name, or remove the old one with `hpsearch remove "
            f"{quoted(runs_dir / name)}`",
            option="name",
        )
    table = read_csv(str(data), "dataset", target)
    guess = infer_target((table.values[c] for c in table.codes if c >= 0), target)
    _check_task(guess)
    ignored = [(table.feature_names[i], why) for i, why in _ids(table)]
    spec = _spec(data, target, guess, ignored)
    dataset = None
    for _ in range(MAX_ROUNDS):
        try:
            dataset = load_dataset(DataSpec.model_validate(spec))
            break
        except ColumnsRefused as refused:
            ignored += [(column, reason) for column, _, reason in refused.problems]
            spec = _spec(data, target, guess, ignored)
    if dataset is None:
        raise DataError(f"{data}: no column is left that a study can use")
    fits = budget(len(dataset.y_train))
    proposed = propose(PRESETS[preset], guess.task, fits)
    text = study_text(
        name, _path_from(output, data), target, guess, dataset, tuple(ignored), fits,
        PRESETS[preset], proposed,
    )  # fmt: skip
    _write(output, text, force)
    return Initialized(output, name, guess, dataset, tuple(ignored), fits, preset, proposed)


def propose(preset: Preset, task: str, fits: Budget) -> Proposed:
    """How `fits`' trials' worth of epochs is spent on `preset`'s space for `task`: under the
    asynchronous schedule at its defaults when the space is wide, else on plain trials."""
    space = SearchSpace.from_dict(
        {e.name: e.value for e in preset.hyperparameters if e.task in (None, task)}
    )
    proposal_ = proposal(space, fits.epochs, fits.n_trials)
    if proposal_.get("schedule") != "asha":
        return Proposed("plain", fits.n_trials, fits.n_trials, fits.epochs)
    eta = SearchSettings.model_fields["eta"].default
    ladder = Ladder("asha", default_min_epochs(fits.epochs, eta), eta, fits.epochs)
    epochs = int(proposal_["budget"])
    planned = outlook(ladder, trials_for_budget(ladder, epochs))
    return Proposed(
        "asha", planned.configurations, planned.full, fits.epochs, epochs,
        tuple(ladder.rungs()), len(space.searched),
    )  # fmt: skip


def _path_from(output: Path, data: Path) -> str:
    """The data's path as the study file gives it: relative to the file's folder when the data
    lies in it or below, so the two move together; else absolute."""
    folder, data = output.resolve().parent, data.resolve()
    return os.path.relpath(data, folder) if data.is_relative_to(folder) else str(data)


def _name(stem: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")
    return cleaned or "study"


def _check_output(output: Path, data: Path, force: bool) -> None:
    if output.exists() and output.resolve() == data.resolve():
        raise ConfigError(f"--output {output} is the data file itself; give another path")
    if output.exists() and not force:
        raise ConfigError(
            f"--output {output} exists; give another path, or add --force to replace it",
            option="output",
        )
    if output.is_dir():
        raise ConfigError(f"--output {output} is a folder; give a file's path", option="output")


def _check_task(guess: TargetGuess) -> None:
    """A task the study file can say: a regression needs `data.task`."""
    if guess.task != "classification" and "task" not in DataSpec.model_fields:
        raise DataError(f"{guess.reason}; this hpsearch trains classifiers only")


def _ids(table: Table) -> list[tuple[int, str]]:
    """Feature columns of distinct whole numbers, one per row: row numbers or ids."""
    found = []
    for position in table.numeric_columns:
        values = column_values(table, position)
        if looks_like_id(table.feature_names[position], values):
            found.append(
                (position, f"a different whole number in every row ({values.min():g} to "
                 f"{values.max():g}): a row number or an id, not a feature"),
            )  # fmt: skip
    return found


def _spec(data: Path, target: str, guess: TargetGuess, ignored: list[tuple[str, str]]) -> dict:
    spec: dict[str, Any] = {"dataset": str(data), "target": target}
    if "task" in DataSpec.model_fields:
        spec["task"] = guess.task
    if ignored:
        spec["ignore"] = [column for column, _ in ignored]
    return spec


def study_text(
    name: str,
    dataset_path: str,
    target: str,
    guess: TargetGuess,
    dataset: Dataset,
    ignored: tuple[tuple[str, str], ...],
    fits: Budget,
    preset: Preset,
    proposed: Proposed | None = None,
) -> str:
    """The study file, with its reasons as comments; its search spent as `proposed` says
    (default: `fits`' plain trials)."""
    proposed = proposed or Proposed("plain", fits.n_trials, fits.n_trials, fits.epochs)
    report = dataset.report
    lines = [
        f"# A study of {Path(dataset_path).name}, written by `hpsearch init`. `hpsearch check "
        "FILE` shows",
        "# what it will search; `hpsearch run FILE` runs it.",
        f"name: {name}",
        "data:",
        f"  dataset: {_scalar(dataset_path)}",
        f"  target: {_scalar(target)}",
        *_comment(guess.reason, "  # "),
    ]
    if "task" in DataSpec.model_fields:
        lines.append(f"  task: {guess.task}")
    if ignored:
        lines.append("  ignore:")
        for column, why in ignored:
            lines += _comment(f"{column}: {why}", "    # ")
            lines.append(f"    - {_scalar(column)}")
    train = dict(report.parts)["train"] if report else len(dataset.y_train)
    lines.append(f"  # the columns, as the train split ({train:,} rows) shows them:")
    for summary in report.columns if report else ():
        lines += _comment(_column_line(summary), "  #   ")
    if report and report.rows_dropped:
        dropped = f"{count(report.rows_dropped, 'row')} without a label are dropped"
        lines += _comment(dropped, "  # ")
    lines += [
        "  # a gap: the train median and a flag (numbers), or a level of its own (text)",
        "  missing: impute",
        "  # or robust: median and interquartile range, smoothly clipped",
        "  scaling: standard",
        f"# {preset.description}",
        "hyperparameters:",
    ]
    for entry in (*sorted(preset.hyperparameters, key=lambda e: e.rank), *preset.fixed):
        if entry.task not in (None, guess.task):
            continue
        lines += _comment(entry.comment, "  # ")
        lines.append(f"  {entry.name}: {_flow(entry.value)}")
    lines.append(f"  epochs: {fits.epochs}")
    if "metric" in StudyConfig.model_fields:
        lines.append(f"metric: {guess.metric}")
    lines += ["search:", *_search_lines(proposed, fits), "  seed: 0"]
    return "\n".join(lines) + "\n"


def _search_lines(proposed: Proposed, fits: Budget) -> list[str]:
    """The `search:` section's size and schedule, with what they mean as comments."""
    if proposed.schedule == "plain":
        return [f"  trials: {proposed.configurations}", *_comment(fits.reason, "  # ")]
    epochs, trials = proposed.epochs, proposed.full_trials
    *firsts, last = (str(rung) for rung in proposed.rungs)
    meaning = (
        f"{fits.reason.split(':')[0]}: a budget of {trials} full trials' worth of epochs "
        f"({trials} × {epochs} = {proposed.budget:,}); raise it for a wider search. The space "
        f"is wide ({proposed.searched} hyperparameters searched), so the budget goes to "
        f"asynchronous successive halving: it tries about {proposed.configurations} "
        f"configurations on rungs of {', '.join(firsts)} and {last} epochs; at each rung a "
        "trial goes on when its dev error is in the best half of that rung's results so far, "
        "in trial-number order, so the same ones go on with any number of workers; about "
        f"{proposed.full} reach the full {epochs} epochs (of trials that tie, the earlier go "
        "on). A rung's first trials are judged against few results, so a run may train a few "
        "more epochs than the budget; the end of the run and hpsearch show say how many. For "
        "plain random search at the same "
        f"compute, write schedule: plain (the budget then holds {trials} trials of {epochs} "
        f"epochs), or trials: {trials} in place of these two lines."
    )
    return [*_comment(meaning, "  # "), "  schedule: asha", f"  budget: {proposed.budget}"]


def _column_line(summary: Summary) -> str:
    missing = f", {summary.missing:.1%} missing" if summary.missing else ""
    return f"{summary.name}: {summary.kind}, {summary.described}{missing} → {summary.treatment}"


def _comment(text: str, prefix: str, width: int = 96) -> list[str]:
    """`text` as comment lines of at most `width` characters, each starting with `prefix`."""
    return textwrap.wrap(
        text, width, initial_indent=prefix, subsequent_indent=prefix + "  ",
        break_long_words=False, break_on_hyphens=False,
    )  # fmt: skip


def _scalar(value: str) -> str:
    """A string as YAML reads it back as that string."""
    dumped = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return dumped.removesuffix("\n...").removesuffix(" ...").strip()


def _flow(value: Any) -> str:
    dumped = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6)
    return dumped.strip().removesuffix("...").strip()


def _write(output: Path, text: str, force: bool) -> None:
    """Written aside and renamed; without `force`, never over a file that appeared since."""
    try:
        # Without `force`, linked into place: fails if `output` exists, even in a race.
        with written_aside(output, "w", encoding="utf-8", replace=force) as file:
            file.write(text)
    except FileExistsError:
        raise ConfigError(
            f"--output {output} exists; give another path, or add --force to replace it",
            option="output",
        ) from None
    except OSError as error:
        raise ConfigError(
            f"--output {output} cannot be written ({error.strerror}); give a file in an "
            "existing, writable folder",
            option="output",
        ) from None
