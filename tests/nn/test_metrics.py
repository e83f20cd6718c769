"""The metrics as pure functions, against scikit-learn's; a network scored by each, in the
target's units for a regression."""

import io
import json

import numpy as np
import pytest
from sklearn import metrics as sk

from hpsearch.nn import HyperParams, Network, train
from hpsearch.nn.metrics import READS, finish, score, score_probabilities, totals
from hpsearch.tasks import METRICS, metric_of, metrics_of, significant


def _classes(seed: int, n: int = 200, k: int = 3):
    rng = np.random.default_rng(seed)
    y = rng.choice(k, n, p=[0.7, 0.25, 0.05][:k] if k == 3 else None)
    logits = rng.standard_normal((n, k)) + 2.0 * np.eye(k)[y] * rng.random((n, 1))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, p


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_equal_scikit_learns(seed):
    y, p = _classes(seed)
    labels = p.argmax(axis=1)
    assert score("error", y, labels) == pytest.approx(1 - sk.accuracy_score(y, labels), abs=1e-15)
    assert score("balanced_error", y, labels) == pytest.approx(
        1 - sk.balanced_accuracy_score(y, labels), abs=1e-15
    )
    assert score("log_loss", y, p) == pytest.approx(sk.log_loss(y, p, labels=[0, 1, 2]), rel=1e-12)


def test_balanced_error_leaves_out_a_class_the_true_labels_lack():
    """scikit-learn averages the recall over the classes of y only (it warns about the other)."""
    y, labels = np.array([0, 0, 1, 1, 1]), np.array([0, 2, 1, 1, 0])
    with pytest.warns(UserWarning):
        expected = 1 - sk.balanced_accuracy_score(y, labels)
    assert score("balanced_error", y, labels) == pytest.approx(expected)


def test_balanced_error_sees_what_the_error_rate_hides():
    """Caravan's balance, 6% positive: answering "no" always scores 0.06 error, 0.5 balanced."""
    y = np.array([0] * 94 + [1] * 6)
    always_no = np.zeros(100, dtype=int)
    assert score("error", y, always_no) == pytest.approx(0.06)
    assert score("balanced_error", y, always_no) == pytest.approx(0.5)


def test_log_loss_clips_a_zero_probability_as_scikit_learn_does():
    y, p = np.array([0, 1]), np.array([[1.0, 0.0], [1.0, 0.0]])
    assert score("log_loss", y, p) == pytest.approx(sk.log_loss(y, p), rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_regression_metrics_equal_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(150, 80, 300)
    values = y + rng.normal(0, 40, 300)
    assert score("rmse", y, values) == pytest.approx(
        sk.root_mean_squared_error(y, values), rel=1e-12
    )
    assert score("mae", y, values) == pytest.approx(sk.mean_absolute_error(y, values), rel=1e-12)


@pytest.mark.parametrize("metric", list(READS))
def test_the_totals_of_blocks_add_up_to_the_metric_of_all_rows(metric):
    """How `predict` scores a file block by block."""
    y, p = _classes(3)
    answers = {"labels": p.argmax(axis=1), "probabilities": p, "values": p[:, 0] * 100}
    if metric in ("rmse", "mae"):
        y = y * 40.0
    a = answers[READS[metric]]
    blocks = [totals(metric, y[i : i + 64], a[i : i + 64], 3) for i in range(0, len(y), 64)]
    assert finish(metric, sum(blocks)) == pytest.approx(score(metric, y, a), rel=1e-13)


def test_a_baseline_is_scored_from_its_probabilities():
    y, p = _classes(9)
    assert score_probabilities("error", y, p) == score("error", y, p.argmax(axis=1))
    assert score_probabilities("log_loss", y, p) == score("log_loss", y, p)


def test_the_catalogue_and_the_functions_name_the_same_metrics():
    assert set(METRICS) == set(READS)
    assert metrics_of("classification") == ("error", "balanced_error", "log_loss")
    assert metrics_of("regression") == ("rmse", "mae")
    for name, metric in METRICS.items():
        assert (READS[name] == "values") == (metric.task == "regression")
    assert metric_of(None, "regression").name == "rmse" and metric_of(None).name == "error"


def test_a_metric_is_written_as_its_units_read():
    assert METRICS["error"].cell(0.02507) == "0.0251"
    assert METRICS["rmse"].cell(541.27) == "541.3"
    assert METRICS["mae"].cell(12345.6) == "12,346"
    assert METRICS["rmse"].cell(0.012345) == "0.01235"
    assert METRICS["rmse"].cell(None) == "–"
    assert significant(53.7249) == "53.72"


def _regression(seed: int = 0):
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X = (X / X.std(axis=0)).astype(np.float32)
    hp = HyperParams(hidden_units=16, batch_size=32, epochs=8, learning_rate=0.01)
    scale = (float(y[:300].mean()), float(y[:300].std()))
    result = train(
        hp, X[:300], y[:300], X[300:], y[300:], n_classes=None,
        rng=np.random.default_rng(seed), target_scale=scale,
    )  # fmt: skip
    return result, X[300:], y[300:]


def test_a_regression_predicts_and_is_scored_in_the_targets_units():
    result, X, y = _regression()
    network = result.network
    values = network.predict(X)
    assert values.dtype == np.float64
    assert 100 < values.mean() < 200  # units of the target (mean 152), not standardized ones
    assert result.dev_error == pytest.approx(sk.root_mean_squared_error(y, values), rel=1e-12)
    cost, mae = network.evaluate(X, y, "mae")
    assert mae == pytest.approx(sk.mean_absolute_error(y, values), rel=1e-12)
    # the cost is the squared error of the standardized target, the loss training minimised
    z = network.logits(X)[:, 0].astype(np.float64)
    standardized = (y - network.target_mean) / network.target_std
    assert cost == pytest.approx(np.mean((z - standardized) ** 2), rel=1e-5)
    with pytest.raises(ValueError, match="not class probabilities"):
        network.predict_proba(X)


def test_a_regression_is_saved_with_its_target_scale():
    result, X, _ = _regression()
    buffer = io.BytesIO()
    result.network.save(buffer)
    loaded = Network.load(io.BytesIO(buffer.getvalue()))
    assert (loaded.target_mean, loaded.target_std) == (
        result.network.target_mean,
        result.network.target_std,
    )
    assert loaded.predict(X).tobytes() == result.network.predict(X).tobytes()


def test_a_classifiers_archive_holds_no_target_scale():
    buffer = io.BytesIO()
    Network(HyperParams(), 4, 3, np.random.default_rng(0)).save(buffer)
    with np.load(io.BytesIO(buffer.getvalue())) as archive:
        assert set(json.loads(str(archive["meta"]))) == {
            "hyperparams", "n_features", "n_classes", "dtype",
        }  # fmt: skip


@pytest.mark.parametrize("metric", ["balanced_error", "log_loss"])
def test_training_reads_the_metric_it_is_given(metric):
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    hp = HyperParams(hidden_units=8, epochs=4)
    result = train(hp, X[:400], y[:400], X[400:], y[400:], n_classes=2,
                   rng=np.random.default_rng(1), metric=metric)  # fmt: skip
    network = result.network
    p = network.answers(network.logits(X[400:]), "probabilities")  # float64, as scored
    expected = {
        "balanced_error": 1 - sk.balanced_accuracy_score(y[400:], network.predict(X[400:])),
        "log_loss": sk.log_loss(y[400:], p),
    }[metric]
    assert result.dev_error == pytest.approx(expected, rel=1e-6)
    assert result.curves["dev_error"][-1] == result.dev_error


def test_balanced_error_decides_by_the_probability_over_the_class_share():
    """On imbalanced classes the most probable class is nearly always the common one: the
    decision that minimises balanced error takes the largest p(c) / π(c)."""
    rng = np.random.default_rng(4)
    y = (rng.random(3000) < 0.07).astype(int)  # 7% positive, as Caravan
    X = (rng.standard_normal((3000, 5)) + 0.8 * y[:, None]).astype(np.float32)
    hp = HyperParams(hidden_units=8, epochs=5, learning_rate=0.01)
    split = (X[:2000], y[:2000], X[2000:], y[2000:])
    trained = {
        metric: train(hp, *split, n_classes=2, rng=np.random.default_rng(0), metric=metric)
        for metric in ("error", "balanced_error")
    }
    network = trained["balanced_error"].network
    prior = np.bincount(y[:2000]) / 2000
    np.testing.assert_allclose(network.class_prior, prior)
    assert trained["error"].network.class_prior is None
    p = network.answers(network.logits(X[2000:]), "probabilities")
    assert np.array_equal(network.predict(X[2000:]), np.argmax(p / prior, axis=1))
    plain = trained["error"].network
    assert score("balanced_error", y[2000:], plain.predict(X[2000:])) > 0.4  # "no", nearly always
    assert trained["balanced_error"].dev_error < 0.3
    buffer = io.BytesIO()
    network.save(buffer)
    assert np.array_equal(Network.load(io.BytesIO(buffer.getvalue())).class_prior, prior)


def test_a_softmax_decides_by_the_prior_too():
    prior = [0.8, 0.15, 0.05]
    network = Network(HyperParams(), 3, 3, np.random.default_rng(0), class_prior=prior)
    plain = Network(HyperParams(), 3, 3, np.random.default_rng(0))
    z = np.array([[3.0, 2.5, 0.0], [2.0, 0.0, 0.5]], np.float32)
    assert network.answers(z, "labels").tolist() == [1, 2]  # z − log π: [3.22, 4.40, 3.00], …
    assert plain.answers(z, "labels").tolist() == [0, 0]
