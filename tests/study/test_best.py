from dataclasses import replace

import numpy as np
import pytest
import yaml

from hpsearch.config import parse_config
from hpsearch.data import load_dataset
from hpsearch.errors import DataError, StoreError
from hpsearch.nn import Network
from hpsearch.search.ranking import rank
from hpsearch.store.layout import TEST_LOG
from hpsearch.store.read_log import logged_reads
from hpsearch.store.study_store import StudyStore
from hpsearch.study.best import choose, evaluate_on_test, reuse_config, reuse_yaml
from hpsearch.study.run import Execution, run_study
from hpsearch.study.snapshot import read_snapshot
from hpsearch.trial import TrialState
from tests.conftest import iris_yaml
from tests.results_cases import make_study

IRIS = iris_yaml(
    high=16,
    epochs=5,
    batch_size=True,
    more="  beta1: {distribution: one_minus_log_uniform, low: 0.9, high: 0.999}\n",
    search="trials: 4, seed: 3, keep_models: 1",
    after="target_error: 0.02\n",
)


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    config = parse_config(IRIS, "iris.yaml")
    outcome = run_study(config, tmp_path_factory.mktemp("runs"), Execution.of(config.search))
    return outcome.folder


def snapshot(folder):
    with StudyStore.open(folder) as store:
        return store.rounds(), store.trials()


def test_the_chosen_trial_is_rank_1_with_its_curves_and_weights(iris) -> None:
    chosen = choose(read_snapshot(iris))
    _, records = snapshot(iris)
    assert chosen.record == rank(records)[0] and chosen.complete == 4
    assert chosen.weights == iris / "models" / f"trial-{chosen.record.number}.npz"
    assert chosen.curves.epochs == 5 and chosen.curves.final_dev_error is not None


def test_the_configuration_loads_back_as_a_study_that_fixes_every_value(iris) -> None:
    chosen = choose(read_snapshot(iris))
    text = reuse_yaml(chosen)
    assert text.startswith(
        f"# The chosen configuration of study iris: trial {chosen.record.number} (round 0), "
    )
    config = parse_config(text, "chosen.yaml")
    assert config.name == f"iris-trial-{chosen.record.number}"
    assert config.hyperparameters.searched == {}
    assert config.hyperparameters.fixed == chosen.record.params  # every float exactly
    assert config.data == chosen.config.data and config.target_error == 0.02
    assert (config.search.trials, config.search.seed, config.search.keep_models) == (1, 3, 1)
    assert yaml.safe_load(text) == reuse_config(chosen)


def test_a_long_study_name_still_makes_a_valid_name(iris) -> None:
    chosen = choose(read_snapshot(iris))
    long = chosen.config.model_copy(update={"name": "n" * 100})
    settings = reuse_config(replace(chosen, config=long))
    assert len(settings["name"]) == 100
    assert settings["name"].endswith(f"-trial-{chosen.record.number}")


def test_the_test_split_is_read_once_and_the_ranking_does_not_change(iris, monkeypatch) -> None:
    before = snapshot(iris)
    chosen = choose(read_snapshot(iris))
    seen = []
    evaluate = Network.evaluate

    def counted(network, X, y, metric=None):
        seen.append((X, y))
        return evaluate(network, X, y, metric)

    monkeypatch.setattr(Network, "evaluate", counted)
    read = evaluate_on_test(iris, chosen)
    dataset = load_dataset(chosen.config.data)
    assert len(seen) == 1 and np.array_equal(seen[0][0], dataset.X_test)
    network = Network.load(chosen.weights)
    assert read.test_error == network.error(dataset.X_test, dataset.y_test)
    assert (read.trial, read.examples) == (chosen.record.number, len(dataset.y_test))
    assert snapshot(iris) == before
    logged = logged_reads(iris)[-1]
    assert (logged.trial, logged.test_error, logged.test_cost) == (
        read.trial, read.test_error, read.test_cost,
    )  # fmt: skip


def test_every_read_is_logged_and_a_bad_line_is_skipped(tmp_path, iris) -> None:
    chosen = choose(read_snapshot(iris))
    count = len(logged_reads(iris))
    with open(iris / TEST_LOG, "a") as log:
        log.write("not json\n")
    evaluate_on_test(iris, chosen)
    assert len(logged_reads(iris)) == count + 1


def test_changed_data_is_refused_before_the_test_split_is_read(iris) -> None:
    chosen = replace(choose(read_snapshot(iris)), fingerprint="0123456789abcdef")
    with pytest.raises(DataError) as error:
        evaluate_on_test(iris, chosen)
    assert str(error.value).startswith(
        "the data of study 'iris' changed since the study ran (fingerprint 0123456789ab → "
    )
    assert str(error.value).endswith(
        "so its test split is not the one held out when the trial was chosen; restore the data"
    )


def test_weights_that_were_not_kept_are_said_to_be_missing_with_the_fix(iris) -> None:
    chosen = replace(choose(read_snapshot(iris)), weights=None)
    with pytest.raises(StoreError) as error:
        evaluate_on_test(iris, chosen)
    number = chosen.record.number
    assert str(error.value) == (
        f"the model of trial {number}, the chosen one, was not kept (study 'iris' keeps the best "
        f"search.keep_models = 1); train it again with `hpsearch best {iris} --output "
        "chosen.yaml` and `hpsearch run chosen.yaml`, then test that study's trial"
    )


def test_a_study_without_a_complete_trial_has_no_chosen_one(tmp_path) -> None:
    folder = make_study(tmp_path, trials=2, others=dict.fromkeys(range(2), TrialState.FAILED))
    with pytest.raises(StoreError) as error:
        choose(read_snapshot(folder))
    assert str(error.value) == (
        "study 'synthetic' has no complete trial yet (2 trials stored); wait for the run, "
        "or run it with `hpsearch run`"
    )


def test_best_of_writes_the_configuration_it_answers_and_read_test_adds_one_read(
    iris, tmp_path
) -> None:
    from hpsearch.study.best import best_of, read_test

    output = tmp_path / "chosen.yaml"
    answer = best_of(iris, output)
    assert answer.chosen == choose(read_snapshot(iris))
    assert output.read_text(encoding="utf-8") == answer.yaml == reuse_yaml(answer.chosen)
    before = len(logged_reads(iris))
    assert [r.test_error for r in answer.test_reads] == [r.test_error for r in logged_reads(iris)]
    reads = read_test(answer)
    assert len(reads) == before + 1 and reads[:-1] == answer.test_reads
    logged = logged_reads(iris)[-1]  # its time to the second
    assert (reads[-1].trial, reads[-1].test_error) == (logged.trial, logged.test_error)
    assert reads[-1].trial == answer.chosen.record.number
