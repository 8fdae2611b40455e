"""Window ops: im2col and its adjoint col2im, and the max and mean along one axis of the
windows that pooling takes. The array geometry (which window holds which pixel) is conv.py's.

im2col only moves numbers, so its backward moves gradients back: col2im adds each row's
gradient into the window it came from (windows overlap, so a pixel collects the gradients of
every window that saw it). col2im is linear too, and its own backward is im2col: that pair is
what makes gradients of gradients (`create_graph=True`) work through a convolution.

Max pooling keeps the largest value of each window; its gradient goes to that one position
(FirstMax). F.conv2d, F.max_pool2d and F.avg_pool2d (nn/functional.py) put these pieces
together through the Tensor methods (x.im2col, x.first_max, x.mean_along).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..conv import col2im_array, im2col_array

# ---- im2col and col2im: each one's backward is the other -----------------------------------


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
        return Col2Im.in_backward(gy, input_shape=self.input_shape, kernel=self.kernel,
                                  stride=self.stride, padding=self.padding, layout=self.layout)


class Col2Im(Function):
    rule = "gcol = im2col(gy): each window of gy copied out"

    def __init__(self, input_shape, kernel, stride, padding, layout="rows"):
        self.input_shape, self.layout = input_shape, layout
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, col):
        return col2im_array(col, self.input_shape, self.kernel, self.stride, self.padding,
                            self.layout)

    def backward(self, gy):
        # d x / d col: each window's gradient is the gradient of the pixels it adds into
        return Im2Col.in_backward(gy, kernel=self.kernel, stride=self.stride,
                                  padding=self.padding, layout=self.layout)


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
        (wins,) = self.saved  # d max / d x_i = 1 where x_i won, else 0
        return Spread.in_backward(gy, weights=wins, axis=self.axis)

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
        n = self.n = x.shape[self.axis]
        y = x[self._at(0)] * (1.0 / n)
        for p in range(1, n):
            y += x[self._at(p)] * (1.0 / n)
        return y

    def backward(self, gy):  # d mean / d x_i = 1 / n, for each of the n positions
        return Spread.in_backward(gy, weights=(1.0 / self.n,) * self.n, axis=self.axis)

    def _at(self, p):
        return (slice(None),) * self.axis + (p,)


class Spread(Function):
    rule = "gy = sum over the positions of gx[position] * weight"
    # The backward of FirstMax and MeanAlong, as an op of its own (as ScatterAdd is indexing's):
    # gy copied to each position along a new axis, times that position's weight (FirstMax: 1
    # where the position won, else 0; MeanAlong: 1 / n). One multiply per position into its
    # slice of the result, each over the whole gy: NumPy is slow at a product that broadcasts
    # along a short axis (2 or 3 for a pooling window). It is linear in gy, so its own
    # backward is its transpose: each position's slice times its weight, added up.

    def __init__(self, weights, axis):
        self.weights, self.axis = weights, axis  # weights[p] broadcasts against gy

    def forward(self, gy):
        gx = np.empty(gy.shape[:self.axis] + (len(self.weights),) + gy.shape[self.axis:],
                      gy.dtype)
        for p, weight in enumerate(self.weights):
            np.multiply(gy, weight, out=gx[self._at(p)])
        return gx

    def backward(self, g):
        shares = [g[self._at(p)] * weight for p, weight in enumerate(self.weights)]
        return sum(shares[1:], shares[0])

    def _at(self, p):
        return (slice(None),) * self.axis + (p,)
