"""The array geometry of convolution and pooling, as the books build it: which window of the
input holds which pixel (im2col), and how each window's numbers go back (col2im). No ops here:
the differentiable Im2Col, Col2Im and pooling ops are in ops/window.py.

Chapter 7 of "Deep Learning from Scratch" turns a convolution into one matrix product.
im2col copies every window of the input into a row:

    x (N, C, H, W)  --im2col-->  col (N*OH*OW, C*KH*KW)      one row per output pixel
    col @ W.reshape(FN, C*KH*KW).T  ->  (N*OH*OW, FN)  ->  reshape, transpose to (N, FN, OH, OW)

col2im is its adjoint: it adds each row back into the window it came from (windows overlap,
so a pixel collects every window that saw it). `geometry` checks an input against a window
and says what is wrong in the learner's terms.

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
