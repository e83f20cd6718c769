"""Update rules: gradient descent, momentum, RMSprop and Adam (the course's week 2), and AdamW.

Each rule updates one flat parameter vector in place from the matching flat gradient vector, so a
step is a handful of NumPy passes over all parameters at once instead of a handful per tensor.

The moving averages are stored divided by (1 − β): v' = βv' + g instead of v = βv + (1 − β)g. That
saves one pass per average; the (1 − β) factors are folded into the step size and ε, so the update
is exactly the course's."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np


class Optimizer(Protocol):
    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        """params −= update(grads), in place."""
        ...


class GradientDescent:
    """W −= α·dW."""

    def __init__(self) -> None:
        self._scratch: np.ndarray | None = None

    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        if self._scratch is None:
            self._scratch = np.empty_like(params)
        np.multiply(grads, learning_rate, out=self._scratch)
        params -= self._scratch


class Momentum:
    """v = βv + (1 − β)dW; W −= α·v."""

    def __init__(self, beta: float) -> None:
        self.beta = beta
        self.velocity: np.ndarray | None = None  # v / (1 − β), which is PyTorch's momentum buffer
        self._scratch: np.ndarray | None = None

    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        if self.velocity is None:
            self.velocity, self._scratch = np.zeros_like(params), np.empty_like(params)
        self.velocity *= self.beta
        self.velocity += grads
        np.multiply(self.velocity, self.step_size(learning_rate), out=self._scratch)
        params -= self._scratch

    def step_size(self, learning_rate: float) -> float:
        """α·(1 − β), as the velocity is stored divided by (1 − β)."""
        return learning_rate * (1.0 - self.beta)


class RMSprop:
    """s = βs + (1 − β)dW²; W −= α·dW / (√s + ε)."""

    def __init__(self, beta: float, epsilon: float) -> None:
        self.beta, self.epsilon = beta, epsilon
        self.square_avg: np.ndarray | None = None  # s / (1 − β)
        self._scratch: np.ndarray | None = None

    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        if self.square_avg is None:
            self.square_avg, self._scratch = np.zeros_like(params), np.empty_like(params)
        s, scratch = self.square_avg, self._scratch
        s *= self.beta
        np.multiply(grads, grads, out=scratch)
        s += scratch
        _apply(params, grads, s, scratch, *self.folded(learning_rate))

    def folded(self, learning_rate: float) -> tuple[float, float]:
        """(step size, ε) for s' = s/(1 − β): √s = √(1 − β)·√s', so
        α·dW/(√s + ε) = α/√(1 − β) · dW/(√s' + ε/√(1 − β))."""
        root = math.sqrt(1.0 - self.beta)
        return learning_rate / root, self.epsilon / root


class Adam:
    """Momentum and RMSprop with bias correction: W −= α·m̂/(√v̂ + ε), m̂ = m/(1 − β1ᵗ),
    v̂ = v/(1 − β2ᵗ)."""

    def __init__(self, beta1: float, beta2: float, epsilon: float) -> None:
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.t = 0
        self.m: np.ndarray | None = None  # m / (1 − β1)
        self.v: np.ndarray | None = None  # v / (1 − β2)
        self._scratch: np.ndarray | None = None

    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        if self.m is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
            self._scratch = np.empty_like(params)
        m, v, scratch = self.m, self.v, self._scratch
        self.t += 1
        m *= self.beta1
        m += grads
        v *= self.beta2
        np.multiply(grads, grads, out=scratch)
        v += scratch
        _apply(params, m, v, scratch, *self.folded(learning_rate))

    def folded(self, learning_rate: float) -> tuple[float, float]:
        """(step size, ε) of step t with the bias corrections and the stored scale folded in
        (Kingma & Ba, §2): α·m̂/(√v̂ + ε) = α·c1/c2 · m'/(√v' + ε·√(1 − β2ᵗ)/√(1 − β2)),
        with c1 = (1 − β1)/(1 − β1ᵗ) and c2 = √(1 − β2)/√(1 − β2ᵗ)."""
        correction2 = math.sqrt(1.0 - self.beta2**self.t)
        root = math.sqrt(1.0 - self.beta2)
        step_size = learning_rate * (1.0 - self.beta1) / (1.0 - self.beta1**self.t)
        return step_size * correction2 / root, self.epsilon * correction2 / root


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019; `torch.optim.AdamW`): each
    step first shrinks the weights, W −= α·λ_w·W, then takes Adam's step, which the decay
    leaves out of the moments (unlike `l2`, which adds λ·W to the gradient that Adam then
    rescales). Only the first `decayed` entries of the flat vector decay: the network lays its
    W's out first, so biases, γ and β are left alone, as `l2` leaves them."""

    def __init__(
        self,
        beta1: float,
        beta2: float,
        epsilon: float,
        weight_decay: float,
        decayed: int | None = None,
    ) -> None:
        super().__init__(beta1, beta2, epsilon)
        self.weight_decay = weight_decay
        self.decayed = decayed  # None: every entry

    def step(self, params: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
        if self.weight_decay:
            weights = params[: self.decayed]
            weights *= self.shrink(learning_rate)
        super().step(params, grads, learning_rate)

    def shrink(self, learning_rate: float) -> float:
        """1 − α·λ_w: what the weights are multiplied by before the step."""
        return 1.0 - learning_rate * self.weight_decay


def _apply(
    params: np.ndarray,
    numerator: np.ndarray,
    square_avg: np.ndarray,
    scratch: np.ndarray,
    step_size: float,
    epsilon: float,
) -> None:
    """params −= step_size · numerator / (√square_avg + ε), in five passes."""
    np.sqrt(square_avg, out=scratch)
    scratch += epsilon
    np.divide(numerator, scratch, out=scratch)
    scratch *= step_size
    params -= scratch
