"""Networks: Module, Parameter, layers, initialisers, and `functional` (layers and losses as
functions).

>>> import tinygrad_edu.nn as nn
>>> import tinygrad_edu.nn.functional as F
>>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
>>> len(model.parameters())
4
"""

from . import functional, init, utils
from .attention import MultiheadAttention
from .embedding import Embedding
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
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = [
    "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "Dropout", "Embedding", "Flatten",
    "GRU", "GRUCell", "LSTM", "LSTMCell", "Linear", "LoadResult", "MaxPool2d", "Module",
    "ModuleList", "MultiheadAttention", "Parameter", "RNN", "RNNCell", "ReLU", "Sequential",
    "Sigmoid", "Softmax", "Tanh", "functional", "init", "utils",
]
