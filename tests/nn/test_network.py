import io

import numpy as np
import pytest

from hpsearch.nn import HyperParams, Network


def _network(n_classes=3, **fields):
    hp = HyperParams(**{"hidden_units": 8, "keep_prob": 0.5, **fields})
    return Network(hp, 5, n_classes, np.random.default_rng(0))


def _trained(n_classes=3, **fields):
    """A few training steps, so that the running statistics and biases are not their defaults."""
    network, rng = _network(n_classes, **fields), np.random.default_rng(1)
    X, y = rng.standard_normal((32, 5)), rng.integers(0, n_classes, 32)
    for _ in range(5):
        network.loss_and_grads(X.astype(np.float32), y, rng)
        network.flat_params -= 0.1 * network.flat_grads
    return network, X, y


def test_parameters_and_gradients_share_keys_and_bn_drops_the_bias():
    network = _network(layers=2, batchnorm=True)
    assert list(network.params) == ["W1", "W2", "W3", "gamma1", "beta1", "gamma2", "beta2", "b3"]
    assert network.params.keys() == network.grads.keys()
    assert set(network.running) == {
        "running_mean1",
        "running_var1",
        "running_mean2",
        "running_var2",
    }
    assert list(_network(layers=1, batchnorm=False).params) == ["W1", "W2", "b1", "b2"]
    assert network.params["W1"].shape == (5, 8) and network.params["W3"].shape == (8, 3)
    assert _network(2).params["W3"].shape == (8, 1)  # one sigmoid unit for two classes


def test_parameters_are_views_of_one_vector_in_float32():
    network = _network()
    network.flat_params[:] = 7
    assert all((p == 7).all() and p.dtype == np.float32 for p in network.params.values())


@pytest.mark.parametrize(
    ("activation", "init", "variance"),
    [
        ("relu", "auto", 2.0),
        ("leaky_relu", "auto", 2.0),
        ("tanh", "auto", 1.0),
        ("sigmoid", "auto", 1.0),
        ("tanh", "he", 2.0),
        ("relu", "xavier", 1.0),
    ],
)
def test_he_and_xavier_initialization(activation, init, variance):
    hp = HyperParams(layers=1, hidden_units=400, activation=activation, init=init)
    W = Network(hp, 500, 3, np.random.default_rng(0)).params["W1"]
    assert W.var() * 500 == pytest.approx(variance, rel=0.02)
    assert W.mean() == pytest.approx(0, abs=0.01)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_predictions(n_classes):
    network, X, y = _trained(n_classes)
    proba = network.predict_proba(X)
    assert proba.shape == (32, n_classes)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    np.testing.assert_array_equal(network.predict(X), proba.argmax(1))
    assert network.error(X, y) == pytest.approx(np.mean(proba.argmax(1) != y))
    expected_cost = -np.mean(np.log(proba[np.arange(32), y]))
    assert network.cost(X, y) == pytest.approx(expected_cost, rel=1e-5)


def test_cost_includes_the_l2_term():
    network, X, y = _trained(l2=0.5)
    proba = network.predict_proba(X)
    weights = sum(float((network.params[k].astype(float) ** 2).sum()) for k in ("W1", "W2", "W3"))
    expected = -np.mean(np.log(proba[np.arange(32), y])) + 0.5 / (2 * 32) * weights
    assert network.cost(X, y) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("batchnorm", [True, False])
def test_prediction_is_deterministic_and_per_example(batchnorm):
    """Running statistics and no dropout: an example's output does not depend on its batch."""
    network, X, _ = _trained(batchnorm=batchnorm)
    together = network.predict_proba(X)
    np.testing.assert_array_equal(together, network.predict_proba(X))
    alone = np.vstack([network.predict_proba(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("target", ["path", "file object"])
def test_save_and_load_round_trip(target, tmp_path):
    network, X, _ = _trained(layers=2, hidden_units=(8, 6), l2=0.1)
    if target == "path":
        file = tmp_path / "model"  # written exactly there: no suffix is added
        network.save(file)
        assert file.exists()
    else:
        file = io.BytesIO()
        network.save(file)
        file = io.BytesIO(file.getvalue())  # as bytes sent back by a worker
    loaded = Network.load(file)
    assert loaded.hp == network.hp and loaded.dtype == network.dtype
    np.testing.assert_array_equal(loaded.predict_proba(X), network.predict_proba(X))
    for name in (*network.params, *network.running):
        np.testing.assert_array_equal(
            {**loaded.params, **loaded.running}[name], {**network.params, **network.running}[name]
        )


def test_load_refuses_an_archive_that_is_not_a_network():
    file = io.BytesIO()
    np.savez(file, W1=np.zeros(3))
    file.seek(0)
    with pytest.raises(ValueError, match="not a saved network"):
        Network.load(file)


def test_inputs_are_checked():
    network = _network()
    with pytest.raises(
        ValueError, match=r"X must have shape \(n, 5\) for this network, but got \(3, 4\)"
    ):
        network.predict(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="y must be 3 integer labels, but got float64 of shape"):
        network.error(np.zeros((3, 5)), np.zeros(3))
    with pytest.raises(ValueError, match=r"labels must be in 0…2, but got values from 0 to 3"):
        network.cost(np.zeros((2, 5)), np.array([0, 3]))
    with pytest.raises(ValueError, match="n_classes ≥ 2"):
        Network(HyperParams(), 5, 1, np.random.default_rng(0))
