"""tinygrad_edu: a small computational-graph autodiff engine on NumPy, for learning.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> x = tg.Tensor(np.array([[0.0, 0.0, 1.0]]))
>>> w = tg.Tensor(np.ones((3, 4)), requires_grad=True, name="W1")
>>> y = (x @ w).sigmoid().sum()
>>> y.backward()
>>> w.grad.shape
(3, 4)

This file is the public API and nothing else; docs/concepts.md explains how it works.
"""

from . import data, datasets, nn, optim, viz
from .autograd import Function, grad
from .functions import (
    abs,
    broadcast_to,
    clip,
    concatenate,
    cos,
    exp,
    log,
    log_softmax,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    sqrt,
    stack,
    sum,
    tanh,
    transpose,
    where,
)
from .gradcheck import GradcheckError, gradcheck, numerical_gradient
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import unbroadcast
from .random import manual_seed
from .tensor import Tensor, get_default_dtype, set_default_dtype

__version__ = "0.1.0"

__all__ = [
    "data", "datasets", "nn", "optim", "viz", "Function", "GradcheckError", "Tensor", "abs",
    "broadcast_to", "clip", "concatenate", "cos", "detect_anomaly", "enable_grad", "exp",
    "get_default_dtype",
    "grad", "gradcheck", "is_grad_enabled", "log", "log_softmax", "manual_seed", "matmul", "max",
    "maximum", "mean", "min", "minimum", "no_grad", "numerical_gradient", "relu", "reshape",
    "set_default_dtype", "sigmoid", "sin", "softmax", "sqrt", "stack", "sum", "tanh", "transpose",
    "unbroadcast", "where",
]
