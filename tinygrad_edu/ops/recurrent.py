"""The recurrent layers' ops, forward and derivative side by side: one LSTM time step
(LSTMStep), and the weight every time step uses (SharedOverTime).

An LSTM step is a matrix product and ~12 elementwise ops on (batch, 4 * hidden) arrays; for a
training step of 35 time steps that is hundreds of tiny ops, each paying the engine's
bookkeeping twice. LSTMStep does one step at once, so that the unrolled graph keeps one box
per step and backprop through time is still the engine's. W_hh is used by every step: its
gradient, the sum over t of h_t^T da_t, becomes one matrix product over all the steps when the
layer marks it with `shared_over_time()` (the second book's TimeLSTM adds it up step by step).
Their roads are the Tensor methods `xw.lstm_step(state, w_hh_t)` and `w.shared_over_time()`
(nn.LSTM and nn.LSTMCell call them). An LSTM's state is h and c stacked on a first axis of 2,
as the step gives it back, so that a layer carries one tensor from step to step (parting it
into h and c at every step cost three more ops a step).

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> xw = tg.Tensor(np.zeros((1, 8)), requires_grad=True)   # i, f, g, o for hidden size 2
>>> state = tg.Tensor([np.zeros((1, 2)), np.ones((1, 2))])  # h and c, stacked
>>> w_hh_t = tg.Tensor(np.zeros((2, 8)), requires_grad=True)
>>> h, c = xw.lstm_step(state, w_hh_t).unbind(0)       # h' and c', stacked
>>> h.numpy().round(4).tolist(), c.numpy().tolist()
([[0.2311, 0.2311]], [[0.5, 0.5]])
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..autograd import Function
from .shape import unbroadcast


@lru_cache(maxsize=32)
def _gate_scales(n, dtype):
    """s = [1/2] * 2n + [1] * n + [1/2] * n, 1 - s and 2 s - 1, read-only: the gates i, f, o
    are sigmoids, sigmoid(a) = (1 + tanh(a / 2)) / 2, and g is tanh(a), so all four are
    1 - s + s tanh(s a); a gate's slope is (1 - gate)(gate + 2 s - 1): sigmoid's
    sigmoid (1 - sigmoid), tanh's (1 - g)(1 + g)."""
    scales = np.full(4 * n, 0.5, dtype)
    scales[2 * n: 3 * n] = 1.0
    constants = scales, 1.0 - scales, 2.0 * scales - 1.0
    for constant in constants:
        constant.flags.writeable = False
    return constants


class LSTMStep(Function):
    """The next state (h' and c' stacked: shape (2, ..., n)) after one LSTM step, from the
    input's projection xw (biases included; last axis 4 n), the state (h and c stacked, shape
    (2, ..., n)) and W_hh^T (n, 4 n).

    a = xw + h W_hh^T = [a_i, a_f, a_g, a_o]; i, f, o = sigmoid(a_i, a_f, a_o), g = tanh(a_g);
    c' = f c + i g; h' = o tanh(c') (Hochreiter & Schmidhuber 1997, with the forget gate of
    Gers et al. 2000). All four gates come from one tanh: with t = tanh(s a) (s: 1/2 for the
    sigmoids, 1 for g) the gates are 1 - s + s t, and their slopes (1 - gate)(gate + 2 s - 1).
    Backward, with gh, gc the gradients of h', c':  gc' = gc + gh o (1 - tanh(c')^2), then
    da = [gc' g, gc' c, gc' i, gh tanh(c')] * slopes (da_i = gc' g i (1 - i), ...), and
    dxw = da, dh = da W_hh, dc = gc' f (stacked as the state), dW_hh^T = h^T da (left to
    SharedOverTime when the weight is shared by the steps of a layer).
    """

    rule = ("da_i = gc' g i(1-i), da_f = gc' c f(1-f), da_g = gc' i (1-g^2), "
            "da_o = gh tanh(c') o(1-o), where gc' = gc + gh o (1 - tanh(c')^2); "
            "dxw = da, d(h, c) = (da W_hh, gc' f), dW_hh^T = h^T da")

    def forward(self, xw, state, w):
        if state.ndim < 2 or state.shape[0] != 2:
            raise ValueError("the state must be h and c stacked on a first axis of 2")
        h, c = state[0], state[1]
        a = xw + h @ w  # a new array: the steps below work in it, in place
        n = c.shape[-1]
        s, one_minus_s, _ = _gate_scales(n, a.dtype)
        a *= s
        t = np.tanh(a, out=a)  # t = tanh(s a)
        batch = np.broadcast_shapes(t.shape[:-1], c.shape[:-1])  # (the batch axes broadcast)
        if t.shape[:-1] != batch:
            t = np.broadcast_to(t, batch + t.shape[-1:])
        acts = t * s
        acts += one_minus_s  # the gates: 1 - s + s t
        i, f, g, o = (acts[..., k * n: (k + 1) * n] for k in range(4))
        # h' and c' stacked on a new first axis, the next step's state
        out = np.empty((2,) + batch + (n,), np.result_type(acts, c))
        h_next, c_next = out
        np.multiply(f, c, out=c_next)
        c_next += i * g
        tanh_c = np.tanh(c_next)
        np.multiply(o, tanh_c, out=h_next)
        # (not t: the gates' slopes come from the gates themselves)
        self.save_for_backward(xw, state, w, out, acts, tanh_c)
        return out

    def backward(self, gy):
        xw, state, w, out, acts, tanh_c = self.saved
        h, c = state[0], state[1]
        n = c.shape[-1]
        s, one_minus_s, two_s_minus_1 = _gate_scales(n, acts.dtype)
        recorded = not isinstance(xw, np.ndarray)
        if recorded:  # create_graph: recompute on the graph's Tensors
            acts = one_minus_s + s * np.tanh((xw + h @ w) * s)
            tanh_c = np.tanh(out[1])
        i, f, g, o = (acts[..., k * n: (k + 1) * n] for k in range(4))
        gh, gc = gy[0], gy[1]
        gc = gc + gh * o * (1.0 - tanh_c * tanh_c)
        da = (np.concatenate([gc * g, gc * c, gc * i, gh * tanh_c], axis=-1)
              * ((1.0 - acts) * (acts + two_s_minus_1)))
        need_xw, need_state, need_w = self.needs_input_grad
        gw = None
        if need_w:
            rows = h if h.shape[:-1] == da.shape[:-1] else np.broadcast_to(h, gc.shape)
            shared = self.inputs[2]._ctx
            if type(shared) is SharedOverTime and not recorded:
                gw = shared.gather(rows, da)
            else:
                gw = rows.reshape(-1, n).T @ da.reshape(-1, 4 * n)
        return (unbroadcast(da, xw.shape) if need_xw else None,
                self._state_gradient(state, da, gc * f, w, recorded) if need_state else None,
                gw)

    @staticmethod
    def _state_gradient(state, da, dc, w, recorded):
        """d(h, c), stacked as the state: dh = da W_hh = da @ w.T, dc as given."""
        if recorded or da.shape[:-1] != state.shape[1:-1] or da.ndim != 2:
            h_shape = state.shape[1:]
            return np.stack([unbroadcast(da @ w.T, h_shape), unbroadcast(dc, h_shape)])
        grad = np.empty(state.shape, da.dtype)
        # for a C-ordered w (as SharedOverTime gives it) OpenBLAS makes the same product
        # ~1.7x faster as (w @ da^T)^T
        grad[0] = (w @ da.T).T if w.flags.c_contiguous else da @ w.T
        grad[1] = dc
        return grad

    def explain_error(self, arrays, error):
        xw, state, w = arrays
        return (f"lstm step: the input's projection {xw.shape} needs 4 times the state's last "
                f"axis, the state {state.shape} h and c stacked on a first axis of 2 (batch "
                f"axes that broadcast with the projection's), and W_hh^T {w.shape} the shape "
                f"(hidden, 4 * hidden)")


class SharedOverTime(Function):
    """w itself, marked as the weight that every time step of a layer uses (W_hh^T).

    Its gradient is the sum over the steps of h_t^T da_t. Each LSTMStep leaves its h_t and da_t
    here (`gather`), and this op, whose backward runs after all of theirs (outputs before
    inputs), makes the sum one matrix product over all the steps: faster than T small products
    and T - 1 additions. Gradients from other uses of w arrive as gy and are added.
    """

    gathers_gradient = True  # (see Function)
    rule = "dW = (sum over t of h_t^T da_t, as one product) + gy"

    def forward(self, w):
        self.shape = w.shape
        self.hs, self.das = [], []
        # a C-ordered copy (W_hh^T is a transposed view): OpenBLAS multiplies h (batch, n) by a
        # C-ordered (n, 4n) matrix ~1.7x faster than by a transposed one, at every step
        return w.copy(order="C")

    def gather(self, h, da):
        """Keep one step's h and da for this op's backward. What that step hands on for w: a
        zero placeholder from the first step of a pass (the engine visits this op only if its
        output gets a gradient; it takes no memory), None from the others."""
        first = self.first_gradient_of_pass()
        if first:  # (what an interrupted pass left is dropped)
            self.hs, self.das = [], []
        self.hs.append(h)
        self.das.append(da)
        return np.broadcast_to(np.zeros((), da.dtype), self.shape) if first else None

    def backward(self, gy):
        hs, das = self.hs, self.das
        self.hs, self.das = [], []
        if not hs or not self.gathered_this_pass():  # every gradient came as gy
            return gy
        n, m = self.shape
        grad = (np.concatenate([h.reshape(-1, n) for h in hs]).T
                @ np.concatenate([da.reshape(-1, m) for da in das]))
        grad += gy  # w's other uses (a zero placeholder if none)
        return grad
