"""The book's `common.util`: im2col / col2im (the engine's), smooth_curve, shuffle_dataset.

>>> import numpy as np
>>> from tinygrad_edu.book.util import im2col, col2im
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> col = im2col(x, 2, 2, stride=2)          # four 2x2 windows, one per row
>>> col.shape, col[0].tolist()
((4, 4), [0.0, 1.0, 4.0, 5.0])
>>> np.array_equal(col2im(col, x.shape, 2, 2, stride=2), x)   # no overlap: put back as they were
True
"""

from __future__ import annotations

import numpy as np

from .. import conv
from ..autograd import no_grad
from ..nn import functional as F
from ..tensor import Tensor

__all__ = ["smooth_curve", "shuffle_dataset", "conv_output_size", "im2col", "col2im"]

# smooth_curve: the book's smoothing of a loss curve for plots, a moving average under a
# Kaiser window (length 11, beta 2), with the curve mirrored at both ends so that the result
# has the curve's length (idea from the book's cited glowingpython.blogspot.jp post, 2012).
_WINDOW, _BETA = 11, 2


def smooth_curve(x):
    x = np.asarray(x)
    half = _WINDOW // 2
    mirrored = np.concatenate([x[_WINDOW - 1:0:-1], x, x[-1:-_WINDOW:-1]])
    weights = np.kaiser(_WINDOW, _BETA)
    smoothed = np.convolve(weights / weights.sum(), mirrored, mode="valid")
    return smoothed[half:len(smoothed) - half]


def shuffle_dataset(x, t):
    """x and t in one random order (np.random.permutation, as the book draws it)."""
    order = np.random.permutation(x.shape[0])
    return x[order], t[order]


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    """(input_size + 2 pad - filter_size) / stride + 1, a float as in the book."""
    return (input_size + 2 * pad - filter_size) / stride + 1


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """(N, C, H, W) -> (N*OH*OW, C*FH*FW): each window as one row (the engine's F.im2col),
    in float64 as the book's."""
    with no_grad():
        col = F.im2col(Tensor(np.asarray(input_data, dtype=np.float64)), (filter_h, filter_w),
                       stride=stride, padding=pad)
    return col.data


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """The reverse of im2col: each row added back into its window of an (N, C, H, W) array
    (overlapping windows add up; im2col's backward)."""
    kernel, stride, padding, _ = conv.geometry("col2im", tuple(input_shape),
                                               (filter_h, filter_w), stride, pad)
    with no_grad():
        image = conv.col2im(Tensor(np.asarray(col, dtype=np.float64)), tuple(input_shape),
                            kernel, stride, padding)
    return image.data
