import time
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from hpsearch.nn import HyperParams, TrainResult, train
from hpsearch.nn.training import MONITOR_SIZE, Batches


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8×8 digits, 75/25, standardized with the train split's statistics."""
    X, y = load_digits(return_X_y=True)
    X_train, X_dev, y_train, y_dev = train_test_split(X, y, test_size=0.25, random_state=0)
    mean, std = X_train.mean(0), X_train.std(0)
    std[std == 0] = 1
    return (X_train - mean) / std, y_train, (X_dev - mean) / std, y_dev


def _train(digits, seed=0, **fields) -> TrainResult:
    return train(HyperParams(**fields), *digits, n_classes=10, rng=np.random.default_rng(seed))


def test_default_network_learns_digits(digits):
    """How fast it learns is `benchmarks/network_speed.py`'s to say, not a test's."""
    result = _train(digits)
    assert result.state == "complete" and result.epochs == 20 and result.message == ""
    assert result.dev_error < 0.05
    assert result.train_error <= result.dev_error
    assert all(len(result.curves[k]) == 20 for k in ("train_cost", "train_error", "dev_error"))
    assert result.curves["train_cost"][-1] < result.curves["train_cost"][0] / 5
    assert result.dev_error == result.curves["dev_error"][-1]  # final weights, no early stopping
    assert result.dev_cost == pytest.approx(result.network.cost(*digits[2:]))
    assert result.train_error == result.network.error(*digits[:2])


def test_same_seed_same_bits(digits):
    fields = dict(keep_prob=0.8, epochs=3, batch_size=50)  # dropout, shuffling, a partial batch
    first, second = _train(digits, **fields), _train(digits, **fields)
    np.testing.assert_array_equal(first.network.flat_params, second.network.flat_params)
    for name, values in first.network.running.items():
        np.testing.assert_array_equal(values, second.network.running[name])
    assert first.curves == second.curves
    other = _train(digits, seed=1, **fields)
    assert not np.array_equal(first.network.flat_params, other.network.flat_params)


def test_a_huge_learning_rate_is_reported_as_diverged(digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not a single RuntimeWarning
        result = _train(digits, learning_rate=10.0, batchnorm=False)
    assert result.state == "diverged" and result.epochs == 1
    assert result.message.startswith("cost ") and result.message.endswith("in epoch 1, batch 2")
    assert result.best_epoch is None and result.curves["dev_error"] == []
    assert (result.train_error, result.dev_error, result.train_cost, result.dev_cost) == (None,) * 4


def test_nan_cost_is_divergence(digits):
    result = _train(digits, learning_rate=100.0, optimizer="gd", batchnorm=False)
    assert result.state == "diverged" and result.epochs == 1
    assert "in epoch 1, batch" in result.message


def test_early_stopping_restores_the_best_epoch(digits):
    result = _train(digits, patience=2, epochs=200, learning_rate=0.05)
    dev = result.curves["dev_error"]
    best = int(np.argmin(dev)) + 1
    assert result.state == "complete" and result.best_epoch == best
    assert result.epochs == best + 2 < 200 and len(dev) == result.epochs
    assert result.dev_error == dev[best - 1]  # the returned weights are the best epoch's
    assert result.network.error(*digits[2:]) == dev[best - 1]
    assert result.message == f"returned the weights of epoch {best}"


def test_deadline_stops_training_as_timed_out(digits):
    deadline = time.monotonic() + 0.3
    result = train(
        HyperParams(epochs=1000),
        *digits,
        n_classes=10,
        rng=np.random.default_rng(0),
        deadline=deadline,
    )
    # stopped within the epoch the deadline passed in (named with its batch), which never ends:
    # checked by where it stopped, not by a clock that a loaded machine slows
    assert result.state == "timed_out" and 1 <= result.epochs < 1000
    assert result.message.startswith(f"deadline passed in epoch {result.epochs}, batch ")
    assert result.dev_error is not None and len(result.curves["dev_error"]) == result.epochs - 1


def test_on_epoch_sees_every_epoch(digits):
    seen = []
    result = train(
        HyperParams(epochs=3),
        *digits,
        n_classes=10,
        rng=np.random.default_rng(0),
        on_epoch=lambda epoch, values: seen.append((epoch, values)),
    )
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    assert seen[-1][1] == {name: values[-1] for name, values in result.curves.items()}


def test_batches_are_reshuffled_and_keep_the_remainder():
    X, y = np.arange(10, dtype=np.float32)[:, None], np.arange(10)
    batches, rng = Batches(X, y, 4), np.random.default_rng(0)
    first = [(x[:, 0].copy(), t.copy()) for x, t in batches.shuffled(rng)]
    assert [len(t) for _, t in first] == [4, 4, 2]
    assert sorted(np.concatenate([t for _, t in first])) == list(range(10))
    assert all(np.array_equal(x, t) for x, t in first)  # rows stay with their labels
    second = np.concatenate([t.copy() for _, t in batches.shuffled(rng)])
    assert not np.array_equal(second, np.concatenate([t for _, t in first]))


def test_binary_classification(digits):
    X_train, y_train, X_dev, y_dev = digits
    result = train(
        HyperParams(epochs=5),
        X_train,
        y_train % 2,
        X_dev,
        y_dev % 2,
        n_classes=2,
        rng=np.random.default_rng(0),
    )
    assert result.state == "complete" and result.dev_error < 0.1
    assert result.network.predict_proba(X_dev).shape == (len(X_dev), 2)


def test_train_error_is_monitored_on_a_subsample_of_large_splits():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((MONITOR_SIZE + 500, 3))
    y = (X[:, 0] > 0).astype(int)
    result = train(
        HyperParams(epochs=1, batch_size=512), X, y, X[:100], y[:100], n_classes=2, rng=rng
    )
    rows = np.linspace(0, len(X) - 1, MONITOR_SIZE).astype(int)  # evenly strided
    cost, error = result.network.evaluate(X[rows], y[rows])
    assert (result.curves["train_cost"][0], result.curves["train_error"][0]) == (cost, error)
    assert result.train_error == result.network.error(X, y)  # the final one: the whole split


def test_inputs_are_checked(digits):
    X_train, y_train, X_dev, y_dev = digits
    with pytest.raises(ValueError, match=r"X_dev must have shape \(n ≥ 1, 64\), but got \(5, 3\)"):
        train(
            HyperParams(),
            X_train,
            y_train,
            np.zeros((5, 3)),
            y_dev[:5],
            n_classes=10,
            rng=np.random.default_rng(0),
        )
    with pytest.raises(ValueError, match="labels must be in 0…1"):
        train(
            HyperParams(), X_train, y_train, X_dev, y_dev, n_classes=2, rng=np.random.default_rng(0)
        )


def test_keep_best_epoch_returns_the_best_epochs_weights_all_epochs_trained(digits):
    fields = dict(epochs=12, learning_rate=0.05)
    kept, last = _train(digits, keep_best_epoch=True, **fields), _train(digits, **fields)
    dev, cost = kept.curves["dev_error"], kept.curves["dev_cost"]
    best = min(range(1, 13), key=lambda e: (dev[e - 1], cost[e - 1]))  # the ranking's order
    assert dev[-1] > dev[best - 1]  # the last epoch is worse than an earlier one
    assert kept.curves == last.curves and kept.epochs == last.epochs == 12  # the same training
    assert kept.best_epoch == best and kept.state == "complete"
    assert last.best_epoch == int(np.argmin(dev)) + 1  # without it: the first of the lowest
    assert kept.dev_error == dev[best - 1] == kept.network.error(*digits[2:])
    assert kept.message == f"returned the weights of epoch {best}"
    assert last.dev_error == dev[-1] and last.message == ""


def test_cosine_adamw_and_smoothing_train_digits(digits):
    result = _train(
        digits, optimizer="adamw", weight_decay=0.05, decay_schedule="cosine", warmup_epochs=2,
        label_smoothing=0.1, learning_rate=0.01, epochs=10,
    )  # fmt: skip
    assert result.state == "complete" and result.dev_error < 0.06


def test_epochs_of_one_dev_error_are_told_apart_by_their_dev_cost(digits):
    """Kept by the ranking's own rule: of two epochs with the same dev error, the one at the
    lower dev cost; patience alone keeps the first, as before."""
    fields = dict(epochs=12, learning_rate=0.01, hidden_units=32)
    kept, first = _train(digits, keep_best_epoch=True, **fields), _train(digits, **fields)
    dev, cost = kept.curves["dev_error"], kept.curves["dev_cost"]
    lowest = [e for e in range(1, 13) if dev[e - 1] == min(dev)]
    assert len(lowest) > 1  # epochs tie on the dev error
    assert kept.best_epoch == min(lowest, key=lambda e: cost[e - 1]) != lowest[0]
    assert first.best_epoch == lowest[0]
