"""The bridge used as chapters 5-8 use the book's modules: networks built from its layers,
their gradient checks, the chapter-6 optimizers, Trainer, parameters shared and rebound."""

import re
from collections import OrderedDict

import numpy as np
import pytest

from tinygrad_edu.book import TwoLayerNet, load_mnist
from tinygrad_edu.book.gradient import numerical_gradient
from tinygrad_edu.book.layers import Affine, Convolution, Pooling, Relu, SoftmaxWithLoss
from tinygrad_edu.book.multi_layer_net import MultiLayerNet
from tinygrad_edu.book.multi_layer_net_extend import MultiLayerNetExtend
from tinygrad_edu.book.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from tinygrad_edu.book.trainer import Trainer
from tinygrad_edu.book.util import shuffle_dataset


class LayeredTwoLayerNet:
    """Chapter 5's network as a reader writes it: Affine, Relu, Affine, SoftmaxWithLoss."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": weight_init_std * np.random.randn(input_size, hidden_size),
                       "b1": np.zeros(hidden_size),
                       "W2": weight_init_std * np.random.randn(hidden_size, output_size),
                       "b2": np.zeros(output_size)}
        self.layers = OrderedDict(Affine1=Affine(self.params["W1"], self.params["b1"]),
                                  Relu1=Relu(),
                                  Affine2=Affine(self.params["W2"], self.params["b2"]))
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.lastLayer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        return float(np.mean(self.predict(x).argmax(axis=1) == t))

    def numerical_gradient(self, x, t):
        return {key: numerical_gradient(lambda _: self.loss(x, t), self.params[key])
                for key in self.params}

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        first, second = self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}

    def load_params(self, params):  # the book's load_params, without its pickle file
        for key, value in params.items():
            self.params[key] = value
        for number, name in ((1, "Affine1"), (2, "Affine2")):
            self.layers[name].W = self.params[f"W{number}"]
            self.layers[name].b = self.params[f"b{number}"]


class SmallConvNet:
    """SimpleConvNet's shape (conv - relu - pool - affine - relu - affine), scaled down."""

    def __init__(self, filters=3, size=3, hidden=8, image=(1, 8, 8), classes=3, std=0.1):
        pooled = filters * ((image[1] - size + 1) // 2) ** 2
        self.params = {"W1": std * np.random.randn(filters, image[0], size, size),
                       "b1": np.zeros(filters),
                       "W2": std * np.random.randn(pooled, hidden), "b2": np.zeros(hidden),
                       "W3": std * np.random.randn(hidden, classes), "b3": np.zeros(classes)}
        p = self.params
        self.layers = [Convolution(p["W1"], p["b1"]), Relu(), Pooling(2, 2, stride=2),
                       Affine(p["W2"], p["b2"]), Relu(), Affine(p["W3"], p["b3"])]
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        return np.sum(self.predict(x).argmax(axis=1) == t) / x.shape[0]

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {}
        for number, layer in zip((1, 2, 3), (self.layers[0], self.layers[3], self.layers[5])):
            grads[f"W{number}"], grads[f"b{number}"] = layer.dW, layer.db
        return grads


def largest_difference(a, b):
    return max(float(np.abs(a[key] - b[key]).max()) for key in a)


def test_chapter_5_gradient_check_agrees_below_1e_minus_6():
    np.random.seed(0)
    net = LayeredTwoLayerNet(input_size=6, hidden_size=5, output_size=3, weight_init_std=0.5)
    x, t = np.random.rand(4, 6), np.array([0, 2, 1, 2])
    backprop, numerical = net.gradient(x, t), net.numerical_gradient(x, t)
    assert largest_difference(backprop, numerical) < 1e-6
    assert {k: v.shape for k, v in backprop.items()} == {k: v.shape for k, v in net.params.items()}


def test_chapter_5_training_loop_updates_the_shared_arrays_in_place():
    np.random.seed(1)
    net = LayeredTwoLayerNet(input_size=4, hidden_size=8, output_size=2, weight_init_std=0.5)
    W1 = net.params["W1"]
    x = np.random.rand(20, 4)
    t = (x[:, 0] > x[:, 1]).astype(int)
    before = net.loss(x, t)
    for _ in range(200):
        grads = net.gradient(x, t)
        for key in net.params:
            net.params[key] -= 0.5 * grads[key]
    assert net.params["W1"] is W1 and net.layers["Affine1"].W is W1
    assert net.loss(x, t) < 0.5 * before and net.accuracy(x, t) >= 0.9


def test_load_params_rebinds_the_layers_arrays():
    np.random.seed(2)
    net = LayeredTwoLayerNet(input_size=3, hidden_size=4, output_size=2)
    other = LayeredTwoLayerNet(input_size=3, hidden_size=4, output_size=2, weight_init_std=1.0)
    x = np.random.rand(5, 3)
    saved = {key: value.copy() for key, value in other.params.items()}
    net.load_params(saved)
    np.testing.assert_array_equal(net.predict(x), other.predict(x))
    assert net.layers["Affine2"].W is saved["W2"]


def test_weights_are_drawn_from_numpys_generator_in_the_books_order():
    np.random.seed(3)
    net = MultiLayerNet(input_size=5, hidden_size_list=[4, 3], output_size=2,
                        weight_init_std="sigmoid")
    np.random.seed(3)
    for number, (fan_in, fan_out) in enumerate([(5, 4), (4, 3), (3, 2)], start=1):
        expected = np.sqrt(1.0 / fan_in) * np.random.randn(fan_in, fan_out)
        np.testing.assert_array_equal(net.params[f"W{number}"], expected)
        assert not net.params[f"b{number}"].any()


def test_multi_layer_net_with_weight_decay_checks_against_numerical_gradient():
    np.random.seed(4)
    net = MultiLayerNet(input_size=4, hidden_size_list=[5, 5], output_size=3,
                        activation="sigmoid", weight_decay_lambda=0.1)
    x, t = np.random.rand(6, 4), np.eye(3)[[0, 1, 2, 0, 1, 2]]
    assert largest_difference(net.gradient(x, t), net.numerical_gradient(x, t)) < 1e-6
    decay = 0.5 * 0.1 * sum(np.sum(net.params[f"W{n}"] ** 2) for n in (1, 2, 3))
    assert net.loss(x, t) == pytest.approx(net.last_layer.forward(net.predict(x), t) + decay)


def test_batch_norm_network_checks_against_numerical_gradient():
    np.random.seed(5)
    net = MultiLayerNetExtend(input_size=4, hidden_size_list=[6, 5], output_size=3,
                              use_batchnorm=True, weight_init_std=0.3)
    x, t = np.random.rand(8, 4), np.array([0, 1, 2, 0, 1, 2, 0, 1])
    backprop, numerical = net.gradient(x, t), net.numerical_gradient(x, t)
    assert sorted(backprop) == sorted(net.params) and "gamma2" in backprop
    assert largest_difference(backprop, numerical) < 1e-6


def test_dropout_network_trains_and_tests_without_dropout():
    np.random.seed(6)
    net = MultiLayerNetExtend(input_size=4, hidden_size_list=[32], output_size=2,
                              use_dropout=True, dropout_ration=0.2)
    x = np.random.rand(40, 4)
    t = (x.sum(axis=1) > 2).astype(int)
    np.testing.assert_array_equal(net.predict(x), net.predict(x))  # testing: no mask
    before = net.loss(x, t)
    optimizer = Adam(lr=0.01)
    for _ in range(150):
        optimizer.update(net.params, net.gradient(x, t))
    assert net.loss(x, t) < 0.6 * before and net.accuracy(x, t) > 0.85


def one_step_by_the_books_rules(name, W, g):
    """What each of the book's optimizers does to W on its first update, written out."""
    if name == "SGD":
        return W - 0.1 * g
    if name == "Momentum":
        return W + (0.9 * 0 - 0.1 * g)
    if name == "Nesterov":
        return W + 0.9 * 0.9 * 0 - (1 + 0.9) * 0.1 * g
    if name == "AdaGrad":
        return W - 0.1 * g / (np.sqrt(g * g) + 1e-7)
    if name == "RMSprop":
        return W - 0.1 * g / (np.sqrt(0.01 * g * g) + 1e-7)
    lr_t = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)  # Adam, with its bias correction
    m, v = 0.1 * g, 0.001 * g**2
    return W - lr_t * m / (np.sqrt(v) + 1e-7)


OPTIMIZERS = {"SGD": SGD, "Momentum": Momentum, "Nesterov": Nesterov, "AdaGrad": AdaGrad,
              "RMSprop": RMSprop, "Adam": Adam}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_first_step_is_the_books_rule(name):
    rng = np.random.default_rng(7)
    W, g = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    params = {"W": W}
    expected = one_step_by_the_books_rules(name, W.copy(), g)
    OPTIMIZERS[name](lr=0.1).update(params, {"W": g})
    assert params["W"] is W  # in place: the layers hold this array
    np.testing.assert_allclose(W, expected, rtol=1e-14)


def test_adam_bias_correction_and_nesterov_velocity_over_two_steps():
    g1, g2 = np.array([0.5]), np.array([-0.2])
    W = np.array([1.0])
    adam = Adam(lr=0.1)
    adam.update({"W": W}, {"W": g1})
    adam.update({"W": W}, {"W": g2})
    m, v = 0.1 * g1, 0.001 * g1**2
    after_one = 1.0 - 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-7)
    m, v = m + 0.1 * (g2 - m), v + 0.001 * (g2**2 - v)
    after_two = after_one - 0.1 * np.sqrt(1 - 0.999**2) / (1 - 0.9**2) * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(W, after_two, rtol=1e-14)
    W = np.array([1.0])
    nesterov = Nesterov(lr=0.1, momentum=0.9)
    nesterov.update({"W": W}, {"W": g1})
    nesterov.update({"W": W}, {"W": g2})
    velocity = -0.1 * g1
    expected = 1.0 - 1.9 * 0.1 * g1 + 0.81 * velocity - 1.9 * 0.1 * g2
    np.testing.assert_allclose(W, expected, rtol=1e-14)


def test_chapter_6_optimizer_comparison_every_loss_goes_down():
    rng = np.random.default_rng(8)
    x = rng.random((60, 6))
    t = (x[:, :3].sum(axis=1) > x[:, 3:].sum(axis=1)).astype(int)
    settings = {"SGD": 0.5, "Momentum": 0.05, "Nesterov": 0.1, "AdaGrad": 0.1, "RMSprop": 0.01,
                "Adam": 0.01}
    for name, lr in settings.items():
        np.random.seed(9)
        net = MultiLayerNet(input_size=6, hidden_size_list=[16, 16], output_size=2)
        optimizer = OPTIMIZERS[name](lr=lr)
        losses = []
        for _ in range(60):
            batch = np.random.choice(60, 20)
            optimizer.update(net.params, net.gradient(x[batch], t[batch]))
            losses.append(net.loss(x, t))
        assert losses[-1] < 0.7 * losses[0], name


def test_simple_convnet_with_trainer_prints_as_the_book(capsys):
    np.random.seed(10)
    x = np.random.rand(30, 1, 8, 8)
    t = np.random.randint(0, 3, 30)
    x[np.arange(30), 0, t * 2, t * 2] += 3.0  # a bright pixel whose place gives the class
    net = SmallConvNet()
    trainer = Trainer(net, x, t, x[:10], t[:10], epochs=15, mini_batch_size=10,
                      optimizer="Adam", optimizer_param={"lr": 0.01},
                      evaluate_sample_num_per_epoch=10)
    trainer.train()
    lines = capsys.readouterr().out.splitlines()
    assert len(trainer.train_loss_list) == 45 and len(trainer.test_acc_list) == 15
    assert re.fullmatch(r"train loss:\d\.\d+", lines[0])
    assert re.fullmatch(r"=== epoch:1, train acc:[\d.]+, test acc:[\d.]+ ===", lines[1])
    assert lines[-2] == "=============== Final Test Accuracy ==============="
    assert lines[-1] == f"test acc:{net.accuracy(x[:10], t[:10])}"
    assert trainer.train_loss_list[-1] < trainer.train_loss_list[0]
    assert trainer.train_acc_list[0] <= 0.5 and trainer.train_acc_list[-1] == 1.0


def test_trainer_and_optimizer_messages():
    net = MultiLayerNet(input_size=2, hidden_size_list=[2], output_size=2)
    x, t = np.ones((4, 2)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'; the book's are 'sgd', "):
        Trainer(net, x, t, x, t, optimizer="adamw")
    with pytest.raises(KeyError, match="grads has no 'b1', which params has"):
        SGD().update(net.params, {"W1": np.ones((2, 2))})
    with pytest.raises(ValueError, match=r"grads\['W1'\] has shape \(2,\), but params\['W1'\]"):
        SGD().update({"W1": net.params["W1"]}, {"W1": np.ones(2)})
    with pytest.raises(ValueError, match="activation must be 'relu' or 'sigmoid', got 'tanh'"):
        MultiLayerNet(input_size=2, hidden_size_list=[2], output_size=2, activation="tanh")


def test_shuffle_dataset_draws_one_permutation():
    x, t = np.arange(10).reshape(5, 2), np.arange(5)
    np.random.seed(11)
    shuffled_x, shuffled_t = shuffle_dataset(x, t)
    np.random.seed(11)
    order = np.random.permutation(5)
    assert np.array_equal(shuffled_x, x[order]) and np.array_equal(shuffled_t, order)


def test_chapter_4_two_layer_net_predicts_one_sample():
    np.random.seed(12)
    net = TwoLayerNet(input_size=4, hidden_size=3, output_size=2, weight_init_std=1.0)
    x = np.random.rand(3, 4)
    one = net.predict(x[0])
    assert one.shape == (2,) and one.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(one, net.predict(x)[0])


def test_load_mnist_gives_the_books_dtypes():
    (x, t), (x_test, t_test) = load_mnist()
    assert x.dtype == np.float32 and x.shape == (60000, 784) and t.dtype == np.uint8
    assert t[:3].tolist() == [5, 0, 4] and x.max() == 1.0
    (_, t_one_hot), _ = load_mnist(one_hot_label=True, flatten=False)
    assert t_one_hot.dtype == np.float64 and t_one_hot[0].argmax() == 5


def test_star_imports_give_what_the_books_scripts_use():
    for module, names in (("optimizer", {"SGD", "Adam", "np"}),
                          ("layers", {"Affine", "Convolution", "SoftmaxWithLoss", "np"}),
                          ("functions", {"sigmoid", "softmax", "sigmoid_grad", "np"})):
        namespace = {}
        exec(f"from tinygrad_edu.book.{module} import *", namespace)  # noqa: S102
        assert names <= set(namespace), module
