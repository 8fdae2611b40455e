"""Weight initialisers, as the books choose them; each fills a tensor in place and returns it.

The samples come from the library's seeded generator (`tg.manual_seed`), and are written
into the tensor's own array, so its dtype (float32 stays float32) and its identity (an
optimizer that already holds it) are kept.

Fan-in is `shape[0]`: weights here have shape (in_features, out_features), `x @ W` as in the
notes, the transpose of PyTorch's layout. A convolution's weight, (out_channels, in_channels,
KH, KW), has fan-in in_channels * KH * KW: the inputs one output pixel sums over.

>>> import tinygrad_edu as tg
>>> import tinygrad_edu.nn as nn
>>> _ = tg.manual_seed(0)
>>> layer = nn.Linear(784, 100)
>>> w = nn.init.he_(layer.weight)                  # std sqrt(2 / 784), for ReLU layers
>>> round(float(w.numpy().std()), 2)
0.05
"""

from __future__ import annotations

import math

from ..random import generator
from ..tensor import Tensor


def _array(tensor: Tensor, name: str):
    if not isinstance(tensor, Tensor) or tensor.dtype.kind != "f":
        what = f"a {tensor.dtype} Tensor" if isinstance(tensor, Tensor) else type(tensor).__name__
        raise TypeError(f"{name} fills a float Tensor (such as layer.weight), got {what}")
    return tensor.data


def _fan_in(tensor: Tensor, name: str) -> int:
    _array(tensor, name)
    if tensor.ndim < 2:
        raise ValueError(
            f"{name} needs a weight of shape (in_features, out_features), got shape "
            f"{tensor.shape}; biases start at zero (zeros_)"
        )
    if tensor.ndim == 4:  # a convolution's filters: each output sums over C * KH * KW inputs
        return math.prod(tensor.shape[1:])
    return tensor.shape[0]


def normal_(tensor: Tensor, std: float = 0.01, mean: float = 0.0) -> Tensor:
    """Gaussian samples times `std`: the books' `weight_init_std * np.random.randn(...)`."""
    _array(tensor, "normal_")[...] = generator().normal(mean, std, tensor.shape)
    return tensor


def xavier_(tensor: Tensor) -> Tensor:
    """Gaussian with std 1 / sqrt(n_in), the books' "Xavier" choice for sigmoid and tanh.

    (Glorot & Bengio 2010 average fan-in and fan-out; the books, like this function, use the
    fan-in only. PyTorch's xavier_normal_ is the averaged version.)
    """
    return normal_(tensor, std=1.0 / math.sqrt(_fan_in(tensor, "xavier_")))


def he_(tensor: Tensor) -> Tensor:
    """Gaussian with std sqrt(2 / n_in), for ReLU layers (He et al. 2015)."""
    return normal_(tensor, std=math.sqrt(2.0 / _fan_in(tensor, "he_")))


def uniform_(tensor: Tensor, low: float = 0.0, high: float = 1.0) -> Tensor:
    """Uniform samples in [low, high)."""
    if not low <= high:
        raise ValueError(f"uniform_ needs low <= high, got low={low}, high={high}")
    _array(tensor, "uniform_")[...] = generator().uniform(low, high, tensor.shape)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """All zeros (the books' biases)."""
    _array(tensor, "zeros_")[...] = 0
    return tensor
