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
        if not isinstance(x, Tensor):
            x = Tensor(x)
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
    """Keep axis 0 (the batch) and merge the others: (N, 1, 28, 28) -> (N, 784)."""

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
