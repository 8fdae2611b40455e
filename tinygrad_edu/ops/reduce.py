"""Reductions: sum, mean, max, min along axes, and softmax / log-softmax along one axis.

A reduction's backward copies the output's gradient back over the axes it reduced.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function


def _axes(axis, ndim):
    """`axis` (None, an int or a tuple; negatives allowed) as a tuple of positive axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(a % ndim if ndim else a for a in axis)


def _expand(grad, shape, axis, keepdims):
    """The gradient of a reduction, copied back over the axes that were reduced (a view)."""
    if isinstance(grad, (np.ndarray, np.generic)) and grad.size == 1:
        # One number everywhere (a loss's sum or mean): np.broadcast_to's read-only view,
        # made directly, since NumPy's function costs more than a small network's whole step.
        view = np.ndarray(shape, grad.dtype, grad, 0, (0,) * len(shape))
        view.flags.writeable = False
        return view
    if not keepdims and grad.ndim != len(shape):
        reduced = _axes(axis, len(shape))
        grad = grad.reshape(tuple(1 if i in reduced else n for i, n in enumerate(shape)))
    return np.broadcast_to(grad, shape)


class Sum(Function):
    rule = "gy copied to every summed element"
    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.input_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        return _expand(gy, self.input_shape, self.axis, self.keepdims)  # d sum / d x_i = 1


class Mean(Function):
    rule = "gy / n copied to every averaged element"
    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.input_shape = x.shape
        y = x.mean(axis=self.axis, keepdims=self.keepdims)
        self.count = x.size // max(y.size, 1)
        return y

    def backward(self, gy):
        # d mean / d x_i = 1 / n
        return _expand(gy / self.count, self.input_shape, self.axis, self.keepdims)


class Max(Function):
    rule = "gy at the maximum (shared equally by ties), else 0"
    pick = staticmethod(np.max)

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.input_shape = x.shape
        y = self.pick(x, axis=self.axis, keepdims=True)
        winners = x == y
        # Tied elements share the gradient equally (their weights sum to 1).
        self.save_for_backward(winners / winners.sum(axis=self.axis, keepdims=True, dtype=x.dtype))
        if self.keepdims:
            return y
        reduced = _axes(self.axis, x.ndim)
        return y.reshape(tuple(n for i, n in enumerate(y.shape) if i not in reduced))

    def backward(self, gy):
        (weights,) = self.saved
        return _expand(gy, self.input_shape, self.axis, self.keepdims) * weights


class Min(Max):
    rule = "gy at the minimum (shared equally by ties), else 0"
    pick = staticmethod(np.min)


def _row_max(x, axis):
    # initial=-inf: an axis of size 0 (an empty batch) gives an empty result, not an error
    return x.max(axis=axis, keepdims=True, initial=-np.inf)


class Softmax(Function):
    rule = "y * (gy - sum(gy * y))"
    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - _row_max(x, self.axis))  # shifting by the max avoids overflow
        y = e / e.sum(axis=self.axis, keepdims=True)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        gx = y * gy
        gx -= y * gx.sum(axis=self.axis, keepdims=True)  # dx_i = y_i (gy_i - sum_j gy_j y_j)
        return gx


class LogSoftmax(Function):
    rule = "gy - softmax(x) * sum(gy)"
    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        shifted = x - _row_max(x, self.axis)
        with np.errstate(divide="ignore"):  # log(0) of an empty axis: -inf, never used
            y = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))  # log-sum-exp
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy - np.exp(y) * gy.sum(axis=self.axis, keepdims=True)  # dx = gy - softmax sum(gy)
