import itertools

import numpy as np
import pytest

from hpsearch.nn import HyperParams, Network
from hpsearch.nn.gradcheck import check_gradients, numerical_gradient, relative_difference
from tests.nn_engines import each_engine

N_FEATURES, N_UNITS, BATCH = 4, 5, 8
COMBINATIONS = list(
    itertools.product(
        (2, 3, None),  # classes: sigmoid output, softmax output; None: a regression
        ("relu", "leaky_relu", "tanh", "sigmoid"),
        (False, True),  # batchnorm
        (0.0, 0.7),  # l2
        (1, 2, 3),  # hidden layers
    )
)


def _network(
    n_classes: int,
    activation: str,
    batchnorm: bool,
    l2: float,
    layers: int,
    seed: int,
    engine: str = "numpy",
    label_smoothing: float = 0.0,
):
    hp = HyperParams(
        layers=layers, hidden_units=N_UNITS, activation=activation, batchnorm=batchnorm, l2=l2,
        label_smoothing=label_smoothing,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    network = Network(hp, N_FEATURES, n_classes, rng, dtype=np.float64, engine=engine)
    # Biases, γ and β away from their initial 0 and 1, so that their gradients are exercised too.
    for name, values in network.params.items():
        if not name.startswith("W"):
            values += rng.uniform(-0.5, 0.5, values.shape)
    X = rng.standard_normal((BATCH, N_FEATURES))
    # A regression's loss sees the standardized target.
    y = rng.standard_normal(BATCH) if n_classes is None else np.arange(BATCH) % n_classes
    return network, X, y


def _hidden_pre_activations(network: Network, X: np.ndarray) -> list[np.ndarray]:
    """What the activation function sees in training mode, recomputed independently."""
    p, out = network.params, []
    for layer in range(1, network.hp.layers + 1):
        z = X @ p[f"W{layer}"]
        if network.hp.batchnorm:
            z = (z - z.mean(0)) / np.sqrt(z.var(0) + 1e-5) * p[f"gamma{layer}"] + p[f"beta{layer}"]
        else:
            z = z + p[f"b{layer}"]
        out.append(z)
        X = {
            "relu": np.maximum(z, 0),
            "leaky_relu": np.maximum(z, 0.01 * z),
            "tanh": np.tanh(z),
            "sigmoid": 1 / (1 + np.exp(-z)),
        }[network.hp.activation]
    return out


@each_engine
@pytest.mark.parametrize(("n_classes", "activation", "batchnorm", "l2", "layers"), COMBINATIONS)
def test_backprop_matches_two_sided_differences(
    n_classes, activation, batchnorm, l2, layers, engine
):
    seed = len(COMBINATIONS)
    network, X, y = _network(n_classes, activation, batchnorm, l2, layers, seed, engine)
    # Away from the kinks of ReLU and leaky ReLU, where the function has no derivative.
    assert all(np.abs(z).min() > 1e-4 for z in _hidden_pre_activations(network, X))
    assert check_gradients(network, X, y, epsilon=1e-7) < 1e-7


@each_engine
@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_label_smoothing_gradients_match_two_sided_differences(n_classes, batchnorm, engine):
    network, X, y = _network(n_classes, "tanh", batchnorm, 0.3, 2, 5, engine, 0.15)
    assert check_gradients(network, X, y, epsilon=1e-7) < 1e-7


@each_engine
def test_a_wrong_gradient_is_caught(engine):
    network, X, y = _network(3, "tanh", True, 0.7, 2, seed=1, engine=engine)
    network.loss_and_grads(X, y)
    exact = network.flat_grads.copy()
    approx = numerical_gradient(lambda: network.loss_and_grads(X, y), network.flat_params)
    assert relative_difference(approx, exact) < 1e-7
    wrong = exact.copy()
    wrong[network.n_weights] *= 1.01  # the first non-weight parameter
    assert relative_difference(approx, wrong) > 1e-5


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x, epsilon=1e-6)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 0.5])  # restored


def test_gradient_checks_refuse_dropout_and_float32():
    hp = HyperParams(keep_prob=0.5)
    rng = np.random.default_rng(0)
    X, y = np.zeros((4, 3)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="keep_prob = 1"):
        check_gradients(Network(hp, 3, 2, rng, dtype=np.float64), X, y)
    with pytest.raises(ValueError, match="float64"):
        check_gradients(Network(HyperParams(), 3, 2, rng), X, y)


def test_relative_difference_of_zeros_is_zero():
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0
