"""The book's `common.functions` on NumPy arrays, computed by the engine's ops.

Arrays in, arrays out, as in the book (integer arrays count as float64, as NumPy's arithmetic
makes them); nothing is recorded. The two derivatives the book writes by hand,
`sigmoid_grad` and `relu_grad`, are the engine's gradients here: d sigmoid(x)/dx and
d relu(x)/dx, elementwise (relu's is 0 at exactly 0, where the book's gives 1).

>>> import numpy as np
>>> from tinygrad_edu.book.functions import sigmoid, sigmoid_grad, softmax
>>> sigmoid(np.array([-1, 0, 2])).round(4).tolist()
[0.2689, 0.5, 0.8808]
>>> sigmoid_grad(np.array([0.0])).tolist()
[0.25]
>>> softmax(np.array([0.3, 2.9, 4.0])).round(4).tolist()
[0.0182, 0.2452, 0.7366]
"""

from __future__ import annotations

import numpy as np

from ..autograd import grad, no_grad
from ..nn import functional as F
from ..tensor import Tensor

# No __all__: the book's scripts star-import this module (`from common.functions import *`), which
# also gives them `np`; some (chapter 6's optimizer_compare_mnist.py) use np without importing it.


def _tensor(x) -> Tensor:
    array = np.asarray(x)
    return Tensor(array if array.dtype.kind == "f" else array.astype(np.float64))


def _value(operation, *arrays):
    with no_grad():
        return operation(*map(_tensor, arrays)).data


def _elementwise_derivative(operation, x):
    x = Tensor(_tensor(x).data, requires_grad=True)
    y = operation(x)
    (dy_dx,) = grad(y, x, grad_outputs=np.ones(y.shape))  # elementwise: d y_i / d x_i
    return dy_dx.data


def identity_function(x):
    return x


def step_function(x):
    """1 where x > 0, else 0 (integers; the perceptron's step, which has no useful gradient)."""
    return (np.asarray(x) > 0).astype(int)


def sigmoid(x):
    return _value(Tensor.sigmoid, x)


def sigmoid_grad(x):
    return _elementwise_derivative(Tensor.sigmoid, x)


def relu(x):
    return _value(Tensor.relu, x)


def relu_grad(x):
    return _elementwise_derivative(Tensor.relu, x)


def softmax(x):
    """Softmax along the last axis (one sample, or one row per sample)."""
    return _value(lambda t: t.softmax(axis=-1), x)


def sum_squared_error(y, t):
    """0.5 * sum((y - t)^2), over every element."""
    return _value(lambda y, t: 0.5 * ((y - t) ** 2).sum(), y, t)[()]


def cross_entropy_error(y, t):
    """The book's cross-entropy of probabilities `y` (after softmax), averaged over the batch;
    `t` holds labels or one-hot rows. As the book's, it adds 1e-7 inside the log, so that a
    probability of 0 gives a large, finite loss. (From logits, use `softmax_loss`, the
    engine's cross-entropy, which needs no such term.)"""
    y = _tensor(y).data
    t = np.asarray(t)
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    labels = t.argmax(axis=1) if t.size == y.size else t
    n = y.shape[0]
    return _value(lambda y: -((y[np.arange(n), labels] + 1e-7).log().sum()) / n, y)[()]


def softmax_loss(X, t):
    """The cross-entropy error of softmax(X), computed by the engine from the logits X."""
    with no_grad():
        return F.cross_entropy(_tensor(X), t).data[()]
