"""One training step's forward and backward pass through the whole network, over buffers that are
allocated once per batch size and reused by every mini-batch of that size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hpsearch.nn.layers import (
    activation_forward_train,
    batchnorm_backward,
    batchnorm_forward,
    dense_backward,
    dense_forward,
    dropout_mask,
)
from hpsearch.nn.losses import OutputLoss


@dataclass
class _Hidden:
    """One hidden layer's buffers for one batch size: the cache its backward pass reads."""

    z: np.ndarray  # xW (+ b); z − μ once batch normalization has centered it in place
    bn_out: np.ndarray | None  # γ·x̂ + β; the scratch of batch normalization's backward
    a: np.ndarray  # g(·)·mask, the next layer's input
    slope: np.ndarray  # g'(·)·mask: the backward pass is da·slope
    grad: np.ndarray  # da, then dz, written in place
    mask: np.ndarray | None  # the dropout mask, (u < keep_prob)/keep_prob
    inv_std: np.ndarray | None = None
    scale: np.ndarray | None = None  # γ/√(σ² + ε), for the fused engine
    bits: np.ndarray | None = None  # the dropout draws, for the fused engine


class TrainingPass:
    """Computes the mini-batch cost (cross-entropy + L2) and fills the gradients, in training mode:
    batch statistics for batch normalization (which also updates the running ones) and dropout."""

    def __init__(
        self,
        *,
        sizes: Sequence[int],
        activation: str,
        batchnorm: bool,
        bn_momentum: float,
        keep_probs: Sequence[float],
        l2: float,
        loss: OutputLoss,
        params: dict[str, np.ndarray],
        grads: dict[str, np.ndarray],
        running: dict[str, np.ndarray],
        weights: tuple[np.ndarray, np.ndarray],
        dtype: np.dtype,
    ) -> None:
        self.sizes, self.activation, self.batchnorm = tuple(sizes), activation, batchnorm
        self.bn_momentum, self.keep_probs, self.l2, self.loss = bn_momentum, keep_probs, l2, loss
        self.params, self.grads, self.running = params, grads, running
        self.weights, self.weight_grads = weights  # all W's, contiguous: the L2 term's domain
        self.dtype = dtype
        self._l2_scratch: np.ndarray | None = None
        self._buffers: dict[int, tuple[list[_Hidden], np.ndarray, np.ndarray]] = {}

    def run(
        self,
        X: np.ndarray,
        y: np.ndarray,
        rng: np.random.Generator | None,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> float:
        """The cost of the batch; gradients land in `grads`. Dropout masks are drawn from `rng`,
        or taken from `masks` (0/1 keep arrays, one per hidden layer) to replay known masks."""
        hidden, z_out, dz_out = self._buffers_for(X.shape[0])
        self._draw_masks(hidden, rng, masks)
        x = X
        for number, layer in enumerate(hidden, start=1):
            x = self._hidden_forward(number, layer, x)
        last = len(hidden) + 1
        dense_forward(x, self.params[f"W{last}"], self.params[f"b{last}"], z_out)
        cost = self.loss.loss_and_gradient(z_out, y, dz_out)
        dz = dz_out
        for number in range(last, 0, -1):
            below = hidden[number - 2] if number > 1 else None
            self._dense_backward(number, dz, X if below is None else below.a, below)
            if below is not None:
                dz = self._hidden_backward(number - 1, below)
        return cost + self._l2_term(X.shape[0])

    def _hidden_forward(self, number: int, layer: _Hidden, x: np.ndarray) -> np.ndarray:
        p = self.params
        dense_forward(x, p[f"W{number}"], p.get(f"b{number}"), layer.z)
        pre = layer.z
        if self.batchnorm:
            mean, var, layer.inv_std = batchnorm_forward(
                layer.z, p[f"gamma{number}"], p[f"beta{number}"], layer.bn_out
            )
            self._update_running(number, mean, var, x.shape[0])
            pre = layer.bn_out
        activation_forward_train(self.activation, pre, layer.a, layer.slope, layer.mask)
        return layer.a

    def _hidden_backward(self, number: int, layer: _Hidden) -> np.ndarray:
        layer.grad *= layer.slope
        if not self.batchnorm:
            return layer.grad
        g = self.grads
        return batchnorm_backward(
            layer.grad,
            layer.z,
            self.params[f"gamma{number}"],
            layer.inv_std,
            g[f"gamma{number}"],
            g[f"beta{number}"],
            layer.bn_out,
        )

    def _dense_backward(
        self, number: int, dz: np.ndarray, x: np.ndarray, below: _Hidden | None
    ) -> None:
        dx = None if below is None else below.grad
        W, dW, db = (
            self.params[f"W{number}"],
            self.grads[f"W{number}"],
            self.grads.get(f"b{number}"),
        )
        dense_backward(dz, x, W, dW, db, dx)

    def _update_running(self, number: int, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        """running = m·running + (1 − m)·batch, the course's exponentially weighted average.

        A batch of one example has σ² = 0 by construction and says nothing about the spread, so
        it leaves the running statistics alone."""
        if n < 2:
            return
        m = self.bn_momentum
        for name, batch in ((f"running_mean{number}", mean), (f"running_var{number}", var)):
            running = self.running[name]
            running *= m
            running += (1.0 - m) * batch

    def _l2_term(self, n: int) -> float:
        """λ/(2m)·Σ‖W‖² in the cost and (λ/m)·W in every dW; biases, γ and β are left alone."""
        if self.l2 == 0:
            return 0.0
        if self._l2_scratch is None:
            self._l2_scratch = np.empty_like(self.weights)
        np.multiply(self.weights, self.l2 / n, out=self._l2_scratch)
        self.weight_grads += self._l2_scratch
        return float(self.l2 / (2 * n) * np.dot(self.weights, self.weights))

    def _draw_masks(
        self,
        hidden: list[_Hidden],
        rng: np.random.Generator | None,
        masks: Sequence[np.ndarray | None] | None,
    ) -> None:
        dropped = [(layer, p) for layer, p in zip(hidden, self.keep_probs, strict=True) if p < 1]
        if not dropped:
            return
        if masks is not None:
            for layer, keep_prob, given in zip(hidden, self.keep_probs, masks, strict=True):
                if keep_prob < 1:
                    self._replay_mask(layer, keep_prob, given)
            return
        if rng is None:
            raise ValueError("dropout is on (keep_prob < 1), so a training step needs an rng")
        size = sum(layer.z.size for layer, _ in dropped)
        # Every layer's draws in one call: 32 random bits per unit, two per 64-bit output.
        bits, offset = rng.bit_generator.random_raw((size + 1) // 2).view(np.uint32), 0
        for layer, keep_prob in dropped:
            n = layer.z.size
            self._set_mask(layer, keep_prob, bits[offset : offset + n].reshape(layer.z.shape))
            offset += n

    def _replay_mask(self, layer: _Hidden, keep_prob: float, given: np.ndarray) -> None:
        np.multiply(given, 1.0 / keep_prob, out=layer.mask)

    def _set_mask(self, layer: _Hidden, keep_prob: float, bits: np.ndarray) -> None:
        dropout_mask(bits, keep_prob, layer.mask)

    def _buffers_for(self, n: int) -> tuple[list[_Hidden], np.ndarray, np.ndarray]:
        if n not in self._buffers:
            if len(self._buffers) > 2:  # keep the full batch size and the epoch's last one
                self._buffers.clear()
            self._buffers[n] = self._allocate(n)
        return self._buffers[n]

    def _allocate(self, n: int) -> tuple[list[_Hidden], np.ndarray, np.ndarray]:
        dtype, hidden = self.dtype, []
        for u, keep_prob in zip(self.sizes[1:-1], self.keep_probs, strict=True):
            z, a, slope, grad = (np.empty((n, u), dtype) for _ in range(4))
            bn_out = np.empty((n, u), dtype) if self.batchnorm else None
            mask = np.empty((n, u), dtype) if keep_prob < 1 else None
            hidden.append(_Hidden(z, bn_out, a, slope, grad, mask))
        k = self.sizes[-1]
        return hidden, np.empty((n, k), dtype), np.empty((n, k), dtype)
