"""The ops as functions: `tg.exp(x)`, `tg.concatenate([a, b])`, `tg.where(c, a, b)`, ...

Each one accepts Tensors or anything `Tensor()` accepts and calls the Tensor method, which
names the op and picks the dtypes: `tg.exp(x)` is `x.exp()` in every respect.

>>> import tinygrad_edu as tg
>>> tg.concatenate([tg.Tensor([1.0]), tg.Tensor([2.0, 3.0])]).tolist()
[1.0, 2.0, 3.0]
>>> tg.maximum(0.0, tg.Tensor([-1.0, 2.0])).tolist()          # the books' relu
[0.0, 2.0]
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x):
    return _tensor(x).exp()


def log(x):
    return _tensor(x).log()


def sqrt(x):
    return _tensor(x).sqrt()


def abs(x):  # noqa: A001  (tg.abs, like np.abs)
    return _tensor(x).abs()


def sin(x):
    return _tensor(x).sin()


def cos(x):
    return _tensor(x).cos()


def sigmoid(x):
    """1 / (1 + e^-x); its gradient is y (1 - y)."""
    return _tensor(x).sigmoid()


def tanh(x):
    return _tensor(x).tanh()


def relu(x):
    """max(x, 0); its gradient is 1 where x > 0 and 0 elsewhere, at x = 0 included."""
    return _tensor(x).relu()


def softmax(x, axis=-1):
    """e^x / sum(e^x) along `axis`, computed after subtracting the max (no overflow)."""
    return _tensor(x).softmax(axis=axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) by log-sum-exp: finite even where softmax rounds to 0."""
    return _tensor(x).log_softmax(axis=axis)


def matmul(a, b):
    return _tensor(a) @ b


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return _tensor(x).sum(axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return _tensor(x).mean(axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return _tensor(x).max(axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return _tensor(x).min(axis=axis, keepdims=keepdims)


# maximum, minimum and where take a number on either side; NumPy's protocol (interop.py)
# hands it to the Tensor's method, which gives it the tensor's dtype, as in `x * 2.0`: these
# three are np.maximum, np.minimum and np.where once one argument is a Tensor.


def _with_a_tensor(a, b):
    return a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)


def maximum(a, b):
    """The larger of a and b, elementwise (np.maximum); on a tie each gets half the gradient."""
    return np.maximum(_with_a_tensor(a, b), b)


def minimum(a, b):
    """The smaller of a and b, elementwise (np.minimum); on a tie each gets half the gradient."""
    return np.minimum(_with_a_tensor(a, b), b)


def clip(x, lo=None, hi=None):
    return _tensor(x).clip(lo, hi)


def reshape(x, *shape):
    return _tensor(x).reshape(*shape)


def transpose(x, *axes):
    return _tensor(x).transpose(*axes)


def broadcast_to(x, shape):
    return _tensor(x).broadcast_to(shape)


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (np.concatenate); gradients are split back."""
    return Tensor.concatenate(tensors, axis)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis (np.stack)."""
    return Tensor.stack(tensors, axis)


def where(condition, a, b):
    """Elements of `a` where `condition` holds, else of `b`; each side gets its gradient."""
    return np.where(condition, _with_a_tensor(a, b), b)
