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
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .module import LoadResult, Module, ModuleList, Parameter

__all__ = [
    "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "Dropout", "Flatten", "Linear",
    "LoadResult", "MaxPool2d", "Module", "ModuleList", "Parameter", "ReLU", "Sequential",
    "Sigmoid", "Softmax", "Tanh", "functional", "init",
]
