"""Each update rule against the course's formulas, written out plainly (v = βv + (1 − β)dW, …)."""

import numpy as np
import pytest

from hpsearch.nn import HyperParams
from hpsearch.nn.optimizer_choice import make_optimizer
from hpsearch.nn.optimizers import Adam, AdamW, GradientDescent, Momentum, RMSprop

STEPS, ALPHA = 5, 0.05


def _gradients():
    rng = np.random.default_rng(0)
    return [rng.standard_normal(7) for _ in range(STEPS)]


def _course(rule: str, beta1=0.9, beta2=0.999, eps=1e-8):
    W, v, s = np.linspace(-1, 1, 7), np.zeros(7), np.zeros(7)
    for t, g in enumerate(_gradients(), start=1):
        if rule == "gd":
            W = W - ALPHA * g
        elif rule == "momentum":
            v = beta1 * v + (1 - beta1) * g
            W = W - ALPHA * v
        elif rule == "rmsprop":
            s = beta2 * s + (1 - beta2) * g**2
            W = W - ALPHA * g / (np.sqrt(s) + eps)
        else:
            v = beta1 * v + (1 - beta1) * g
            s = beta2 * s + (1 - beta2) * g**2
            v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
            W = W - ALPHA * v_hat / (np.sqrt(s_hat) + eps)
    return W


@pytest.mark.parametrize(
    ("rule", "optimizer"),
    [
        ("gd", GradientDescent()),
        ("momentum", Momentum(0.8)),
        ("rmsprop", RMSprop(0.9, 1e-3)),
        ("adam", Adam(0.8, 0.95, 1e-3)),
    ],
)
def test_update_rules_follow_the_course(rule, optimizer):
    W = np.linspace(-1, 1, 7)
    for g in _gradients():
        optimizer.step(W, g.copy(), ALPHA)
    expected = _course(rule, beta1=0.8, beta2=0.9 if rule == "rmsprop" else 0.95, eps=1e-3)
    np.testing.assert_allclose(W, expected, rtol=1e-12)


def test_adamw_decays_the_weights_apart_from_adams_step():
    """Loshchilov & Hutter's rule: W ← W − α·λ·W, then Adam's step from moments that never see
    the decay; the entries past `decayed` (biases, γ, β) do not decay."""
    W, m, v, lam, decayed = np.linspace(-1, 1, 7), np.zeros(7), np.zeros(7), 0.3, 4
    ours = W.copy()
    optimizer = AdamW(0.8, 0.95, 1e-3, lam, decayed)
    for t, g in enumerate(_gradients(), start=1):
        optimizer.step(ours, g.copy(), ALPHA)
        W[:decayed] -= ALPHA * lam * W[:decayed]
        m = 0.8 * m + 0.2 * g
        v = 0.95 * v + 0.05 * g**2
        W = W - ALPHA * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.95**t)) + 1e-3)
    np.testing.assert_allclose(ours, W, rtol=1e-12)
    without = np.linspace(-1, 1, 7)
    adam = Adam(0.8, 0.95, 1e-3)
    for g in _gradients():
        adam.step(without, g.copy(), ALPHA)
    np.testing.assert_array_equal(ours[decayed:], without[decayed:])
    assert not np.allclose(ours[:decayed], without[:decayed])


def test_adams_first_step_is_alpha_times_the_sign():
    """Bias correction makes the first step α·g/(|g| + ε), whatever β1 and β2 are."""
    W, g = np.zeros(3), np.array([0.5, -2.0, 1e-3])
    Adam(0.9, 0.999, 1e-8).step(W, g, 0.1)
    np.testing.assert_allclose(W, -0.1 * np.sign(g), rtol=1e-5)


def test_steps_keep_float32():
    W, g = np.ones(4, np.float32), np.ones(4, np.float32)
    for optimizer in (GradientDescent(), Momentum(0.9), RMSprop(0.9, 1e-8), Adam(0.9, 0.9, 1e-8)):
        optimizer.step(W, g, 1e-3)
        assert W.dtype == np.float32 and optimizer._scratch.dtype == np.float32


def test_make_optimizer_uses_the_hyperparameters():
    adam = make_optimizer(HyperParams(beta1=0.5, beta2=0.6, epsilon=1e-4))
    assert isinstance(adam, Adam) and (adam.beta1, adam.beta2, adam.epsilon) == (0.5, 0.6, 1e-4)
    assert make_optimizer(HyperParams(optimizer="momentum", beta1=0.7)).beta == 0.7
    assert make_optimizer(HyperParams(optimizer="rmsprop", beta2=0.8)).beta == 0.8
    assert isinstance(make_optimizer(HyperParams(optimizer="gd")), GradientDescent)
    adamw = make_optimizer(HyperParams(optimizer="adamw", weight_decay=0.2), weights=12)
    assert isinstance(adamw, AdamW) and (adamw.weight_decay, adamw.decayed) == (0.2, 12)
