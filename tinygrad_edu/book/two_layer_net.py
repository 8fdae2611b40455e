"""The book's chapter-4 TwoLayerNet (the notes' network), with `gradient` by autodiff.

The notes' chapter-4 training loop runs with only its imports changed:

    from tinygrad_edu.book import TwoLayerNet, load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    ...
    grad = network.gradient(x_batch, t_batch)      # autodiff: one backward()
    for key in ('W1', 'b1', 'W2', 'b2'):
        network.params[key] -= learning_rate * grad[key]

`params` holds plain NumPy arrays, as in the book, so the loop's in-place update works as
written. `numerical_gradient` is the book's slow way (two forward passes per weight: the one
that took the notes' author 54 min 46 s); `gradient` gets the same numbers by autodiff.

>>> import numpy as np
>>> from tinygrad_edu.book import TwoLayerNet
>>> net = TwoLayerNet(input_size=4, hidden_size=3, output_size=2)
>>> x, t = np.random.rand(5, 4), np.eye(2)[[0, 1, 1, 0, 1]]
>>> fast, slow = net.gradient(x, t), net.numerical_gradient(x, t)
>>> all(np.allclose(fast[k], slow[k], atol=1e-6) for k in net.params)
True
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient as _numerical_gradient
from ..nn import functional as F
from ..tensor import Tensor

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")


class TwoLayerNet:
    """affine -> sigmoid -> affine -> softmax, with cross-entropy loss (the book's ch. 4 net)."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        # As in the book: small Gaussian weights from NumPy's global generator (so that
        # np.random.seed(...) in the reader's script repeats a run), zero biases.
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def _logits(self, x, params):
        hidden = (x @ params["W1"] + params["b1"]).sigmoid()
        return hidden @ params["W2"] + params["b2"]

    def _loss(self, x, t, params):
        # the engine's cross-entropy error of softmax(logits): t holds one-hot rows or labels
        return F.cross_entropy(self._logits(Tensor(x), params), t)

    def _tensors(self, requires_grad):
        return {k: Tensor(v, requires_grad=requires_grad) for k, v in self.params.items()}

    def predict(self, x):
        """Class probabilities for each row of x, or for one sample x of shape (input_size,)
        (softmax of the output layer, along its last axis)."""
        return self._logits(Tensor(x), self._tensors(False)).softmax(axis=-1).numpy()

    def loss(self, x, t):
        """The cross-entropy error of the predictions (t: one-hot rows or labels)."""
        return float(self._loss(x, t, self._tensors(False)).item())

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        t = np.asarray(t)
        labels = t.argmax(axis=1) if t.ndim != 1 else t
        return float(np.sum(y == labels) / x.shape[0])

    def numerical_gradient(self, x, t):
        """The book's way: central differences, one weight at a time (very slow)."""
        return {k: _numerical_gradient(lambda _: self.loss(x, t), self.params[k])
                for k in PARAMETER_NAMES}

    def gradient(self, x, t):
        """The same gradients by autodiff: one forward pass and one backward()."""
        params = self._tensors(True)
        self._loss(x, t, params).backward()
        return {k: params[k].grad.numpy() for k in PARAMETER_NAMES}

