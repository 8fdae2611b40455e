"""NumPy functions on Tensors: `np.exp(t)`, `np.dot(x, W)`, `np.sum(t)` stay in the graph.

The notes write their networks with NumPy (`np.dot(x, W1) + b1`, `1 / (1 + np.exp(-x))`).
Those same lines work on Tensors: NumPy hands the call to the Tensor (the `__array_ufunc__`
and `__array_function__` protocols, NEP 13 and NEP 18), and the Tensor answers with its own
differentiable op. The ops' backward formulas rely on this too when `create_graph=True`.

>>> import numpy as np, tinygrad_edu as tg
>>> def sigmoid(x):                       # the notes' function, unchanged
...     return 1.0 / (1.0 + np.exp(-x))
>>> x = tg.Tensor(0.0, requires_grad=True)
>>> sigmoid(x).backward()
>>> float(x.grad.item())
0.25

A NumPy function with no Tensor version is a TypeError that says what to do instead.
"""

from __future__ import annotations

import numpy as np

from . import functions as ops
from .tensor import Tensor, _wrap


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _constant(function):
    # Piecewise-constant functions (sign, comparisons): a plain result outside the graph.
    return lambda *args: _wrap(function(*(a.data if isinstance(a, Tensor) else a for a in args)))


def _binary(method, reflected):
    # `array + tensor` or `np.float64(2) * tensor`: let the Tensor's reflected operator take
    # the other operand, so that scalars adopt the tensor's dtype as they do in `tensor * 2.0`.
    def call(a, b):
        if isinstance(a, Tensor):
            return getattr(a, method)(b)
        return getattr(b, reflected)(a)

    return call


UFUNCS = {
    np.add: _binary("__add__", "__radd__"),
    np.subtract: _binary("__sub__", "__rsub__"),
    np.multiply: _binary("__mul__", "__rmul__"),
    np.true_divide: _binary("__truediv__", "__rtruediv__"),
    np.power: _binary("__pow__", "__rpow__"),
    np.matmul: _binary("__matmul__", "__rmatmul__"),
    np.negative: lambda a: -_t(a),
    np.positive: lambda a: _t(a),
    np.square: lambda a: _t(a) * a,
    np.exp: ops.exp,
    np.log: ops.log,
    np.sqrt: ops.sqrt,
    np.absolute: ops.abs,
    np.sin: ops.sin,
    np.cos: ops.cos,
    np.tanh: ops.tanh,
    np.sign: _constant(np.sign),
    np.less: lambda a, b: _t(a) < b,
    np.less_equal: lambda a, b: _t(a) <= b,
    np.greater: lambda a, b: _t(a) > b,
    np.greater_equal: lambda a, b: _t(a) >= b,
    np.equal: lambda a, b: _t(a) == b,
    np.not_equal: lambda a, b: _t(a) != b,
}


def _dot(a, b):
    a, b = _t(a), _t(b)
    if a.ndim > 2 or b.ndim > 2:
        raise TypeError("np.dot on Tensors of more than 2 dimensions: use a @ b (np.matmul)")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return a @ b


def _reduction(method):
    def call(a, axis=None, keepdims=False, **unsupported):
        _reject(method, unsupported)
        return getattr(_t(a), method)(axis=axis, keepdims=keepdims)

    return call


def _reject(name, unsupported):
    given = {k: v for k, v in unsupported.items() if v is not None}
    if given:
        raise TypeError(f"np.{name} on a Tensor does not take {', '.join(given)}")


def _on_data(function):
    # Functions that only read values or shapes: answer with plain NumPy results.
    def call(a, *args, **kwargs):
        return function(a.data if isinstance(a, Tensor) else a, *args, **kwargs)

    return call


FUNCTIONS = {
    np.dot: _dot,
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.max: _reduction("max"),
    np.amax: _reduction("max"),
    np.min: _reduction("min"),
    np.amin: _reduction("min"),
    np.reshape: lambda a, shape, **kw: _t(a).reshape(shape),
    np.transpose: lambda a, axes=None: _t(a).transpose(*(axes or ())),
    np.swapaxes: lambda a, axis1, axis2: _t(a).swapaxes(axis1, axis2),
    np.clip: lambda a, a_min=None, a_max=None, **kw: _t(a).clip(a_min, a_max),
    np.concatenate: lambda arrays, axis=0, **kw: ops.concatenate(arrays, axis),
    np.stack: lambda arrays, axis=0, **kw: ops.stack(arrays, axis),
    np.where: ops.where,
    np.broadcast_to: lambda array, shape, **kw: ops.broadcast_to(array, shape),
    np.argmax: _on_data(np.argmax),
    np.argmin: _on_data(np.argmin),
    np.shape: _on_data(np.shape),
    np.ndim: _on_data(np.ndim),
    np.size: _on_data(np.size),
    np.zeros_like: _on_data(np.zeros_like),
    np.ones_like: _on_data(np.ones_like),
    np.empty_like: _on_data(np.empty_like),
    np.array_equal: lambda a, b, **kw: np.array_equal(np.asarray(a), np.asarray(b), **kw),
    np.allclose: lambda a, b, **kw: np.allclose(np.asarray(a), np.asarray(b), **kw),
    np.isclose: lambda a, b, **kw: np.isclose(np.asarray(a), np.asarray(b), **kw),
}


def _unsupported(name):
    instead = f"use tg.{name} or the Tensor method, or " if hasattr(ops, name) else ""
    return TypeError(
        f"np.{name} does not work on Tensors (it would leave the graph without a gradient); "
        f"{instead}call it on t.numpy() for plain values"
    )


def array_ufunc(ufunc, method, inputs, kwargs):
    function = UFUNCS.get(ufunc)
    if method != "__call__" or function is None:
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        raise _unsupported(name)
    if kwargs:
        raise TypeError(f"np.{ufunc.__name__} on a Tensor does not take {', '.join(kwargs)}")
    return function(*inputs)


def array_function(func, args, kwargs):
    function = FUNCTIONS.get(func)
    if function is None:
        raise _unsupported(func.__name__)
    return function(*args, **kwargs)
