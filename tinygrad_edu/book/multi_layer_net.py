"""The book's `common.multi_layer_net`: MultiLayerNet, a fully connected network of any depth.

(Affine, activation) for each hidden layer, a last Affine, and SoftmaxWithLoss; an L2 weight
decay of strength weight_decay_lambda, added to the loss and to each weight's gradient.
Weights are drawn layer by layer with np.random.randn, as the book draws them:
weight_init_std 'relu'/'he' gives std sqrt(2 / fan_in), 'sigmoid'/'xavier' sqrt(1 / fan_in),
a number that std. `gradient` runs each layer's backward (the engine's) from the last to the
first, as the book does; `numerical_gradient` is the slow check.

>>> import numpy as np
>>> from tinygrad_edu.book.multi_layer_net import MultiLayerNet
>>> np.random.seed(0)
>>> net = MultiLayerNet(input_size=4, hidden_size_list=[5, 3], output_size=2)
>>> x, t = np.random.rand(6, 4), np.array([0, 1, 1, 0, 1, 0])
>>> fast, slow = net.gradient(x, t), net.numerical_gradient(x, t)
>>> max(float(np.abs(fast[k] - slow[k]).max()) for k in fast) < 1e-6
True
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .gradient import numerical_gradient
from .layers import Affine, Relu, Sigmoid, SoftmaxWithLoss

__all__ = ["MultiLayerNet"]

ACTIVATIONS = {"sigmoid": Sigmoid, "relu": Relu}


def initial_weights(sizes, weight_init_std):
    """{'W1': ..., 'b1': ..., ...} for layer sizes [input, hidden..., output], drawn in order."""
    params = {}
    for number, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        scale = weight_init_std
        choice = str(weight_init_std).lower()
        if choice in ("relu", "he"):  # He et al. 2015, for ReLU
            scale = np.sqrt(2.0 / fan_in)
        elif choice in ("sigmoid", "xavier"):  # Glorot & Bengio 2010, the book's fan-in form
            scale = np.sqrt(1.0 / fan_in)
        params[f"W{number}"] = scale * np.random.randn(fan_in, fan_out)
        params[f"b{number}"] = np.zeros(fan_out)
    return params


def activation_layer(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be 'relu' or 'sigmoid', got {activation!r}")
    return ACTIVATIONS[activation]()


def backward_through(last_layer, layers):
    """The book's backward pass: dout = 1 into the loss layer, then every layer in reverse
    (each fills its dW, db, ... by the engine's backward)."""
    dout = last_layer.backward(1)
    for layer in reversed(layers.values()):
        dout = layer.backward(dout)


class MultiLayerNet:
    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0):
        self.input_size, self.output_size = input_size, output_size
        self.hidden_size_list = hidden_size_list
        self.hidden_layer_num = len(hidden_size_list)
        self.weight_decay_lambda = weight_decay_lambda
        sizes = [input_size, *hidden_size_list, output_size]
        self.params = initial_weights(sizes, weight_init_std)
        self.layers = OrderedDict()
        for number in range(1, self.hidden_layer_num + 1):
            self.layers[f"Affine{number}"] = self._affine(number)
            self.layers[f"Activation_function{number}"] = activation_layer(activation)
        self.layers[f"Affine{self.hidden_layer_num + 1}"] = self._affine(self.hidden_layer_num + 1)
        self.last_layer = SoftmaxWithLoss()

    def _affine(self, number):  # the layer holds the very arrays of self.params
        return Affine(self.params[f"W{number}"], self.params[f"b{number}"])

    def _weight_numbers(self):
        return range(1, self.hidden_layer_num + 2)

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def _weight_decay(self):
        return sum(0.5 * self.weight_decay_lambda * np.sum(self.params[f"W{n}"] ** 2)
                   for n in self._weight_numbers())

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t) + self._weight_decay()

    def accuracy(self, x, t):
        predicted = np.argmax(self.predict(x), axis=1)
        labels = t if t.ndim == 1 else np.argmax(t, axis=1)
        return np.sum(predicted == labels) / float(x.shape[0])

    def numerical_gradient(self, x, t):
        def loss_of(_):
            return self.loss(x, t)

        grads = {}
        for n in self._weight_numbers():
            grads[f"W{n}"] = numerical_gradient(loss_of, self.params[f"W{n}"])
            grads[f"b{n}"] = numerical_gradient(loss_of, self.params[f"b{n}"])
        return grads

    def gradient(self, x, t):
        self.loss(x, t)
        backward_through(self.last_layer, self.layers)
        grads = {}
        for n in self._weight_numbers():
            affine = self.layers[f"Affine{n}"]
            grads[f"W{n}"] = affine.dW + self.weight_decay_lambda * affine.W
            grads[f"b{n}"] = affine.db
        return grads
