"""Gradient checking (the course's week 1): backprop's gradient against two-sided differences.

Only for debugging and tests: it costs two forward passes per parameter. Use float64, no dropout
(keep_prob = 1: the cost is not well defined with random masks), and include the L2 term."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hpsearch.nn.network import Network


def numerical_gradient(f: Callable[[], float], x: np.ndarray, epsilon: float = 1e-7) -> np.ndarray:
    """(f(x + ε) − f(x − ε)) / 2ε for every entry of `x`, which is perturbed in place and
    restored; the error is O(ε²) instead of the one-sided difference's O(ε)."""
    grad = np.zeros(x.shape, np.float64)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)  # views: writes reach x
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + epsilon
        plus = f()
        flat[i] = old - epsilon
        minus = f()
        flat[i] = old
        flat_grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def relative_difference(approx: np.ndarray, exact: np.ndarray) -> float:
    """‖approx − exact‖ / (‖approx‖ + ‖exact‖): ~1e−7 is right, ~1e−5 worth a look, ~1e−3 a bug."""
    scale = np.linalg.norm(approx) + np.linalg.norm(exact)
    return 0.0 if scale == 0 else float(np.linalg.norm(approx - exact) / scale)


def check_gradients(network: Network, X: np.ndarray, y: np.ndarray, epsilon: float = 1e-7) -> float:
    """The relative difference between backprop's gradient of the training-mode cost (all
    parameters at once) and its two-sided numerical estimate."""
    if network.dtype != np.float64:
        raise ValueError(f"gradient checks need a float64 network, but got {network.dtype}")
    if any(p < 1 for p in network.hp.keep_prob_per_layer()):
        raise ValueError("gradient checks need keep_prob = 1: dropout makes the cost random")
    X = np.asarray(X, np.float64)
    network.loss_and_grads(X, y)
    analytic = network.flat_grads.copy()
    numeric = numerical_gradient(lambda: network.loss_and_grads(X, y), network.flat_params, epsilon)
    return relative_difference(numeric, analytic)
