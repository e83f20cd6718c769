import numpy as np
import pytest

from hpsearch.nn.layers import (
    ACTIVATIONS,
    BN_EPSILON,
    activation_forward,
    activation_forward_train,
    batchnorm_forward,
    batchnorm_predict,
    dense_backward,
    dense_forward,
    dropout_mask,
)

REFERENCE = {
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1, 0.01)),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
}


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_and_their_slopes(name, rng):
    z = rng.standard_normal((6, 5)) * 3
    value, slope = REFERENCE[name]
    a, s = np.empty_like(z), np.empty_like(z)
    activation_forward_train(name, z, a, s, None)
    np.testing.assert_allclose(a, value(z), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s, slope(z), rtol=1e-9, atol=1e-15)
    in_place = z.copy()
    activation_forward(name, in_place, in_place)  # prediction writes over its input
    np.testing.assert_allclose(in_place, value(z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_dropout_mask_is_folded_into_value_and_slope(name, rng):
    z = rng.standard_normal((4, 3))
    mask = (rng.random((4, 3)) < 0.5) / 0.5
    a, s = np.empty_like(z), np.empty_like(z)
    activation_forward_train(name, z, a, s, mask)
    value, slope = REFERENCE[name]
    np.testing.assert_allclose(a, value(z) * mask, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s, slope(z) * mask, rtol=1e-9, atol=1e-15)


def test_sigmoid_does_not_overflow_in_float32():
    z = np.array([[-1000.0, 0.0, 1000.0]], np.float32)
    a = np.empty_like(z)
    activation_forward("sigmoid", z, a)  # RuntimeWarnings are errors under pytest
    np.testing.assert_array_equal(a, [[0.0, 0.5, 1.0]])


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.8])
def test_inverted_dropout_keeps_the_expected_activation(keep_prob, rng):
    bits = rng.integers(0, 2**32, 200_000, dtype=np.uint32)
    mask = dropout_mask(bits, keep_prob, np.empty(200_000, np.float32))
    assert set(np.unique(mask)) == {np.float32(0), np.float32(1 / keep_prob)}
    assert np.mean(mask > 0) == pytest.approx(keep_prob, abs=0.005)
    assert mask.mean() == pytest.approx(1.0, abs=0.01)  # E[a·mask] = a


def test_batchnorm_normalizes_each_unit_over_the_batch(rng):
    z = rng.standard_normal((50, 4)) * [1, 2, 3, 4] + [5, -5, 0, 1]
    original = z.copy()
    gamma, beta, out = np.array([1.0, 2.0, 0.5, 1.0]), np.array([0.0, 1.0, -1.0, 3.0]), z * 0
    mean, var, _ = batchnorm_forward(z, gamma, beta, out)
    np.testing.assert_allclose(mean, original.mean(0))
    np.testing.assert_allclose(var, original.var(0))  # biased: the σ² the batch is normalized with
    np.testing.assert_allclose(z, original - mean)  # centered in place, for the backward pass
    np.testing.assert_allclose(out.mean(0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(0), gamma * np.sqrt(var / (var + BN_EPSILON)))
    predicted = original.copy()
    batchnorm_predict(predicted, gamma, beta, mean, var)  # the same statistics, as running ones
    np.testing.assert_allclose(predicted, out)


def test_dense_pair(rng):
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    z = np.empty((3, 2))
    dense_forward(x, W, b, z)
    np.testing.assert_allclose(z, x @ W + b)
    dz = rng.standard_normal((3, 2))
    dW, db, dx = np.empty_like(W), np.empty_like(b), np.empty_like(x)
    dense_backward(dz, x, W, dW, db, dx)
    np.testing.assert_allclose(dW, x.T @ dz)
    np.testing.assert_allclose(db, dz.sum(0))
    np.testing.assert_allclose(dx, dz @ W.T)
