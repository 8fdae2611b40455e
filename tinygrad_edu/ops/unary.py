"""Elementwise unary ops: y = f(x), and its derivative gx = gy * f'(x), element by element."""

from __future__ import annotations

import numpy as np

from ..autograd import Function


class Neg(Function):
    rule = "-gy"
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Exp(Function):
    rule = "gy * y  (y = e**x)"
    def forward(self, x):
        y = np.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * y  # d e^x = e^x


class Log(Function):
    rule = "gy / x"
    def forward(self, x):
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, gy):
        (x,) = self.saved
        return gy / x  # d ln x = 1 / x


class Sqrt(Function):
    rule = "gy / (2 * y)"
    def forward(self, x):
        y = np.sqrt(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy / (2.0 * y)  # d sqrt(x) = 1 / (2 sqrt(x))


class Abs(Function):
    rule = "gy * sign(x)"
    def forward(self, x):
        self.save_for_backward(np.sign(x))
        return np.abs(x)

    def backward(self, gy):
        (sign,) = self.saved
        return gy * sign  # d |x| = sign(x), 0 at 0


class Sin(Function):
    rule = "gy * cos(x)"
    def forward(self, x):
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, gy):
        (x,) = self.saved
        return gy * np.cos(x)  # d sin = cos


class Cos(Function):
    rule = "-gy * sin(x)"
    def forward(self, x):
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, gy):
        (x,) = self.saved
        return -gy * np.sin(x)  # d cos = -sin


class Sigmoid(Function):
    rule = "gy * y * (1 - y)"
    def forward(self, x):
        # y = 1 / (1 + e^-x), computed as (1 + tanh(x / 2)) / 2, which never overflows;
        # in place in one new array, since this runs on every hidden layer (asarray: NumPy
        # gives a scalar for 0-d input)
        y = np.asarray(x * 0.5)
        np.tanh(y, out=y)
        y += 1.0
        y *= 0.5
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        gx = 1.0 - y  # d sigmoid = y (1 - y)
        gx *= y
        gx *= gy
        return gx


class Tanh(Function):
    rule = "gy * (1 - y**2)"
    def forward(self, x):
        y = np.tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * (1.0 - y * y)  # d tanh = 1 - y^2


class ReLU(Function):
    rule = "gy where x > 0, else 0"
    def forward(self, x):
        positive = x > 0
        self.save_for_backward(positive)
        return np.maximum(x, 0)  # not x * positive: -inf * 0 would be NaN

    def backward(self, gy):
        (positive,) = self.saved
        return gy * positive  # d relu = 1 where x > 0, else 0 (0 at x = 0 too)


class Clip(Function):
    rule = "gy where lo <= x <= hi, else 0"
    def __init__(self, lo=None, hi=None):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        inside = np.ones(x.shape, bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        self.save_for_backward(inside)
        return np.clip(x, self.lo, self.hi)

    def backward(self, gy):
        (inside,) = self.saved
        return gy * inside  # 1 where lo <= x <= hi, 0 where the value was cut


class Cast(Function):
    rule = "gy in the input's dtype"
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.input_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return gy.astype(self.input_dtype)
