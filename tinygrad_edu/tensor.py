"""Tensor: a NumPy array that remembers the op that made it.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> x = tg.Tensor([[0.0, 0.0, 1.0]])
>>> W = tg.Tensor(np.ones((3, 4)), requires_grad=True, name="W1")
>>> y = (x @ W).sigmoid().sum()
>>> y.backward()
>>> W.grad.shape
(3, 4)

Every operator and method here picks the operands' dtypes (the rules below, in one place)
and calls an op from the catalogue, tinygrad_edu/ops/; the maths lives there, next to its
derivative. The Tensor method is the one road into each op: `tg.exp`, `F.relu`, the nn layers
and `np.exp(t)` call it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import autograd, conv, interop, modes, versions
from . import ops as _ops
from .random import generator

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the float dtype that Python floats and factories get (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"the default dtype must be a float dtype such as np.float64, not {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The float dtype that Python floats and factories get."""
    return _default_dtype


def as_array(data, dtype=None) -> np.ndarray:
    """The ndarray a Tensor will hold, following the dtype rules (docs/api.md, "Creating a
    tensor, and dtypes").

    NumPy arrays and scalars keep their dtype; Python floats (and lists of them) get the
    default float dtype; Python ints stay integers (int64); other data is a TypeError.
    """
    if isinstance(data, np.ndarray):
        array = data
    elif isinstance(data, Tensor):
        array = data.data
    elif isinstance(data, np.generic):
        array = np.asarray(data)
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
            raise TypeError(
                "Tensor() of a list of Tensors would copy their values out of the graph (a list "
                "of Tensors? use tg.stack(tensors) to keep the graph)"
            )
        try:
            array = np.asarray(data)
        except (ValueError, TypeError) as error:
            raise TypeError(f"Tensor data must be numbers or nested lists of numbers: {error}") \
                from None
        if array.dtype == np.float64:
            array = array.astype(_default_dtype, copy=False)
        elif array.dtype.kind in "iu" and array.dtype != np.int64:
            array = array.astype(np.int64)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor data must be numbers (bool, int or float), got dtype {array.dtype}"
        )
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Tensor:
    """An n-dimensional array with a gradient.

    Tensor(data, requires_grad=False, dtype=None, name=None): `data` is an ndarray, a nested
    list, a Python number or a Tensor (its array is shared, not copied). Only float tensors
    can require grad.
    """

    __slots__ = ("data", "_grad", "name", "_requires_grad", "_ctx", "__weakref__")

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = as_array(data, dtype)
        self._grad = None
        self.name = name
        self._ctx = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    # ---- attributes ------------------------------------------------------------------------

    @property
    def grad(self):
        """d loss / d self after backward(): a Tensor of self's shape, or None.

        Only leaves (and tensors that called retain_grad()) collect it; reading it on any
        other tensor warns, as in PyTorch, since it stays None.
        """
        ctx = self._ctx
        if ctx is not None and self._grad is None and not ctx.retains_grad:
            replaced = _replaced_parameter(self)
            if replaced is not None:
                name = replaced.name
                raise RuntimeError(_REPLACED_PARAMETER.format(
                    op=type(ctx).__name__, sign="-" if type(ctx) is _ops.Sub else "+",
                    W=name if isinstance(name, str) and name.isidentifier() else "W"))
            warnings.warn(
                "reading .grad of a non-leaf tensor (one made by an op): backward() does not "
                "fill it in, so it is None. Call .retain_grad() on this tensor before "
                "backward() to keep its gradient, or read the .grad of the leaf tensor (the "
                "parameter you created) instead",
                UserWarning, stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.data.dtype.kind != "f":
            raise TypeError(
                f"only float tensors can require grad, this one is {self.data.dtype} "
                f"(integers are labels and indices); use dtype=np.float32 or .astype(np.float32)"
            )
        if not value and self._ctx is not None:
            raise RuntimeError(
                "requires_grad can only be switched off on a leaf tensor; use .detach() "
                "for a copy outside the graph"
            )
        self._requires_grad = bool(value)

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op): they collect `.grad`."""
        return self._ctx is None

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def numpy(self) -> np.ndarray:
        """The ndarray itself (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The Python number in a one-element tensor."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with exactly one element; this one has shape "
                f"{self.data.shape} ({self.data.size} elements)"
            )
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> Tensor:
        """The same array, outside the graph (no grad, no history)."""
        return _wrap(self.data)

    def retain_grad(self) -> Tensor:
        """Keep this intermediate tensor's gradient in `.grad` at the next backward().

        Leaves keep theirs anyway; for the others it shows the deltas the notes derive by hand
        (d loss / d layer output), e.g. in a drawing with `show_grads=True`.
        """
        if not self._requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self._ctx is not None:
            self._ctx.retains_grad = True
        return self

    def backward(self, grad=None, retain_graph=False, create_graph=False) -> None:
        """Add d self / d leaf into the `.grad` of every leaf that requires grad."""
        autograd.backward(self, grad, retain_graph, create_graph)

    # ---- Python protocol -------------------------------------------------------------------

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype != _default_dtype and self.data.dtype != np.int64:
            extras.append(f"dtype={self.data.dtype}")
        if self._ctx is not None:
            extras.append(f"op={type(self._ctx).__name__}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        if self.data.size > np.get_printoptions()["threshold"]:  # values are cut: say the shape
            extras.insert(0, f"shape={self.data.shape}")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    def __str__(self) -> str:
        """A one-element tensor prints as its number (`print(loss)`), others as their repr."""
        if self.data.size == 1:
            return str(self.data.reshape(()))
        return repr(self)

    def __format__(self, spec: str) -> str:
        """`f"{loss:.4f}"` formats the number in a one-element tensor."""
        if not spec:
            return str(self)
        if self.data.size != 1:
            raise TypeError(
                f"format spec {spec!r} needs a one-element tensor; this one has shape "
                f"{self.data.shape}: format one element (t.item() or t[i].item()) or the "
                f"array (t.numpy())"
            )
        return format(self.data.item(), spec)

    __hash__ = object.__hash__  # __eq__ compares elements, but tensors stay usable as keys

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                f"use t.numpy().any() or t.numpy().all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        # np.asarray(t) and plotting libraries see the values; np.* functions on Tensors go
        # through __array_ufunc__/__array_function__ below and stay in the graph.
        if dtype is None:
            return self.data
        return self.data.astype(dtype, copy=False)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return interop.array_ufunc(Tensor, ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return interop.array_function(Tensor, func, args, kwargs)

    # ---- arithmetic (NumPy broadcasting; Python numbers on either side) ---------------------

    def __add__(self, other):
        a, b = _operands(self, other)
        return _ops.Add.apply(a, b)

    def __radd__(self, other):
        a, b = _operands(self, other)
        return _ops.Add.apply(b, a)

    def __sub__(self, other):
        a, b = _operands(self, other)
        return _ops.Sub.apply(a, b)

    def __rsub__(self, other):
        a, b = _operands(self, other)
        return _ops.Sub.apply(b, a)

    def __mul__(self, other):
        a, b = _operands(self, other)
        return _ops.Mul.apply(a, b)

    def __rmul__(self, other):
        a, b = _operands(self, other)
        return _ops.Mul.apply(b, a)

    def __truediv__(self, other):
        a, b = _operands(self, other, division=True)
        return _ops.Div.apply(a, b)

    def __rtruediv__(self, other):
        a, b = _operands(self, other, division=True)
        return _ops.Div.apply(b, a)

    def __pow__(self, other):
        a, b = _operands(self, other)
        return _ops.Pow.apply(a, b)

    def __rpow__(self, other):
        a, b = _operands(self, other)
        return _ops.Pow.apply(b, a)

    def __matmul__(self, other):
        a, b = _operands(self, other)
        return _ops.MatMul.apply(a, b)

    def __rmatmul__(self, other):
        a, b = _operands(self, other)
        return _ops.MatMul.apply(b, a)

    def __neg__(self):
        return _ops.Neg.apply(self)

    def __pos__(self):
        return self

    # In place (`t += 1`) only outside recording. While recording, a parameter (a leaf that
    # requires grad) is an error, since its old values may be needed by backward; any other
    # tensor gets a new result, as for Python numbers (the graph keeps the old one).
    def _in_place(self, other, ufunc, symbol):
        if modes.grad_mode.enabled:
            if self._requires_grad and self._ctx is None:
                name = self.name if self.name and self.name.isidentifier() else "W"
                raise RuntimeError(
                    f"in-place update ({symbol}=) of a tensor {self._described()} that requires "
                    f"grad while recording: the update itself would be recorded and would "
                    f"change values the graph needs. Update parameters without recording, as "
                    f"optimizers do:\n"
                    f"    with tg.no_grad():\n"
                    f"        {name} -= lr * {name}.grad\n"
                    f"(not `{name} = {name} - lr * {name}.grad`: that makes {name} a new tensor "
                    f"made by an op, not a leaf, so its .grad stays None at the next backward)"
                )
            return NotImplemented  # Python then falls back to the ordinary operator
        _, b = _operands(self, other)
        ufunc(self.data, b.data, out=self.data, casting="same_kind")
        versions.mark_changed_in_place(self.data)  # graphs that saved these values now refuse
        return self

    def _described(self) -> str:
        return f"'{self.name}'" if self.name else f"of shape {self.data.shape}"

    def __iadd__(self, other):
        return self._in_place(other, np.add, "+")

    def __isub__(self, other):
        return self._in_place(other, np.subtract, "-")

    def __imul__(self, other):
        return self._in_place(other, np.multiply, "*")

    def __itruediv__(self, other):
        return self._in_place(other, np.divide, "/")

    # ---- comparisons: plain boolean tensors, outside the graph ------------------------------

    def _compare(self, other, ufunc):
        try:
            a, b = _operands(self, other)
        except TypeError:
            return NotImplemented
        try:
            return _wrap(np.asarray(ufunc(a.data, b.data)))  # (0-d inputs give a NumPy scalar)
        except ValueError as error:
            raise ValueError(
                f"{ufunc.__name__}: shapes {a.shape} and {b.shape} cannot be broadcast together"
            ) from error

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    # ---- indexing --------------------------------------------------------------------------

    def __getitem__(self, index):
        return _ops.GetItem.apply(self, index=_plain_index(index))

    def __setitem__(self, index, value):
        # Not recorded (no differentiable assignment): while recording, assigning into a tensor
        # of the graph, or a value that requires grad, is an error rather than a lost gradient.
        if modes.is_grad_enabled():
            if self._requires_grad:
                raise RuntimeError(
                    f"item assignment on a tensor that requires grad ({self._described()}) "
                    f"while recording: it would change values its gradients need. Build a new "
                    f"tensor (tg.where, tg.concatenate, tg.stack), or change a parameter by "
                    f"hand inside `with tg.no_grad():`"
                )
            if isinstance(value, Tensor) and value._requires_grad:
                raise RuntimeError(
                    "out[index] = value where value requires grad: assignment copies the "
                    "values out of the graph, so value would get no gradient. Build the "
                    "result from the pieces instead (tg.stack or tg.concatenate of the rows, "
                    "tg.where for a mask), or assign value.detach() if a constant copy is "
                    "what you mean"
                )
        self.data[_plain_index(index)] = value.data if isinstance(value, Tensor) else value
        versions.mark_changed_in_place(self.data)

    # ---- ops as methods --------------------------------------------------------------------

    def sum(self, axis=None, keepdims=False) -> Tensor:
        return _ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False) -> Tensor:
        return _ops.Mean.apply(_floating(self), axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False) -> Tensor:
        """Largest element(s); the gradient is shared equally between tied maxima."""
        return _ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False) -> Tensor:
        """Smallest element(s); the gradient is shared equally between tied minima."""
        return _ops.Min.apply(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None) -> np.ndarray:
        """Index of the largest element (a plain array: indices have no gradient)."""
        return self.data.argmax(axis=axis)

    def argmin(self, axis=None) -> np.ndarray:
        return self.data.argmin(axis=axis)

    def exp(self) -> Tensor:
        return _ops.Exp.apply(_floating(self))

    def log(self) -> Tensor:
        return _ops.Log.apply(_floating(self))

    def sqrt(self) -> Tensor:
        return _ops.Sqrt.apply(_floating(self))

    def abs(self) -> Tensor:
        return _ops.Abs.apply(self)

    def sin(self) -> Tensor:
        return _ops.Sin.apply(_floating(self))

    def cos(self) -> Tensor:
        return _ops.Cos.apply(_floating(self))

    def sigmoid(self) -> Tensor:
        return _ops.Sigmoid.apply(_floating(self))

    def tanh(self) -> Tensor:
        return _ops.Tanh.apply(_floating(self))

    def relu(self) -> Tensor:
        """max(x, 0); its gradient at exactly 0 is 0."""
        return _ops.ReLU.apply(self)

    def softmax(self, axis=-1) -> Tensor:
        return _ops.Softmax.apply(_floating(self), axis=axis)

    def log_softmax(self, axis=-1) -> Tensor:
        return _ops.LogSoftmax.apply(_floating(self), axis=axis)

    def matmul(self, other) -> Tensor:
        return self @ other

    def linear(self, weight, bias=None) -> Tensor:
        """self @ weight + bias, the weight of shape (in_features, out_features) as in the
        notes (F.linear and nn.Linear are this method).

        With a 2-d weight, a bias of shape (out_features,) and one dtype for all three (what
        nn.Linear gives), it is one op, Affine (the books' Affine layer); otherwise it is
        `self @ weight + bias`, which gives the same values and the usual shape messages.

        >>> import numpy as np, tinygrad_edu as tg
        >>> x = tg.Tensor(np.ones((2, 3)))
        >>> w = tg.Tensor(np.ones((3, 4)), requires_grad=True)
        >>> y = x.linear(w, tg.Tensor(np.arange(4.0)))
        >>> y.numpy().tolist(), type(y._ctx).__name__
        ([[3.0, 4.0, 5.0, 6.0], [3.0, 4.0, 5.0, 6.0]], 'Affine')
        """
        if (isinstance(bias, Tensor) and isinstance(weight, Tensor) and weight.data.ndim == 2
                and bias.data.shape == weight.data.shape[1:] and self.data.ndim >= 1
                and self.data.shape[-1] == weight.data.shape[0]
                and self.data.dtype == weight.data.dtype == bias.data.dtype):
            return _ops.Affine.apply(self, weight, bias)
        y = self @ weight
        return y if bias is None else y + bias

    def pow(self, exponent) -> Tensor:
        return self**exponent

    def clip(self, lo=None, hi=None) -> Tensor:
        """Values limited to [lo, hi] (None for no limit); gradient 1 inside, 0 outside.

        The bounds are constants taken in the tensor's dtype (float32 stays float32); an
        integer tensor with a float bound gives the default float. Bounds that need a gradient:
        use tg.maximum / tg.minimum.
        """
        bounds = [_bound(lo), _bound(hi)]
        x = self
        if x.data.dtype.kind != "f" and any(b is not None and b.dtype.kind == "f" for b in bounds):
            x = _floating(x)
        lo, hi = (None if b is None else b.astype(x.data.dtype, copy=False) for b in bounds)
        return _ops.Clip.apply(x, lo=lo, hi=hi)

    def maximum(self, other) -> Tensor:
        """The larger of self and other, elementwise; on a tie each gets half the gradient."""
        a, b = _operands(self, other)
        return _ops.Maximum.apply(a, b)

    def minimum(self, other) -> Tensor:
        """The smaller of self and other, elementwise; on a tie each gets half the gradient."""
        a, b = _operands(self, other)
        return _ops.Minimum.apply(a, b)

    def where(self, condition, other) -> Tensor:
        """self where `condition` holds, else `other` (torch's x.where(condition, y))."""
        condition = np.asarray(_plain_index(condition), dtype=bool)
        return _ops.Where.apply(*_operands(self, other), condition=condition)

    @staticmethod
    def concatenate(tensors, axis=0) -> Tensor:
        """Join tensors along an existing axis (np.concatenate); gradients are split back."""
        return _ops.Concatenate.apply(*_joinable(tensors), axis=axis)

    @staticmethod
    def stack(tensors, axis=0) -> Tensor:
        """Join same-shaped tensors along a new axis (np.stack)."""
        return _ops.Stack.apply(*_joinable(tensors), axis=axis)

    def broadcast_to(self, shape) -> Tensor:
        shape = tuple(shape)
        return self if self.data.shape == shape else _ops.BroadcastTo.apply(self, shape=shape)

    def binary_cross_entropy(self, target) -> Tensor:
        """-mean(t log p + (1 - t) log(1 - p)) of probabilities self against `target`, each
        log clamped at -100 (F.binary_cross_entropy is this method).

        The target follows the losses' rule (`loss_target`): data takes self's dtype. Values of
        self outside [0, 1] are a ValueError.
        """
        target = loss_target("binary_cross_entropy", self, target)
        values = self.data
        if values.size and not (values.min() >= 0.0 and values.max() <= 1.0):
            raise ValueError(
                f"binary_cross_entropy: predictions must be probabilities in [0, 1], got values "
                f"from {values.min()} to {values.max()}; apply .sigmoid() to the network's "
                f"output first"
            )
        return _ops.BinaryCrossEntropy.apply(self, target)

    def cross_entropy(self, target) -> Tensor:
        """Softmax cross-entropy of logits self (N, C), averaged over the batch, against
        integer labels (N,) or one-hot / probability rows (N, C) (F.cross_entropy is this
        method; its docstring says more). Integer labels go through one op, CrossEntropy."""
        logits = self
        labels = target.data if isinstance(target, Tensor) else np.asarray(target)
        if logits.ndim == 1:  # one sample: a batch of one, with a scalar label or one row
            logits = logits.reshape(1, -1)
            if labels.ndim == 1:
                target = (target if isinstance(target, Tensor) else Tensor(target)).reshape(1, -1)
            labels = labels.reshape(1, -1) if labels.ndim == 1 else labels.reshape(1)
        if logits.ndim != 2:
            raise ValueError(
                f"cross_entropy: logits must have shape (N, C) (a row of class scores per "
                f"sample), got shape {logits.shape}"
            )
        n, classes = logits.shape
        if labels.ndim == 1:
            if labels.dtype.kind not in "iu":
                raise TypeError(
                    f"cross_entropy: class labels must be integers, got a {labels.dtype} array "
                    f"of shape {labels.shape}; use labels.astype(np.int64), or pass one-hot "
                    f"targets of shape {(n, classes)}"
                )
            if labels.shape[0] != n:
                raise ValueError(
                    f"cross_entropy: {labels.shape[0]} labels for {n} rows of logits "
                    f"(logits {logits.shape}, labels {labels.shape}); there must be one per row"
                )
            bad = (labels < 0) | (labels >= classes)
            if bad.any():
                raise ValueError(
                    f"cross_entropy: label {labels[bad][0]} is out of range for {classes} classes "
                    f"(valid labels are 0 to {classes - 1}; at index {int(np.argmax(bad))})"
                )
            # picked by index, not multiplied by a one-hot row: a masked class (logit -inf) would
            # give 0 * -inf = NaN; one op (the books' Softmax-with-Loss) for speed
            return _ops.CrossEntropy.apply(_floating(logits), labels=labels)
        if labels.shape == (n, classes):
            target = loss_target("cross_entropy", logits, target)
        else:
            raise ValueError(
                f"cross_entropy: the target has shape {labels.shape}, but logits of shape "
                f"{logits.shape} need integer labels of shape ({n},) or one-hot / probability "
                f"rows of shape {(n, classes)}"
            )
        return -(logits.log_softmax(axis=1) * target).sum() / n

    # ---- windows: convolution and pooling (NCHW; the geometry is conv.py's) ------------------

    def im2col(self, kernel_size, stride=1, padding=0, fill=0, layout="rows",
               ones_row=False) -> Tensor:
        """Every kernel-sized window of self (N, C, H, W) as one row, (N*OH*OW, C*KH*KW) (the
        books' im2col; F.im2col). layout="columns" stores the transpose, one column per window;
        ones_row=True adds a last row of ones to it (the input a bias multiplies); `fill` is
        the padding's value. The gradient is col2im."""
        kernel, stride, padding, _ = conv.geometry("im2col", self.data.shape, kernel_size,
                                                   stride, padding)
        return _ops.Im2Col.apply(self, kernel=kernel, stride=stride, padding=padding, fill=fill,
                                 layout=layout, ones_row=ones_row)

    def col2im(self, input_shape, kernel_size, stride=1, padding=0, layout="rows") -> Tensor:
        """The adjoint of im2col: each window (row, or column with layout="columns") added
        back into its place in an array of `input_shape` (N, C, H, W)."""
        kernel, stride, padding, _ = conv.geometry("col2im", tuple(input_shape), kernel_size,
                                                   stride, padding)
        return _ops.Col2Im.apply(self, input_shape=tuple(input_shape), kernel=kernel,
                                 stride=stride, padding=padding, layout=layout)

    def first_max(self, axis, real=None) -> Tensor:
        """The max along one axis, whose gradient goes to the first maximum only (max pooling's
        rule, as the books' argmax; x.max() shares it between ties instead). `real`: a bool
        array, False where a position along the axis is padding (never the max)."""
        return _ops.FirstMax.apply(self, axis=axis % self.data.ndim, real=real)

    def mean_along(self, axis) -> Tensor:
        """The mean along one axis, as a sum of the axis' views (average pooling; faster than
        x.mean(axis) on a short axis). Integers give the default float."""
        return _ops.MeanAlong.apply(_floating(self), axis=axis % self.data.ndim)

    def lstm_step(self, state, w_hh_t) -> Tensor:
        """One LSTM step (nn.LSTM's and nn.LSTMCell's, one fused op): the next state, h' and c'
        stacked, shape (2, ..., hidden) (`.unbind(0)` parts them), from the input's projection
        self (biases included; last axis 4 * hidden, gates i, f, g, o), the state (h and c
        stacked the same way: `tg.stack([h, c])`) and W_hh^T. Integer inputs are taken in the
        default float dtype, as for exp."""
        inputs = (t if isinstance(t, Tensor) else Tensor(t) for t in (self, state, w_hh_t))
        return _ops.LSTMStep.apply(*[_floating(t) for t in inputs])

    def shared_over_time(self) -> Tensor:
        """This weight, marked as used by every time step of a layer: the steps' gradients for
        it become one matrix product over all steps (the SharedOverTime op; nn.LSTM uses it)."""
        return _ops.SharedOverTime.apply(self)

    def reshape(self, *shape) -> Tensor:
        return _ops.Reshape.apply(self, shape=_shape(shape))

    def transpose(self, *axes) -> Tensor:
        """Permute the axes as NumPy does: no axes reverses them all, `.T` likewise."""
        return _ops.Transpose.apply(self, axes=_shape(axes) or None)

    def swapaxes(self, axis1, axis2) -> Tensor:
        axes = list(range(self.data.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return _ops.Transpose.apply(self, axes=tuple(axes))

    def unbind(self, axis=0) -> tuple:
        """The slices along `axis`, as a tuple of tensors (torch.unbind): x.unbind(0)[t] is
        x[t]. Their gradients go back as one array (the Unbind op), where the T slices x[t]
        would each send back an array of x's whole shape (nn.LSTM cuts its time steps so).

        >>> import numpy as np
        >>> x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
        >>> first, second, third = x.unbind(0)
        >>> (first * 1 + third * 3).sum().backward()
        >>> x.grad.numpy().tolist()
        [[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]]
        """
        ndim = self.data.ndim
        if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
            raise ValueError(f"unbind: axis {axis!r} is out of range for a tensor of shape "
                             f"{self.data.shape} ({ndim} axes)")
        axis %= ndim
        whole = _ops.Unbind.apply(self, axis=axis)
        return tuple(_ops.UnbindSlice.apply(whole, source=whole._ctx,
                                            index=(slice(None),) * axis + (i,))
                     for i in range(self.data.shape[axis]))

    def flatten(self, start_axis=0) -> Tensor:
        """Merge the axes from `start_axis` on into one (`nn.Flatten` keeps axis 0)."""
        shape = self.data.shape
        # the size counted, not -1: a size-0 axis (an empty batch) leaves -1 undetermined
        return self.reshape(shape[:start_axis] + (math.prod(shape[start_axis:]),))

    def astype(self, dtype) -> Tensor:
        """The values in another dtype. To a float dtype the gradient is cast back; to an
        integer or bool dtype the result is a constant (rounding has no gradient)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return _wrap(self.data.astype(dtype))
        return _ops.Cast.apply(self, dtype=dtype)

    # ---- factories (each also takes requires_grad=, dtype= and name=) ----------------------

    @classmethod
    def _made(cls, array, dtype, requires_grad, name) -> Tensor:
        return cls(array.astype(dtype or _default_dtype, copy=False),
                   requires_grad=requires_grad, name=name)

    @classmethod
    def zeros(cls, *shape, requires_grad=False, dtype=None, name=None) -> Tensor:
        return cls._made(np.zeros(_shape(shape)), dtype, requires_grad, name)

    @classmethod
    def ones(cls, *shape, requires_grad=False, dtype=None, name=None) -> Tensor:
        return cls._made(np.ones(_shape(shape)), dtype, requires_grad, name)

    @classmethod
    def randn(cls, *shape, requires_grad=False, dtype=None, name=None) -> Tensor:
        """Standard normal samples from the seeded generator (tg.manual_seed)."""
        return cls._made(generator().standard_normal(_shape(shape)), dtype, requires_grad, name)

    @classmethod
    def rand(cls, *shape, requires_grad=False, dtype=None, name=None) -> Tensor:
        """Uniform samples in [0, 1) from the seeded generator."""
        return cls._made(generator().random(_shape(shape)), dtype, requires_grad, name)

    @classmethod
    def uniform(cls, *shape, low=-1.0, high=1.0, requires_grad=False, dtype=None,
                name=None) -> Tensor:
        """Uniform samples in [low, high) from the seeded generator."""
        samples = generator().uniform(low, high, _shape(shape))
        return cls._made(samples, dtype, requires_grad, name)

    @classmethod
    def arange(cls, start, stop=None, step=1, requires_grad=False, dtype=None,
               name=None) -> Tensor:
        """Like np.arange: integers stay int64, a float argument gives the default float."""
        if stop is None:
            start, stop = 0, start
        if dtype is None and all(isinstance(v, (int, np.integer)) for v in (start, stop, step)):
            dtype = np.int64
        return cls._made(np.arange(start, stop, step), dtype, requires_grad, name)

    @classmethod
    def eye(cls, n, m=None, requires_grad=False, dtype=None, name=None) -> Tensor:
        return cls._made(np.eye(n, m), dtype, requires_grad, name)


def _wrap(array) -> Tensor:
    """A constant tensor around `array`, without the checks of Tensor() (internal, fast)."""
    t = Tensor.__new__(Tensor)
    t.data = array
    t._grad = None
    t.name = None
    t._requires_grad = False
    t._ctx = None
    return t


class Released(Tensor):
    """What a graph keeps of a tensor once backward() (without retain_graph) released it.

    Its name, shape, dtype, `.grad` and the op that made it stay, so that the graph can still
    be drawn; its values are gone, and reading them (`.data`, `.numpy()`, printing) raises an
    error that says so and how to keep them. (A stand-in that read as NaN once made drawings
    show `nan` for values that were finite.)
    """

    __slots__ = ("_shape", "_dtype")

    def __init__(self, t: Tensor):  # not Tensor.__init__: it would keep the values
        self._shape, self._dtype = t.data.shape, t.data.dtype
        self.name, self._grad = t.name, t._grad
        self._requires_grad, self._ctx = t._requires_grad, t._ctx

    @property
    def data(self):
        raise RuntimeError(
            f"the values of this tensor ({self.described()}) were freed by backward(), which "
            f"releases the graph's activations; to read them, call backward(retain_graph=True), "
            f"or look at them (draw the graph) before backward()"
        )

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def size(self) -> int:
        return int(np.prod(self._shape))

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    def described(self) -> str:
        named = f"'{self.name}', " if self.name is not None else ""
        return f"{named}shape {self._shape}, {self._dtype}"

    def __repr__(self) -> str:
        return f"Released({self.described()}: values freed by backward())"

    __str__ = __repr__


_REPLACED_PARAMETER = (
    "{W}.grad is None: {W} is no longer the parameter that backward() fills and an optimizer "
    "trains. It was made by `{W} {sign} ...` ({op}) from that parameter outside tg.no_grad(), "
    "as `{W} = {W} {sign} lr * {W}.grad` does: {W} became a new tensor computed by an op, and "
    "the parameter stays behind it in the graph. Update the parameter in place, without "
    "recording:\n"
    "    with tg.no_grad():\n"
    "        {W} -= lr * {W}.grad\n"
    "(To read the gradient of an intermediate tensor instead, call .retain_grad() on it "
    "before backward().)"
)


def _replaced_parameter(t: Tensor):
    """The parameter that `t` replaced in a hand-written update outside no_grad, else None.

    `W = W - lr * W.grad` (or `W + ...`) gives a tensor made by Sub or Add whose first input
    is a leaf that requires grad, of the same shape, and already has a gradient.
    """
    ctx = t._ctx
    if type(ctx) not in (_ops.Sub, _ops.Add):
        return None
    parameter = ctx.inputs[0]
    if (parameter._ctx is None and parameter._requires_grad and parameter._grad is not None
            and parameter.shape == t.shape):
        return parameter
    return None


def loss_target(where: str, prediction: Tensor, target) -> Tensor:
    """The target of a loss, by the losses' one dtype rule, checked against the prediction.

    A target that is data (an array, a list, a Tensor that does not require grad) takes the
    prediction's dtype, so that int64 labels or float64 one-hot rows (np.eye) never turn a
    float32 loss into float64; a target that requires grad keeps its own. Both must have one
    shape: broadcasting (N, 1) against (N,) would compare every prediction with every target.
    """
    if isinstance(target, Tensor):
        if target.data.dtype != prediction.data.dtype and not target._requires_grad:
            target = _wrap(target.data.astype(prediction.data.dtype))
    else:
        target = Tensor(np.asarray(target).astype(prediction.data.dtype, copy=False))
    if prediction.shape != target.shape:
        raise ValueError(
            f"{where}: the prediction has shape {prediction.shape} but the target has shape "
            f"{target.shape}; they must be equal (broadcasting them, e.g. (N, 1) against "
            f"(N,), would compare every prediction with every target). Reshape one of them."
        )
    return target


def _floating(t: Tensor) -> Tensor:
    """`t`, or for integer and bool tensors their values in the default float dtype.

    Ops whose results are fractions (exp, mean, softmax, ...) give float32 on integer data,
    as in PyTorch, rather than NumPy's float64.
    """
    if t.data.dtype.kind == "f":
        return t
    return _wrap(t.data.astype(_default_dtype))


def _constant(value, like: Tensor) -> Tensor:
    # A number (Python's or a NumPy scalar such as np.float64(0.1)) takes the dtype of the
    # tensor it meets, as in PyTorch, so that `x * 2.0` keeps float32 and `labels + 1` stays
    # an integer. Arrays and lists keep their own dtype.
    if type(value) is np.ndarray and value.dtype.kind in "biuf":  # data (the notes' X, y):
        return _wrap(value)  # what Tensor(value) gives, without its checks of other kinds
    dtype = like.data.dtype
    if type(value) is float or isinstance(value, (float, np.floating)):
        return _wrap(np.array(value, dtype if dtype.kind == "f" else _default_dtype))
    if type(value) is int or isinstance(value, (int, np.integer)):
        if dtype.kind in "iu":
            dtype = _holding(int(value), dtype)
        return _wrap(np.array(value, dtype if dtype.kind in "fiu" else np.int64))
    return Tensor(value)


def _holding(value: int, dtype: np.dtype) -> np.dtype:
    """An integer dtype for `value` meeting an integer tensor of `dtype`: `dtype` itself when
    the value fits, else the smallest that holds both (NumPy 1's value-based rule), so that
    `uint8_images + 256` is uint16 rather than NumPy 2's OverflowError."""
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:
        return dtype
    if value >= 0 and dtype.kind == "i":  # a signed holder: one that holds -value - 1 holds value
        value = -value - 1
    return np.result_type(dtype, np.min_scalar_type(value))


def _operands(a: Tensor, b, division=False):
    """Both operands of a binary op as Tensors whose dtypes do not drift.

    An integer or bool tensor meeting a float one takes the float's dtype (labels never turn
    float32 activations into float64); dividing integers (by a tensor or a Python number)
    gives the default float.
    """
    if division and a.data.dtype.kind != "f" and not (
        isinstance(b, Tensor) and b.data.dtype.kind == "f"
    ):
        a = _floating(a)  # a fraction: made float before the number meets it (uint8 / 1000)
    if not isinstance(b, Tensor):
        b = _constant(b, a)
    da = a.data.dtype
    db = b.data.dtype
    if da is db:
        return a, b
    fa, fb = da.kind == "f", db.kind == "f"
    if fa and not fb:
        b = _wrap(b.data.astype(da))
    elif fb and not fa:
        a = _wrap(a.data.astype(db))
    return a, b


def _joinable(tensors) -> list:
    """Tensors to concatenate or stack, in one dtype: integers meeting floats take the float's
    dtype, floats promote as NumPy's do (float32 with float64 is float64). The casts are ops in
    the graph, so a float32 parameter joined with float64 data still gets its gradient."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate/stack: need at least one tensor")
    floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
    dtype = np.result_type(*(floats or [t.data.dtype for t in tensors]))
    return [t if t.data.dtype == dtype else t.astype(dtype) for t in tensors]


def _bound(value):
    """A bound of clip() as a constant array (None stays None)."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        if value._requires_grad:
            raise TypeError(
                "clip() bounds are constants; for bounds that need a gradient use "
                "tg.maximum(x, lo) and tg.minimum(x, hi)"
            )
        return value.data
    return np.asarray(value)


def _plain_index(index):
    """An index with any Tensors in it replaced by their arrays (indices carry no grad)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index

