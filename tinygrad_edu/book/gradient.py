"""The book's `common.gradient`: `numerical_gradient(f, x)`, central differences.

It is the engine's `tg.numerical_gradient` (h = 1e-4): each element of `x` is moved by +h and
-h in place, `f(x)` is evaluated (nothing is recorded meanwhile), and the element is put
back. A network's parameters are arrays its layers share, so `f = lambda W: net.loss(x, t)`
sees each change, as in the book.

>>> import numpy as np
>>> from tinygrad_edu.book.gradient import numerical_gradient
>>> numerical_gradient(lambda x: np.sum(x ** 2), np.array([3.0, 4.0])).round(6)
array([6., 8.])
"""

from __future__ import annotations

from ..gradcheck import numerical_gradient as _numerical_gradient

__all__ = ["numerical_gradient"]


def numerical_gradient(f, x):
    """d f / d x, one element at a time: (f(x + h) - f(x - h)) / 2h with h = 1e-4."""
    return _numerical_gradient(f, x, eps=1e-4)
