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
    return _tensor(x).sigmoid()


def tanh(x):
    return _tensor(x).tanh()


def relu(x):
    return _tensor(x).relu()


def softmax(x, axis=-1):
    return _tensor(x).softmax(axis=axis)


def log_softmax(x, axis=-1):
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


def _tensor_first(a, b) -> bool:
    # A number (tg.maximum(0.0, x)) must meet the tensor's method, which gives it the tensor's
    # dtype, as in `x * 2.0`
    return isinstance(b, Tensor) and not isinstance(a, Tensor)


def maximum(a, b):
    """The larger of a and b, elementwise (np.maximum); on a tie each gets half the gradient."""
    return b.maximum(a) if _tensor_first(a, b) else _tensor(a).maximum(b)


def minimum(a, b):
    """The smaller of a and b, elementwise (np.minimum); on a tie each gets half the gradient."""
    return b.minimum(a) if _tensor_first(a, b) else _tensor(a).minimum(b)


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
    if _tensor_first(a, b):  # where(c, 0.0, x) is x.where(not c, 0.0)
        return b.where(~np.asarray(condition, dtype=bool), a)
    return _tensor(a).where(condition, b)
