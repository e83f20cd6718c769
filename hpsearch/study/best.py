"""The chosen trial, rank 1 by the dev metric: its configuration as a study file that fixes every
hyperparameter, and its one look at the test split.

The test split only estimates the chosen model; choosing by it would tune on it. So this is the
only module that reads it, it never touches the ranking, and every read is logged with its time
(`test-reads.jsonl` in the study's folder), so a user sees how often the test set was looked at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hpsearch.config import StudyConfig
from hpsearch.config.study_defaults import trained_with
from hpsearch.config.study_file import NAME_LIMIT
from hpsearch.errors import ConfigError, DataError, StoreError
from hpsearch.search.noise import Gap
from hpsearch.search.ranking import (
    CurveSummary,
    Diagnosis,
    diagnose,
    summarize_curves,
    wide_gaps,
)
from hpsearch.store.layout import refuse_study_part
from hpsearch.store.read_log import LoggedRead, check_loggable, log_read
from hpsearch.store.sqlite import Baseline
from hpsearch.study.snapshot import Snapshot, read_snapshot
from hpsearch.trial import TrialRecord, TrialState

if TYPE_CHECKING:
    from hpsearch.data import Dataset


@dataclass(frozen=True)
class Chosen:
    """Rank 1 among the complete trials, and what is needed to reuse or test it."""

    record: TrialRecord
    config: StudyConfig  # the study's
    complete: int  # complete trials it was chosen from
    curves: CurveSummary
    weights: Path | None  # None when its model was not kept
    fingerprint: str  # of the data the study was run on
    diagnosis: Diagnosis | None = None  # its bias/variance reading
    gaps: tuple[Gap, ...] = ()  # the gaps above the threshold, with their sampling noise
    baselines: tuple[Baseline, ...] = ()  # the study's, fitted on train when it was made


def choose(snapshot: Snapshot) -> Chosen:
    """The best complete trial of the study as it was read (a run may be writing), from a
    store checked whole: a damaged page elsewhere would leave the choice unsaid otherwise."""
    snapshot.check_whole()
    config = snapshot.config
    groups = snapshot.trial_groups(0)
    complete = sum(t.n_trials for t in groups if t.state is TrialState.COMPLETE)
    if not complete:
        raise StoreError(
            f"study '{config.name}' has no complete trial yet ({sum(t.n_trials for t in groups)} "
            f"trials stored); wait for the run, or run it with `hpsearch run`"
        )
    ((_, best),) = snapshot.ranked(1, states=(TrialState.COMPLETE,))
    curves = summarize_curves(best.curves)
    weights, fingerprint = snapshot.weights_path(best.number), snapshot.info.fingerprint
    sizes = (snapshot.info.splits.get("train"), snapshot.info.splits.get("dev"))
    errors = (best.train_error, best.dev_error, config.target_error, config.ranked_by.name)
    diagnosis = diagnose(*errors, *sizes)
    gaps = tuple(wide_gaps(*errors, *sizes)) if diagnosis is not None else ()
    return Chosen(
        best, config, complete, curves, weights, fingerprint, diagnosis, gaps,
        tuple(snapshot.baselines),
    )  # fmt: skip


@dataclass(frozen=True)
class Best:
    """What `hpsearch best` answers: the chosen trial, its configuration as a study file (written
    to `output` when one is given), and the study's earlier reads of its test split."""

    chosen: Chosen
    folder: Path
    yaml: str
    output: Path | None
    test_reads: list[LoggedRead]


def best_of(folder: Path, output: Path | None = None) -> Best:
    """The chosen trial of the study in `folder`, its configuration written to `output` if
    given."""
    with read_snapshot(folder) as snapshot:
        chosen = choose(snapshot)
    if output is not None:
        write_reuse_yaml(chosen, output)
    return Best(chosen, snapshot.folder, reuse_yaml(chosen), output, snapshot.test_reads)


def read_test(best: Best) -> list[LoggedRead]:
    """The chosen trial evaluated once on the test split (see `evaluate_on_test`): every read of
    the study's test split, this one last."""
    return [*best.test_reads, evaluate_on_test(best.folder, best.chosen)]


def reuse_config(chosen: Chosen) -> dict[str, Any]:
    """A study file's settings that train the chosen configuration again: every hyperparameter
    fixed, the same data, one trial, and a name of its own (so that it never resumes the study)."""
    config, record = chosen.config, chosen.record
    suffix = f"-trial-{record.number}"
    search = config.search.model_dump(
        mode="json", exclude_defaults=True, exclude={"workers", "trials", "method"}
    )
    settings: dict[str, Any] = {
        "name": config.name[: NAME_LIMIT - len(suffix)] + suffix,
        "data": config.data.model_dump(mode="json", exclude_none=True),
        "hyperparameters": trained_with(record.params),
        "search": {"trials": 1, **search, "training_seed": record.seed},
    }
    if config.metric is not None:
        settings["metric"] = config.metric
    if config.target_error is not None:
        settings["target_error"] = config.target_error
    return settings


def reuse_yaml(chosen: Chosen) -> str:
    """`reuse_config` as YAML, with a comment that says where it came from."""
    record, metric = chosen.record, chosen.config.ranked_by
    header = (
        f"# The chosen configuration of study {chosen.config.name}: trial {record.number} "
        f"(round {record.round}), dev {metric.label} {metric.cell(record.dev_error)}.\n"
        f"# Every hyperparameter is fixed: `hpsearch train FILE` retrains trial {record.number} "
        "exactly\n# (the same split and training seed); `hpsearch run FILE` trains it again as a "
        "new study.\n"
    )
    return header + yaml.safe_dump(reuse_config(chosen), sort_keys=False, allow_unicode=True)


def write_reuse_yaml(chosen: Chosen, path: Path) -> None:
    """Writes `reuse_yaml` to `path`; a path that cannot be written is the user's to fix, and
    a part of a study is refused."""
    refuse_study_part(path, "output")
    try:
        path.write_text(reuse_yaml(chosen), encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"output {path} cannot be written ({error.strerror}); give a file in an existing, "
            "writable folder",
            option="output",
        ) from None


def evaluate_on_test(folder: Path, chosen: Chosen) -> LoggedRead:
    """Evaluates the chosen trial's saved model once on the test split and logs the read."""
    from hpsearch.data import load_dataset  # heavy: only when the test split is asked for
    from hpsearch.store.model_file import check_origin, read_model
    from hpsearch.study.model import model_of

    record, name = chosen.record, chosen.config.name
    if chosen.weights is None:
        raise StoreError(
            f"the model of trial {record.number}, the chosen one, was not kept (study '{name}' "
            f"keeps the best search.keep_models = {chosen.config.search.keep_models}); train it "
            f"again with `hpsearch best {folder} --output chosen.yaml` and `hpsearch run "
            "chosen.yaml`, then test that study's trial"
        )
    check_loggable(folder)
    dataset = load_dataset(chosen.config.data)
    if dataset.fingerprint != chosen.fingerprint:
        raise DataError(
            f"the data of study '{name}' changed since the study ran (fingerprint "
            f"{chosen.fingerprint[:12]} → {dataset.fingerprint[:12]}), so its test split is "
            "not the one held out when the trial was chosen; restore the data"
        )
    found = read_model(chosen.weights)
    check_origin(found.info, chosen.weights, name, record.number, chosen.fingerprint)
    model = model_of(found, chosen.weights)
    metric = chosen.config.ranked_by.name
    cost, error = model.network.evaluate(dataset.X_test, dataset.y_test, metric)
    baselines = _baselines_on_test(chosen, dataset, metric)
    examples = len(dataset.y_test)
    read = LoggedRead(datetime.now(UTC), record.number, error, cost, examples, baselines)
    log_read(folder, read)
    return read


def _baselines_on_test(chosen: Chosen, dataset: Dataset, metric: str) -> dict[str, float | None]:
    """The study's baselines fitted again on its train split (the same rows and settings, so
    the same models as when the study was made) and scored on the test split, in the same read
    as the chosen trial's; none for a study made without them."""
    if not chosen.baselines:
        return {}
    from hpsearch.study.baselines import fit_baselines  # loads scikit-learn

    fitted = fit_baselines(dataset, metric, parts=("test",))
    return {f.baseline.name: f.scores["test"] for f in fitted}
