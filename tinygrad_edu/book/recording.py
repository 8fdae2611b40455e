"""How a bridge layer runs on the engine: forward records, backward(dout) is the engine's.

The book's layers take and give NumPy arrays, and each one's `backward(dout)` hands the
gradient to the layer before it by hand. A bridge layer keeps that interface and leaves the
calculus to the engine: `forward` wraps its input and its parameters in Tensors, records its
formula with the engine's ops and keeps the output; `backward(dout)` asks the engine for
the gradients of (output * dout).sum() with respect to the input and each parameter
(`tg.grad` from that output with `grad_outputs=dout`). No layer writes a derivative.

Parameters are wrapped anew at every forward, around the very arrays the layer holds (no
copy): an optimizer's in-place update, `numerical_gradient`'s perturbation of
`params[key][idx]` and the book's `load_params` (which rebinds `layer.W`) are all seen at the
next forward.

An array that one bridge layer returned and another receives is joined to the graph it came
from by a `LayerInput` op, so that the graph of a network's last loss reaches back to the
network's input and can be drawn (`tinygrad_edu.book.draw_graph`). `LayerInput` passes no
gradient back: in the book, the layer before gets its `dout` from this layer's `backward`.

Given Tensors instead of arrays (`layer.forward(Tensor(x))`, parameters that are Tensors),
a layer returns a Tensor in the caller's graph: `tg.gradcheck` can check the layer itself.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..autograd import Function, grad, is_grad_enabled
from ..tensor import Tensor

# id(array) -> the Tensor a bridge layer returned that array from (dies with the Tensor)
_returned = weakref.WeakValueDictionary()


class LayerInput(Function):
    """Where a layer's input meets the output of the layer before it (see the module text)."""

    rule = "none: the layer before gets dout from this layer's backward(dout), as in the book"

    def forward(self, x):
        return x

    def backward(self, grad_output):
        return None


def _input_tensor(x) -> Tensor:
    """The Tensor a layer records on: linked to the layer that returned `x`, or a new input."""
    if isinstance(x, Tensor):
        return x
    came_from = _returned.get(id(x))
    if came_from is not None and came_from.data is x and is_grad_enabled():
        return LayerInput.apply(came_from)
    x = np.asarray(x)
    if x.dtype.kind != "f":  # uint8 pixels, integer examples: the book's arithmetic gives float64
        x = x.astype(np.float64)
    return Tensor(x, requires_grad=True, name="x")


def _parameter_tensor(value, name) -> Tensor:
    if isinstance(value, Tensor):
        return value
    value = np.asarray(value)
    if value.dtype.kind != "f":  # a bias of 0 (chapter 7's apply_filter): float64, as NumPy adds it
        value = value.astype(np.float64)
    return Tensor(value, requires_grad=True, name=name)


class Layer:
    """The part every bridge layer shares. A subclass names its parameter attributes and
    where their gradients go (`parameters = ("W", "b")`, `gradients = ("dW", "db")`) and
    writes `record(x, *parameters, *options)`: its forward formula on Tensors."""

    parameters = ()
    gradients = ()
    _recorded = None  # (input, parameters, output) of the last forward

    def record(self, x, *args):
        raise NotImplementedError

    def _forward(self, x, *options):
        given_a_tensor = isinstance(x, Tensor)
        x = _input_tensor(x)
        layer = type(self).__name__
        parameters = [_parameter_tensor(getattr(self, name), f"{layer}.{name}")
                      for name in self.parameters]
        out = self.record(x, *parameters, *options)
        self._recorded = (x, parameters, out, given_a_tensor)
        if given_a_tensor:
            return out
        if out.requires_grad:
            _returned[id(out.data)] = out
        return out.data

    def backward(self, dout):
        """d loss / d input for the `dout` = d loss / d output of the last forward; the
        parameters' gradients go to the layer's attributes (`dW`, `db`, ...)."""
        name = type(self).__name__
        if self._recorded is None:
            raise RuntimeError(f"{name}.backward(dout) before any forward: call forward first")
        x, parameters, out, given_a_tensor = self._recorded
        if not out.requires_grad:
            raise RuntimeError(
                f"{name}.backward(dout): the last forward was not recorded (it ran inside "
                f"tg.no_grad(), e.g. within numerical_gradient); call forward again first")
        dout = np.asarray(dout.data if isinstance(dout, Tensor) else dout)
        if dout.shape != out.shape:
            raise ValueError(
                f"{name}.backward(dout): dout has shape {dout.shape}, but the last forward "
                f"returned shape {out.shape}; dout is d loss / d output, of the output's shape")
        tensors = [x, *parameters]
        wanted = [t for t in tensors if t.requires_grad]
        found = dict(zip(map(id, wanted), grad(out, wanted, grad_outputs=dout,
                                               retain_graph=True, allow_unused=True)))
        gradients = [found.get(id(t)) for t in tensors]
        if not given_a_tensor:  # the layer's own tensors: drawings show their gradients
            for t, g in zip(tensors, gradients):
                t.grad = g
        dx, *parameter_gradients = (None if g is None else g.data for g in gradients)
        for attribute, g in zip(self.gradients, parameter_gradients):
            setattr(self, attribute, g)
        return dx

    @property
    def last_output(self):
        """The Tensor the last forward returned (its graph is what the engine differentiates)."""
        return None if self._recorded is None else self._recorded[2]
