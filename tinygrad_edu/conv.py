"""Convolution and pooling as the books build them: im2col, its adjoint col2im, window max.

Chapter 7 of "Deep Learning from Scratch" turns a convolution into one matrix product.
im2col copies every window of the input into a row:

    x (N, C, H, W)  --im2col-->  col (N*OH*OW, C*KH*KW)      one row per output pixel
    col @ W.reshape(FN, C*KH*KW).T  ->  (N*OH*OW, FN)  ->  reshape, transpose to (N, FN, OH, OW)

im2col only moves numbers, so its backward moves gradients back: col2im adds each row's
gradient into the window it came from (windows overlap, so a pixel collects the gradients of
every window that saw it). col2im is linear too, and its own backward is im2col: that pair is
what makes gradients of gradients (`create_graph=True`) work through a convolution.

Max pooling keeps the largest value of each window; its gradient goes to that one position
(FirstMax, below). F.im2col, F.conv2d, F.max_pool2d and F.avg_pool2d (nn/functional.py) put
these pieces together; nn.Conv2d, nn.MaxPool2d and nn.AvgPool2d call them.

>>> import numpy as np
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> im2col_array(x, (2, 2), (2, 2), (0, 0))        # the four 2x2 windows, one per row
array([[ 0.,  1.,  4.,  5.],
       [ 2.,  3.,  6.,  7.],
       [ 8.,  9., 12., 13.],
       [10., 11., 14., 15.]])
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .autograd import Function
from .tensor import Tensor

# ---- geometry and the checks a learner meets ----------------------------------------------


def pair(value, what: str, where: str) -> tuple:
    """An int or an (h, w) pair, as a pair of ints."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, np.integer)) for v in value):
        return int(value[0]), int(value[1])
    raise TypeError(f"{where}: {what} must be an int or a pair of ints (h, w), got {value!r}")


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """How many windows fit along one axis: (size + 2 padding - kernel) // stride + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def geometry(where: str, shape: tuple, kernel_size, stride, padding):
    """Check a 4-d input against a window, and return (kernel, stride, padding, (OH, OW)).

    `where` names the op or layer in the messages, so the learner knows which line failed.
    """
    kernel = pair(kernel_size, "kernel_size", where)
    stride = pair(stride, "stride", where)
    padding = pair(padding, "padding", where)
    if len(shape) != 4:
        raise ValueError(
            f"{where}: expected a 4-d input (N, C, H, W), got shape {shape}; a batch of "
            f"single-channel images of shape (N, H, W) needs x.reshape(N, 1, H, W)"
        )
    if min(stride) < 1:
        raise ValueError(f"{where}: stride must be at least 1, got stride={stride} "
                         f"(input shape {shape})")
    if min(kernel) < 1 or min(padding) < 0:
        raise ValueError(f"{where}: kernel_size must be at least 1 and padding at least 0, "
                         f"got kernel_size={kernel}, padding={padding}")
    padded = (shape[2] + 2 * padding[0], shape[3] + 2 * padding[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        raise ValueError(
            f"{where}: kernel {kernel} is larger than the padded input {padded} "
            f"(input shape {shape}, padding {padding}); use a smaller kernel or more padding"
        )
    out = tuple(output_size(s, k, st, p) for s, k, st, p in zip(shape[2:], kernel, stride,
                                                                   padding))
    return kernel, stride, padding, out


# ---- im2col and col2im on arrays ----------------------------------------------------------


def windows(x, kernel, stride, padding, fill=0.0):
    """Every window of x as a view of shape (N, C, OH, OW, KH, KW) (no copy but the padding)."""
    (ph, pw) = padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    view = sliding_window_view(x, kernel, axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1]]


# Two layouts of the same numbers. "rows", the books': one row per window, (N*OH*OW, C*KH*KW).
# "columns": its transpose, one column per window, (C*KH*KW, N*OH*OW), stored that way. F.conv2d
# multiplies the filters by it from the left, W (FN, C*KH*KW) @ col.T, which is the books'
# `col @ W.T` transposed: one matrix product whose rows are the output channels, so that the
# result is (FN, N, OH, OW), NCHW with two axes swapped (a free transpose, no copy). And col2im
# then reads each window position as contiguous (N, OH, OW) blocks. F.conv2d also asks for a
# last row of ones, so that the bias is one more column of W.


def im2col_array(x, kernel, stride, padding, fill=0.0, layout="rows", ones_row=False):
    """(N, C, H, W) -> (N*OH*OW, C*KH*KW): row (n, i, j) is the window at output pixel (i, j).

    With layout="columns": the transpose, (C*KH*KW, N*OH*OW), one column per window; with
    ones_row=True it gets one more row of ones, the input a bias multiplies (as the notes
    add a column of ones to X for the bias of their XOR network).
    """
    view = windows(x, kernel, stride, padding, fill)
    n, c, oh, ow, kh, kw = view.shape
    if layout == "rows":
        col = np.ascontiguousarray(view.transpose(0, 2, 3, 1, 4, 5))  # the one copy
        return col.reshape(n * oh * ow, c * kh * kw)
    col = np.empty((c * kh * kw + ones_row, n * oh * ow), x.dtype)
    col[:c * kh * kw].reshape(c, kh, kw, n, oh, ow)[...] = view.transpose(1, 4, 5, 0, 2, 3)
    if ones_row:
        col[-1] = 1
    return col


def col2im_array(col, input_shape, kernel, stride, padding, layout="rows"):
    """The adjoint of im2col: add each window back into its place in an (N, C, H, W) array."""
    n, c, h, w = input_shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = output_size(h, kh, sh, ph), output_size(w, kw, sw, pw)
    # blocks[i, j] (N, C, OH, OW): what each window holds at its position (i, j)
    if layout == "rows":
        blocks = col.reshape(n, oh, ow, c, kh, kw).transpose(4, 5, 0, 3, 1, 2)
        blocks = np.ascontiguousarray(blocks)  # one copy, then each block is read in order
    else:
        blocks = col.reshape(c, kh, kw, n, oh, ow).transpose(1, 2, 3, 0, 4, 5)  # no copy
    image = np.zeros((n, c, h + 2 * ph, w + 2 * pw), col.dtype)
    for i in range(kh):
        for j in range(kw):  # KH*KW slice additions; overlapping windows add up
            image[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += blocks[i, j]
    return image[:, :, ph:ph + h, pw:pw + w] if ph or pw else image


# ---- the Functions: each one's backward is the other --------------------------------------


class Im2Col(Function):
    rule = "gx = col2im(gy): each window of gy added back into its place"

    def __init__(self, kernel, stride, padding, fill=0.0, layout="rows", ones_row=False):
        self.kernel, self.stride, self.padding = kernel, stride, padding
        self.fill, self.layout, self.ones_row = fill, layout, ones_row

    def forward(self, x):
        self.input_shape = x.shape
        return im2col_array(x, self.kernel, self.stride, self.padding, self.fill, self.layout,
                            self.ones_row)

    def backward(self, gy):
        if self.ones_row:
            gy = gy[:-1]  # the row of ones is not x's
        # d col / d x: each pixel was copied into every window that covers it
        return col2im(gy, self.input_shape, self.kernel, self.stride, self.padding, self.layout)


class Col2Im(Function):
    rule = "gcol = im2col(gy): each window of gy copied out"

    def __init__(self, input_shape, kernel, stride, padding, layout="rows"):
        self.input_shape, self.layout = input_shape, layout
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, col):
        return col2im_array(col, self.input_shape, self.kernel, self.stride, self.padding,
                            self.layout)

    def backward(self, gy):
        return im2col(gy, self.kernel, self.stride, self.padding, layout=self.layout)


def im2col(x, kernel, stride, padding, fill=0.0, layout="rows"):
    """Im2Col on a Tensor (recorded, for create_graph) or on an array (plain backward)."""
    if isinstance(x, Tensor):
        return Im2Col.apply(x, kernel=kernel, stride=stride, padding=padding, fill=fill,
                            layout=layout)
    return im2col_array(x, kernel, stride, padding, fill, layout)


def col2im(col, input_shape, kernel, stride, padding, layout="rows"):
    """Col2Im on a Tensor (recorded, for create_graph) or on an array (plain backward)."""
    if isinstance(col, Tensor):
        return Col2Im.apply(col, input_shape=input_shape, kernel=kernel, stride=stride,
                            padding=padding, layout=layout)
    return col2im_array(col, input_shape, kernel, stride, padding, layout)


# ---- max along one axis of the windows -----------------------------------------------------


class FirstMax(Function):
    rule = "gy to the first maximum along the axis, 0 to the others"
    # The max along `axis`, whose gradient goes to one element: the first maximum. Max pooling
    # is this op along the window's columns, then along its rows (or once along the flattened
    # window, after im2col). Ties go to the first maximum in reading order, as the books'
    # argmax and PyTorch do, so that a window of equal values (zeros after a ReLU) passes its
    # gradient to one input, not to all of them. `real` (max pooling with padding): a bool
    # array, real[p] broadcasting against x[..., p, ...], False where position p is padding;
    # padding is never the maximum, not even of a window of -inf, and its fill value is never
    # read (so it needs no -inf, which integers do not have).

    def __init__(self, axis, real=None):
        self.axis = axis  # counted from the front (>= 0)
        self.real = real

    def forward(self, x):
        positions = range(x.shape[self.axis])
        cells = [x[self._at(p)] for p in positions]  # views of x, one per position
        real = self.real
        # Two passes, each one step per position (the cost grows with the window, not with its
        # square): the maximum, then where it is first reached.
        y = cells[0].copy()
        if real is None:
            for p in positions[1:]:
                np.maximum(y, cells[p], out=y)  # (NaN propagates, as in np.max)
        else:
            seen = np.broadcast_to(real[0], y.shape).copy()  # a real value came already
            for p in positions[1:]:
                np.copyto(y, cells[p], where=real[p] & ~seen)  # the first replaces the padding
                np.maximum(y, cells[p], out=y, where=real[p])
                seen |= real[p]
        # wins[p]: where position p holds the first maximum; one contiguous array per position,
        # so that backward multiplies without strided casts
        wins = np.empty((len(cells),) + y.shape, bool)
        taken = np.zeros(y.shape, bool)
        for p in positions:
            win = np.equal(cells[p], y, out=wins[p])
            if real is not None:
                win &= real[p]
            np.greater(win, taken, out=win)  # a & ~b: not where an earlier one won the tie
            taken |= win
        if not taken.all():  # a window whose maximum is NaN: its last NaN gets gy (PyTorch's)
            for p in reversed(positions):
                nan = np.isnan(cells[p]) & ~taken
                if real is not None:
                    nan &= real[p]
                wins[p] |= nan
                taken |= nan
        self.save_for_backward(wins)
        return y

    def backward(self, gy):
        (wins,) = self.saved
        if isinstance(gy, Tensor):  # recorded (create_graph): the same product, as Tensor ops
            kept = gy.shape[:self.axis] + (1,) + gy.shape[self.axis:]
            return gy.reshape(kept) * np.moveaxis(wins, 0, self.axis)
        gx = np.empty(gy.shape[:self.axis] + (len(wins),) + gy.shape[self.axis:], gy.dtype)
        for p, win in enumerate(wins):  # d max / d x_i = 1 for the winner, else 0
            np.multiply(gy, win, out=gx[self._at(p)])
        return gx

    def _at(self, p):
        """The index of position p along the axis: x[..., p, ...]."""
        return (slice(None),) * self.axis + (p,)


class MeanAlong(Function):
    rule = "gy / n to each of the n elements along the axis"
    # The mean along `axis` (average pooling: along the window's columns, then its rows),
    # written as a sum of the positions' views, which NumPy does much faster than a reduction
    # over a short strided axis.

    def __init__(self, axis):
        self.axis = axis  # counted from the front (>= 0)

    def forward(self, x):
        self.input_shape = x.shape
        n = x.shape[self.axis]
        y = x[self._at(0)] * (1.0 / n)
        for p in range(1, n):
            y += x[self._at(p)] * (1.0 / n)
        return y

    def backward(self, gy):
        n = self.input_shape[self.axis]
        if isinstance(gy, Tensor):  # recorded (create_graph): the same copies, as Tensor ops
            kept = gy.shape[:self.axis] + (1,) + gy.shape[self.axis:]
            return np.broadcast_to(gy.reshape(kept) * (1.0 / n), self.input_shape)
        gx = np.empty(self.input_shape, gy.dtype)
        for p in range(n):  # d mean / d x_i = 1 / n
            np.multiply(gy, 1.0 / n, out=gx[self._at(p)])
        return gx

    def _at(self, p):
        return (slice(None),) * self.axis + (p,)
