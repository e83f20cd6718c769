"""A study as an Optuna storage: `hpsearch export --format optuna` and what `hpsearch dashboard`
serves. Written through Optuna's public API (`optuna.trial.create_trial`, `Study.add_trials`)
into a JournalStorage file, so that `optuna.load_study`, optuna-dashboard and anything else that
reads Optuna storages reads it, whatever Optuna keeps inside.

One hpsearch study is one Optuna study of its name, its rounds told apart by each trial's
`round` user attribute: the dashboard's history then shows coarse-to-fine as it happened, and
its importance and slice plots take every trial. Each hyperparameter has one distribution over
the whole study (each round's own region is in the study's user attributes), since Optuna
refuses a categorical whose choices change from trial to trial. Only finished trials are written
(running, paused or interrupted ones change still), each once: a re-export adds the trials
finished since, and nothing an earlier export wrote is touched."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpsearch.config.schedule import round_schedule
from hpsearch.errors import ConfigError, StoreError
from hpsearch.search.ranking import diagnose
from hpsearch.search.space import (
    Choice,
    Distribution,
    IntUniform,
    LogUniform,
    OneMinusLogUniform,
    SearchSpace,
)
from hpsearch.store.faults import os_error
from hpsearch.store.layout import refuse_study_part
from hpsearch.store.sqlite import collector_paused
from hpsearch.study.snapshot import Snapshot, read_snapshot
from hpsearch.trial import TrialRecord, TrialState

if TYPE_CHECKING:
    import optuna

OPTUNA_MISSING = (
    "format optuna needs the optuna package; install it with `pip install optuna` (or "
    "`pip install 'hpsearch[dashboard]'`)"
)
STATES = {  # hpsearch's finished states → Optuna's; the trial's `state` attribute says which
    TrialState.COMPLETE: "COMPLETE",
    TrialState.STOPPED: "PRUNED",  # by a halving schedule, as Optuna's pruners stop a trial
    TrialState.DIVERGED: "FAIL",
    TrialState.FAILED: "FAIL",
    TrialState.TIMED_OUT: "FAIL",
}
IDENTITY = "hpsearch_study"  # the study's user attribute that says which hpsearch study it is


@dataclass(frozen=True)
class OptunaExport:
    """What an export wrote: `added` trials now, `kept` written by an earlier export, `left`
    unfinished ones not written, as the store was at `read_at`."""

    path: Path
    study: str
    added: int
    kept: int
    left: int
    read_at: datetime
    last: int | None  # the highest trial number the file holds

    @property
    def n_trials(self) -> int:
        return self.added + self.kept


def export_optuna(folder: Path, output: Path) -> OptunaExport:
    """Writes the finished trials of the study in `folder` to the JournalStorage file `output`
    that it does not already hold; read in one snapshot, so a running study is written as it
    stood at that moment."""
    with collector_paused():  # a million small objects and no cycle: a sixth of the time
        return _export(folder, output)


def _export(folder: Path, output: Path) -> OptunaExport:
    optuna = _optuna()
    refuse_study_part(output, "output")
    with read_snapshot(folder) as snapshot:
        read_at = datetime.now().astimezone()
        records = snapshot.records
        rungs = snapshot.last_rungs()
        identity = f"{snapshot.info.created} {snapshot.info.fingerprint}"
        attributes = _study_attributes(snapshot)
        convert = _Converter(snapshot.spaces, snapshot.config.ranked_by.name)
        target = snapshot.config.target_error
    backend = _Batched(_file_backend(optuna, output))
    storage = optuna.storages.JournalStorage(backend)
    name = attributes["name"]
    study = optuna.create_study(
        storage=storage, study_name=name, direction="minimize", load_if_exists=True
    )
    if study.user_attrs.get(IDENTITY, identity) != identity:
        raise StoreError(
            f"output {output} holds another study named '{name}' (another run of that name, "
            "set aside or removed since); write to another file, or delete this one",
            option="output",
        )
    if study.metric_names is None:  # the dashboard's axes then say "dev error"
        with warnings.catch_warnings():  # experimental in some Optuna versions
            warnings.simplefilter("ignore")
            study.set_metric_names([attributes["metric"].removesuffix(" (lower is better)")])
    held = {t.user_attrs.get("trial") for t in study.get_trials(deepcopy=False)}
    finished = [r for r in records if r.state in STATES]
    new = [r for r in finished if r.number not in held]
    for key, value in {**attributes, IDENTITY: identity}.items():
        if study.user_attrs.get(key) != value:
            study.set_user_attr(key, value)
    study.add_trials(convert.trial(optuna, r, rungs.get(r.number), target) for r in new)
    backend.flush(output)
    numbers = [n for n in held if isinstance(n, int)] + [r.number for r in new]
    return OptunaExport(
        output, name, len(new), len(finished) - len(new), len(records) - len(finished), read_at,
        max(numbers, default=None),
    )  # fmt: skip


class _Converter:
    """hpsearch's trials → Optuna's frozen trials, each hyperparameter on one distribution."""

    def __init__(self, spaces: Sequence[SearchSpace], metric: str) -> None:
        self.spaces = spaces
        self.metric = metric
        self.covers = _covers(spaces)  # name → the Optuna distribution over every round

    def trial(
        self, optuna: Any, record: TrialRecord, rung: int | None, target: float | None
    ) -> optuna.trial.FrozenTrial:
        searched = self.spaces[record.round].searched
        params = {
            name: _choice(record.params[name]) if isinstance(d, Choice) else record.params[name]
            for name, d in searched.items()
            if name in self.covers and name in record.params
        }
        started = record.started or record.finished
        finished = record.finished or started
        state = optuna.trial.TrialState[STATES[record.state]]
        value = record.dev_error if state.name != "FAIL" and _finite(record.dev_error) else None
        if state.name == "COMPLETE" and value is None:  # Optuna needs a complete trial's value
            state, value = optuna.trial.TrialState.FAIL, None
        curve = record.curves.get("dev_error", [])
        attributes = {
            "trial": record.number,
            "round": record.round,
            "state": str(record.state),
            f"train_{self.metric}": _json_number(record.train_error),
            "diagnosis": _text(diagnose(record.train_error, record.dev_error, target, self.metric)),
            "epochs": record.epochs,
            "seed": record.seed,
            "duration_s": record.duration_s,
        }
        if record.best_epoch is not None:  # the epoch whose dev metric is the value
            attributes["best_epoch"] = record.best_epoch
        if rung is not None:
            attributes["rung"] = rung
        if record.message:
            attributes["message"] = record.message
        trial = optuna.trial.create_trial(
            state=state,
            value=value,
            params=params,
            distributions={name: self.covers[name] for name in params},
            user_attrs=attributes,
            intermediate_values={epoch: v for epoch, v in enumerate(curve, start=1) if _finite(v)},
        )
        trial.datetime_start, trial.datetime_complete = started, finished  # when it ran
        return trial


def _covers(spaces: Sequence[SearchSpace]) -> dict[str, Any]:
    """Each hyperparameter searched in some round → one Optuna distribution holding it in every
    round: bounds from the lowest to the highest, choices in the order first listed."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    seen: dict[str, list[Distribution]] = {}
    for space in spaces:
        for name, distribution in space.searched.items():
            seen.setdefault(name, []).append(distribution)
    covers: dict[str, Any] = {}
    for name, found in seen.items():
        kinds = {type(d) for d in found}
        if len(kinds) > 1:  # a round that changed the kind (never made by zoom): left out
            continue
        first = found[0]
        if isinstance(first, Choice):
            choices = dict.fromkeys(_choice(c) for d in found for c in d.choices)  # type: ignore[union-attr]
            covers[name] = CategoricalDistribution(tuple(choices))
            continue
        low = min(d.low for d in found)  # type: ignore[union-attr]
        high = max(d.high for d in found)  # type: ignore[union-attr]
        if isinstance(first, IntUniform):
            covers[name] = IntDistribution(int(low), int(high))
        else:
            covers[name] = FloatDistribution(low, high, log=isinstance(first, LogUniform))
    return covers


def _study_attributes(snapshot: Snapshot) -> dict[str, Any]:
    """What the study says of itself: its metric, how each hyperparameter was drawn (1 − β
    has no Optuna distribution), and each round's region and schedule."""
    config = snapshot.config
    drawn = {}
    for name, distribution in snapshot.spaces[0].searched.items() if snapshot.spaces else ():
        if isinstance(distribution, OneMinusLogUniform):
            drawn[name] = (
                f"1 − {name} log-uniform, {name} from {distribution.low:g} to "
                f"{distribution.high:g} (shown on a linear scale)"
            )
    return {
        "name": config.name,
        "metric": f"dev {config.ranked_by.label} (lower is better)",
        "drawn": drawn,
        "rounds": [
            {
                "round": r.number,
                "trials": r.n_trials,
                "schedule": round_schedule(config, r.schedule_settings),
                "region": {n: d.describe() for n, d in space.searched.items()},
            }
            for r, space in zip(snapshot.rounds, snapshot.spaces, strict=True)
        ],
    }


def _choice(value: Any) -> Any:
    """A choice as Optuna holds one: a list (hidden units per layer) as its JSON text."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _json_number(value: float | None) -> float | None:
    return value if _finite(value) else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise ConfigError(OPTUNA_MISSING, option="format") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _file_backend(optuna: Any, output: Path) -> Any:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        return optuna.storages.journal.JournalFileBackend(str(output))
    except OSError as error:
        raise os_error(error, output) from None


class _Batched:  # duck-typed: optuna's BaseJournalBackend cannot be imported before optuna is
    """A journal backend that holds what Optuna appends and writes it to the file in one
    append (`flush`): a file append per trial would take minutes for 100,000 trials. Optuna
    reads the file's log through it, then its own appends."""

    def __init__(self, file: Any) -> None:
        self.file = file
        self.logs: list[dict[str, Any]] = list(file.read_logs(0))
        self.written = len(self.logs)

    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        return iter(self.logs[log_number_from:])

    def append_logs(self, logs: Iterable[dict[str, Any]]) -> None:
        self.logs.extend(logs)

    def flush(self, output: Path) -> None:
        if any(True for _ in self.file.read_logs(self.written)):
            raise StoreError(
                f"output {output} was written by another program during the export; export again",
                option="output",
            )
        try:
            self.file.append_logs(self.logs[self.written :])
        except OSError as error:
            raise os_error(error, output) from None
        self.written = len(self.logs)
