"""NumPy functions on Tensors: `np.exp(t)`, `np.dot(x, W)`, `np.sum(t)` stay in the graph.

The notes write their networks with NumPy (`np.dot(x, W1) + b1`, `1 / (1 + np.exp(-x))`).
Those same lines work on Tensors: NumPy hands the call to the Tensor (the `__array_ufunc__`
and `__array_function__` protocols, NEP 13 and NEP 18), and each entry of the tables below
answers with the Tensor method, so every road into an op follows the same dtype rules. The
ops' backward formulas rely on this too when `create_graph=True`.

>>> import numpy as np, tinygrad_edu as tg
>>> def sigmoid(x):                       # the notes' function, unchanged
...     return 1.0 / (1.0 + np.exp(-x))
>>> x = tg.Tensor(0.0, requires_grad=True)
>>> sigmoid(x).backward()
>>> float(x.grad.item())
0.25

A NumPy function with no Tensor version, or an argument that a Tensor cannot honour (`out=`,
`order="F"`, `dtype=`), is a TypeError that says what to do instead: ignoring it would give
wrong values.

This module does not import tensor.py (tensor.py imports it): each table entry gets the
Tensor class as its first argument.
"""

from __future__ import annotations

import numpy as np

# NumPy's defaults: an argument passed with its default value changes nothing and is fine.
_DEFAULTS = {"out": None, "dtype": None, "order": "C", "casting": "same_kind", "subok": False,
             "copy": None, "where": True}


def _is_default(key, value) -> bool:
    default = _DEFAULTS.get(key, _DEFAULTS)  # (the dict itself: no argument's value)
    return value is default or (isinstance(value, str) and value == default)


def _refuse(name, given):
    """TypeError for the arguments of np.<name> that a Tensor cannot honour."""
    odd = [key for key, value in given.items() if not _is_default(key, value)]
    if odd:
        shown = ", ".join(f"{k}={given[k]!r}" if isinstance(given[k], (str, bool, int, float))
                          else k for k in odd)
        raise TypeError(f"np.{name} on a Tensor does not take {shown}")


# ---- ufuncs: np.exp(t), np.add(array, t), np.maximum(0, t) ------------------------------------


def _method(name):
    # np.f(t) -> t.name(): the only input of a unary ufunc is the Tensor that NumPy called
    return lambda Tensor, x: getattr(x, name)()


def _binary(method, reflected):
    # `array + tensor` or `np.float64(2) * tensor`: the Tensor's reflected operator takes the
    # other operand, so that numbers adopt the tensor's dtype as they do in `tensor * 2.0`.
    def call(Tensor, a, b):
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
    np.maximum: _binary("maximum", "maximum"),  # max(a, b) = max(b, a), ties included
    np.minimum: _binary("minimum", "minimum"),
    np.negative: lambda Tensor, x: -x,
    np.positive: lambda Tensor, x: x,
    np.square: lambda Tensor, x: x * x,
    np.exp: _method("exp"),
    np.log: _method("log"),
    np.sqrt: _method("sqrt"),
    np.absolute: _method("abs"),
    np.sin: _method("sin"),
    np.cos: _method("cos"),
    np.tanh: _method("tanh"),
    np.sign: lambda Tensor, x: Tensor(np.sign(x.data)),  # piecewise constant: no gradient
    np.less: _binary("__lt__", "__gt__"),
    np.less_equal: _binary("__le__", "__ge__"),
    np.greater: _binary("__gt__", "__lt__"),
    np.greater_equal: _binary("__ge__", "__le__"),
    np.equal: _binary("__eq__", "__eq__"),
    np.not_equal: _binary("__ne__", "__ne__"),
}


# ---- functions: np.sum(t), np.concatenate([a, t]), np.where(c, t, 0) ---------------------------


def _tensor(Tensor, x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _dot(Tensor, a, b, **unsupported):
    _refuse("dot", unsupported)
    a, b = _tensor(Tensor, a), _tensor(Tensor, b)
    if a.ndim > 2 or b.ndim > 2:
        raise TypeError("np.dot on Tensors of more than 2 dimensions: use a @ b (np.matmul)")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return a @ b


def _reduction(method):
    def call(Tensor, a, axis=None, *, keepdims=False, **unsupported):
        _refuse(method, unsupported)
        return getattr(a, method)(axis=axis, keepdims=keepdims)

    return call


def _reshape(Tensor, a, shape=None, order="C", *, newshape=None, **unsupported):
    _refuse("reshape", {"order": order, **unsupported})
    return a.reshape(shape if shape is not None else newshape)


def _transpose(Tensor, a, axes=None):
    return a.transpose(*(axes or ()))


def _clip(Tensor, a, a_min=None, a_max=None, *, min=None, max=None, **unsupported):  # noqa: A002
    _refuse("clip", unsupported)
    lo = a_min if a_min is not None else min  # NumPy 2.1 also calls them min= and max=
    hi = a_max if a_max is not None else max
    return _tensor(Tensor, a).clip(lo, hi)


def _join(method):
    def call(Tensor, arrays, axis=0, **unsupported):
        _refuse(method, unsupported)
        return getattr(Tensor, method)(arrays, axis)

    return call


def _where(Tensor, condition, x=None, y=None):
    if x is None and y is None:  # np.where(mask): the indices, plain
        return np.where(np.asarray(condition))
    if isinstance(y, Tensor) and not isinstance(x, Tensor):  # the number takes y's dtype
        return y.where(~np.asarray(condition, dtype=bool), x)
    return _tensor(Tensor, x).where(condition, y)


def _broadcast_to(Tensor, array, shape, **unsupported):
    _refuse("broadcast_to", unsupported)
    return array.broadcast_to(shape)


def _on_data(function):
    # Functions that only read values or shapes: answer with plain NumPy results.
    def call(Tensor, *args, **kwargs):
        return function(*(a.data if isinstance(a, Tensor) else a for a in args), **kwargs)

    return call


FUNCTIONS = {
    np.dot: _dot,
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.max: _reduction("max"),
    np.amax: _reduction("max"),
    np.min: _reduction("min"),
    np.amin: _reduction("min"),
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.swapaxes: lambda Tensor, a, axis1, axis2: a.swapaxes(axis1, axis2),
    np.clip: _clip,
    np.concatenate: _join("concatenate"),
    np.stack: _join("stack"),
    np.where: _where,
    np.broadcast_to: _broadcast_to,
    np.argmax: _on_data(np.argmax),
    np.argmin: _on_data(np.argmin),
    np.shape: _on_data(np.shape),
    np.ndim: _on_data(np.ndim),
    np.size: _on_data(np.size),
    np.zeros_like: _on_data(np.zeros_like),
    np.ones_like: _on_data(np.ones_like),
    np.empty_like: _on_data(np.empty_like),
    np.array_equal: _on_data(np.array_equal),
    np.allclose: _on_data(np.allclose),
    np.isclose: _on_data(np.isclose),
}


def _unsupported(Tensor, name):
    instead = f"use tg.{name} or the Tensor method, or " if hasattr(Tensor, name) else ""
    return TypeError(
        f"np.{name} does not work on Tensors (it would leave the graph without a gradient); "
        f"{instead}call it on t.numpy() for plain values"
    )


def array_ufunc(Tensor, ufunc, method, inputs, kwargs):
    """Tensor.__array_ufunc__: `np.exp(t)` and friends."""
    answer = UFUNCS.get(ufunc)
    if method != "__call__" or answer is None:
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        raise _unsupported(Tensor, name)
    if kwargs:
        raise TypeError(f"np.{ufunc.__name__} on a Tensor does not take {', '.join(kwargs)}")
    return answer(Tensor, *inputs)


def array_function(Tensor, func, args, kwargs):
    """Tensor.__array_function__: `np.sum(t)`, `np.concatenate([a, t])` and friends."""
    answer = FUNCTIONS.get(func)
    if answer is None:
        raise _unsupported(Tensor, func.__name__)
    return answer(Tensor, *args, **kwargs)
