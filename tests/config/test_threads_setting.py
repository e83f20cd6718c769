"""`search.threads`: BLAS threads per trial, part of the study's identity, within the cores."""

from __future__ import annotations

import pytest

from hpsearch.config import parse_config
from hpsearch.config.execution import Execution, available_cores
from hpsearch.errors import ConfigError


def config(search: str):
    return parse_config(f"data: {{dataset: iris}}\nsearch: {search}\n", "t.yaml")


def test_one_thread_by_default_and_not_in_the_identity_of_older_studies() -> None:
    settled = config("{trials: 2}")
    assert settled.search.threads == 1
    assert "threads" not in settled.study_identity()
    assert Execution.of(settled.search).threads == 1


def test_more_threads_are_part_of_the_identity_and_share_out_the_cores() -> None:
    settled = config("{trials: 2, threads: 2}")
    assert settled.study_identity()["threads"] == 2
    assert Execution.of(settled.search).workers == max(1, available_cores() // 2)
    assert Execution.of(settled.search, workers=1).threads == 2


def test_workers_times_threads_may_not_exceed_the_cores() -> None:
    cores = available_cores()
    threads = max(cores, 2)
    settled = config(f"{{trials: 2, threads: {threads}, workers: 1}}")
    with pytest.raises(ConfigError) as error:
        Execution.of(settled.search, workers=2)
    assert str(error.value) == (
        f"`workers × threads <= cores` must hold, but got 2 workers × {threads} threads = "
        f"{2 * threads} on {cores} cores; lower workers, or search.threads"
    )
    single = config("{trials: 2, workers: 1}")  # one thread each: more workers stay allowed
    assert Execution.of(single.search, workers=cores + 1).workers == cores + 1


def test_run_refuses_more_threads_than_cores_before_anything_is_written(tmp_path) -> None:
    from typer.testing import CliRunner

    from hpsearch.cli.app import app

    cores = available_cores()
    threads = max(cores, 2)
    path = tmp_path / "big.yaml"
    path.write_text(f"data: {{dataset: iris}}\nsearch: {{trials: 2, threads: {threads}}}\n")
    runs = tmp_path / "runs"
    result = CliRunner().invoke(app, ["run", str(path), "--workers", "2", "--runs-dir", str(runs)])
    assert result.exit_code == 2
    assert result.output == (
        f"error: `workers × threads <= cores` must hold, but got 2 workers × {threads} threads "
        f"= {2 * threads} on {cores} cores; lower workers, or search.threads\n"
    )
    assert not runs.exists()


def test_threads_are_checked_where_they_are_written() -> None:
    with pytest.raises(ConfigError, match=r"search → threads.*at least 1|threads"):
        config("{threads: 0}")
    with pytest.raises(ConfigError, match="threads=2 runs only on the local backend"):
        config("{threads: 2, backend: dask, workers: 1}")


def test_show_names_the_threads_a_study_trains_with(tmp_path) -> None:
    from typer.testing import CliRunner

    from hpsearch.cli.app import app
    from hpsearch.search.sampler import plan_trials
    from hpsearch.store.study_store import StudyStore
    from hpsearch.trial import TrialResult, TrialState

    settled = config("{trials: 8, threads: 2, workers: 1}")
    folder = tmp_path / settled.name
    store = StudyStore.create(
        folder, settled.name, settled.model_dump(mode="json"), settled.study_identity(), "fp", "ab"
    )
    specs = plan_trials(settled.hyperparameters, "random", seed=0, round=0, numbers=range(8))
    with store:
        store.add_round(settled.hyperparameters.to_dict(), "random", 8, 0)
        done = [(s, TrialResult(s.number, 0, TrialState.COMPLETE, dev_error=0.1)) for s in specs]
        assert store.add_finished(done) == 8
    shown = CliRunner().invoke(app, ["show", str(folder)])
    assert shown.exit_code == 0, shown.output
    assert "threads: 2 BLAS threads per trial; results depend on the count" in (
        shown.output.splitlines()
    )
