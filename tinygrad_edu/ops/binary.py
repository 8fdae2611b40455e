"""Binary ops: a + b, a - b, a * b, a / b, a ** b, a @ b, where, maximum, minimum.

Each backward returns one gradient per input; where an input was broadcast, its gradient is
summed back to its shape (`unbroadcast`, shape.py).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .shape import unbroadcast


def _broadcasts(*shapes) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


# ---- elementwise binary ops -----------------------------------------------------------------


class _Elementwise(Function):
    __slots__ = ("shapes",)  # the inputs' shapes, for unbroadcast (a slot: no dict per op)

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
        self.shapes = None if a.shape == b.shape else (a.shape, b.shape)
        return a + b

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        if self.shapes is None:  # fast path: no operand was broadcast, nothing to sum back
            return (gy if need_a else None), (gy if need_b else None)
        sa, sb = self.shapes
        return (unbroadcast(gy, sa) if need_a else None,  # d(a + b)/da = 1
                unbroadcast(gy, sb) if need_b else None)  # d(a + b)/db = 1


class Sub(_Elementwise):
    rule = "ga = gy, gb = -gy (summed over broadcast axes)"
    def forward(self, a, b):
        self.shapes = None if a.shape == b.shape else (a.shape, b.shape)
        return a - b

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        if self.shapes is None:  # fast path: no operand was broadcast, nothing to sum back
            return (gy if need_a else None), (-gy if need_b else None)
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
        if a.shape == b.shape:  # fast path: no operand was broadcast, so nothing to sum back
            return (gy * b if need_a else None), (gy * a if need_b else None)
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


class Affine(Function):
    """x W + b as one op: the books' Affine layer, run by nn.Linear and F.linear (the Tensor
    method `x.linear(W, b)`). x may have batch axes in front of its last (W's rows); they
    become the rows of one matrix product, and b is added in place: one new array, not the two
    of `x @ W + b` (for a language model's 1,120 x 1,000 logits that spares 4.5 MB of fresh
    memory per step). W has shape (in, out), b shape (out,), all three one dtype.
    """

    rule = "dx = gy @ W.T, dW = x.T @ gy, db = gy summed over the rows"

    def forward(self, x, w, b):
        self.save_for_backward(x, w)
        y = x.reshape(-1, w.shape[0]) @ w
        y += b
        return y.reshape(x.shape[:-1] + w.shape[1:])

    def backward(self, gy):
        x, w = self.saved
        need_x, need_w, need_b = self.needs_input_grad
        rows = gy.reshape(-1, w.shape[1])  # one row per row of x
        return ((rows @ w.T).reshape(x.shape) if need_x else None,  # dx = gy W^T
                x.reshape(-1, w.shape[0]).T @ rows if need_w else None,  # dW = x^T gy
                rows.sum(axis=0) if need_b else None)  # db = sum of gy's rows


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
