"""Shape ops: they move numbers around, so backward moves gradients back.

`unbroadcast` (the adjoint of NumPy broadcasting) lives here too: every op that broadcasts
sums its gradient back with it.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function


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
        # each picked element gets its gy: ScatterAdd, the adjoint of indexing
        return ScatterAdd.in_backward(gy, index=self.index, shape=self.input_shape)

    def explain_error(self, arrays, error):
        return f"indexing a tensor of shape {arrays[0].shape}: {error}"


class ScatterAdd(Function):
    """The adjoint of x[index]: zeros of `shape`, with the values added in at `index`.

    Repeated indices add up (x[[0, 0]] uses x[0] twice, so x[0] gets both gradients).
    """

    rule = "gy[index]"

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, values):
        out = np.zeros(self.shape, values.dtype)
        index = self.index
        if _is_basic(index) or getattr(index, "dtype", None) == np.bool_:
            out[index] = values
        elif type(index) is np.ndarray and out.ndim > 1:  # whole rows picked (an embedding)
            # NumPy's add.at is several times faster on a flat array than row by row (same
            # sums, same order): add row r's values at the flat positions r * width + column
            # (a negative r counts from the end, as its flat positions do).
            width = out[0].size
            flat = index.astype(np.intp, copy=False).reshape(-1, 1) * width + np.arange(width)
            np.add.at(out.reshape(-1), flat.reshape(-1), values.reshape(-1))
        else:
            np.add.at(out, index, values)
        return out

    def backward(self, gy):
        return gy[self.index]


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


class Unbind(Function):
    """x itself, as the one source of its slices along `axis` (`x.unbind(axis)` makes the
    slices with UnbindSlice); backward hands on the slices' gradients, side by side.

    Why not x[t] for every slice: the gradient of x[t] is an array of x's whole shape, zeros
    but for slice t (indexing's adjoint), and the engine adds up all T of them: T whole arrays
    for T slices (an LSTM's 35 time steps: 35 arrays the size of the whole sequence). Here
    each slice writes its gradient into its place in one buffer that this op holds, and this
    op, whose backward runs after all of its slices' (outputs before inputs), returns that
    buffer: one array for all T. (An op with T outputs would do the same in one step; the
    engine's ops have one output each.)
    """

    gathers_gradient = True  # (see Function)
    rule = "the slices' gradients, side by side in one array"

    def __init__(self, axis=0):
        self.axis = axis
        self.buffer = None  # filled by the slices' backward, handed on by this op's
        self.untouched = None  # which slices have not written into it yet (a bool per slice)

    def forward(self, x):
        self.shape = x.shape
        return x.view()

    def backward(self, gy):
        buffer, self.buffer = self.buffer, None  # empty again for another pass (retain_graph)
        # gy: the first slice's placeholder (below), or with create_graph the recorded sum of
        # the slices' own gradients (then no buffer was filled in this pass)
        if buffer is None or not self.gathered_this_pass():
            return gy
        untouched, self.untouched = self.untouched, None
        if untouched.any():  # slices that got no gradient: zeros there
            buffer[(slice(None),) * self.axis + (untouched,)] = 0
        return buffer


class UnbindSlice(Function):
    """Slice `index` of the output of an Unbind op (`source`): x[index]."""

    rule = "gy, written into its slice of the Unbind op's buffer"

    def __init__(self, source, index):
        self.source, self.index = source, index

    def forward(self, x):
        return x[self.index]

    def backward(self, gy):
        source = self.source
        if not isinstance(gy, (np.ndarray, np.generic)):  # create_graph: recorded, as x[index]'s
            return ScatterAdd.in_backward(gy, index=self.index, shape=source.shape)
        # The first slice of this pass makes the buffer (a buffer left by a pass that was
        # interrupted, by Ctrl-C or an error, before Unbind's backward is dropped). Not zeros:
        # each slice writes its own part, and Unbind zeros what is left.
        first = source.first_gradient_of_pass()
        if first:
            source.buffer = np.empty(source.shape, gy.dtype)
            source.untouched = np.ones(source.shape[source.axis], bool)
        source.buffer[self.index] = gy
        source.untouched[self.index[-1]] = False
        # The engine visits the Unbind op only if its output gets a gradient: the first slice
        # gives a zero one that takes no memory (a broadcast view), the others none.
        return np.broadcast_to(np.zeros((), gy.dtype), source.shape) if first else None
