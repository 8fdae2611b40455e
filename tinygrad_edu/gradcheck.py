"""Checking gradients numerically, as the notes do by hand.

`numerical_gradient` is the notes' central difference, (f(x + h) - f(x - h)) / 2h, one element
at a time. `gradcheck` compares what backward() computes with it, in float64, for every input
that requires grad, and names the worst element when they disagree.

>>> import numpy as np, tinygrad_edu as tg
>>> x = tg.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
>>> tg.gradcheck(lambda x: (x ** 3).sum(), x)
True
"""

from __future__ import annotations

import numpy as np

from . import autograd, modes
from .tensor import Tensor, get_default_dtype, set_default_dtype


class GradcheckError(AssertionError):
    """backward() and central differences disagree; the message says where and by how much."""


def numerical_gradient(f, x, eps=1e-4):
    """d f / d x by central differences: f(x + eps) - f(x - eps) over 2 eps, per element.

    `x` is a float ndarray or Tensor; it is changed in place and restored, and `f(x)` must
    return a number (or a one-element Tensor). This is the notes' `numerical_gradient`.

    >>> import numpy as np, tinygrad_edu as tg
    >>> tg.numerical_gradient(lambda x: (x ** 2).sum(), np.array([-3.0, 4.0])).round(6)
    array([-6.,  8.])
    """
    array = x.data if isinstance(x, Tensor) else x
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        kind = getattr(array, "dtype", type(array).__name__)
        raise TypeError(
            f"numerical_gradient needs a float array (x + eps must change x), got {kind}; "
            f"write np.array([-3.0, 4.0]) rather than np.array([-3, 4])"
        )
    grad = np.zeros_like(array)
    with modes.no_grad():
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            above = float(f(x))
            array[index] = original - eps
            below = float(f(x))
            array[index] = original
            grad[index] = (above - below) / (2 * eps)
    return grad


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, fast=False,
              seed=0):
    """Compare backward() with central differences for every input that requires grad.

    `fn(*inputs)` returns a Tensor of any shape; the check runs on float64 copies of the
    inputs (the caller's tensors are untouched). A non-scalar output is reduced with fixed
    random weights, so every output element takes part. With `fast=True` each input is
    checked along one random direction (two evaluations per input instead of two per
    element), for large inputs.

    Returns True, or raises `GradcheckError` naming the input, the worst element, both
    values and the errors (returns False instead when `raise_exception=False`).
    """
    if isinstance(inputs, Tensor) or not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    copies = [
        Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad, name=x.name)
        if isinstance(x, Tensor) and x.dtype.kind == "f" else x
        for x in inputs
    ]
    checked = [i for i, x in enumerate(copies) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    rng = np.random.default_rng(seed)
    previous_dtype = get_default_dtype()
    set_default_dtype(np.float64)
    try:
        out = fn(*copies)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
        weights = rng.standard_normal(out.shape)

        def loss() -> float:  # recorded as usual: fn may itself call tg.grad
            return float((fn(*copies).data * weights).sum())

        if out.requires_grad:
            analytic = autograd.grad((out * weights).sum(), [copies[i] for i in checked],
                                     allow_unused=True)
        else:  # the output does not depend on any input that requires grad
            analytic = [None] * len(checked)
        for position, i in enumerate(checked):
            x = copies[i]
            a = np.zeros(x.shape) if analytic[position] is None else analytic[position].data
            if fast:
                problem = _check_direction(loss, x.data, a, rng, eps, atol, rtol)
            else:
                problem = _check_elements(loss, x.data, a, eps, atol, rtol)
            if problem:
                label = f"input {i}" + (f" ('{x.name}')" if x.name else "") + f" of shape {x.shape}"
                if raise_exception:
                    raise GradcheckError(f"gradcheck failed for {label}: {problem}")
                return False
    finally:
        set_default_dtype(previous_dtype)
    return True


def _mismatch(where, analytic, numeric, eps, atol, rtol):
    error = abs(analytic - numeric)
    relative = error / max(abs(numeric), 1e-300)
    return (
        f"{where}\n"
        f"  analytic (backward):                       {analytic!r}\n"
        f"  numeric (central differences, eps={eps:g}): {numeric!r}\n"
        f"  absolute error {error:.3g}, relative error {relative:.3g} "
        f"(allowed: atol {atol:g} + rtol {rtol:g} * |numeric|)"
    )


def _check_elements(loss, x, analytic, eps, atol, rtol):
    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        above = loss()
        x[index] = original - eps
        below = loss()
        x[index] = original
        numeric[index] = (above - below) / (2 * eps)
    error = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    if (error <= allowed).all():  # a NaN anywhere fails this comparison too
        return None
    excess = np.where(np.isnan(error), np.inf, error - allowed)
    worst = np.unravel_index(np.argmax(excess), x.shape)
    worst = tuple(int(i) for i in worst)
    return _mismatch(f"worst element {worst}", float(analytic[worst]), float(numeric[worst]),
                     eps, atol, rtol)


def _check_direction(loss, x, analytic, rng, eps, atol, rtol):
    direction = rng.standard_normal(x.shape)
    direction /= max(np.linalg.norm(direction), 1e-300)
    original = x.copy()
    x += eps * direction
    above = loss()
    x[...] = original - eps * direction
    below = loss()
    x[...] = original
    numeric = (above - below) / (2 * eps)
    projected = float((analytic * direction).sum())
    if abs(projected - numeric) <= atol + rtol * abs(numeric):
        return None
    return _mismatch("along a random direction (fast mode; rerun with fast=False for the element)",
                     projected, numeric, eps, atol, rtol)
