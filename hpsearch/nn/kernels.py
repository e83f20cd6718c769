"""numba kernels for the work between the matrix products: the optimizers' updates, batch
normalization with the activation and dropout, and batch normalization's backward pass.

Each kernel does, element by element, the same float operations in the same order as the NumPy
path (`layers.py`, `optimizers.py`), so the results are bit-identical: fastmath is off (no fused
multiply-adds, no reassociation), every scalar arrives already in the arrays' dtype (a float64
literal would promote float32 arithmetic), and the column sums add the rows in order from zero, as
NumPy's `add.reduce(x, axis=0)` does for a C-contiguous array of two or more columns.
`error_model="numpy"` lets division by zero give inf/nan instead of raising, which also keeps the
loops free of checks and vectorised. Transcendental functions stay in NumPy: numba's `exp` and
`tanh` can differ from NumPy's by an ulp.

Importing this module imports numba; `engine.kernels()` does it on first use only."""

from __future__ import annotations

import numba
import numpy as np

_jit = numba.njit(cache=True, error_model="numpy", fastmath=False, nogil=True)


@_jit
def gd(params, grads, learning_rate):
    """params −= grads·α."""
    for i in range(params.size):
        params[i] -= grads[i] * learning_rate


@_jit
def momentum(params, grads, velocity, beta, step_size):
    """v' = v'·β + g; params −= v'·step_size."""
    for i in range(params.size):
        v = velocity[i] * beta + grads[i]
        velocity[i] = v
        params[i] -= v * step_size


@_jit
def rmsprop(params, grads, square_avg, beta, step_size, epsilon):
    """s' = s'·β + g²; params −= g / (√s' + ε) · step_size."""
    for i in range(params.size):
        g = grads[i]
        s = square_avg[i] * beta + g * g
        square_avg[i] = s
        params[i] -= g / (np.sqrt(s) + epsilon) * step_size


@_jit
def adamw(params, grads, m, v, beta1, beta2, step_size, epsilon, shrink, decayed):
    """m' = m'·β1 + g; v' = v'·β2 + g²; params −= m' / (√v' + ε) · step_size, in one pass where
    NumPy takes ten; the first `decayed` parameters are multiplied by `shrink` (1 − α·λ_w) before
    the step, as AdamW's NumPy path does in a pass of its own. Adam is `decayed` = 0."""
    for i in range(params.size):
        g = grads[i]
        mi = m[i] * beta1 + g
        vi = v[i] * beta2 + g * g
        m[i] = mi
        v[i] = vi
        p = params[i] * shrink if i < decayed else params[i]
        params[i] = p - mi / (np.sqrt(vi) + epsilon) * step_size


@_jit
def batchnorm_statistics(z, gamma, inv_std, scale, running_mean, running_var, constants):
    """Centers `z` in place and writes 1/√(σ² + ε) to `inv_std` and γ/√(σ² + ε) to `scale`.

    `constants` holds (1/n, ε, m, 1 − m, update): where update is 1 the running statistics
    become m·running + (1 − m)·batch."""
    n, u = z.shape
    to_mean, epsilon, keep, take = constants[0], constants[1], constants[2], constants[3]
    update = constants[4] != 0
    mean, var = np.zeros(u, z.dtype), np.zeros(u, z.dtype)
    for i in range(n):
        for j in range(u):
            mean[j] += z[i, j]
    for j in range(u):
        mean[j] *= to_mean
    for i in range(n):
        for j in range(u):
            c = z[i, j] - mean[j]
            z[i, j] = c
            var[j] += c * c
    one = z.dtype.type(1)
    for j in range(u):
        var[j] *= to_mean
        inv_std[j] = one / np.sqrt(var[j] + epsilon)
        scale[j] = gamma[j] * inv_std[j]
        if update:
            running_mean[j] = running_mean[j] * keep + take * mean[j]
            running_var[j] = running_var[j] * keep + take * var[j]


@_jit
def linear_unit(z, scale, beta, normalize, bits, threshold, keep, slopes, a, slope):
    """A piecewise-linear unit (ReLU, leaky ReLU) in training mode, one pass: x = z·scale + β
    where `normalize` (else x = z), slope = g'(x)·mask with g'(x) = slopes[0] for x > 0 and
    slopes[1] otherwise, a = x·slope. The mask is `keep` where bits < threshold, else 0; with an
    empty `bits` there is no dropout."""
    n, u = z.shape
    dropout = bits.size > 0
    zero = z.dtype.type(0)
    for i in range(n):
        for j in range(u):
            x = z[i, j] * scale[j] + beta[j] if normalize else z[i, j]
            s = slopes[0] if x > 0 else slopes[1]
            if dropout:
                s = s * (keep if bits[i, j] < threshold else zero)
            slope[i, j] = s
            a[i, j] = x * s


@_jit
def normalize(z, scale, beta, factor, out):
    """out = (z·scale + β)·factor: the input of a smooth activation (factor ½ for the sigmoid's
    tanh form, 1 for tanh)."""
    n, u = z.shape
    for i in range(n):
        for j in range(u):
            out[i, j] = (z[i, j] * scale[j] + beta[j]) * factor


@_jit
def smooth_unit(a, sigmoid, bits, threshold, keep, slope):
    """Finishes a smooth unit after NumPy's tanh: σ = t·½ + ½ for the sigmoid, slope = 1 − a² or
    (1 − a)·a, then a·mask and slope·mask (the mask as in `linear_unit`)."""
    n, u = a.shape
    dropout = bits.size > 0
    one, half, zero = a.dtype.type(1), a.dtype.type(0.5), a.dtype.type(0)
    for i in range(n):
        for j in range(u):
            x = a[i, j] * half + half if sigmoid else a[i, j]
            s = (one - x) * x if sigmoid else one - x * x
            if dropout:
                mask = keep if bits[i, j] < threshold else zero
                x = x * mask
                s = s * mask
            a[i, j] = x
            slope[i, j] = s


@_jit
def batchnorm_backward(grad, slope, centered, gamma, inv_std, to_mean, dgamma, dbeta):
    """grad·slope, then batch normalization's compact backward pass (`layers.batchnorm_backward`)
    in two passes: dβ = Σ dz̃, dγ = Σ dz̃·(z − μ)/√(σ² + ε), and `grad` overwritten with dz."""
    n, u = grad.shape
    dgamma[:] = 0
    dbeta[:] = 0
    for i in range(n):
        for j in range(u):
            d = grad[i, j] * slope[i, j]
            grad[i, j] = d
            dbeta[j] += d
            dgamma[j] += d * centered[i, j]
    k_centered, k_mean, k_out = np.empty_like(gamma), np.empty_like(gamma), np.empty_like(gamma)
    for j in range(u):
        dgamma[j] *= inv_std[j]
        k_centered[j] = inv_std[j] * dgamma[j] * to_mean
        k_mean[j] = dbeta[j] * to_mean
        k_out[j] = gamma[j] * inv_std[j]
    for i in range(n):
        for j in range(u):
            grad[i, j] = (grad[i, j] - centered[i, j] * k_centered[j] - k_mean[j]) * k_out[j]


def warm_up(dtype: np.dtype) -> None:
    """Calls every kernel once on tiny arrays of `dtype`, with the argument types the fused
    path passes, so that each is compiled or loaded from the cache before training starts."""
    s = dtype.type(0.5)
    vector, matrix = np.ones(2, dtype), np.ones((2, 2), dtype)
    gd(vector.copy(), vector, s)
    momentum(vector.copy(), vector, vector.copy(), s, s)
    rmsprop(vector.copy(), vector, vector.copy(), s, s, s)
    adamw(vector.copy(), vector, vector.copy(), vector.copy(), s, s, s, s, s, 1)
    constants = np.array([0.5, 1e-5, 0.9, 0.1, 1], dtype)
    batchnorm_statistics(
        matrix.copy(), vector, vector.copy(), vector.copy(), vector.copy(), vector.copy(), constants
    )
    for bits in (np.zeros((0, 0), np.uint32), np.zeros((2, 2), np.uint32)):
        for normalize_first in (False, True):
            linear_unit(
                matrix, vector, vector, normalize_first, bits, 1, s, vector, matrix.copy(),
                matrix.copy(),
            )  # fmt: skip
        for sigmoid in (False, True):
            smooth_unit(matrix.copy(), sigmoid, bits, 1, s, matrix.copy())
    normalize(matrix, vector, vector, s, matrix.copy())
    batchnorm_backward(
        matrix.copy(), matrix, matrix, vector, vector, s, vector.copy(), vector.copy()
    )
