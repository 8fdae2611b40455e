"""The ops as functions: `tg.exp(x)`, `tg.concatenate([a, b])`, `tg.where(c, a, b)`, ...

Each one accepts Tensors or anything `Tensor()` accepts and calls the op from ops.py.

>>> import tinygrad_edu as tg
>>> tg.concatenate([tg.Tensor([1.0]), tg.Tensor([2.0, 3.0])]).tolist()
[1.0, 2.0, 3.0]
"""

from __future__ import annotations

import numpy as np

from .ops import (
    Abs,
    BroadcastTo,
    Concatenate,
    Cos,
    Exp,
    Log,
    LogSoftmax,
    MatMul,
    ReLU,
    Sigmoid,
    Sin,
    Softmax,
    Sqrt,
    Stack,
    Tanh,
    Where,
)
from .tensor import Tensor, _operands, _plain_index, _wrap


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x):
    return Exp.apply(_tensor(x))


def log(x):
    return Log.apply(_tensor(x))


def sqrt(x):
    return Sqrt.apply(_tensor(x))


def abs(x):  # noqa: A001  (tg.abs, like np.abs)
    return Abs.apply(_tensor(x))


def sin(x):
    return Sin.apply(_tensor(x))


def cos(x):
    return Cos.apply(_tensor(x))


def sigmoid(x):
    return Sigmoid.apply(_tensor(x))


def tanh(x):
    return Tanh.apply(_tensor(x))


def relu(x):
    return ReLU.apply(_tensor(x))


def softmax(x, axis=-1):
    return Softmax.apply(_tensor(x), axis=axis)


def log_softmax(x, axis=-1):
    return LogSoftmax.apply(_tensor(x), axis=axis)


def matmul(a, b):
    return MatMul.apply(*_operands(_tensor(a), b))


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return _tensor(x).sum(axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return _tensor(x).mean(axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return _tensor(x).max(axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return _tensor(x).min(axis=axis, keepdims=keepdims)


def clip(x, lo, hi):
    return _tensor(x).clip(lo, hi)


def reshape(x, *shape):
    return _tensor(x).reshape(*shape)


def transpose(x, *axes):
    return _tensor(x).transpose(*axes)


def broadcast_to(x, shape):
    shape = tuple(shape)
    x = _tensor(x)
    return x if x.shape == shape else BroadcastTo.apply(x, shape=shape)


def _same_dtype(tensors):
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("need at least one tensor")
    floats = [t.dtype for t in tensors if t.dtype.kind == "f"]
    if floats:
        dtype = np.result_type(*floats)
        tensors = [t if t.dtype == dtype else _wrap(t.data.astype(dtype)) for t in tensors]
    return tensors


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (np.concatenate); gradients are split back."""
    return Concatenate.apply(*_same_dtype(tensors), axis=axis)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis (np.stack)."""
    return Stack.apply(*_same_dtype(tensors), axis=axis)


def where(condition, a, b):
    """Elements of `a` where `condition` holds, else of `b`; each side gets its gradient."""
    condition = np.asarray(_plain_index(condition), dtype=bool)
    a, b = _operands(_tensor(a), b)
    return Where.apply(a, b, condition=condition)
