"""Layers and losses as plain functions: `import tinygrad_edu.nn.functional as F`.

Each one is a few Tensor ops, so backward() comes for free; the conventions that differ
between the books and PyTorch are written next to the code that makes the choice.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> import tinygrad_edu.nn.functional as F
>>> logits = tg.Tensor(np.array([[2.0, 1.0, 0.1]]), requires_grad=True)
>>> loss = F.cross_entropy(logits, np.array([0]))
>>> round(loss.item(), 4)
0.417
>>> loss.backward()
>>> logits.grad.numpy().round(3)          # softmax(x) - one_hot(t), the books' SoftmaxWithLoss
array([[-0.341,  0.242,  0.099]])
"""

from __future__ import annotations

import numpy as np

from .. import conv
from ..functions import log_softmax, relu, sigmoid, softmax, tanh
from ..modes import no_grad
from ..random import generator
from ..tensor import Tensor, loss_target

__all__ = [  # the activations are tg's own (functions.py): F.relu is tg.relu
    "avg_pool2d", "batch_norm", "binary_cross_entropy", "conv2d", "cross_entropy", "dropout",
    "im2col", "linear", "log_softmax", "max_pool2d", "mse_loss", "relu", "sigmoid", "softmax",
    "tanh",
]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# ---- layers as functions ----------------------------------------------------------------------


def linear(x, weight, bias=None) -> Tensor:
    """x @ W + b, with W of shape (in_features, out_features) as in the notes.

    >>> import numpy as np
    >>> x, W, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
    >>> linear(Tensor(x), Tensor(W), Tensor(b)).shape
    (2, 4)
    """
    return _tensor(x).linear(weight, bias)


def dropout(x, p=0.5, training=True) -> Tensor:
    """Zero each element with probability `p`, and scale the survivors by 1 / (1 - p).

    This is inverted dropout (as in PyTorch): the expected value of every element is
    unchanged, so evaluation needs no rescaling and simply passes x through. (The books
    scale at test time instead, by (1 - p).) The mask comes from the library's seeded
    generator (`tg.manual_seed`).

    >>> import numpy as np
    >>> y = dropout(Tensor(np.ones(6)), p=0.5)
    >>> sorted(set(y.numpy().tolist())) in ([0.0, 2.0], [0.0], [2.0])
    True
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(
            f"dropout probability must be in [0, 1), got p={p} (p=1 would drop everything)"
        )
    x = _tensor(x)
    if not training or p == 0.0:
        return x
    mask = (generator().random(x.shape) >= p).astype(x.dtype)
    mask *= 1.0 / (1.0 - p)  # survivors scaled now, so evaluation needs nothing
    return x * mask


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5) -> Tensor:
    """Normalise each feature of x, then scale by `weight` and shift by `bias`.

    A feature is a column of an (N, C) input, or a channel of an (N, C, H, W) image batch:
    its statistics are taken over the batch, and for images over every pixel too, (N, H, W).
    Training: the batch's mean and biased variance normalise it (Ioffe & Szegedy 2015), and
    the running statistics, when given, are updated in place:
    running = (1 - momentum) * running + momentum * batch, with the unbiased variance
    (n / (n - 1)) for running_var, as PyTorch does. Evaluation: the running statistics
    normalise. (The books' `momentum=0.9` weighs the old value; it equals momentum=0.1 here.)
    The running statistics are NumPy arrays or Tensors (changed in place either way, grad mode
    or not, as PyTorch's are); every argument is checked before anything changes.

    >>> import numpy as np
    >>> running_mean, running_var = Tensor(np.zeros(2)), Tensor(np.ones(2))
    >>> x = Tensor(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> batch_norm(x, running_mean, running_var, training=True).numpy().round(3)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> running_mean.numpy()                      # 0.9 * 0 + 0.1 * (2, 20)
    array([0.2, 2. ])
    """
    x = _tensor(x)
    _check_batch_norm(x, running_mean, running_var, weight, bias, training)
    axes = (0,) + tuple(range(2, x.ndim))  # every axis but the features'
    per_feature = (x.shape[1],) + (1,) * (x.ndim - 2)  # (C,) or (C, 1, 1): broadcasts over x
    if training:
        n = x.size // x.shape[1]
        if n < 2:
            raise ValueError(
                f"batch_norm in training mode needs more than one sample per feature (its "
                f"variance), got input of shape {x.shape}; use a larger batch or .eval()"
            )
        mean = x.mean(axis=axes)
        centered = x - mean.reshape(per_feature)
        variance = (centered * centered).mean(axis=axes)
        x_hat = centered / (variance + eps).sqrt().reshape(per_feature)
        # In place on the caller's arrays or Tensors: no_grad, or `running_mean *= ...` on a
        # Tensor would make a new Tensor (while recording) and leave the caller's unchanged.
        with no_grad():
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += momentum * mean.data
            if running_var is not None:
                running_var *= 1.0 - momentum
                running_var += (momentum * n / (n - 1)) * variance.data
    else:
        x_hat = (x - running_mean.reshape(per_feature)) * \
            (1.0 / np.sqrt(running_var + eps)).reshape(per_feature)
    if weight is not None:
        x_hat = x_hat * weight.reshape(per_feature)
    if bias is not None:
        x_hat = x_hat + bias.reshape(per_feature)
    return x_hat


def _check_batch_norm(x, running_mean, running_var, weight, bias, training):
    """batch_norm's arguments, each checked before anything is computed or changed."""
    if x.ndim < 2:
        raise ValueError(
            f"batch_norm: expected an input of shape (N, C) or (N, C, H, W), features on axis "
            f"1, got shape {x.shape}; one sample of C features is x.reshape(1, C)"
        )
    features = x.shape[1]
    if not training:
        for what, value in (("running_mean", running_mean), ("running_var", running_var)):
            if value is None:
                raise ValueError(
                    f"batch_norm in evaluation mode (training=False) normalises with the "
                    f"running statistics, but {what} is None: pass running_mean and "
                    f"running_var, or use training=True (the batch's own statistics)"
                )
    for what, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is None:
            continue
        running = what.startswith("running")
        if running and training and not isinstance(value, (np.ndarray, Tensor)):
            raise TypeError(
                f"batch_norm: {what} must be a NumPy array or a Tensor, which training "
                f"updates in place, got {type(value).__name__}"
            )
        shape = np.shape(value.data if isinstance(value, Tensor) else value)
        if shape != (features,):
            given = f"{shape[0]} values" if len(shape) == 1 else f"shape {shape}"
            raise ValueError(
                f"batch_norm: {what} has {given}, but the input of shape {x.shape} has "
                f"{features} features (axis 1): it needs one value per feature, shape "
                f"({features},)"
            )
        dtype = value.dtype if isinstance(value, (np.ndarray, Tensor)) else None
        if running and training and dtype.kind != "f":
            raise TypeError(
                f"batch_norm: {what} must be a float array (training averages into it), "
                f"got {dtype}"
            )


# ---- convolution and pooling (NCHW; the geometry is tinygrad_edu/conv.py's, the ops are
# ops/window.py's, reached through the Tensor methods im2col, first_max and mean_along) ----


def im2col(x, kernel_size, stride=1, padding=0) -> Tensor:
    """Every kernel-sized window of x (N, C, H, W) as one row: (N*OH*OW, C*KH*KW).

    The books' layout: row n*OH*OW + i*OW + j holds the window of sample n at output pixel
    (i, j), its C*KH*KW numbers channel by channel, each channel row by row. Padding adds
    zeros around H and W. Differentiable: the gradient is col2im, each row's gradient added
    back into its window.

    >>> import numpy as np
    >>> x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    >>> im2col(x, 2).numpy()                     # four 2x2 windows of a 3x3 image
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    return _tensor(x).im2col(kernel_size, stride, padding)


def conv2d(x, weight, bias=None, stride=1, padding=0) -> Tensor:
    """2-d convolution (cross-correlation, as in the books and PyTorch) of x (N, C, H, W).

    `weight` has shape (out_channels, in_channels, KH, KW), `bias` (out_channels,). As the
    books compute it: im2col, one matrix product with the flattened filters, and a reshape
    to (N, out_channels, OH, OW), where OH = (H + 2 padding - KH) // stride + 1 (likewise
    OW). Its backward is that of the product, then col2im.

    >>> import numpy as np
    >>> x = Tensor(np.ones((2, 3, 5, 5)))
    >>> w = Tensor(np.ones((4, 3, 3, 3)))        # 4 filters of 3 channels, 3x3
    >>> y = conv2d(x, w, padding=1)
    >>> y.shape
    (2, 4, 5, 5)
    >>> y.numpy()[0, 0, [2, 0], [2, 0]].tolist()   # 3*3*3 ones inside, 3*2*2 at a corner
    [27.0, 12.0]
    """
    x, weight = _tensor(x), _tensor(weight)
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must have shape (out_channels, in_channels, KH, KW), "
                         f"got {weight.shape}")
    out_channels, in_channels, kh, kw = weight.shape
    kernel, stride, padding, (oh, ow) = conv.geometry("conv2d", x.shape, (kh, kw), stride,
                                                       padding)
    if x.shape[1] != in_channels:
        raise ValueError(
            f"conv2d: the input has {x.shape[1]} channels (shape {x.shape}) but the weight of "
            f"shape {weight.shape} expects {in_channels} (input shape (N, {in_channels}, H, W))"
        )
    if bias is not None:
        bias = _tensor(bias)
        if bias.shape != (out_channels,):
            raise ValueError(
                f"conv2d: the bias has shape {bias.shape}, but the weight of shape "
                f"{weight.shape} makes {out_channels} output channels: the bias needs one "
                f"value per output channel, shape ({out_channels},)"
            )
    n = x.shape[0]
    # The books: out = col @ W.reshape(FN, -1).T + b, (N*OH*OW, FN). Here the same product,
    # transposed: W (FN, C*KH*KW) @ col.T (C*KH*KW, N*OH*OW), with col.T stored as such
    # (im2col's "columns" layout, conv.py), so that the result, (FN, N, OH, OW), is NCHW with
    # two axes swapped: a transpose that moves nothing. The bias is one more weight per
    # filter, on a last row of ones in col.T: the same sum, with no extra pass over the output.
    with_bias = bias is not None
    col_t = x.im2col(kernel, stride, padding, layout="columns", ones_row=with_bias)
    w = weight.reshape(out_channels, -1)
    if with_bias:
        w = Tensor.concatenate([w, _tensor(bias).reshape(out_channels, 1)], axis=1)
    out = w @ col_t  # (FN, N*OH*OW)
    return out.reshape(out_channels, n, oh, ow).transpose(1, 0, 2, 3)


def _pool_geometry(where, x, kernel_size, stride, padding):
    kernel, stride, padding, out = conv.geometry(
        where, x.shape, kernel_size, kernel_size if stride is None else stride, padding)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{where}: padding {padding} must be at most half the kernel "
                         f"{kernel} (input shape {x.shape})")
    return kernel, stride, padding, out


def _blocks(x, kernel, stride, padding, out):
    """x as (N, C, OH, KH, OW, KW) when the windows lie side by side, or None.

    A free reshape: no window is copied. Rows and columns that fit no window are cut off.
    """
    if stride != kernel or padding != (0, 0):
        return None
    (kh, kw), (oh, ow) = kernel, out
    if x.shape[2:] != (oh * kh, ow * kw):
        x = x[:, :, :oh * kh, :ow * kw]
    return x.reshape(x.shape[0], x.shape[1], oh, kh, ow, kw)


def _window_columns(x, kernel, stride, padding, fill):
    """Each channel's windows as columns: (C, KH*KW, N*OH*OW) (im2col's "columns" layout)."""
    col_t = x.im2col(kernel, stride, padding, fill=fill, layout="columns")
    return col_t.reshape(x.shape[1], kernel[0] * kernel[1], -1)


def _as_image(per_window, n, out):
    """(C, N*OH*OW), one number per window, as (N, C, OH, OW)."""
    return per_window.reshape(per_window.shape[0], n, *out).transpose(1, 0, 2, 3)


def max_pool2d(x, kernel_size, stride=None, padding=0) -> Tensor:
    """The largest value of each window; stride defaults to kernel_size (windows side by side).

    The gradient goes to the maximum of each window; when several values tie for it (a window
    of zeros after a ReLU), all of it goes to the first one in reading order, as in the books
    (argmax) and PyTorch. Padding (at most half the kernel) is never the max, not even of a
    window of -inf; integer tensors are pooled as integers.

    >>> import numpy as np
    >>> x = Tensor(np.array([[[[1.0, 2.0, 5.0, 0.0],
    ...                        [3.0, 4.0, 1.0, 1.0]]]]), requires_grad=True)
    >>> y = max_pool2d(x, 2)
    >>> y.numpy()
    array([[[[4., 5.]]]])
    >>> y.sum().backward()
    >>> x.grad.numpy()
    array([[[[0., 0., 1., 0.],
             [0., 1., 0., 0.]]]])
    """
    x = _tensor(x)
    kernel, stride, padding, out = _pool_geometry("max_pool2d", x, kernel_size, stride, padding)
    blocks = _blocks(x, kernel, stride, padding, out)
    if blocks is not None:  # windows side by side: the max of each window row, then of those
        return blocks.first_max(axis=5).first_max(axis=3)  # (N, C, OH, KH, OW), (N, C, OH, OW)
    columns = _window_columns(x, kernel, stride, padding, fill=0)  # the fill is never read:
    real = _real_positions(x.shape, kernel, stride, padding)    # FirstMax skips the padding
    return _as_image(columns.first_max(axis=1, real=real), x.shape[0], out)


def _real_positions(shape, kernel, stride, padding):
    """(KH*KW, N*OH*OW) bools, in _window_columns' order: False where a window holds padding,
    or None without padding."""
    if padding == (0, 0):
        return None
    n, _, h, w = shape
    one_image = conv.im2col_array(np.ones((1, 1, h, w), bool), kernel, stride, padding,
                                  fill=False, layout="columns")  # (KH*KW, OH*OW)
    return np.tile(one_image, (1, n))


def avg_pool2d(x, kernel_size, stride=None, padding=0) -> Tensor:
    """The mean of each window; stride defaults to kernel_size. Padding counts as zeros that
    are part of the mean (PyTorch's default, count_include_pad=True). Each input gets
    gy / (KH*KW) from every window that holds it.

    >>> import numpy as np
    >>> avg_pool2d(Tensor(np.arange(8.0).reshape(1, 1, 2, 4)), 2).numpy()
    array([[[[2.5, 4.5]]]])
    """
    x = _tensor(x)  # (integers give the default float: a mean is a fraction, as x.mean())
    kernel, stride, padding, out = _pool_geometry("avg_pool2d", x, kernel_size, stride, padding)
    blocks = _blocks(x, kernel, stride, padding, out)
    if blocks is not None:  # windows side by side: the mean of each window row, then of those
        return blocks.mean_along(axis=5).mean_along(axis=3)
    columns = _window_columns(x, kernel, stride, padding, fill=0)
    return _as_image(columns.mean_along(axis=1), x.shape[0], out)


# ---- losses -----------------------------------------------------------------------------------


def mse_loss(y, t) -> Tensor:
    """Mean squared error, averaged over all elements: mean((y - t)^2).

    The books' `mean_squared_error` is 0.5 * sum((y - t)^2) over everything instead: that
    one is this times 0.5 * y.size.

    >>> import numpy as np
    >>> mse_loss(Tensor(np.array([1.0, 2.0])), np.array([1.0, 4.0])).item()
    2.0
    """
    y = _tensor(y)
    t = loss_target("mse_loss", y, t)
    difference = y - t
    return (difference * difference).mean()


def binary_cross_entropy(p, t) -> Tensor:
    """Binary cross-entropy of probabilities `p` (after a sigmoid) against targets in [0, 1].

    -mean(t log p + (1 - t) log(1 - p)), the mean over all elements. Each log is clamped at
    -100, as PyTorch does, so p = 0 or p = 1 gives a finite loss instead of inf.

    >>> import numpy as np
    >>> p = Tensor(np.array([0.9, 0.2]))
    >>> round(binary_cross_entropy(p, np.array([1, 0])).item(), 4)
    0.1643
    """
    return _tensor(p).binary_cross_entropy(t)


def cross_entropy(logits, target) -> Tensor:
    """Softmax cross-entropy, averaged over the batch, computed stably from logits.

    `logits` has shape (N, C) (or (C,) for one sample). `target` is either integer class
    labels of shape (N,), each in 0..C-1, or one-hot / probability rows of shape (N, C);
    both give the same loss, -mean over samples of sum_c t_c log softmax(x)_c. Working in
    log space (log_softmax, log-sum-exp) keeps logits of 1000 finite. Its gradient is
    (softmax(x) - t) / N, the books' SoftmaxWithLoss backward.

    >>> import numpy as np
    >>> x = Tensor(np.array([[1000.0, 0.0], [0.0, 1000.0]]))
    >>> cross_entropy(x, np.array([1, 1])).item()              # (1000 + 0) / 2
    500.0
    >>> cross_entropy(x, np.array([[0.0, 1.0], [0.0, 1.0]])).item()
    500.0
    """
    return _tensor(logits).cross_entropy(target)


# ---- sequences (their own files; here so that F.* reaches them) --------------------------------

from .attention import scaled_dot_product_attention  # noqa: E402, F401
from .embedding import embedding  # noqa: E402, F401
