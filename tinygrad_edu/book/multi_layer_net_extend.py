"""The book's `common.multi_layer_net_extend`: MultiLayerNetExtend, MultiLayerNet with
BatchNormalization and Dropout.

Each hidden layer is Affine, then BatchNormalization (use_batchnorm: gamma ones and beta zeros
in `params` as gamma1, beta1, ...), the activation, then Dropout (use_dropout, ratio
`dropout_ration`, the book's spelling). `predict(x, train_flg=False)`, `loss(x, t,
train_flg=False)`; `gradient` and `numerical_gradient` run in training mode, as the book's.

>>> import numpy as np
>>> from tinygrad_edu.book.multi_layer_net_extend import MultiLayerNetExtend
>>> np.random.seed(0)
>>> net = MultiLayerNetExtend(input_size=4, hidden_size_list=[5], output_size=2,
...                           use_batchnorm=True)
>>> x, t = np.random.rand(6, 4), np.array([0, 1, 1, 0, 1, 0])
>>> fast, slow = net.gradient(x, t), net.numerical_gradient(x, t)
>>> sorted(fast) == sorted(net.params)
True
>>> max(float(np.abs(fast[k] - slow[k]).max()) for k in fast) < 1e-6
True
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .gradient import numerical_gradient
from .layers import Affine, BatchNormalization, Dropout, SoftmaxWithLoss
from .multi_layer_net import activation_layer, backward_through, initial_weights

__all__ = ["MultiLayerNetExtend"]


class MultiLayerNetExtend:
    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0, use_dropout=False,
                 dropout_ration=0.5, use_batchnorm=False):
        self.input_size, self.output_size = input_size, output_size
        self.hidden_size_list = hidden_size_list
        self.hidden_layer_num = len(hidden_size_list)
        self.use_dropout, self.use_batchnorm = use_dropout, use_batchnorm
        self.weight_decay_lambda = weight_decay_lambda
        self.params = initial_weights([input_size, *hidden_size_list, output_size],
                                      weight_init_std)
        self.layers = OrderedDict()
        for n, width in enumerate(hidden_size_list, start=1):
            self.layers[f"Affine{n}"] = Affine(self.params[f"W{n}"], self.params[f"b{n}"])
            if use_batchnorm:
                self.params[f"gamma{n}"] = np.ones(width)
                self.params[f"beta{n}"] = np.zeros(width)
                self.layers[f"BatchNorm{n}"] = BatchNormalization(self.params[f"gamma{n}"],
                                                                  self.params[f"beta{n}"])
            self.layers[f"Activation_function{n}"] = activation_layer(activation)
            if use_dropout:
                self.layers[f"Dropout{n}"] = Dropout(dropout_ration)
        last = self.hidden_layer_num + 1
        self.layers[f"Affine{last}"] = Affine(self.params[f"W{last}"], self.params[f"b{last}"])
        self.last_layer = SoftmaxWithLoss()

    def _weight_numbers(self):
        return range(1, self.hidden_layer_num + 2)

    def predict(self, x, train_flg=False):
        for layer in self.layers.values():
            if isinstance(layer, (Dropout, BatchNormalization)):  # the two that take train_flg
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        y = self.predict(x, train_flg)
        weight_decay = sum(0.5 * self.weight_decay_lambda * np.sum(self.params[f"W{n}"] ** 2)
                           for n in self._weight_numbers())
        return self.last_layer.forward(y, t) + weight_decay

    def accuracy(self, x, t):
        predicted = np.argmax(self.predict(x, train_flg=False), axis=1)
        labels = t if t.ndim == 1 else np.argmax(t, axis=1)
        return np.sum(predicted == labels) / float(x.shape[0])

    def numerical_gradient(self, x, t):
        def loss_of(_):
            return self.loss(x, t, train_flg=True)

        grads = {}
        for n in self._weight_numbers():
            for name in (f"W{n}", f"b{n}") + ((f"gamma{n}", f"beta{n}") if self._normalized(n)
                                              else ()):
                grads[name] = numerical_gradient(loss_of, self.params[name])
        return grads

    def _normalized(self, n):
        return self.use_batchnorm and n != self.hidden_layer_num + 1

    def gradient(self, x, t):
        self.loss(x, t, train_flg=True)
        backward_through(self.last_layer, self.layers)
        grads = {}
        for n in self._weight_numbers():
            affine = self.layers[f"Affine{n}"]
            grads[f"W{n}"] = affine.dW + self.weight_decay_lambda * self.params[f"W{n}"]
            grads[f"b{n}"] = affine.db
            if self._normalized(n):
                grads[f"gamma{n}"] = self.layers[f"BatchNorm{n}"].dgamma
                grads[f"beta{n}"] = self.layers[f"BatchNorm{n}"].dbeta
        return grads
