"""Losses that need their own derivative (the others are compositions of ops: nn/functional.py)."""

from __future__ import annotations

import numpy as np

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
