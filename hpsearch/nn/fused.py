"""The numba engine: the training step and the update rules of the NumPy path, with the work
between the matrix products done by fused kernels (`kernels.py`). The matrix products, the
dropout draws, tanh and the output layer's softmax or sigmoid stay in NumPy, so that the weights
are bit-identical to the NumPy engine's for the same seed.

The kernels cannot follow NumPy's order of additions for a hidden layer of one unit (NumPy sums
a one-column array pairwise, not row by row): such a network trains with `TrainingPass`, and
only its update rule is fused (`Network._training_pass`)."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from hpsearch.nn import engine
from hpsearch.nn.backprop import TrainingPass, _Hidden
from hpsearch.nn.layers import (
    BN_EPSILON,
    PIECEWISE_LINEAR,
    dense_forward,
    dropout_threshold,
    piecewise_slopes,
)
from hpsearch.nn.optimizers import Adam, AdamW, GradientDescent, Momentum, RMSprop

_NO_DROPOUT = np.zeros((0, 0), np.uint32)  # an empty `bits`: the kernels' "no mask"
_DROPPED = np.uint32(2**32 - 1)  # bits that no threshold keeps


class FusedTrainingPass(TrainingPass):
    """`TrainingPass` with each hidden layer's batch normalization, activation and dropout in
    one or two kernel calls forward and one backward, instead of a dozen NumPy passes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kernels = engine.kernels(self.dtype)
        piecewise = self.activation in PIECEWISE_LINEAR
        self.slopes = piecewise_slopes(self.activation, self.dtype) if piecewise else None
        self.half = self.dtype.type(0.5 if self.activation == "sigmoid" else 1.0)
        self.keeps = [self.dtype.type(1.0 / p) for p in self.keep_probs]
        self.thresholds = [dropout_threshold(p) for p in self.keep_probs]
        self.bn_constants: dict[int, np.ndarray] = {}
        self.none = np.zeros(0, self.dtype)  # for the kernels' arguments a case does not use

    def _hidden_forward(self, number: int, layer: _Hidden, x: np.ndarray) -> np.ndarray:
        dense_forward(x, self.params[f"W{number}"], self.params.get(f"b{number}"), layer.z)
        scale, beta = self._normalize(number, layer) if self.batchnorm else (self.none, self.none)
        bits = _NO_DROPOUT if layer.bits is None else layer.bits
        mask = (bits, self.thresholds[number - 1], self.keeps[number - 1])
        if self.slopes is not None:
            self.kernels.linear_unit(
                layer.z, scale, beta, self.batchnorm, *mask, self.slopes, layer.a, layer.slope
            )
            return layer.a
        if self.batchnorm:
            self.kernels.normalize(layer.z, scale, beta, self.half, layer.a)
        else:
            np.multiply(layer.z, self.half, out=layer.a)
        np.tanh(layer.a, out=layer.a)
        self.kernels.smooth_unit(layer.a, self.activation == "sigmoid", *mask, layer.slope)
        return layer.a

    def _normalize(self, number: int, layer: _Hidden) -> tuple[np.ndarray, np.ndarray]:
        """Batch statistics (and the running ones) for `layer.z`: γ/√(σ² + ε) and β."""
        n, units = layer.z.shape
        if layer.inv_std is None or layer.scale is None:
            layer.inv_std, layer.scale = np.empty(units, self.dtype), np.empty(units, self.dtype)
        m, running = self.bn_momentum, self.running
        constants = self.bn_constants.get(n)
        if constants is None:
            values = (1.0 / n, BN_EPSILON, m, 1.0 - m, n >= 2)
            constants = self.bn_constants[n] = np.array(values, self.dtype)
        self.kernels.batchnorm_statistics(
            layer.z, self.params[f"gamma{number}"], layer.inv_std, layer.scale,
            running[f"running_mean{number}"], running[f"running_var{number}"], constants,
        )  # fmt: skip
        return layer.scale, self.params[f"beta{number}"]

    def _hidden_backward(self, number: int, layer: _Hidden) -> np.ndarray:
        if not self.batchnorm:
            return super()._hidden_backward(number, layer)
        g = self.grads
        self.kernels.batchnorm_backward(
            layer.grad, layer.slope, layer.z, self.params[f"gamma{number}"], layer.inv_std,
            self.dtype.type(1.0 / layer.z.shape[0]), g[f"gamma{number}"], g[f"beta{number}"],
        )  # fmt: skip
        return layer.grad

    def _replay_mask(self, layer: _Hidden, keep_prob: float, given: np.ndarray) -> None:
        """0/1 keep arrays become bits that keep exactly the 1's."""
        layer.bits = np.where(np.asarray(given) != 0, np.uint32(0), _DROPPED)

    def _set_mask(self, layer: _Hidden, keep_prob: float, bits: np.ndarray) -> None:
        layer.bits = bits  # the kernels compare the bits with the threshold themselves


class _Fused:
    """Looks the kernels up once per optimizer: at 64 units a step is a few hundred
    microseconds, and looking them up every step would cost a few of them."""

    _kernels: ModuleType | None = None

    def kernels(self, params: np.ndarray) -> ModuleType:
        if self._kernels is None:
            self._kernels = engine.kernels(params.dtype)
        return self._kernels


class FusedGradientDescent(_Fused, GradientDescent):
    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        self.kernels(params).gd(params, grads, params.dtype.type(learning_rate))


class FusedMomentum(_Fused, Momentum):
    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        cast = params.dtype.type
        self.kernels(params).momentum(
            params, grads, self.velocity, cast(self.beta), cast(self.step_size(learning_rate))
        )


class FusedRMSprop(_Fused, RMSprop):
    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        if self.square_avg is None:
            self.square_avg = np.zeros_like(params)
        cast = params.dtype.type
        step_size, epsilon = self.folded(learning_rate)
        self.kernels(params).rmsprop(
            params, grads, self.square_avg, cast(self.beta), cast(step_size), cast(epsilon)
        )


class FusedAdam(_Fused, Adam):
    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        no_decay = params.dtype.type(1), 0  # shrink by 1, none of the parameters
        self.kernels(params).adamw(*self._arguments(params, grads, learning_rate), *no_decay)

    def _arguments(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> tuple:
        """Step t's arguments of the kernel, its moments made at the first step."""
        if self.m is None or self.v is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self.t += 1
        cast = params.dtype.type
        step_size, epsilon = self.folded(learning_rate)
        return (
            params, grads, self.m, self.v,
            cast(self.beta1), cast(self.beta2), cast(step_size), cast(epsilon),
        )  # fmt: skip


class FusedAdamW(FusedAdam, AdamW):
    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        decayed = params.size if self.decayed is None else self.decayed
        shrink = params.dtype.type(self.shrink(learning_rate))
        self.kernels(params).adamw(
            *self._arguments(params, grads, learning_rate), shrink,
            decayed if self.weight_decay else 0,
        )  # fmt: skip


OPTIMIZERS = {
    "gd": FusedGradientDescent,
    "momentum": FusedMomentum,
    "rmsprop": FusedRMSprop,
    "adam": FusedAdam,
    "adamw": FusedAdamW,
}
