"""`hpsearch zoom` as a user types it: a new, narrower round in the same study."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.search.space import SearchSpace
from hpsearch.store.study_store import StudyStore
from hpsearch.trial import TrialState

runner = CliRunner()

IRIS = """\
name: iris
data: {dataset: iris}
hyperparameters:
  learning_rate: {distribution: log_uniform, low: 1e-4, high: 1}
  hidden_units: {distribution: int_uniform, low: 4, high: 32}
  activation: {distribution: choice, choices: [relu, tanh]}
  epochs: 5
search: {trials: 10, seed: 2, workers: 1}
"""


@pytest.fixture
def study(tmp_path):
    (tmp_path / "iris.yaml").write_text(IRIS)
    result = hpsearch("run", str(tmp_path / "iris.yaml"), runs_dir=tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path / "iris"


def hpsearch(*args: str, runs_dir):
    return runner.invoke(app, [*args, "--runs-dir", str(runs_dir), "--quiet"])


def rounds(folder):
    with StudyStore.open(folder) as store:
        return store.rounds(), store.trials()


def test_zoom_runs_a_narrower_round_into_the_same_study(study) -> None:
    result = hpsearch("zoom", "iris", "--trials", "6", runs_dir=study.parent)
    assert result.exit_code == 0, result.output
    assert "zoom: the region of the best trials" in result.stdout
    assert "drawn from the best 3 trials" in result.stdout
    (first, second), trials = rounds(study)
    assert (second.first_trial, second.n_trials) == (10, 6)
    assert [t.number for t in trials if t.round == 1] == list(range(10, 16))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    old = SearchSpace.from_dict(first.space).searched["learning_rate"]
    new = SearchSpace.from_dict(second.space).searched["learning_rate"]
    assert old.low <= new.low < new.high <= old.high and (new.low, new.high) != (old.low, old.high)
    assert all(new.low <= t.params["learning_rate"] <= new.high for t in trials if t.round == 1)


def test_a_dry_run_prints_the_region_as_yaml_and_writes_nothing(study) -> None:
    before = (study / "study.db").read_bytes()
    result = hpsearch("zoom", "iris", "--dry-run", runs_dir=study.parent)
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was run or stored" in result.stdout
    assert "  learning_rate: {distribution: log_uniform, low: " in result.stdout
    assert (study / "study.db").read_bytes() == before
    assert len(rounds(study)[0]) == 1


def test_set_overrides_a_range_by_hand(study) -> None:
    result = hpsearch(
        "zoom", "iris", "--set", "hidden_units=8:16", "--trials", "3", runs_dir=study.parent
    )
    assert result.exit_code == 0, result.output
    (_, second), _ = rounds(study)
    assert second.space["hidden_units"] == {"distribution": "int_uniform", "low": 8, "high": 16}


def test_zoom_refuses_with_too_few_completed_trials(study) -> None:
    result = hpsearch("zoom", "iris", "--top", "50", runs_dir=study.parent)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: zoom needs at least 50 completed trials (the best 50), but the study has 10 "
        "completed; run more trials first, or zoom around fewer\n"
    )


def test_an_interrupted_zoom_round_is_resumed_not_stacked(study, monkeypatch) -> None:
    from tests import study_trials

    monkeypatch.setattr("hpsearch.study.run.run_trial", study_trials.interrupting_at_trial_12)
    interrupted = hpsearch("zoom", "iris", "--trials", "5", runs_dir=study.parent)
    assert interrupted.exit_code == 130, interrupted.output
    monkeypatch.undo()
    resumed = hpsearch("zoom", "iris", runs_dir=study.parent)
    assert resumed.exit_code == 0, resumed.output
    assert "resuming the unfinished zoom round: 3 trials to run" in resumed.stdout
    all_rounds, trials = rounds(study)
    assert len(all_rounds) == 2 and [t.number for t in trials] == list(range(15))
    assert all(t.state is TrialState.COMPLETE for t in trials)


def test_repeated_zooms_narrow_from_the_best_of_every_round(study) -> None:
    for _ in range(2):
        assert hpsearch("zoom", "iris", "--trials", "6", runs_dir=study.parent).exit_code == 0
    all_rounds, trials = rounds(study)
    assert [r.number for r in all_rounds] == [0, 1, 2] and len(trials) == 22
    spans = [
        SearchSpace.from_dict(r.space).searched["learning_rate"].high
        / SearchSpace.from_dict(r.space).searched["learning_rate"].low
        for r in all_rounds
    ]
    assert spans[2] <= spans[0]


def test_the_resume_command_of_an_interrupted_zoom_continues_the_same_round(study, monkeypatch):
    """Its options are the round's: without them a zoom planned before its round was stored
    would narrow and size another round."""
    import shlex
    import shutil

    from tests import study_trials

    unzoomed = study.parent / "unzoomed"
    shutil.copytree(study, unzoomed / "iris")
    options = ["--trials", "5", "--top", "4", "--margin", "0.25", "--set", "hidden_units=8:16"]
    monkeypatch.setattr("hpsearch.study.run.run_trial", study_trials.interrupting_at_trial_12)
    interrupted = hpsearch("zoom", "iris", *options, runs_dir=study.parent)
    assert interrupted.exit_code == 130, interrupted.output
    monkeypatch.undo()
    hint = interrupted.stdout.split("to resume, run\n  ")[1].splitlines()[0]
    assert hint == (
        f"hpsearch zoom iris --top 4 --trials 5 --margin 0.25 --set hidden_units=8:16 "
        f"--runs-dir {study.parent}"
    )
    command = shlex.split(hint)[1:]
    assert runner.invoke(app, [*command, "--quiet"]).exit_code == 0  # resumes the round
    where = command.index("--runs-dir") + 1
    again = runner.invoke(app, [*command[:where], str(unzoomed), "--quiet"])
    assert again.exit_code == 0, again.output  # the round, as if it had never begun
    (_, resumed), trials = rounds(study)
    (_, planned), fresh = rounds(unzoomed / "iris")
    assert (resumed.space, resumed.n_trials) == (planned.space, planned.n_trials) == (
        planned.space, 5,
    )  # fmt: skip
    assert [(t.params, t.dev_error) for t in trials] == [(t.params, t.dev_error) for t in fresh]
