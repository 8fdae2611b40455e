"""Every differentiable op: the forward formula and its derivative side by side.

Each op is a `Function` (autograd.py). `forward` gets plain NumPy arrays; `backward` gets the
gradient of the output (`gy`, d loss / d y) and returns the gradient of each input: the chain
rule, one link at a time, the same deltas the notes derive by hand.

`backward` is written only with NumPy operators, array methods and NumPy functions that a
Tensor answers to too, so that with `create_graph=True` the very same lines run on Tensors
and the backward pass is recorded (gradients of gradients).

Ops are reached only through Tensor methods (tensor.py), which choose the dtypes; `tg.exp`,
`F.*`, `nn.*` and `np.exp(t)` all call those methods. This module depends on autograd alone.
"""

from __future__ import annotations

import numpy as np

from .autograd import Function


def unbroadcast(grad, shape):
    """Sum a gradient back to `shape`, undoing NumPy broadcasting.

    If b of shape (4,) was broadcast over a batch, (100, 4), every row used the same b, so
    b's gradient is the sum over the rows.

    >>> unbroadcast(np.ones((100, 4)), (4,))[:2]
    array([100., 100.])
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


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


def _broadcasts(*shapes) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


# ---- elementwise binary ops -----------------------------------------------------------------


class _Elementwise(Function):
    def explain_error(self, arrays, error):
        a, b = arrays
        if _broadcasts(a.shape, b.shape):  # not a shape error: NumPy's own words
            return f"{type(self).__name__.lower()}: {error}"
        return (
            f"{type(self).__name__.lower()}: shapes {a.shape} and {b.shape} cannot be broadcast "
            f"together (NumPy lines shapes up from the right; each pair of sizes must be equal "
            f"or one of them 1)"
        )


class Add(_Elementwise):
    rule = "ga = gy, gb = gy (summed over broadcast axes)"
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        sa, sb = self.shapes
        return (unbroadcast(gy, sa) if need_a else None,  # d(a + b)/da = 1
                unbroadcast(gy, sb) if need_b else None)  # d(a + b)/db = 1


class Sub(_Elementwise):
    rule = "ga = gy, gb = -gy (summed over broadcast axes)"
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        sa, sb = self.shapes
        return (unbroadcast(gy, sa) if need_a else None,  # d(a - b)/da = 1
                unbroadcast(-gy, sb) if need_b else None)  # d(a - b)/db = -1


class Mul(_Elementwise):
    rule = "ga = gy * b, gb = gy * a"
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, gy):
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(gy * b, a.shape) if need_a else None,  # d(ab)/da = b
                unbroadcast(gy * a, b.shape) if need_b else None)  # d(ab)/db = a


class Div(_Elementwise):
    rule = "ga = gy / b, gb = -gy * a / b**2"
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a / b

    def backward(self, gy):
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        ga = gy / b
        return (unbroadcast(ga, a.shape) if need_a else None,  # d(a/b)/da = 1/b
                unbroadcast(-ga * a / b, b.shape) if need_b else None)  # d(a/b)/db = -a/b^2


class Pow(_Elementwise):
    rule = "ga = gy * b * a**(b - 1), gb = gy * a**b * ln(a)"
    def forward(self, a, b):
        y = a**b
        # Where a = b = 0, b a^(b-1) below is 0 * inf, yet a^0 = 1 is flat: its slope is 0.
        # Backward lifts those a to 1 (a saved mask: a constant). None: b has no 0 at all.
        no_zero_power = np.count_nonzero(b) == b.size
        self.lift = None if no_zero_power else (a == 0) & (b == 0)
        self.save_for_backward(a, b, y)
        return y

    def backward(self, gy):
        a, b, y = self.saved
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a:  # d a^b/da = b a^(b-1)
            base = a if self.lift is None else a + self.lift
            ga = unbroadcast(gy * b * base ** (b - 1), a.shape)
        if need_b:  # d a^b/db = a^b ln a; where a = 0, 0^b = 0 (b > 0) is flat: 0, as in PyTorch
            gb = unbroadcast(gy * y * np.log(np.where(a == 0, 1, a)), b.shape)
        return ga, gb

    def explain_error(self, arrays, error):
        message = super().explain_error(arrays, error)
        if "negative integer powers" in message:
            message += " (make the base a float tensor, e.g. x.astype(np.float32) ** -1)"
        return message


class MatMul(Function):
    rule = "ga = gy @ b.T, gb = a.T @ gy"
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a @ b

    def backward(self, gy):
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the usual x @ W: dL/dx = gy W^T, dL/dW = x^T gy
            return (gy @ b.T if need_a else None), (a.T @ gy if need_b else None)
        # 1-d operands act as a row (left) or a column (right); batch axes broadcast.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        gy2 = gy.reshape(gy.shape[:-1] + (1,) + gy.shape[-1:]) if a.ndim == 1 else gy
        gy2 = gy2.reshape(gy2.shape + (1,)) if b.ndim == 1 else gy2
        ga = unbroadcast(gy2 @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape) if need_a else None
        gb = unbroadcast(a2.swapaxes(-1, -2) @ gy2, b2.shape).reshape(b.shape) if need_b else None
        return ga, gb

    def explain_error(self, arrays, error):
        a, b = arrays
        if a.ndim == 0 or b.ndim == 0:
            return (f"matmul: shapes {a.shape} and {b.shape}: @ needs operands with at least "
                    f"one axis; use * to multiply by a scalar")
        inner_b = b.shape[-2] if b.ndim >= 2 else b.shape[0]
        which = "second-to-last" if b.ndim >= 2 else "only"
        if a.shape[-1] != inner_b:
            return (
                f"matmul: shapes {a.shape} and {b.shape} do not fit: the left's last axis has "
                f"{a.shape[-1]} elements but the right's {which} axis has {inner_b} "
                f"(in a @ b they must be equal)"
            )
        return f"matmul: shapes {a.shape} and {b.shape}: batch axes cannot be broadcast together"


# ---- elementwise unary ops ------------------------------------------------------------------


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


# ---- reductions -----------------------------------------------------------------------------


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


# ---- shape ops: they move numbers around, so backward moves gradients back ------------------


class Reshape(Function):
    rule = "gy reshaped back to x's shape"
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return gy.reshape(self.input_shape)

    def explain_error(self, arrays, error):
        (x,) = arrays
        return (f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into {self.shape}")


class Transpose(Function):
    rule = "gy transposed back"
    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return gy.transpose()
        inverse = np.argsort([a % gy.ndim for a in self.axes])  # negative axes count from the end
        return gy.transpose(tuple(inverse))


class BroadcastTo(Function):
    rule = "gy summed over the broadcast axes"
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return unbroadcast(gy, self.input_shape)


def _is_basic(index) -> bool:
    """True for slices, ints, None and ...: such an index selects each element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


class GetItem(Function):
    rule = "zeros, with gy added at the index"
    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.input_shape = x.shape
        return x[self.index]

    def backward(self, gy):
        return scatter_add(gy, self.index, self.input_shape)  # each picked element gets its gy

    def explain_error(self, arrays, error):
        return f"indexing a tensor of shape {arrays[0].shape}: {error}"


class ScatterAdd(Function):
    rule = "gy[index]"
    """The adjoint of x[index]: zeros of `shape`, with the values added in at `index`.

    Repeated indices add up (x[[0, 0]] uses x[0] twice, so x[0] gets both gradients).
    """

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, values):
        out = np.zeros(self.shape, values.dtype)
        if _is_basic(self.index) or getattr(self.index, "dtype", None) == np.bool_:
            out[self.index] = values
        else:
            np.add.at(out, self.index, values)
        return out

    def backward(self, gy):
        return gy[self.index]


def scatter_add(values, index, shape):
    """ScatterAdd on an array (plain backward) or on a Tensor (recorded backward)."""
    if isinstance(values, (np.ndarray, np.generic)):  # (0-d arithmetic gives NumPy scalars)
        return ScatterAdd(index, shape).forward(values)
    return ScatterAdd.apply(values, index=index, shape=shape)


class Concatenate(Function):
    rule = "each input gets its slice of gy"
    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        self.ends = np.cumsum([a.shape[self.axis] for a in arrays])
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, gy):
        axis = self.axis % gy.ndim
        starts = [0, *self.ends[:-1]]
        return tuple(
            gy[(slice(None),) * axis + (slice(int(s), int(e)),)] if need else None
            for s, e, need in zip(starts, self.ends, self.needs_input_grad)
        )

    def explain_error(self, arrays, error):
        shapes = ", ".join(str(a.shape) for a in arrays)
        return f"concatenate along axis {self.axis}: shapes {shapes} do not fit: {error}"


class Stack(Function):
    rule = "each input gets its slice of gy"
    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        return np.stack(arrays, axis=self.axis)

    def backward(self, gy):
        axis = self.axis % gy.ndim
        return tuple(
            gy[(slice(None),) * axis + (i,)] if need else None
            for i, need in enumerate(self.needs_input_grad)
        )

    def explain_error(self, arrays, error):
        shapes = ", ".join(str(a.shape) for a in arrays)
        return f"stack: all tensors need the same shape, got {shapes}"


class Where(_Elementwise):
    rule = "ga = gy where condition, gb = gy elsewhere"
    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return np.where(self.condition, a, b)

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        sa, sb = self.shapes
        return (unbroadcast(np.where(self.condition, gy, 0), sa) if need_a else None,
                unbroadcast(np.where(self.condition, 0, gy), sb) if need_b else None)

    def explain_error(self, arrays, error):
        a, b = arrays
        if _broadcasts(a.shape, b.shape):
            return (f"where: the condition's shape {self.condition.shape} does not broadcast with "
                    f"the values' shapes {a.shape} and {b.shape}")
        return super().explain_error(arrays, error)


class Maximum(_Elementwise):
    rule = "d max(a, b)/da = 1 where a > b, 0 where a < b, 1/2 on a tie (b likewise)"
    pick, wins = staticmethod(np.maximum), staticmethod(np.greater)

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        y = self.pick(a, b)
        a_share = self.wins(a, b) + 0.5 * (a == b)  # 1 where a wins, 0.5 on a tie, 0 where b wins
        self.save_for_backward(a_share.astype(y.dtype) if y.dtype.kind == "f" else a_share)
        return y

    def backward(self, gy):
        (a_share,) = self.saved
        need_a, need_b = self.needs_input_grad
        sa, sb = self.shapes
        return (unbroadcast(gy * a_share, sa) if need_a else None,  # d max(a, b)/da = [a > b]
                unbroadcast(gy * (1.0 - a_share), sb) if need_b else None)  # ties: half each


class Minimum(Maximum):
    rule = "d min(a, b)/da = 1 where a < b, 0 where a > b, 1/2 on a tie (b likewise)"
    pick, wins = staticmethod(np.minimum), staticmethod(np.less)


# ---- losses that need their own derivative ---------------------------------------------------


class BinaryCrossEntropy(Function):
    """-mean(t log p + (1 - t) log(1 - p)); each log is clamped at -100 (as in PyTorch),
    so p = 0 or 1 gives a finite loss and a finite gradient."""

    rule = "dL/dp = (p - t) / (p (1 - p) n), dL/dt = (log(1 - p) - log p) / n"

    def forward(self, p, t):
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_p = np.maximum(np.log(p), -100.0)
            log_q = np.maximum(np.log1p(-p), -100.0)
        self.save_for_backward(p, t)
        return -(t * log_p + (1.0 - t) * log_q).mean()

    def backward(self, gy):
        p, t = self.saved
        need_p, need_t = self.needs_input_grad
        scale = gy / p.size
        gp = gt = None
        if need_p:  # d/dp = (p - t) / (p (1 - p)); the denominator is kept >= 1e-12 at p = 0, 1
            gp = scale * (p - t) / (p * (1.0 - p)).clip(1e-12, None)
        if need_t:  # d/dt = log(1 - p) - log p, each clamped as in forward
            with np.errstate(divide="ignore"):
                gt = scale * (np.maximum(np.log(1.0 - p), -100.0) - np.maximum(np.log(p), -100.0))
        return gp, gt
