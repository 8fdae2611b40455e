"""The LSTM's pointwise step as one op, forward and derivative side by side.

An LSTM step is ~12 elementwise ops on (batch, 4 * hidden) arrays; for a training step of
35 time steps that is hundreds of tiny ops, each paying the engine's bookkeeping twice. This
op does the gates' part of one step at once (the matrix products stay ordinary ops), so that
the unrolled graph keeps one box per step and backprop through time is still the engine's.
Its road is the Tensor method `gates.lstm_gates(c)` (nn.LSTM and nn.LSTMCell call it).

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> gates = tg.Tensor(np.zeros((1, 8)), requires_grad=True)   # i, f, g, o for hidden size 2
>>> c = tg.Tensor(np.ones((1, 2)))
>>> h, c = gates.lstm_gates(c).unbind(0)              # h' and c', stacked
>>> h.numpy().round(4).tolist(), c.numpy().tolist()
([[0.2311, 0.2311]], [[0.5, 0.5]])
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..autograd import Function


@lru_cache(maxsize=32)
def _gate_scales(n, dtype):
    """s = [1/2] * 2n + [1] * n + [1/2] * n, read-only: the gates i, f, o are sigmoids,
    sigmoid(a) = (1 + tanh(a / 2)) / 2, and g is tanh(a), so all four are 1 - s (1 - tanh(s a))."""
    scales = np.full(4 * n, 0.5, dtype)
    scales[2 * n: 3 * n] = 1.0
    scales.flags.writeable = False
    return scales


class LSTMGates(Function):
    """h' and c' (stacked: shape (2, ..., n)) from the gate pre-activations a = [a_i, a_f,
    a_g, a_o] (shape (..., 4 n)) and the cell state c (shape (..., n)).

    i, f, o = sigmoid(a_i, a_f, a_o), g = tanh(a_g); c' = f c + i g; h' = o tanh(c').
    All four gates come from one tanh: with t = tanh(s a) (s: 1/2 for the sigmoids, 1 for g)
    the gates are 1 - s (1 - t), and their slopes s^2 (1 - t^2).
    Backward, with gh, gc the gradients of h', c':  gc' = gc + gh o (1 - tanh(c')^2), then
    da = [gc' g, gc' c, gc' i, gh tanh(c')] * s^2 (1 - t^2) (da_i = gc' g i (1 - i), ...),
    and dc = gc' f.
    """

    rule = ("dc = gc' f, da_i = gc' g i(1-i), da_f = gc' c f(1-f), da_g = gc' i (1-g^2), "
            "da_o = gh tanh(c') o(1-o), where gc' = gc + gh o (1 - tanh(c')^2)")

    def forward(self, gates, c):
        n = c.shape[-1]
        s = _gate_scales(n, gates.dtype)
        t = np.tanh(gates * s)
        acts = 1.0 - s * (1.0 - t)
        i, f, g, o = (acts[..., k * n: (k + 1) * n] for k in range(4))
        # h' and c' stacked on a new first axis: each a contiguous array, cut apart by unbind
        out = np.empty((2,) + c.shape, np.result_type(gates, c))
        h_next, c_next = out
        np.multiply(f, c, out=c_next)
        c_next += i * g
        tanh_c = np.tanh(c_next)
        np.multiply(o, tanh_c, out=h_next)
        self.save_for_backward(gates, c, out, t, acts, tanh_c)
        return out

    def backward(self, gy):
        gates, c, out, t, acts, tanh_c = self.saved
        n = c.shape[-1]
        s = _gate_scales(n, gates.dtype)
        if not isinstance(gates, np.ndarray):  # create_graph: recompute on the graph's Tensors
            t = np.tanh(gates * s)
            acts = 1.0 - s * (1.0 - t)
            tanh_c = np.tanh(out[1])
        i, f, g, o = (acts[..., k * n: (k + 1) * n] for k in range(4))
        gh, gc = gy[0], gy[1]
        gc = gc + gh * o * (1.0 - tanh_c * tanh_c)
        da = None
        if self.needs_input_grad[0]:
            da = (np.concatenate([gc * g, gc * c, gc * i, gh * tanh_c], axis=-1)
                  * ((s * s) * (1.0 - t * t)))
        return da, (gc * f if self.needs_input_grad[1] else None)

    def explain_error(self, arrays, error):
        gates, c = arrays
        return (f"lstm gates: pre-activations of shape {gates.shape} need 4 times the cell "
                f"state's last axis, and the same batch axes; the cell state has shape "
                f"{c.shape}")
