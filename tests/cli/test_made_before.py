"""A study made before keep_best_epoch and the baselines resumes as it was made.

`tests/files/made-before-keep-best-epoch/study.db` is the study of `old.yaml` as the hpsearch of
the commit before those settings made it (4 trials; store schema 4). The same hpsearch, asked
for 6 trials, trained trials 4 and 5 to BEFORE: resumed here to 6 trials, the study must give
them again (the last epoch's weights and dev error, not the best epoch's), its identity
unchanged, and without baselines; the same file run as a new study keeps each best epoch."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.store.study_store import StudyStore

runner = CliRunner()
MADE = Path(__file__).resolve().parents[1] / "files" / "made-before-keep-best-epoch"
BEFORE = {  # trial → (dev error, dev error per epoch), as the earlier hpsearch trained them
    4: (0.3333333333333333, [0.43333333333333335, 0.3, *[0.3333333333333333] * 6,
                             0.3333333333333333, 0.36666666666666664, 0.3333333333333333,
                             0.3333333333333333]),
    5: (0.03333333333333333, [0.5666666666666667, 0.5, 0.13333333333333333, 0.03333333333333333,
                              0.06666666666666667, 0.03333333333333333, 0.03333333333333333,
                              0.06666666666666667, 0.0, 0.03333333333333333, 0.1,
                              0.03333333333333333]),
}  # fmt: skip


def hpsearch(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


def _study(tmp_path: Path, trials: int) -> Path:
    config = tmp_path / "old.yaml"
    config.write_text((MADE / "old.yaml").read_text().replace("trials: 4", f"trials: {trials}"))
    return config


def test_a_study_made_before_resumes_with_the_last_epochs_weights(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "old").mkdir(parents=True)
    shutil.copy(MADE / "study.db", runs / "old" / "study.db")
    with StudyStore.open(runs / "old") as store:
        identity = store.info.identity
    result = hpsearch("run", _study(tmp_path, 6), "--runs-dir", runs, "--quiet")
    assert result.exit_code == 0, result.output
    with StudyStore.open(runs / "old") as store:
        trials, baselines = store.trials(), store.baselines()
        assert store.info.identity == identity and store.info.schema_version == 5
    assert baselines == []  # made without them: nothing is fitted on a resume
    assert [t.number for t in trials] == list(range(6))
    for trial in trials:
        assert trial.best_epoch is None
        assert trial.dev_error == trial.curves["dev_error"][-1]  # the last epoch's
    for number, (dev_error, curve) in BEFORE.items():
        assert (trials[number].dev_error, trials[number].curves["dev_error"]) == (dev_error, curve)
    shown = hpsearch("show", "old", "--runs-dir", runs).stdout
    assert "keep_best_epoch" not in shown and "baselines" not in shown and "best" in shown
    assert "epoch\n" not in shown.split("by dev error")[1].split("\n")[1]  # no best-epoch column
    best = hpsearch("best", "old", "--runs-dir", runs, "--output", tmp_path / "c.yaml")
    assert best.exit_code == 0, best.output
    chosen = yaml.safe_load((tmp_path / "c.yaml").read_text())
    assert chosen["hyperparameters"]["keep_best_epoch"] is False  # as the trial trained


def test_the_same_file_as_a_new_study_keeps_each_trials_best_epoch(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    config = _study(tmp_path, 6).read_text().replace("keep_models: 0", "keep_models: 0") + (
        "baseline: false\n"
    )
    (tmp_path / "new.yaml").write_text(config.replace("name: old", "name: new"))
    assert hpsearch("run", tmp_path / "new.yaml", "--runs-dir", runs, "--quiet").exit_code == 0
    with StudyStore.open(runs / "new") as store:
        trials = store.trials()
    assert all(t.params["keep_best_epoch"] is True for t in trials)
    for trial in trials:
        curve, cost = trial.curves["dev_error"], trial.curves["dev_cost"]
        assert trial.dev_error == min(curve)
        assert trial.best_epoch == min(range(1, 13), key=lambda e: (curve[e - 1], cost[e - 1]))
    assert trials[4].dev_error < BEFORE[4][0] and trials[4].best_epoch == 2
