"""Losses that need their own derivative (the others are compositions of ops: nn/functional.py)."""

from __future__ import annotations

import numpy as np

from .. import autograd
from ..autograd import Function


class BinaryCrossEntropy(Function):
    """-mean(t log p + (1 - t) log(1 - p)); each log is clamped at -100 (as in PyTorch),
    so p = 0 or 1 gives a finite loss and a finite gradient."""

    rule = "dL/dp = (p - t) / (p (1 - p) n), dL/dt = (log(1 - p) - log p) / n"

    def forward(self, p, t):
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_p = np.maximum(np.log(p), -100.0)
            log_q = np.maximum(np.log1p(-p), -100.0)
        self.save_for_backward(p, t)
        return -(t * log_p + (1.0 - t) * log_q).mean()

    def backward(self, gy):
        p, t = self.saved
        need_p, need_t = self.needs_input_grad
        scale = gy / p.size
        gp = gt = None
        if need_p:  # d/dp = (p - t) / (p (1 - p)); the denominator is kept >= 1e-12 at p = 0, 1
            gp = scale * (p - t) / (p * (1.0 - p)).clip(1e-12, None)
        if need_t:  # d/dt = log(1 - p) - log p, each clamped as in forward
            with np.errstate(divide="ignore"):
                gt = scale * (np.maximum(np.log(1.0 - p), -100.0) - np.maximum(np.log(p), -100.0))
        return gp, gt


class CrossEntropy(Function):
    """-mean over the rows of log softmax(x)[row, label], from logits x (N, C) and integer
    labels (N,): the books' Softmax-with-Loss layer as one op. As log_softmax, indexing, sum
    and division it takes several passes over the (N, C) logits each way, and indexing's
    gradient is a (N, C) array of zeros (a language model's 1,120 x 1,000 logits: most of
    its loss's time).

    Forward: log softmax by log-sum-exp, shifted by each row's max (no overflow), read at the
    labels. Backward: (softmax(x) - onehot(labels)) / N, the books' SoftmaxWithLoss backward,
    made in forward's array of exps when the pass frees it anyway (no retain_graph): one
    (N, C) array fewer, which for a big array also spares the memory's first-touch cost.
    """

    rule = "dL/dx = (softmax(x) - onehot(labels)) / N"

    def __init__(self, labels):
        self.labels = labels

    def forward(self, x):
        rows = np.arange(x.shape[0])
        shifted = x - x.max(axis=1, keepdims=True)
        picked = shifted[rows, self.labels]  # log softmax at the labels, less log(total)
        exp = np.exp(shifted, out=shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.save_for_backward(x, exp, total)
        return (np.log(total[:, 0]) - picked).sum() / x.shape[0]

    def backward(self, gy):
        x, exp, total = self.saved
        n = x.shape[0]
        rows = np.arange(n)
        if isinstance(x, np.ndarray):  # softmax from forward's exps: one pass
            scale = gy / n
            if autograd.frees_saved:  # exp is read by no one after this: reuse it
                self.saved = None  # (a pass retried after an interruption says so, not reuses)
                grad = np.multiply(exp, scale / total, out=exp)
            else:
                grad = exp * (scale / total)
            grad[rows, self.labels] -= scale
            return grad
        # create_graph: the same formula on the graph's Tensors, so that it is differentiated
        onehot = np.zeros(x.shape, x.dtype)
        onehot[rows, self.labels] = 1.0
        return (x.softmax(axis=1) - onehot) * (gy / n)
