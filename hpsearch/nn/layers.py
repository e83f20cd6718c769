"""Forward/backward pairs of the hidden layers: dense, batch normalization, activations, dropout.

Every function writes into arrays the caller owns (`out=`), so a training step allocates nothing
of the batch's size; the caller keeps what a backward pass needs (its cache) in those arrays.
Scalars stay Python floats, so float32 arrays are never promoted to float64."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

BN_EPSILON = 1e-5  # added to σ² before the square root, as in PyTorch's BatchNorm1d
LEAKY_SLOPE = 0.01  # leaky ReLU's slope for z < 0


def dense_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray | None, out: np.ndarray) -> None:
    """z = xW + b, with one example per row; `b` is None where batch normalization follows."""
    np.matmul(x, W, out=out)
    if b is not None:
        out += b


def dense_backward(
    dz: np.ndarray,
    x: np.ndarray,
    W: np.ndarray,
    dW: np.ndarray,
    db: np.ndarray | None,
    dx: np.ndarray | None,
) -> None:
    """dW = xᵀdz, db = Σ dz, dx = dz Wᵀ; `dx` is None for the first layer, which needs none."""
    np.matmul(x.T, dz, out=dW)
    if db is not None:
        np.add.reduce(dz, axis=0, out=db)
    if dx is not None:
        np.matmul(dz, W.T, out=dx)


def batchnorm_forward(
    z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, out: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centers `z` in place (the backward pass needs z − μ) and writes γ·x̂ + β to `out`, where
    x̂ = (z − μ)/√(σ² + ε) is never stored: γ/√(σ² + ε) is folded into one per-unit scale.

    Returns the batch mean, the biased batch variance (the σ² the batch was normalized with) and
    1/√(σ² + ε)."""
    scale = 1.0 / z.shape[0]
    mean = np.add.reduce(z, axis=0)
    mean *= scale
    z -= mean
    np.multiply(z, z, out=out)
    var = np.add.reduce(out, axis=0)
    var *= scale
    inv_std = 1.0 / np.sqrt(var + BN_EPSILON)
    np.multiply(z, gamma * inv_std, out=out)
    out += beta
    return mean, var, inv_std


def batchnorm_backward(
    dout: np.ndarray,
    centered: np.ndarray,
    gamma: np.ndarray,
    inv_std: np.ndarray,
    dgamma: np.ndarray,
    dbeta: np.ndarray,
    scratch: np.ndarray,
) -> np.ndarray:
    """Overwrites `dout` with dz and returns it, filling dγ and dβ; `centered` is z − μ.

    Compact form: dz = γ/√(σ²+ε) · (dout − mean(dout) − x̂·mean(dout·x̂)), since Σdout = dβ and
    Σ dout·x̂ = dγ; three reductions instead of the chain rule's staged graph."""
    scale = 1.0 / dout.shape[0]
    np.add.reduce(dout, axis=0, out=dbeta)
    np.multiply(dout, centered, out=scratch)
    np.add.reduce(scratch, axis=0, out=dgamma)
    dgamma *= inv_std  # Σ dout·x̂ = Σ dout·(z − μ) / √(σ² + ε)
    np.multiply(centered, inv_std * dgamma * scale, out=scratch)  # x̂·mean(dout·x̂)
    dout -= scratch
    dout -= dbeta * scale
    dout *= gamma * inv_std
    return dout


def batchnorm_predict(
    z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, var: np.ndarray
) -> None:
    """Normalizes `z` in place with the running statistics, so an example's output never
    depends on the other examples of its batch."""
    scale = gamma / np.sqrt(var + BN_EPSILON)
    z *= scale
    z += beta - mean * scale


def _relu(z: np.ndarray, a: np.ndarray) -> None:
    np.maximum(z, 0, out=a)


def _leaky_relu(z: np.ndarray, a: np.ndarray) -> None:
    np.maximum(z, LEAKY_SLOPE * z, out=a)  # a temporary, as `a` may be `z` itself


def _sigmoid(z: np.ndarray, a: np.ndarray) -> None:
    # σ(z) = (1 + tanh(z/2)) / 2 never overflows, unlike 1 / (1 + e^−z) for very negative z.
    np.multiply(z, 0.5, out=a)
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _relu_slope(z: np.ndarray, slope: np.ndarray) -> None:
    np.greater(z, 0, out=slope)


def _leaky_relu_slope(z: np.ndarray, slope: np.ndarray) -> None:
    np.greater(z, 0, out=slope)
    slope *= 1.0 - LEAKY_SLOPE
    slope += LEAKY_SLOPE


def _tanh_slope(a: np.ndarray, slope: np.ndarray) -> None:
    np.multiply(a, a, out=slope)
    np.subtract(1, slope, out=slope)


def _sigmoid_slope(a: np.ndarray, slope: np.ndarray) -> None:
    np.subtract(1, a, out=slope)
    slope *= a


Elementwise = Callable[[np.ndarray, np.ndarray], None]

_VALUE: dict[str, Elementwise] = {
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "tanh": lambda z, a: np.tanh(z, out=a),
    "sigmoid": _sigmoid,
}
# g'(z) from z for the piecewise-linear activations, for which a = z·g'(z) then costs one pass.
_SLOPE_FROM_Z: dict[str, Elementwise] = {"relu": _relu_slope, "leaky_relu": _leaky_relu_slope}
# g'(z) from a = g(z) for the smooth ones: 1 − a² and a(1 − a).
_SLOPE_FROM_A: dict[str, Elementwise] = {"tanh": _tanh_slope, "sigmoid": _sigmoid_slope}
ACTIVATIONS = tuple(_VALUE)
PIECEWISE_LINEAR = tuple(_SLOPE_FROM_Z)


def piecewise_slopes(name: str, dtype: np.dtype) -> np.ndarray:
    """[g'(z > 0), g'(z ≤ 0)] of a piecewise-linear activation, computed by the function the
    NumPy path uses, so that the fused kernels use the very same values."""
    slopes = np.empty(2, dtype)
    _SLOPE_FROM_Z[name](np.array([1, -1], dtype), slopes)
    return slopes


def activation_forward(name: str, z: np.ndarray, out: np.ndarray) -> None:
    """a = g(z) at prediction time; `out` may be `z` itself."""
    _VALUE[name](z, out)


def activation_forward_train(
    name: str, z: np.ndarray, a: np.ndarray, slope: np.ndarray, mask: np.ndarray | None
) -> None:
    """a = g(z)·mask and slope = g'(z)·mask, so the backward pass is dz = da·slope: the dropout
    mask and the activation's derivative are applied in one multiplication."""
    if name in _SLOPE_FROM_Z:
        _SLOPE_FROM_Z[name](z, slope)
        if mask is not None:
            slope *= mask
        np.multiply(z, slope, out=a)
        return
    _VALUE[name](z, a)
    _SLOPE_FROM_A[name](a, slope)
    if mask is not None:
        a *= mask
        slope *= mask


def dropout_mask(bits: np.ndarray, keep_prob: float, out: np.ndarray) -> np.ndarray:
    """Inverted dropout from uniform 32-bit integers: out = (bits < keep_prob·2³²) / keep_prob,
    so E[a·mask] = a and prediction needs no rescaling.

    Comparing raw bits resolves keep_prob to 2⁻³², finer than a float32 uniform's 2⁻²⁴, and
    drawing raw bits takes a third less time than drawing floats."""
    np.less(bits, dropout_threshold(keep_prob), out=out)
    out *= 1.0 / keep_prob
    return out


def dropout_threshold(keep_prob: float) -> int:
    """keep_prob·2³²: a unit is kept where its 32 random bits are below it."""
    return min(round(keep_prob * 2.0**32), 2**32 - 1)
