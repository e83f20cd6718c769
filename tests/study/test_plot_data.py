"""What `hpsearch plot` draws, computed on a real study: iris under a halving schedule, then a
zoomed round."""

from __future__ import annotations

import pytest

from hpsearch.study.launch import given_execution, run_config
from hpsearch.study.plot_data import plot_data
from hpsearch.study.zoom_plan import ZoomRequest
from hpsearch.study.zoom_round import zoom_study
from hpsearch.trial import TrialState
from tests.conftest import iris_yaml

SEARCH = "trials: 8, seed: 3, workers: 1, schedule: halving, min_epochs: 1, eta: 2"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    path = runs / "iris.yaml"
    path.write_text(iris_yaml(high=32, epochs=4, search=SEARCH), encoding="utf-8")
    done = run_config(path, runs, given_execution(workers=1))
    request = ZoomRequest(top=2, trials=4, margin=None, ranges=(), schedule="plain", budget=None)
    zoom_study(done.folder, request, given_execution(workers=1), None)
    return done.folder


def test_the_best_complete_trials_are_ranked_by_dev_metric(folder) -> None:
    data = plot_data(folder, top=3)
    complete = [r for r in data.records if r.state is TrialState.COMPLETE]
    assert {r.round for r in complete} == {0, 1} and len(complete) > 3
    assert data.complete == complete
    best = sorted(complete, key=lambda r: (r.dev_error, r.dev_cost))[:3]  # ties: the dev cost
    assert [r.number for r in data.ranked] == [r.number for r in best]
    assert len(plot_data(folder, top=100).ranked) == len(complete)


def test_stopped_trials_and_their_rungs_are_apart_from_the_ranking(folder) -> None:
    data = plot_data(folder)
    stopped = [r for r in data.records if r.state is TrialState.STOPPED]
    assert stopped and data.stopped == stopped
    assert data.rungs == sorted({r.epochs for r in stopped}) and max(data.rungs) < 4
    assert not {r.number for r in stopped} & {r.number for r in data.ranked}
    assert data.lost == []  # nothing diverged on iris at these rates


def test_the_best_so_far_never_rises_per_round_and_across_rounds(folder) -> None:
    lines = plot_data(folder).best_so_far
    assert [line.round for line in lines] == [0, 1, None]
    for line in lines:
        assert line.numbers == sorted(line.numbers)
        assert line.lowest == [min(line.errors[: i + 1]) for i in range(len(line.errors))]
    every = lines[-1]
    assert sorted(every.numbers) == sorted(lines[0].numbers + lines[1].numbers)
    assert every.lowest[-1] == min(lines[0].lowest[-1], lines[1].lowest[-1])
