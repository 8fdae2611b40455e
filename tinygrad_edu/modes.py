"""Grad mode and anomaly detection: the switches that say how ops are recorded.

Grad mode (`tg.no_grad()`, `tg.enable_grad()`, `tg.is_grad_enabled()`) is a switch per
thread: whether new ops are recorded for backward. Anomaly mode (`tg.detect_anomaly()`) stops
at the first op whose forward or backward makes NaN or inf. autograd.py reads both switches at
every op (`grad_mode.enabled`, `anomaly.enabled`); nothing here imports the engine.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import threading

import numpy as np

# --------------------------------------------------------------------------------------------
# Grad mode: a switch per thread, so that one thread's `no_grad()` never changes another's.


class _GradMode(threading.local):
    enabled = True  # every new thread starts with recording on


grad_mode = _GradMode()  # autograd reads grad_mode.enabled at every op


def is_grad_enabled() -> bool:
    """True when new ops are recorded for backward (the default)."""
    return grad_mode.enabled


class _SetGradMode:
    """Context manager and decorator that sets grad mode, restoring the old mode on exit.

    As a decorator it works with or without parentheses: `@tg.no_grad()` or `@tg.no_grad`.
    """

    mode = True

    def __new__(cls, function=None):
        manager = super().__new__(cls)
        return manager if function is None else manager(function)

    def __enter__(self):
        self._previous = grad_mode.enabled
        grad_mode.enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        grad_mode.enabled = self._previous
        return False

    def __call__(self, function):
        mode = self.mode
        if inspect.isgeneratorfunction(function):
            return _generator_in_mode(function, mode)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            previous = grad_mode.enabled
            grad_mode.enabled = mode
            try:
                return function(*args, **kwargs)
            finally:
                grad_mode.enabled = previous

        return wrapper


def _generator_in_mode(function, mode):
    """A generator function whose body runs in `mode` at every resume, as in PyTorch.

    Between two items the caller's own mode is back: `for batch in loader():` in a training
    loop records as usual although the loader's body runs inside no_grad.
    """

    def resumed(step, *args):  # one resume of the generator, in `mode`
        previous = grad_mode.enabled
        grad_mode.enabled = mode
        try:
            return step(*args)
        finally:
            grad_mode.enabled = previous

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        generator = function(*args, **kwargs)  # runs nothing of the body yet
        try:
            item = resumed(generator.send, None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    resumed(generator.close)
                    raise
                except BaseException as error:
                    item = resumed(generator.throw, error)
                else:
                    item = resumed(generator.send, sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


class no_grad(_SetGradMode):
    """Record nothing inside: for evaluation and for updating parameters by hand.

    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_SetGradMode):
    """Turn recording back on inside a `no_grad()` block (also a decorator)."""

    mode = True


# --------------------------------------------------------------------------------------------
# Anomaly mode: find the op that made the first NaN or inf.

class _Anomaly:
    enabled = False  # one boolean check per op when off (the usual case)


anomaly = _Anomaly()  # for the whole process, not per thread: a debugger switch


class detect_anomaly:
    """Stop at the first op whose forward or backward makes NaN or inf, naming the op and your
    line that created it (that line is looked up only while this mode is on: it is slow).

    >>> import numpy as np, tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, -1.0], requires_grad=True)
    >>> with tg.detect_anomaly():
    ...     y = x.log()
    Traceback (most recent call last):
    ...
    RuntimeError: Log forward produced nan (its inputs were finite), in the op created at ...

    The mode is for the whole process (all threads), like a debugger switch. Inside it,
    NumPy's own "invalid value" warnings are silenced: the error names the op instead.
    """

    def __enter__(self):
        self._previous = anomaly.enabled
        anomaly.enabled = True
        self._numpy_errors = np.errstate(all="ignore")  # our error says more than its warning
        self._numpy_errors.__enter__()
        return self

    def __exit__(self, *exc_info):
        anomaly.enabled = self._previous
        self._numpy_errors.__exit__(*exc_info)
        return False


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_line() -> str:
    """'file:line: code' of the innermost frame outside this package: the user's line."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    import linecache

    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}: {code}"


def _non_finite(array) -> str | None:
    """'nan' or 'inf' when a float array holds such values, else None."""
    if array.dtype.kind != "f" or np.isfinite(array).all():
        return None
    return "nan" if np.isnan(array).any() else "inf"


def check_forward(ctx, arrays, y, created_at):
    bad = _non_finite(y)
    if bad is None:
        return
    finite = all(_non_finite(np.asarray(a)) is None for a in arrays)
    inputs = "were finite" if finite else "already held nan or inf"
    raise RuntimeError(
        f"{type(ctx).__name__} forward produced {bad} (its inputs {inputs}), in the op created "
        f"at {created_at or user_line()} (tg.detect_anomaly is on)"
    )


def check_backward(ctx, input_grads):
    for i, g in enumerate(input_grads):
        if g is None:
            continue
        bad = _non_finite(np.asarray(g))  # (a Tensor, with create_graph: its values)
        if bad is not None:
            raise RuntimeError(
                f"{type(ctx).__name__} backward produced {bad} in the gradient of input {i}, "
                f"in the op created at {getattr(ctx, 'created_at', 'an unknown line')} "
                f"(tg.detect_anomaly is on)"
            )
