"""Layers: Modules that hold their weights and call a function of nn.functional.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> import tinygrad_edu.nn as nn
>>> _ = tg.manual_seed(0)
>>> net = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
>>> net
Sequential(
  (0): Linear(in_features=3, out_features=4, bias=True)
  (1): Sigmoid()
  (2): Linear(in_features=4, out_features=1, bias=True)
)
>>> net(np.zeros((5, 3), np.float32)).shape
(5, 1)
"""

from __future__ import annotations

import math

import numpy as np

from .. import conv
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .module import Module, ModuleList, Parameter


class Linear(Module):
    """y = x @ W + b, the notes' affine layer.

    `weight` has shape (in_features, out_features), so that `x @ W + b` reads as in the
    notes; this is the transpose of PyTorch's (out_features, in_features). `bias` has shape
    (out_features,), or is None with bias=False.

    Default initialisation: weight uniform in [-1/sqrt(in_features), 1/sqrt(in_features)]
    (the scale of PyTorch's default), bias zeros (as the books do), drawn from the seeded
    generator in the default dtype (float32). `nn.init` has the books' other choices.

    >>> import numpy as np
    >>> layer = Linear(784, 50)
    >>> layer.weight.shape, layer.bias.shape
    ((784, 50), (50,))
    >>> layer(np.zeros((100, 784), np.float32)).shape
    (100, 50)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        dtype = get_default_dtype()
        self.weight = Parameter(np.empty((in_features, out_features), dtype))
        bound = 1.0 / math.sqrt(in_features)
        init.uniform_(self.weight, -bound, bound)
        self.bias = Parameter(np.zeros(out_features, dtype)) if bias else None

    def forward(self, x):
        x = _input(self, x)
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(
                f"{self!r}: input of shape {x.shape} does not fit the weight of shape "
                f"{self.weight.shape}: the input's last axis must have {self.in_features} "
                f"features"
            )
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(ModuleList):
    """Layers called one after the other: Sequential(a, b, c)(x) is c(b(a(x))).

    The layers are named "0", "1", ..., so their weights are "0.weight", "2.bias", ...
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            raise TypeError(
                "Sequential takes the layers as separate arguments: write "
                "nn.Sequential(*layers), not nn.Sequential(layers)"
            )
        super().__init__(layers)

    def forward(self, x):
        for layer in self._members.values():
            x = layer(x)
        return x

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*list(self._members.values())[index])
        return super().__getitem__(index)


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, x):
        return F.sigmoid(x)


class ReLU(Module):
    """max(x, 0), elementwise; the gradient at exactly 0 is 0."""

    def forward(self, x):
        return F.relu(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    """Probabilities along `axis` (for the output of a classifier at prediction time).

    For training, give the logits to F.cross_entropy instead, which is stable.
    """

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return F.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Flatten(Module):
    """Keep axis 0 (the batch) and merge the others: (N, 1, 28, 28) -> (N, 784).

    On the output of a convolution, (N, C, H, W), the order is channel by channel, each
    channel row by row, as in the books and PyTorch.
    """

    def forward(self, x):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        return x.flatten(1)


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability p and scale the
    rest by 1 / (1 - p); in eval mode, pass x through unchanged."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(
                f"Dropout probability must be in [0, 1), got p={p} (p=1 would drop everything)"
            )
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Conv2d(Module):
    """A convolution layer: `out_channels` filters of shape (in_channels, KH, KW) slid over an
    (N, in_channels, H, W) input, giving (N, out_channels, OH, OW) (F.conv2d: im2col and one
    matrix product, as in the books).

    `weight` has shape (out_channels, in_channels, KH, KW), the books' and PyTorch's layout;
    `bias` (out_channels,). kernel_size, stride and padding are an int or an (h, w) pair.
    Default initialisation: He (Gaussian, std sqrt(2 / (in_channels * KH * KW)), the books'
    choice for ReLU networks; PyTorch uses a uniform of a smaller scale), bias zeros.

    >>> import numpy as np
    >>> conv = Conv2d(1, 30, 5)                       # the books' SimpleConvNet's layer
    >>> conv
    Conv2d(1, 30, kernel_size=(5, 5), stride=(1, 1))
    >>> conv.weight.shape
    (30, 1, 5, 5)
    >>> conv(np.zeros((100, 1, 28, 28), np.float32)).shape
    (100, 30, 24, 24)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size, self.stride, self.padding = _window("Conv2d", kernel_size, stride,
                                                             padding)
        dtype = get_default_dtype()
        self.weight = Parameter(np.empty((out_channels, in_channels, *self.kernel_size), dtype))
        init.he_(self.weight)
        self.bias = Parameter(np.zeros(out_channels, dtype)) if bias else None

    def forward(self, x):
        x = _input(self, x)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{self!r}: expected input of shape (N, {self.in_channels}, H, W), got "
                f"{x.shape}" + _hint(x.shape, self.in_channels)
            )
        try:
            return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text if self.bias is not None else text + ", bias=False"


def _input(layer, x) -> Tensor:
    """The input of a layer with weights, as a Tensor in the weights' dtype.

    A float64 batch (what np.random.randn and np.eye make) through float32 weights is computed
    in float32: the input is cast first (a recorded cast when it requires grad, so its own
    gradient comes back in its dtype), never the whole layer promoted to float64 with every
    weight's gradient cast back. Integer and bool inputs (uint8 images) likewise.
    """
    if not isinstance(x, Tensor):
        x = Tensor(x)
    dtype = layer.weight.dtype
    return x if x.dtype == dtype else x.astype(dtype)


def _window(layer, kernel_size, stride, padding):
    """kernel_size, stride, padding as (h, w) pairs, checked when the layer is made."""
    kernel = conv.pair(kernel_size, "kernel_size", layer)
    stride = conv.pair(stride, "stride", layer)
    padding = conv.pair(padding, "padding", layer)
    if min(kernel) < 1 or min(stride) < 1 or min(padding) < 0:
        raise ValueError(f"{layer}: kernel_size and stride must be at least 1 and padding at "
                         f"least 0, got kernel_size={kernel}, stride={stride}, "
                         f"padding={padding}")
    return kernel, stride, padding


def _hint(shape, channels) -> str:
    if len(shape) == 4:
        return f": {shape[1]} channels, but the layer has in_channels={channels}"
    if len(shape) == 2 and shape[1] == 784 and channels == 1:
        return " (flattened MNIST images? load them with load_mnist(flatten=False))"
    if len(shape) == 3:
        return " (one image? add the batch axis: x.reshape(1, *x.shape))"
    return ""


class _Pool2d(Module):
    function = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = _window(
            type(self).__name__, kernel_size, kernel_size if stride is None else stride, padding)

    def forward(self, x):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        try:
            return type(self).function(x, self.kernel_size, self.stride, self.padding)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        text = f"kernel_size={self.kernel_size}, stride={self.stride}"
        return text + (f", padding={self.padding}" if self.padding != (0, 0) else "")


class MaxPool2d(_Pool2d):
    """The largest value of each window (F.max_pool2d); stride defaults to kernel_size.

    Ties: the whole gradient goes to the first maximum of the window, in reading order.

    >>> MaxPool2d(2)
    MaxPool2d(kernel_size=(2, 2), stride=(2, 2))
    """

    function = staticmethod(F.max_pool2d)


class AvgPool2d(_Pool2d):
    """The mean of each window (F.avg_pool2d); stride defaults to kernel_size."""

    function = staticmethod(F.avg_pool2d)


class BatchNorm1d(Module):
    """Batch normalisation of each feature of an (N, num_features) input (Ioffe & Szegedy
    2015).

    Training mode normalises with the batch's mean and (biased) variance and updates the
    buffers running_mean and running_var (running = (1 - momentum) running + momentum batch,
    the unbiased variance for running_var, as PyTorch does); eval mode normalises with the
    running statistics. `weight` (gamma, ones) and `bias` (beta, zeros) are learned.

    >>> import numpy as np
    >>> bn = BatchNorm1d(2)
    >>> y = bn(np.array([[1.0, 10.0], [3.0, 30.0]], np.float32))
    >>> y.numpy().round(3)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> bn.running_mean
    array([0.2, 2. ], dtype=float32)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm1d momentum must be in [0, 1], got {momentum}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        dtype = get_default_dtype()
        self.weight = Parameter(np.ones(num_features, dtype))
        self.bias = Parameter(np.zeros(num_features, dtype))
        self.register_buffer("running_mean", np.zeros(num_features, dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype))

    def forward(self, x):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"{self!r}: expected input of shape (N, {self.num_features}), got {x.shape}"
            )
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training, self.momentum, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm2d(BatchNorm1d):
    """Batch normalisation of each channel of an (N, num_features, H, W) input.

    The same as BatchNorm1d, with each channel's statistics taken over the batch and every
    pixel, (N, H, W): one mean, variance, gamma and beta per channel, running statistics
    updated in training mode and used in eval mode.

    >>> import numpy as np
    >>> bn = BatchNorm2d(3)
    >>> bn(np.ones((2, 3, 4, 4), np.float32)).shape
    (2, 3, 4, 4)
    """

    def forward(self, x):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ValueError(
                f"{self!r}: expected input of shape (N, {self.num_features}, H, W), got {x.shape}"
            )
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training, self.momentum, self.eps)
