"""The output layer's cost: softmax + cross-entropy for 3+ classes, sigmoid + binary cross-entropy
for 2, both on logits, so no exp overflows and no log(0) is ever taken, both with optional label
smoothing; and for a regression one linear unit with the squared error."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class OutputLoss(Protocol):
    """The output unit(s) and their loss, seen from the outputs z (one row per example)."""

    def n_outputs(self, n_classes: int | None) -> int: ...

    def loss_and_gradient(self, z: np.ndarray, y: np.ndarray, dz: np.ndarray) -> float:
        """Mean loss over the rows; writes ∂(mean loss)/∂z into `dz`."""
        ...

    def loss_sum(self, z: np.ndarray, y: np.ndarray) -> float: ...

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        """(n, n_classes) class probabilities."""
        ...

    def labels(self, z: np.ndarray) -> np.ndarray:
        """The predicted class of each row (a regression: the output itself)."""
        ...


class SoftmaxCrossEntropy:
    """C outputs; loss −log ŷ_y, gradient ŷ − Y (the course's dZ[L] = Ŷ − Y).

    With label smoothing s the target is q = (1 − s)·Y + s/C, the loss −Σ_c q_c·log ŷ_c and the
    gradient ŷ − q, as PyTorch's `CrossEntropyLoss(label_smoothing=s)`."""

    def __init__(self, smoothing: float = 0.0) -> None:
        self.smoothing = smoothing

    def n_outputs(self, n_classes: int | None) -> int:
        return n_classes or 0

    def loss_and_gradient(self, z: np.ndarray, y: np.ndarray, dz: np.ndarray) -> float:
        n = z.shape[0]
        rows = np.arange(n)
        # log-sum-exp: shifting by the row maximum makes every exponent ≤ 0 and every sum ≥ 1.
        np.subtract(z, z.max(axis=1, keepdims=True), out=dz)
        picked = self._picked(dz, y)
        np.exp(dz, out=dz)
        sums = np.add.reduce(dz, axis=1, keepdims=True)
        loss = (np.log(sums).sum(dtype=np.float64) - picked) / n
        dz *= 1.0 / (n * sums)  # (Ŷ − Y)/n, the first term
        if not self.smoothing:
            dz[rows, y] -= 1.0 / n
            return float(loss)
        dz[rows, y] -= (1.0 - self.smoothing) / n  # (Ŷ − q)/n
        dz -= self.smoothing / (z.shape[1] * n)
        return float(loss)

    def loss_sum(self, z: np.ndarray, y: np.ndarray) -> float:
        shifted = z - z.max(axis=1, keepdims=True)
        log_sums = np.log(np.exp(shifted).sum(axis=1))
        if not self.smoothing:
            return float(log_sums.sum(dtype=np.float64) - shifted[np.arange(len(y)), y].sum())
        return float(log_sums.sum(dtype=np.float64) - self._picked(shifted, y))

    def _picked(self, shifted: np.ndarray, y: np.ndarray) -> float:
        """Σ_rows Σ_c q_c·(z_c − max z): the shifted logits the targets pick, in float64."""
        picked = shifted[np.arange(len(y)), y].sum(dtype=np.float64)
        if not self.smoothing:
            return picked
        spread = shifted.sum(dtype=np.float64) / shifted.shape[1]
        return (1.0 - self.smoothing) * picked + self.smoothing * spread

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return p

    def labels(self, z: np.ndarray) -> np.ndarray:
        return z.argmax(axis=1)


class SigmoidCrossEntropy:
    """One output unit p = σ(z) = P(y = 1); loss −y·log p − (1−y)·log(1−p), gradient p − y.

    With label smoothing s the target is y·(1 − s) + s/2: the two classes' smoothed targets of
    a softmax, since σ(z) is the softmax of the logits (0, z); the loss is then PyTorch's
    `CrossEntropyLoss(label_smoothing=s)` on (0, z), and `BCEWithLogitsLoss` of the smoothed
    target."""

    def __init__(self, smoothing: float = 0.0) -> None:
        self.smoothing = smoothing

    def n_outputs(self, n_classes: int | None) -> int:
        return 1

    def loss_and_gradient(self, z: np.ndarray, y: np.ndarray, dz: np.ndarray) -> float:
        n = z.shape[0]
        y = self._targets(y)
        loss = self._loss_sum(z, y) / n
        np.subtract(_sigmoid(z), y[:, None], out=dz)
        dz *= 1.0 / n
        return loss

    def loss_sum(self, z: np.ndarray, y: np.ndarray) -> float:
        return self._loss_sum(z, self._targets(y))

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if not self.smoothing:
            return y
        return y * (1.0 - self.smoothing) + self.smoothing / 2

    def _loss_sum(self, z: np.ndarray, y: np.ndarray) -> float:
        # −log σ(z) = softplus(−z) and −log(1 − σ(z)) = softplus(z), with
        # softplus(z) = max(z, 0) + log(1 + e^−|z|): the exponent is never positive.
        z = z[:, 0]
        losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(losses.sum(dtype=np.float64))

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        p = _sigmoid(z)
        return np.hstack([1 - p, p])

    def labels(self, z: np.ndarray) -> np.ndarray:
        return (z[:, 0] > 0).astype(np.intp)


class SquaredError:
    """One linear output unit ŷ = z for a regression; loss (z − y)² averaged over the rows, as
    PyTorch's `MSELoss`, gradient 2(z − y)/n. The target is standardized on the train split by
    the network (`Network.standardized`), so a loss of 1 is what predicting the mean scores."""

    def n_outputs(self, n_classes: int | None) -> int:
        return 1

    def loss_and_gradient(self, z: np.ndarray, y: np.ndarray, dz: np.ndarray) -> float:
        n = z.shape[0]
        np.subtract(z, y[:, None], out=dz)
        loss = float(np.square(dz).sum(dtype=np.float64)) / n
        dz *= 2.0 / n
        return loss

    def loss_sum(self, z: np.ndarray, y: np.ndarray) -> float:
        return float(np.square(z[:, 0] - y).sum(dtype=np.float64))

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        raise ValueError("a regression predicts values, not class probabilities")

    def labels(self, z: np.ndarray) -> np.ndarray:
        return z[:, 0]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) as e^(−|z|)-based halves, exact in both tails (σ(−30) is not rounded to 0)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


def output_loss(n_classes: int | None, smoothing: float = 0.0) -> OutputLoss:
    """Sigmoid for two classes (one unit), softmax for more; None (no classes: a regression)
    takes the squared error of one linear unit, which has no labels to smooth."""
    if n_classes is None:
        if smoothing:
            raise ValueError(
                f"label_smoothing smooths class labels, but a regression has none: set "
                f"label_smoothing: 0 (got {smoothing})"
            )
        return SquaredError()
    return SigmoidCrossEntropy(smoothing) if n_classes == 2 else SoftmaxCrossEntropy(smoothing)
