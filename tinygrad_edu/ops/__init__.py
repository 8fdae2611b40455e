"""The op catalogue: every differentiable op, the forward formula and its derivative side by
side, one file per kind of op:

    binary.py   a + b, a - b, a * b, a / b, a ** b, a @ b, where, maximum, minimum
    unary.py    -x, exp, log, sqrt, abs, sin, cos, sigmoid, tanh, relu, clip, astype
    reduce.py   sum, mean, max, min; softmax and log-softmax
    shape.py    reshape, transpose, broadcast_to, indexing, concatenate, stack, unbind
                (unbroadcast)
    loss.py     binary cross-entropy, cross-entropy from logits and labels
    window.py   im2col, col2im and the max / mean along a window axis (convolution, pooling)
    recurrent.py  an LSTM step's gates, fused (nn.LSTM)

Each op is a `Function` (autograd.py). `forward` gets plain NumPy arrays; `backward` gets the
gradient of the output (`gy`, d loss / d y) and returns the gradient of each input: the chain
rule, one link at a time, the same deltas the notes derive by hand.

`backward` is written once, only with NumPy operators, array methods and NumPy functions that
a Tensor answers to too (and `Op.in_backward` where one op's backward is another op), so that
with `create_graph=True` the very same lines run on Tensors and the backward pass is recorded
(gradients of gradients).

Ops are reached only through Tensor methods (tensor.py), which choose the dtypes; `tg.exp`,
`F.*`, `nn.*` and `np.exp(t)` all call those methods. This package depends on autograd and
on conv.py's array geometry alone. Adding an op: its class in the file of its kind, and the
Tensor method that names it (tensor.py).
"""

from .binary import Add, Affine, Div, MatMul, Maximum, Minimum, Mul, Pow, Sub, Where
from .loss import BinaryCrossEntropy, CrossEntropy
from .recurrent import LSTMStep, SharedOverTime
from .reduce import LogSoftmax, Max, Mean, Min, Softmax, Sum
from .shape import (
    BroadcastTo,
    Concatenate,
    GetItem,
    Reshape,
    ScatterAdd,
    Stack,
    Transpose,
    Unbind,
    UnbindSlice,
    unbroadcast,
)
from .unary import Abs, Cast, Clip, Cos, Exp, Log, Neg, ReLU, Sigmoid, Sin, Sqrt, Tanh
from .window import Col2Im, FirstMax, Im2Col, MeanAlong, Spread

__all__ = [
    "Abs", "Add", "Affine", "BinaryCrossEntropy", "BroadcastTo", "Cast", "Clip", "Col2Im",
    "Concatenate", "Cos", "CrossEntropy", "Div", "Exp", "FirstMax", "GetItem", "Im2Col",
    "LSTMStep", "Log", "LogSoftmax", "MatMul", "Max",
    "Maximum", "Mean", "MeanAlong", "Min", "Minimum", "Mul", "Neg", "Pow", "ReLU", "Reshape",
    "ScatterAdd", "SharedOverTime", "Sigmoid", "Sin", "Softmax", "Spread", "Sqrt", "Stack",
    "Sub", "Sum", "Tanh", "Transpose", "Unbind", "UnbindSlice", "Where", "unbroadcast",
]
