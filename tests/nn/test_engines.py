"""The numba engine against the NumPy engine: the same seed must give the same weights, running
statistics, costs, curves and errors, bit for bit, whatever the optimizer, activation, batch
normalization and dropout."""

import itertools

import numpy as np
import pytest

from hpsearch.nn import HyperParams, Network, train
from hpsearch.nn.backprop import TrainingPass
from hpsearch.nn.layers import batchnorm_backward, batchnorm_forward
from tests.nn_engines import needs_numba

pytestmark = needs_numba

STEPS, N_FEATURES, N_CLASSES = 50, 6, 3
COMBINATIONS = list(
    itertools.product(
        ("gd", "momentum", "rmsprop", "adam", "adamw"),
        ("relu", "leaky_relu", "tanh", "sigmoid"),
        (False, True),  # batchnorm
        (1.0, 0.7),  # keep_prob
    )
)


def _bits(network: Network) -> bytes:
    arrays = (network.flat_params, *network.running.values())
    return b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)


def _steps(hp: HyperParams, engine: str, dtype=np.float32, batch=16, n_classes=N_CLASSES):
    """50 steps on fixed random batches: the final state's bytes and every step's cost."""
    from hpsearch.nn.optimizer_choice import make_optimizer

    rng = np.random.default_rng(11)
    network = Network(hp, N_FEATURES, n_classes, rng, dtype=dtype, engine=engine)
    optimizer = make_optimizer(hp, engine, network.n_weights)
    X = rng.standard_normal((STEPS, batch, N_FEATURES)) * rng.uniform(0.1, 10, N_FEATURES)
    if n_classes is None:  # a regression's standardized target
        y = rng.standard_normal((STEPS, batch)).astype(dtype)
    else:
        y = rng.integers(0, n_classes, (STEPS, batch))
    costs = []
    for step in range(STEPS):
        costs.append(network.loss_and_grads(X[step], y[step], rng))
        optimizer.step(network.flat_params, network.flat_grads, hp.learning_rate)
    return _bits(network), costs


@pytest.mark.parametrize(("optimizer", "activation", "batchnorm", "keep_prob"), COMBINATIONS)
def test_fifty_steps_give_the_same_bits(optimizer, activation, batchnorm, keep_prob):
    hp = HyperParams(
        layers=2,
        hidden_units=(9, 5),
        activation=activation,
        batchnorm=batchnorm,
        keep_prob=keep_prob,
        optimizer=optimizer,
        learning_rate=0.01,
        l2=0.1,
    )
    numpy_bits, numpy_costs = _steps(hp, "numpy")
    numba_bits, numba_costs = _steps(hp, "numba")
    assert numba_costs == numpy_costs
    assert numba_bits == numpy_bits


@pytest.mark.parametrize(
    ("dtype", "batch", "n_classes", "hidden_units"),
    [
        (np.float64, 16, 3, (9, 5)),
        (np.float32, 200, 2, (2, 33)),
        (np.float32, 2, 4, (3, 3)),
        (np.float32, 1, 3, (4, 4)),  # one example: the running statistics stay put
        (np.float32, 16, 3, (1, 4)),  # one unit: the NumPy training step, the fused optimizer
        (np.float32, 16, None, (9, 5)),  # a regression: one linear output, squared error
        (np.float64, 7, None, (3, 6)),
    ],
)
def test_other_dtypes_batches_outputs_and_widths_give_the_same_bits(
    dtype, batch, n_classes, hidden_units
):
    batchnorm = batch > 1  # HyperParams refuses batch norm with batches of one
    hp = HyperParams(
        layers=2, hidden_units=hidden_units, batchnorm=batchnorm, keep_prob=0.8, batch_size=batch
    )
    assert _steps(hp, "numba", dtype, batch, n_classes) == _steps(
        hp, "numpy", dtype, batch, n_classes
    )


def test_a_one_unit_layer_trains_with_the_numpy_step():
    hp = HyperParams(layers=2, hidden_units=(1, 4))
    network = Network(hp, N_FEATURES, N_CLASSES, np.random.default_rng(0), engine="numba")
    assert type(network._pass) is TrainingPass


@pytest.mark.parametrize(
    "settings",
    [
        dict(batchnorm=True, keep_prob=0.8, patience=2, batch_size=50, epochs=6),
        dict(activation="tanh", optimizer="rmsprop", l2=0.5, batch_size=64, epochs=4),
        dict(learning_rate=30.0, batch_size=32, epochs=5),  # diverges
        dict(
            optimizer="adamw", weight_decay=0.3, decay_schedule="cosine", warmup_epochs=1,
            label_smoothing=0.1, keep_best_epoch=True, keep_prob=0.9, epochs=5,
        ),
    ],
)
def test_training_gives_the_same_curves_errors_and_weights(settings, digits_split):
    results = [
        train(
            HyperParams(**settings),
            *digits_split,
            n_classes=10,
            rng=np.random.default_rng(5),
            engine=engine,
        )
        for engine in ("numpy", "numba")
    ]
    numpy_result, numba_result = results
    assert (numpy_result.network.engine, numba_result.network.engine) == ("numpy", "numba")
    assert numba_result.curves == numpy_result.curves
    assert numba_result.state == numpy_result.state
    assert (numba_result.dev_error, numba_result.train_cost, numba_result.best_epoch) == (
        numpy_result.dev_error,
        numpy_result.train_cost,
        numpy_result.best_epoch,
    )
    assert _bits(numba_result.network) == _bits(numpy_result.network)


@pytest.mark.parametrize("metric", ["rmse", "mae"])
def test_a_regression_trains_to_the_same_bits(metric, diabetes_split):
    X, y, X_dev, y_dev = diabetes_split
    hp = HyperParams(hidden_units=16, keep_prob=0.9, batch_size=32, epochs=5, learning_rate=0.01)
    scale = (float(y.mean()), float(y.std()))
    results = [
        train(
            hp, X, y, X_dev, y_dev, n_classes=None, rng=np.random.default_rng(3),
            engine=engine, metric=metric, target_scale=scale,
        )
        for engine in ("numpy", "numba")
    ]  # fmt: skip
    assert results[0].curves == results[1].curves
    assert results[0].dev_error == results[1].dev_error
    assert _bits(results[0].network) == _bits(results[1].network)


@pytest.fixture(scope="module")
def diabetes_split():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X = (X / X.std(axis=0)).astype(np.float32)
    return X[:300], y[:300], X[300:], y[300:]


@pytest.fixture(scope="module")
def digits_split():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    return X[:1200], y[:1200], X[1200:], y[1200:]


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_replayed_masks_give_the_same_gradients(activation):
    hp = HyperParams(layers=2, hidden_units=(7, 5), activation=activation, keep_prob=(0.8, 0.6))
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((16, N_FEATURES)), rng.integers(0, N_CLASSES, 16)
    masks = [rng.random((16, 7)) < 0.8, rng.random((16, 5)) < 0.6]
    grads = []
    for engine in ("numpy", "numba"):
        network = Network(hp, N_FEATURES, N_CLASSES, np.random.default_rng(0), engine=engine)
        network.loss_and_grads(X, y, masks=[m.astype(float) for m in masks])
        grads.append(network.flat_grads.tobytes())
    assert grads[0] == grads[1]


@pytest.mark.parametrize(("n", "units"), [(2, 2), (3, 7), (127, 3), (1000, 33)])
def test_batchnorm_kernels_add_the_rows_in_numpys_order(n, units):
    """Wide-ranging values, where any other order of additions changes the last bits."""
    from hpsearch.nn import engine

    kernels = engine.kernels(np.float32)
    rng = np.random.default_rng(n)
    z = (rng.standard_normal((n, units)) * 10.0 ** rng.uniform(-3, 3, (n, units))).astype("f4")
    z[0, 0] = -0.0 if n == 2 else z[0, 0]
    gamma, beta = rng.uniform(0.5, 2, (2, units)).astype("f4")
    ours, out = z.copy(), np.empty_like(z)
    _, _, numpy_inv_std = batchnorm_forward(ours, gamma, beta, out)
    theirs, inv_std, scale = z.copy(), np.empty(units, "f4"), np.empty(units, "f4")
    running = np.zeros((2, units), "f4")
    constants = np.array([1 / n, 1e-5, 0.9, 0.1, 1], "f4")
    kernels.batchnorm_statistics(theirs, gamma, inv_std, scale, *running, constants)
    assert theirs.tobytes() == ours.tobytes()
    assert inv_std.tobytes() == numpy_inv_std.tobytes()

    grad = rng.standard_normal((n, units)).astype("f4")
    slope = rng.uniform(0, 2, (n, units)).astype("f4")
    dgamma, dbeta, scratch = np.empty(units, "f4"), np.empty(units, "f4"), np.empty_like(z)
    expected = batchnorm_backward(grad * slope, ours, gamma, inv_std, dgamma, dbeta, scratch)
    fused_dgamma, fused_dbeta = np.empty(units, "f4"), np.empty(units, "f4")
    to_mean = np.float32(1 / n)
    kernels.batchnorm_backward(
        grad, slope, ours, gamma, inv_std, to_mean, fused_dgamma, fused_dbeta
    )
    assert grad.tobytes() == expected.tobytes()
    assert (fused_dgamma.tobytes(), fused_dbeta.tobytes()) == (dgamma.tobytes(), dbeta.tobytes())
