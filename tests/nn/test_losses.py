import numpy as np
import pytest

from hpsearch.nn.losses import SigmoidCrossEntropy, SoftmaxCrossEntropy, output_loss


def _naive_softmax_loss(z, y):
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    return -np.log(p[np.arange(len(y)), y]).mean(), p


def test_output_is_sigmoid_for_two_classes_and_softmax_beyond():
    assert isinstance(output_loss(2), SigmoidCrossEntropy)
    assert isinstance(output_loss(3), SoftmaxCrossEntropy)
    assert output_loss(2).n_outputs(2) == 1 and output_loss(5).n_outputs(5) == 5


def test_softmax_loss_and_gradient_are_the_courses():
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((6, 4)), np.array([0, 1, 2, 3, 0, 1])
    loss, p = _naive_softmax_loss(z, y)
    dz = np.empty_like(z)
    assert SoftmaxCrossEntropy().loss_and_gradient(z, y, dz) == pytest.approx(loss, rel=1e-12)
    Y = np.eye(4)[y]
    np.testing.assert_allclose(dz, (p - Y) / 6, rtol=1e-12)  # dZ = Ŷ − Y, averaged
    assert SoftmaxCrossEntropy().loss_sum(z, y) == pytest.approx(6 * loss, rel=1e-12)
    np.testing.assert_allclose(SoftmaxCrossEntropy().probabilities(z), p, rtol=1e-12)


def test_sigmoid_loss_and_gradient():
    z, y = np.array([[-2.0], [0.5], [3.0]]), np.array([0, 1, 0])
    p = 1 / (1 + np.exp(-z[:, 0]))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    dz = np.empty_like(z)
    assert SigmoidCrossEntropy().loss_and_gradient(z, y, dz) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(dz[:, 0], (p - y) / 3, rtol=1e-12)
    np.testing.assert_allclose(SigmoidCrossEntropy().probabilities(z), np.c_[1 - p, p])
    np.testing.assert_array_equal(SigmoidCrossEntropy().labels(z), [0, 1, 1])


@pytest.mark.parametrize("loss", [SoftmaxCrossEntropy(), SigmoidCrossEntropy()])
def test_extreme_logits_give_finite_costs_without_warnings(loss):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], np.float32)
    if isinstance(loss, SigmoidCrossEntropy):
        z, y = z[:, :1], np.array([0, 1])  # both confidently wrong by 1e4
    else:
        y = np.array([1, 1])  # the first wrong by 2e4, the second right
    dz = np.empty_like(z)
    cost = loss.loss_and_gradient(z, y, dz)
    assert cost == pytest.approx(1e4, rel=1e-6)  # finite, not inf
    assert np.isfinite(dz).all() and np.isfinite(loss.probabilities(z)).all()
    np.testing.assert_allclose(loss.probabilities(z).sum(1), 1, rtol=1e-6)


def test_label_smoothing_spreads_s_over_the_classes():
    """q = (1 − s)·Y + s/C: the loss −Σ q·log ŷ and the gradient ŷ − q, averaged."""
    rng = np.random.default_rng(1)
    z, y, s = rng.standard_normal((6, 4)), np.array([0, 1, 2, 3, 0, 1]), 0.2
    _, p = _naive_softmax_loss(z, y)
    q = (1 - s) * np.eye(4)[y] + s / 4
    dz = np.empty_like(z)
    loss = SoftmaxCrossEntropy(s).loss_and_gradient(z, y, dz)
    assert loss == pytest.approx(-(q * np.log(p)).sum(1).mean(), rel=1e-12)
    np.testing.assert_allclose(dz, (p - q) / 6, rtol=1e-12)
    assert SoftmaxCrossEntropy(s).loss_sum(z, y) == pytest.approx(6 * loss, rel=1e-12)


def test_a_sigmoids_smoothed_target_is_the_two_class_softmaxs():
    z, y, s = np.array([[-2.0], [0.5], [3.0]]), np.array([0, 1, 0]), 0.1
    pair = np.c_[np.zeros(3), z[:, 0]]  # σ(z) is the softmax of (0, z)
    softmax_dz, sigmoid_dz = np.empty_like(pair), np.empty_like(z)
    expected = SoftmaxCrossEntropy(s).loss_and_gradient(pair, y, softmax_dz)
    assert SigmoidCrossEntropy(s).loss_and_gradient(z, y, sigmoid_dz) == pytest.approx(expected)
    np.testing.assert_allclose(sigmoid_dz[:, 0], softmax_dz[:, 1], rtol=1e-12)
    assert SigmoidCrossEntropy(s).loss_sum(z, y) == pytest.approx(3 * expected)


def test_a_regression_has_no_labels_to_smooth():
    with pytest.raises(ValueError, match="a regression has none: set label_smoothing: 0"):
        output_loss(None, 0.1)
    assert output_loss(None, 0.0).n_outputs(None) == 1
