"""tinygrad_edu.book.layers: the book's layers on NumPy arrays, every backward the engine's.

Each layer's forward is checked against the formula written here in NumPy, and its
backward(dout) against central differences of sum(forward(x) * dout), in float64.
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.book import draw_graph, last_loss
from tinygrad_edu.book.layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)


def numeric(f, x):
    return tg.numerical_gradient(lambda _: f(), x, eps=1e-6)


def check_backward(layer, x, *forward_args, parameters=()):
    """backward(dout) against central differences, for x and each named parameter array."""
    rng = np.random.default_rng(1)
    out = layer.forward(x, *forward_args)
    dout = rng.standard_normal(np.shape(out))
    dx = layer.backward(dout.copy())
    assert dx.shape == x.shape and dx.dtype == np.float64

    def objective():
        return float(np.sum(layer.forward(x, *forward_args) * dout))

    np.testing.assert_allclose(dx, numeric(objective, x), atol=1e-7)
    for name, gradient in parameters:
        expected = numeric(objective, getattr(layer, name))
        np.testing.assert_allclose(getattr(layer, gradient), expected, atol=1e-7)
    return out, dx


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_relu_forward_and_its_gradient_is_zero_at_zero(rng):
    x = np.array([[-1.0, 0.0, 2.0]])
    relu = Relu()
    assert relu.forward(x).tolist() == [[0.0, 0.0, 2.0]]
    assert relu.backward(np.array([[5.0, 5.0, 5.0]])).tolist() == [[0.0, 0.0, 5.0]]
    check_backward(Relu(), rng.standard_normal((3, 4)))


def test_sigmoid_forward_and_backward(rng):
    x = rng.standard_normal((3, 4))
    layer = Sigmoid()
    out, _ = check_backward(layer, x)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-x)), rtol=1e-15)
    assert layer.forward(x) is layer.out  # the book keeps the output for its backward


def test_affine_flattens_images_and_finds_dw_db(rng):
    x = rng.standard_normal((4, 2, 3, 3))
    W, b = rng.standard_normal((18, 5)), rng.standard_normal(5)
    layer = Affine(W, b)
    out, dx = check_backward(layer, x, parameters=[("W", "dW"), ("b", "db")])
    np.testing.assert_allclose(out, x.reshape(4, -1) @ W + b)
    assert layer.dW.shape == W.shape and layer.db.shape == b.shape


def test_softmax_with_loss_with_labels_or_one_hot_rows(rng):
    x = rng.standard_normal((4, 3))
    labels = np.array([2, 0, 1, 2], dtype=np.uint8)  # the book's MNIST labels are uint8
    e = np.exp(x - x.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(y[np.arange(4), labels]))
    for t in (labels, np.eye(3)[labels]):
        layer = SoftmaxWithLoss()
        loss = layer.forward(x, t)
        assert isinstance(loss, float) and loss == pytest.approx(expected, rel=1e-14)
        np.testing.assert_allclose(layer.y, y)
        np.testing.assert_allclose(layer.backward(), (y - np.eye(3)[labels]) / 4, atol=1e-16)
    check_backward(SoftmaxWithLoss(), x, labels)


def test_dropout_draws_its_mask_from_numpys_global_generator(rng):
    x = rng.standard_normal((5, 6))
    np.random.seed(7)
    layer = Dropout(0.3)
    out = layer.forward(x)
    np.random.seed(7)
    mask = np.random.rand(5, 6) > 0.3
    assert np.array_equal(layer.mask, mask) and np.array_equal(out, x * mask)
    assert np.array_equal(layer.backward(np.ones((5, 6))), mask.astype(float))
    np.testing.assert_allclose(layer.forward(x, False), x * 0.7)  # the book scales at test time


def test_batch_normalization_training_testing_and_running_statistics(rng):
    x = rng.standard_normal((6, 4)) * 3 + 1
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    layer = BatchNormalization(gamma, beta, momentum=0.9)
    out, _ = check_backward(layer, x, True, parameters=[("gamma", "dgamma"), ("beta", "dbeta")])
    xn = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-6)
    np.testing.assert_allclose(out, gamma * xn + beta, rtol=1e-12)
    fresh = BatchNormalization(gamma, beta, momentum=0.9)
    fresh.forward(x, True)
    np.testing.assert_allclose(fresh.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(fresh.running_var, 0.1 * x.var(axis=0))  # biased, as the book's
    testing = fresh.forward(x, False)
    expected = gamma * (x - fresh.running_mean) / np.sqrt(fresh.running_var + 1e-6) + beta
    np.testing.assert_allclose(testing, expected)


def test_batch_normalization_of_images_normalises_every_pixel_as_a_feature(rng):
    x = rng.standard_normal((5, 2, 2, 2))
    gamma, beta = rng.standard_normal(8), rng.standard_normal(8)
    layer = BatchNormalization(gamma, beta)
    out, _ = check_backward(layer, x, True, parameters=[("gamma", "dgamma")])
    flat = x.reshape(5, -1)
    xn = (flat - flat.mean(axis=0)) / np.sqrt(flat.var(axis=0) + 1e-6)
    np.testing.assert_allclose(out, (gamma * xn + beta).reshape(x.shape), rtol=1e-12)


def test_convolution_against_a_loop_and_its_gradients(rng):
    x = rng.standard_normal((2, 3, 5, 5))
    W, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    layer = Convolution(W, b, stride=2, pad=1)
    out, _ = check_backward(layer, x, parameters=[("W", "dW"), ("b", "db")])
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.zeros((2, 4, 3, 3))
    for i in range(3):
        for j in range(3):
            window = padded[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
            expected[:, :, i, j] = np.einsum("nchw,fchw->nf", window, W) + b
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_pooling_takes_each_windows_max_and_sends_ties_to_the_first(rng):
    x = rng.standard_normal((2, 3, 4, 4))
    out, _ = check_backward(Pooling(2, 2, stride=2), x)
    assert np.array_equal(out, x.reshape(2, 3, 2, 2, 2, 2).max(axis=(3, 5)))
    zeros = Pooling(2, 2, stride=2)
    zeros.forward(np.zeros((1, 1, 2, 2)))
    assert zeros.backward(np.ones((1, 1, 1, 1))).tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]
    overlapping = Pooling(3, 3)  # stride 1 by default
    assert overlapping.forward(x).shape == (2, 3, 2, 2)


def test_integer_inputs_and_parameters_count_as_float64():
    layer = Convolution(np.ones((1, 1, 2, 2), dtype=np.int64), 0)  # a filter and a bias of 0
    out = layer.forward(np.arange(9).reshape(1, 1, 3, 3))           # integer pixels
    assert out.dtype == np.float64 and out.tolist() == [[[[8.0, 12.0], [20.0, 24.0]]]]
    assert layer.backward(np.ones((1, 1, 2, 2))).tolist() == [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
    assert layer.db.tolist() == 4.0 and layer.dW.tolist() == [[[[8.0, 12.0], [20.0, 24.0]]]]


def test_layers_see_in_place_changes_and_rebound_arrays(rng):
    x = rng.standard_normal((2, 3))
    W, b = np.ones((3, 2)), np.zeros(2)
    layer = Affine(W, b)
    before = layer.forward(x)
    W *= 2.0  # an optimizer's in-place update of params['W1']
    np.testing.assert_allclose(layer.forward(x), 2 * before)
    W[0, 0] += 1e-4  # numerical_gradient's perturbation
    assert layer.forward(x)[0, 0] == pytest.approx(2 * before[0, 0] + 1e-4 * x[0, 0])
    layer.W = np.zeros((3, 2))  # the book's load_params rebinds layer.W
    np.testing.assert_allclose(layer.forward(x), np.zeros((2, 2)))
    layer.backward(np.ones((2, 2)))
    np.testing.assert_allclose(layer.dW, x.T @ np.ones((2, 2)))


def test_gradcheck_works_on_bridge_layers_given_tensors(rng):
    def affine(x, W, b):
        return Affine(W, b).forward(x)

    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    W = Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(2), requires_grad=True)
    assert tg.gradcheck(affine, (x, W, b))
    images = Tensor(rng.standard_normal((2, 2, 4, 4)), requires_grad=True)
    filters = Tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True)
    bias = Tensor(rng.standard_normal(3), requires_grad=True)
    assert tg.gradcheck(lambda x, W, b: Convolution(W, b, pad=1).forward(x),
                        (images, filters, bias))
    gamma, beta = Tensor(np.ones(4), requires_grad=True), Tensor(np.zeros(4), requires_grad=True)
    assert tg.gradcheck(lambda x, g, b: BatchNormalization(g, b).forward(x, True), (x, gamma, beta))
    assert tg.gradcheck(lambda x: SoftmaxWithLoss().forward(x, np.array([0, 3, 1])), (x,))


def test_a_networks_last_loss_reaches_its_input_and_can_be_drawn(rng):
    class Net:  # the book's style: arrays handed from layer to layer
        def __init__(self):
            self.layers = [Affine(rng.standard_normal((4, 3)), np.zeros(3)), Relu(),
                           Affine(rng.standard_normal((3, 2)), np.zeros(2))]
            self.last_layer = SoftmaxWithLoss()

        def loss(self, x, t):
            for layer in self.layers:
                x = layer.forward(x)
            return self.last_layer.forward(x, t)

    net = Net()
    with pytest.raises(RuntimeError, match="has not run forward yet"):
        last_loss(net)
    loss = net.loss(rng.standard_normal((5, 4)), np.array([0, 1, 1, 0, 1]))
    tensor = last_loss(net)
    assert tensor.item() == loss
    source = draw_graph(net).source
    assert source.count("<b>MatMul") == 2 and source.count("<b>LayerInput") == 3
    with pytest.raises(TypeError, match="has no SoftmaxWithLoss"):
        last_loss(object())


def test_mistakes_a_learner_makes_get_clear_messages(rng):
    with pytest.raises(ValueError, match=r"shape \(4,\), one sample without a batch axis.*"
                                         r"reshape\(1, -1\)"):
        Affine(np.ones((4, 2)), np.zeros(2)).forward(np.ones(4))
    with pytest.raises(ValueError, match=r"Convolution.forward: .*\(N, C, H, W\), got shape "
                                         r"\(3, 784\) \(flat images: load them with "
                                         r"load_mnist\(flatten=False\)\)"):
        Convolution(np.ones((2, 1, 3, 3)), np.zeros(2)).forward(np.ones((3, 784)))
    with pytest.raises(ValueError, match=r"one image: x\[np.newaxis\]"):
        Pooling(2, 2).forward(np.ones((1, 4, 4)))
    with pytest.raises(RuntimeError, match="Relu.backward\\(dout\\) before any forward"):
        Relu().backward(np.ones(3))
    layer = Relu()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout has shape \(3, 2\), but the last forward "
                                         r"returned shape \(2, 3\)"):
        layer.backward(np.ones((3, 2)))
    with tg.no_grad():
        layer.forward(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="the last forward was not recorded"):
        layer.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="label 3 is out of range for 3 classes"):
        SoftmaxWithLoss().forward(np.ones((2, 3)), np.array([0, 3]))
