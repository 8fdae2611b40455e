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

from ..autograd import Function
from ..random import generator
from ..tensor import Tensor


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _target_like(target, prediction: Tensor) -> Tensor:
    """The target as a Tensor of the prediction's dtype (integer 0/1 labels included).

    A target that requires grad keeps its own dtype; any other is data and is cast, so that
    int64 labels or float64 targets never turn a float32 loss into float64.
    """
    if isinstance(target, Tensor):
        if target.dtype == prediction.dtype or target.requires_grad:
            return target
        target = target.data
    return Tensor(np.asarray(target).astype(prediction.dtype, copy=False))


def _same_shape(name, prediction, target):
    if prediction.shape != target.shape:
        raise ValueError(
            f"{name}: the prediction has shape {prediction.shape} but the target has shape "
            f"{target.shape}; they must be equal (broadcasting them, e.g. (N, 1) against "
            f"(N,), would compare every prediction with every target). Reshape one of them."
        )


# ---- layers as functions ----------------------------------------------------------------------


def linear(x, weight, bias=None) -> Tensor:
    """x @ W + b, with W of shape (in_features, out_features) as in the notes.

    >>> import numpy as np
    >>> x, W, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
    >>> linear(Tensor(x), Tensor(W), Tensor(b)).shape
    (2, 4)
    """
    y = _tensor(x) @ weight
    return y if bias is None else y + bias


def sigmoid(x) -> Tensor:
    """1 / (1 + e^-x); its gradient is y (1 - y)."""
    return _tensor(x).sigmoid()


def relu(x) -> Tensor:
    """max(x, 0); its gradient is 1 where x > 0 and 0 elsewhere, at x = 0 included."""
    return _tensor(x).relu()


def tanh(x) -> Tensor:
    return _tensor(x).tanh()


def softmax(x, axis=-1) -> Tensor:
    """e^x / sum(e^x) along `axis`, computed after subtracting the max (no overflow)."""
    return _tensor(x).softmax(axis=axis)


def log_softmax(x, axis=-1) -> Tensor:
    """log(softmax(x)) by log-sum-exp: finite even where softmax rounds to 0."""
    return _tensor(x).log_softmax(axis=axis)


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
    """Normalise each feature (column) of x, then scale by `weight` and shift by `bias`.

    Training: the batch's mean and biased variance normalise it (Ioffe & Szegedy 2015), and
    the running statistics, when given, are updated in place:
    running = (1 - momentum) * running + momentum * batch, with the unbiased variance
    (n / (n - 1)) for running_var, as PyTorch does. Evaluation: the running statistics
    normalise. (The books' `momentum=0.9` weighs the old value; it equals momentum=0.1 here.)
    """
    x = _tensor(x)
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError(
                f"batch_norm in training mode needs more than one sample per feature (its "
                f"variance), got input of shape {x.shape}; use a larger batch or .eval()"
            )
        mean = x.mean(axis=0)
        centered = x - mean
        variance = (centered * centered).mean(axis=0)
        x_hat = centered / (variance + eps).sqrt()
        if running_mean is not None:
            running_mean *= 1.0 - momentum
            running_mean += momentum * mean.data
        if running_var is not None:
            running_var *= 1.0 - momentum
            running_var += (momentum * n / (n - 1)) * variance.data
    else:
        x_hat = (x - running_mean) * (1.0 / np.sqrt(running_var + eps))
    if weight is not None:
        x_hat = x_hat * weight
    if bias is not None:
        x_hat = x_hat + bias
    return x_hat


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
    t = _target_like(t, y)
    _same_shape("mse_loss", y, t)
    difference = y - t
    return (difference * difference).mean()


class BinaryCrossEntropy(Function):
    """-mean(t log p + (1 - t) log(1 - p)); each log is clamped at -100 (as in PyTorch),
    so p = 0 or 1 gives a finite loss and a finite gradient."""
    rule = "gp = gy * (p - t) / (p * (1 - p)) / n, gt = gy * (log(1 - p) - log(p)) / n"

    def forward(self, p, t):
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_p = np.maximum(np.log(p), -100.0)
            log_q = np.maximum(np.log1p(-p), -100.0)
        self.save_for_backward(p, t)
        self.log_ratio = log_q - log_p
        return -(t * log_p + (1.0 - t) * log_q).mean()

    def backward(self, gy):
        p, t = self.saved
        need_p, need_t = self.needs_input_grad
        scale = gy / p.size
        # d/dp = (p - t) / (p (1 - p)); the denominator is kept >= 1e-12 at p = 0 or 1
        gp = scale * (p - t) / (p * (1.0 - p)).clip(1e-12, None) if need_p else None
        gt = scale * self.log_ratio if need_t else None  # d/dt = log(1 - p) - log p
        return gp, gt


def binary_cross_entropy(p, t) -> Tensor:
    """Binary cross-entropy of probabilities `p` (after a sigmoid) against targets in [0, 1].

    -mean(t log p + (1 - t) log(1 - p)), the mean over all elements. Each log is clamped at
    -100, as PyTorch does, so p = 0 or p = 1 gives a finite loss instead of inf.

    >>> import numpy as np
    >>> p = Tensor(np.array([0.9, 0.2]))
    >>> round(binary_cross_entropy(p, np.array([1, 0])).item(), 4)
    0.1643
    """
    p = _tensor(p)
    t = _target_like(t, p)
    _same_shape("binary_cross_entropy", p, t)
    values = p.data
    if values.size and not (values.min() >= 0.0 and values.max() <= 1.0):
        raise ValueError(
            f"binary_cross_entropy: predictions must be probabilities in [0, 1], got values "
            f"from {values.min()} to {values.max()}; apply .sigmoid() to the network's output "
            f"first"
        )
    return BinaryCrossEntropy.apply(p, t)


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
    logits = _tensor(logits)
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if logits.ndim == 1:  # one sample: a batch of one, with a scalar label or one row
        logits = logits.reshape(1, -1)
        if labels.ndim == 1:
            target = _tensor(target).reshape(1, -1)
        labels = labels.reshape(1, -1) if labels.ndim == 1 else labels.reshape(1)
    if logits.ndim != 2:
        raise ValueError(
            f"cross_entropy: logits must have shape (N, C) (a row of class scores per "
            f"sample), got shape {logits.shape}"
        )
    n, classes = logits.shape
    if labels.ndim == 1:
        if labels.dtype.kind not in "iu":
            raise TypeError(
                f"cross_entropy: class labels must be integers, got a {labels.dtype} array "
                f"of shape {labels.shape}; use labels.astype(np.int64), or pass one-hot "
                f"targets of shape {(n, classes)}"
            )
        if labels.shape[0] != n:
            raise ValueError(
                f"cross_entropy: {labels.shape[0]} labels for {n} rows of logits "
                f"(logits {logits.shape}, labels {labels.shape}); there must be one per row"
            )
        bad = (labels < 0) | (labels >= classes)
        if bad.any():
            raise ValueError(
                f"cross_entropy: label {labels[bad][0]} is out of range for {classes} classes "
                f"(valid labels are 0 to {classes - 1}; at index {int(np.argmax(bad))})"
            )
        target = np.zeros((n, classes), logits.dtype)
        target[np.arange(n), labels] = 1.0
        target = Tensor(target)
    elif labels.shape == (n, classes):
        target = _target_like(target, logits)
    else:
        raise ValueError(
            f"cross_entropy: the target has shape {labels.shape}, but logits of shape "
            f"{logits.shape} need integer labels of shape ({n},) or one-hot / probability "
            f"rows of shape {(n, classes)}"
        )
    return -(logits.log_softmax(axis=1) * target).sum() / n
