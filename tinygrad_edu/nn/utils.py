"""Helpers for training loops: `nn.utils.clip_grad_norm_`.

>>> import numpy as np
>>> import tinygrad_edu.nn as nn
>>> w = nn.Parameter(np.zeros(2))
>>> (w * np.array([3.0, 4.0])).sum().backward()    # grad (3, 4): norm 5
>>> float(nn.utils.clip_grad_norm_([w], max_norm=1.0))
5.0
>>> w.grad.numpy().round(3).tolist()
[0.6, 0.8]
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ..versions import mark_changed_in_place


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0) -> Tensor:
    """Scale all gradients together so that their joint norm is at most `max_norm`.

    The norm is taken over every gradient as if they were one long vector (the books'
    `clip_grads`); when it exceeds max_norm, each gradient is multiplied in place by
    max_norm / (norm + 1e-6), as PyTorch does. Returns the norm before clipping (a 0-d
    Tensor). Parameters without a gradient are skipped. RNNs need this: a gradient sent back
    through many time steps can explode.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, np.float32))
    if norm_type == np.inf:
        total = max(float(np.abs(g.data).max()) for g in grads)
    elif norm_type == 2.0:  # the usual one: a dot product per gradient, no temporary arrays
        total = sum(float(np.vdot(g.data, g.data)) for g in grads) ** 0.5
    else:
        total = sum(float(np.sum(np.abs(g.data) ** norm_type)) for g in grads) ** (1 / norm_type)
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for g in grads:
            g.data *= g.data.dtype.type(scale)
            mark_changed_in_place(g.data)
    return Tensor(np.array(total, grads[0].dtype))
