"""What a newcomer trips on, as they type it: every hint the tool prints is run here, and every
message and exit code is the exact text a user reads."""

from __future__ import annotations

import math
import re
import shlex

import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from hpsearch.cli.show_table import assumed
from hpsearch.store.layout import LOCK_NAME
from hpsearch.store.runlock import RunLock
from hpsearch.tasks import metric_of
from tests import study_trials
from tests.conftest import iris_yaml
from tests.results_cases import SYNTHETIC, make_study

ASSUMED = assumed(metric_of(None))

runner = CliRunner()

IRIS = iris_yaml(high=32, epochs=3, search="trials: 14, seed: 2, workers: 1")
RUNS_RULE = (
    "The runs folder is $HPSEARCH_RUNS when set, else runs/ in the working directory (not the "
    "study file's folder)"
)


def hpsearch(*args: object, **kwargs):
    return runner.invoke(app, [str(arg) for arg in args], **kwargs)


def hint_after(output: str, lead: str) -> list[str]:
    """The command on the line after `lead`, as a shell would split it, without `hpsearch`."""
    lines = output.splitlines()
    line = lines[lines.index(lead) + 1].strip()
    words = shlex.split(line)
    assert words[0] == "hpsearch", line
    return words[1:]


@pytest.fixture
def spaced(tmp_path):
    """A study file and a runs folder whose paths have spaces, as a pasted hint must survive."""
    folder = tmp_path / "my project"
    folder.mkdir()
    (folder / "iris.yaml").write_text(IRIS)
    return folder / "iris.yaml", tmp_path / "my runs"


def test_the_resume_hint_of_an_interrupted_run_resumes_it(spaced, monkeypatch) -> None:
    config, runs = spaced
    monkeypatch.setattr("hpsearch.study.run.run_trial", study_trials.interrupting_at_trial_12)
    cut = hpsearch("run", config, "--runs-dir", runs)
    assert cut.exit_code == 130, cut.output
    hint = hint_after(cut.stdout, "interrupted: every finished trial is kept; to resume, run")
    assert hint == ["run", str(config), "--runs-dir", str(runs)]
    monkeypatch.undo()
    resumed = hpsearch(*hint)
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stdout.startswith("resuming: 2 of 14 trials to run (12 finished are kept)\n")


def test_the_resume_hint_of_an_interrupted_zoom_resumes_the_zoom(spaced, monkeypatch) -> None:
    config, runs = spaced
    config.write_text(IRIS.replace("trials: 14", "trials: 10"))  # the zoom round: 10…13
    assert hpsearch("run", config, "--runs-dir", runs, "--quiet").exit_code == 0
    monkeypatch.setattr("hpsearch.study.run.run_trial", study_trials.interrupting_at_trial_12)
    cut = hpsearch("zoom", "iris", "--runs-dir", runs, "--trials", "4", "--quiet")
    assert cut.exit_code == 130, cut.output
    hint = hint_after(cut.stdout, "interrupted: every finished trial is kept; to resume, run")
    assert hint == ["zoom", "iris", "--trials", "4", "--runs-dir", str(runs)]
    monkeypatch.undo()
    resumed = hpsearch(*hint, "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert "resuming the unfinished zoom round: 2 trials to run" in resumed.stdout


def test_a_changed_config_names_the_changed_key_and_the_ways_on(spaced) -> None:
    config, runs = spaced
    text = IRIS.replace("trials: 14", "trials: 2")
    config.write_text(text)
    assert hpsearch("run", config, "--runs-dir", runs, "--quiet").exit_code == 0
    config.write_text(text.replace("high: 32", "high: 64"))
    refused = hpsearch("run", config, "--runs-dir", runs, "--quiet")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "error: study 'iris' was made with another config: hyperparameters.hidden_units.high: "
        f"32 → 64. To run the changed config, start afresh with `hpsearch run '{config}' --new` "
        "(the old study is kept, renamed), or give it a new `name:` in its file; to resume the "
        "study, undo the change\n"
    )
    afresh = hpsearch(*shlex.split(f"run '{config}' --new"), "--runs-dir", runs, "--quiet")
    assert afresh.exit_code == 0, afresh.output
    moved = re.match(r"the old study was set aside in '(.+)'\n", afresh.stdout)
    assert moved and hpsearch("show", moved[1]).exit_code == 0


@pytest.fixture
def runs(tmp_path):
    runs = tmp_path / "runs"
    make_study(runs)
    return runs


def test_studies_lists_each_study_with_its_state(runs, tmp_path) -> None:
    other = make_study(tmp_path / "elsewhere", trials=6, others={3: _state("interrupted")})
    other.rename(runs / "unfinished")
    listed = hpsearch("studies", "--runs-dir", runs, env={"COLUMNS": "120"})
    assert listed.exit_code == 0, listed.output
    lines = [line.split() for line in listed.stdout.splitlines()]
    assert lines[0] == ["studies", "in", str(runs)]
    assert lines[3][:6] == ["synthetic", "1", "24", "of", "24", "0.0500"]
    assert lines[3][6] == "complete"
    assert lines[4][:7] == ["unfinished", "1", "5", "of", "6", "0.0620", "interrupted"]
    lock = RunLock.acquire(runs / "synthetic" / LOCK_NAME, "synthetic")
    try:
        running = hpsearch("studies", "--runs-dir", runs, env={"COLUMNS": "120"})
    finally:
        lock.release()
    assert running.stdout.splitlines()[3].split()[6] == "running"


def test_studies_lists_a_best_dev_error_of_zero(tmp_path) -> None:
    runs = tmp_path / "runs"
    make_study(runs, trials=4, error=lambda p: 0.0 if p["activation"] == "tanh" else 0.25)
    listed = hpsearch("studies", "--runs-dir", runs, env={"COLUMNS": "120"})
    assert listed.stdout.splitlines()[3].split()[:6] == ["synthetic", "1", "4", "of", "4", "0.0000"]


def test_studies_in_an_empty_folder_says_how_to_start_one(tmp_path) -> None:
    listed = hpsearch("studies", "--runs-dir", tmp_path)
    assert listed.stdout == f"no studies in {tmp_path}; start one with `hpsearch run CONFIG`\n"


def _state(name: str):
    from hpsearch.trial import TrialState

    return TrialState(name)


def test_remove_asks_refuses_while_running_and_keeps_other_files(runs) -> None:
    folder = runs / "synthetic"
    (folder / "notes.txt").write_text("mine")
    kept = hpsearch("remove", "synthetic", "--runs-dir", runs, input="n\n")
    assert kept.exit_code == 1
    assert kept.stdout.endswith("nothing was removed; study 'synthetic' is kept\n")
    assert "remove study 'synthetic' (24 of 24 trials, complete) in " in kept.stdout
    lock = RunLock.acquire(folder / LOCK_NAME, "synthetic")
    try:
        busy = hpsearch("remove", "synthetic", "--runs-dir", runs, "--yes")
    finally:
        lock.release()
    assert busy.exit_code == 2 and busy.stderr.startswith(
        "error: study 'synthetic' is being run by pid "
    )
    assert busy.stderr.endswith("; wait for that run to end, or stop it, before removing it\n"), (
        busy.stderr
    )
    gone = hpsearch("remove", "synthetic", "--runs-dir", runs, "--yes")
    assert gone.exit_code == 0, gone.output
    assert gone.stdout == (
        f"removed study 'synthetic' from {folder}\n"
        "kept in that folder, as they are not the study's: notes.txt\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert hpsearch("show", "synthetic", "--runs-dir", runs).exit_code == 2


def test_remove_without_other_files_removes_the_folder(runs) -> None:
    assert hpsearch("remove", "synthetic", "--runs-dir", runs, "-y").exit_code == 0
    assert not (runs / "synthetic").exists()


def test_show_takes_the_study_file_and_suggests_a_close_name(runs, tmp_path) -> None:
    (tmp_path / "synthetic.yaml").write_text(SYNTHETIC)
    by_file = hpsearch("show", tmp_path / "synthetic.yaml", "--runs-dir", runs)
    assert by_file.exit_code == 0, by_file.output
    assert by_file.stdout == hpsearch("show", "synthetic", "--runs-dir", runs).stdout
    typo = hpsearch("show", "synthetc", "--runs-dir", runs)
    assert typo.exit_code == 2
    assert typo.stderr == (
        f"error: --runs-dir {runs} holds no study 'synthetc'; did you mean 'synthetic'? It "
        f"holds: synthetic. {RUNS_RULE}\n"
    )
    (tmp_path / "fresh.yaml").write_text(SYNTHETIC.replace("name: synthetic", "name: fresh"))
    unrun = hpsearch("show", tmp_path / "fresh.yaml", "--runs-dir", runs)
    assert unrun.stderr == (
        f"error: --runs-dir {runs} holds no study 'fresh', the study {tmp_path / 'fresh.yaml'} "
        f"defines; start it with `hpsearch run {tmp_path / 'fresh.yaml'}`. {RUNS_RULE}\n"
    )


def test_the_runs_folder_comes_from_hpsearch_runs_from_any_folder(runs, tmp_path) -> None:
    shown = hpsearch("show", "synthetic", env={"HPSEARCH_RUNS": str(runs)})
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("study synthetic (1 round): 24 trials, 24 complete\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = hpsearch("show", "synthetic", env={"HPSEARCH_RUNS": str(empty)})
    assert missing.stderr == (
        f"error: the runs folder {empty} (from $HPSEARCH_RUNS) holds no study 'synthetic'; it "
        f"holds no study yet: start one with `hpsearch run CONFIG`. {RUNS_RULE}\n"
    )


def test_a_missing_study_names_where_the_runs_folder_came_from(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HPSEARCH_RUNS", raising=False)
    tail = f"; it holds no study yet: start one with `hpsearch run CONFIG`. {RUNS_RULE}\n"
    by_default = hpsearch("best", "nothere")
    assert (
        by_default.stderr
        == f"error: the runs folder {tmp_path / 'runs'} holds no study 'nothere'{tail}"
    )
    given = hpsearch("best", "nothere", "--runs-dir", "elsewhere")
    assert (
        given.stderr == f"error: --runs-dir {tmp_path / 'elsewhere'} holds no study 'nothere'{tail}"
    )
    assert "HPSEARCH_RUNS" in hpsearch("show", "--help", env={"COLUMNS": "200"}).stdout


def test_no_completed_trial_exits_3_and_its_hint_shows_why(tmp_path) -> None:
    slow = IRIS.replace("epochs: 3", "epochs: 100000").replace(
        "workers: 1", "workers: 1, trial_timeout: 0.2"
    )
    (tmp_path / "iris.yaml").write_text(slow.replace("trials: 14", "trials: 2"))
    result = hpsearch("run", tmp_path / "iris.yaml", "--runs-dir", tmp_path, "--quiet")
    assert result.exit_code == 3, result.output
    folder = tmp_path / "iris"
    lead = "no trial completed: nothing to rank or use; see why with"
    assert hint_after(result.stdout, lead) == ["show", str(folder), "--all"]
    shown = hpsearch(*hint_after(result.stdout, lead))
    assert shown.exit_code == 0 and "timed out" in shown.stdout


def test_exit_codes_are_listed_in_the_help() -> None:
    text = " ".join(hpsearch("--help", env={"COLUMNS": "200"}).stdout.split())
    assert "Exit codes: 0 success; 1 a trial failed" in text and "3 nothing usable" in text


def test_a_zoom_that_widens_a_range_says_why_and_what_the_rules_mean(tmp_path) -> None:
    runs = tmp_path / "runs"
    near_1e_4 = lambda p: 0.05 + 0.04 * abs(math.log10(p["learning_rate"]) + 3.6)  # noqa: E731
    make_study(runs, zoomed=12, error=near_1e_4)  # round 1's region misses the best α
    result = hpsearch("zoom", "synthetic", "--runs-dir", runs, "--dry-run")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())  # prose wraps at words
    assert (
        "wider than round 1: learning_rate (146%), beta1 (155%), hidden_units (161%), activation "
        "(200%). A zoom ranks "
        "the trials of every round; 3 of the best 3 trials are from rounds before round 1, drawn "
        "from wider ranges, and the region spans them (only the first round's range bounds a "
        "zoom). To keep a range narrow, zoom around fewer trials (--top K) or set it (--set "
        "NAME=LOW:HIGH). rule: span"
    ) in said
    assert "rule: span = the best trials' range on the hyperparameter's scale, widened" in said
    assert "minimum width = " in said and "set = given with --set." in said


def test_a_bias_reading_without_a_target_error_says_it_assumed_0(runs) -> None:
    shown = hpsearch("show", "synthetic", "--runs-dir", runs)
    said = " ".join(shown.stdout.split())  # prose wraps at words
    assert re.search(r"best: trial \d+ \(round 0\), .* \(if the optimal error is 0\) ", said)
    assert said.endswith(ASSUMED)
    assert "target_error" in ASSUMED and "--target-error" in ASSUMED
    given = hpsearch("show", "synthetic", "--runs-dir", runs, "--target-error", "0.02")
    assert "assumed" not in given.stdout and "if the optimal error is 0" not in given.stdout
