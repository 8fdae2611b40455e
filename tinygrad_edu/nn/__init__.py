"""Networks: Module, Parameter, layers, initialisers, and `functional` (layers and losses as
functions).

>>> import tinygrad_edu.nn as nn
>>> import tinygrad_edu.nn.functional as F
>>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
>>> len(model.parameters())
4
"""

from . import functional, init
from .layers import (
    BatchNorm1d,
    Dropout,
    Flatten,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .module import LoadResult, Module, ModuleList, Parameter

__all__ = [
    "BatchNorm1d", "Dropout", "Flatten", "Linear", "LoadResult", "Module", "ModuleList",
    "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh", "functional", "init",
]
