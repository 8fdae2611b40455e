"""Recurrent layers: RNN, LSTM and GRU, and their one-step cells, with PyTorch's interface.

The second book gives every time layer (`TimeRNN`, `TimeLSTM`) a backward written by hand,
backpropagation through time (BPTT). Here a layer only runs its cell once per time step on
Tensors: the recorded graph *is* the unrolled network, and `loss.backward()` walks it back
through time by itself.

Parameter names, shapes, gate order and initialisation are PyTorch's, so that a state_dict
moves between the two by name: `weight_ih_l{k}` has shape (gates * hidden_size, input size)
and is used as `x @ W.T` (the transpose of `nn.Linear`'s weight here, which is (in, out));
LSTM gates are stacked in the order i, f, g, o, GRU gates in the order r, z, n; every weight
and bias starts uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)].

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> import tinygrad_edu.nn as nn
>>> _ = tg.manual_seed(0)
>>> lstm = nn.LSTM(input_size=10, hidden_size=20, num_layers=2)
>>> [name for name, _ in lstm.named_parameters()][:4]
['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
>>> x = np.zeros((5, 3, 10), np.float32)            # (time, batch, features)
>>> output, (h_n, c_n) = lstm(x)
>>> output.shape, h_n.shape, c_n.shape
((5, 3, 20), (2, 3, 20), (2, 3, 20))

Each time step's output op is marked with its step (`mark_time_step`), so that the explorer
page (`tg.viz.save_html`) can step backward through time.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .module import Module, Parameter

GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


# ---- one time step, as formulas on Tensors ---------------------------------------------------
# Each step takes the input projections already made (x @ W_ih.T + b_ih), so that a layer can
# make those for all time steps at once; `w_hh_t` is W_hh.T and `b_hh` may be None.


def rnn_step(xw, h, w_hh_t, b_hh, nonlinearity="tanh"):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""
    hw = h @ w_hh_t
    a = xw + (hw if b_hh is None else hw + b_hh)
    return a.tanh() if nonlinearity == "tanh" else a.relu()


def lstm_step(xw, state, w_hh_t, b_hh):
    """The next state of an LSTM, h' and c' stacked as `state` is (h and c on a first axis of
    2): gates i, f, g, o (in that order along the last axis).

    c' = f * c + i * g and h' = o * tanh(c'), with i, f, o sigmoids and g a tanh of
    x W_ih^T + b_ih + h W_hh^T + b_hh (Hochreiter & Schmidhuber 1997, with the forget gate of
    Gers et al. 2000). The step is one op, `lstm_step` (LSTMStep in ops/recurrent.py), for
    speed; backprop through time stays the engine's.
    """
    if b_hh is not None:
        xw = xw + b_hh
    return xw.lstm_step(state, w_hh_t)


def gru_step(xw, h, w_hh_t, b_hh):
    """h' of a GRU, gates r, z, n, with the reset gate where PyTorch puts it (Cho et al. 2014):

    n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)) and h' = (1 - z) * n + z * h.
    """
    hw = h @ w_hh_t
    if b_hh is not None:
        hw = hw + b_hh
    n = h.shape[-1]
    r_z = (xw[..., : 2 * n] + hw[..., : 2 * n]).sigmoid()
    r, z = r_z[..., :n], r_z[..., n:]
    candidate = (xw[..., 2 * n:] + r * hw[..., 2 * n:]).tanh()
    return candidate + z * (h - candidate)  # = (1 - z) * n + z * h, one op fewer


# ---- time steps, for the explorer page -------------------------------------------------------


def mark_time_step(state, time_step: int):
    """Mark the op that made each tensor of `state` (a Tensor or a tuple of them) as the end of
    time step `time_step`; returns `state`.

    The layers and cells mark their new state after each step; the explorer page
    (viz/explorer.py) then gives every op between two marked states the time step it leads
    to, and lets the reader jump between time steps. It is one attribute set per step and
    tensor (none in the ops themselves); a tensor not recorded (under `no_grad`, or a leaf)
    has no op and is left alone. A loop written by hand can mark its own steps:

    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([0.5], requires_grad=True)
    >>> h = tg.Tensor([1.0])
    >>> for t in range(3):
    ...     h = mark_time_step((h * w).tanh(), t)
    >>> h._ctx.time_step
    2
    """
    for tensor in state if isinstance(state, (tuple, list)) else (state,):
        op = tensor._ctx
        if op is not None:
            op.time_step = time_step
    return state


def _next_time_step(state) -> int:
    """The step after the one that made `state` (0 for a state that no step made): a cell
    called in a loop counts its own time steps."""
    return getattr(getattr(state, "_ctx", None), "time_step", -1) + 1


# ---- shared checks and set-up ------------------------------------------------------------------


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _uniform_parameter(shape, hidden_size) -> Parameter:
    weight = Parameter(np.empty(shape, get_default_dtype()))
    bound = 1.0 / math.sqrt(hidden_size)  # PyTorch's range for every weight and bias
    init.uniform_(weight, -bound, bound)
    return weight


def _check_sizes(layer, input_size, hidden_size):
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")


def _check_state(layer, name, state, expected):
    if state.shape != expected:
        raise ValueError(
            f"{layer!r}: the state {name} has shape {state.shape}, expected {expected}"
        )


# ---- cells: one time step, for loops written by hand ----------------------------------------


class _Cell(Module):
    kind = "RNN"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        _check_sizes(type(self).__name__, input_size, hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        rows = GATES[self.kind] * hidden_size
        self.weight_ih = _uniform_parameter((rows, input_size), hidden_size)
        self.weight_hh = _uniform_parameter((rows, hidden_size), hidden_size)
        self.bias_ih = _uniform_parameter((rows,), hidden_size) if bias else None
        self.bias_hh = _uniform_parameter((rows,), hidden_size) if bias else None

    def _input(self, x):
        """x as a (batch, input_size) Tensor, and whether it came without the batch axis."""
        x = _as_tensor(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{self!r}: expected input of shape (batch, {self.input_size}) or "
                f"({self.input_size},), got {x.shape}"
            )
        unbatched = x.ndim == 1
        return (x.reshape(1, -1) if unbatched else x), unbatched

    def _state(self, h, batch, unbatched, name="hx"):
        if h is None:
            return Tensor(np.zeros((batch, self.hidden_size), get_default_dtype()))
        h = _as_tensor(h)
        _check_state(self, name, h, (self.hidden_size,) if unbatched else (batch,
                                                                            self.hidden_size))
        return h.reshape(1, -1) if unbatched else h

    def _projected(self, x):
        xw = x @ self.weight_ih.T
        return xw if self.bias_ih is None else xw + self.bias_ih

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        return text if self.bias_ih is not None else text + ", bias=False"


class RNNCell(_Cell):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).

    >>> import numpy as np
    >>> cell = RNNCell(3, 4)
    >>> h = None
    >>> for x in np.ones((5, 2, 3), np.float32):      # five time steps, batch of 2
    ...     h = cell(x, h)
    >>> h.shape
    (2, 4)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002 (PyTorch's argument name)
        x, unbatched = self._input(input)
        h = self._state(hx, x.shape[0], unbatched)
        h = rnn_step(self._projected(x), h, self.weight_hh.T, self.bias_hh, self.nonlinearity)
        return mark_time_step(h.reshape(-1) if unbatched else h, _next_time_step(hx))

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity='relu'"


class LSTMCell(_Cell):
    """One step of an LSTM; `hx` is the pair (h, c) or None (zeros); returns (h', c').

    >>> import numpy as np
    >>> cell = LSTMCell(3, 4)
    >>> h, c = cell(np.ones((2, 3), np.float32))
    >>> h.shape, c.shape
    ((2, 4), (2, 4))
    """

    kind = "LSTM"

    def forward(self, input, hx=None):  # noqa: A002
        x, unbatched = self._input(input)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"{self!r}: hx must be the pair (h, c), got {type(hx).__name__}")
        h = self._state(hx[0], x.shape[0], unbatched, "h")
        c = self._state(hx[1], x.shape[0], unbatched, "c")
        time_step = _next_time_step(hx[0])
        state = lstm_step(self._projected(x), Tensor.stack([h, c]), self.weight_hh.T,
                          self.bias_hh)
        h, c = state.unbind(0)
        return mark_time_step((h.reshape(-1), c.reshape(-1)) if unbatched else (h, c),
                              time_step)


class GRUCell(_Cell):
    """One step of a GRU (gates r, z, n as in PyTorch); returns h'.

    >>> import numpy as np
    >>> GRUCell(3, 4)(np.ones((2, 3), np.float32)).shape
    (2, 4)
    """

    kind = "GRU"

    def forward(self, input, hx=None):  # noqa: A002
        x, unbatched = self._input(input)
        h = self._state(hx, x.shape[0], unbatched)
        h = gru_step(self._projected(x), h, self.weight_hh.T, self.bias_hh)
        return mark_time_step(h.reshape(-1) if unbatched else h, _next_time_step(hx))


# ---- layers: a whole sequence, num_layers deep -----------------------------------------------


class _RNNBase(Module):
    kind = "RNN"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False):
        super().__init__()
        layer = type(self).__name__
        _check_sizes(layer, input_size, hidden_size)
        if not isinstance(num_layers, (int, np.integer)) or num_layers < 1:
            raise ValueError(f"{layer}: num_layers must be a positive integer, got "
                             f"{num_layers!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"{layer}: dropout must be in [0, 1), got {dropout}")
        if bidirectional:
            raise NotImplementedError(
                f"{layer}: bidirectional=True is not implemented; run a second layer on the "
                f"reversed sequence (x[::-1]) and concatenate the outputs"
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        rows = GATES[self.kind] * hidden_size
        for k in range(num_layers):  # PyTorch's names, in PyTorch's order
            size = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", _uniform_parameter((rows, size), hidden_size))
            setattr(self, f"weight_hh_l{k}", _uniform_parameter((rows, hidden_size),
                                                                hidden_size))
            if bias:
                setattr(self, f"bias_ih_l{k}", _uniform_parameter((rows,), hidden_size))
                setattr(self, f"bias_hh_l{k}", _uniform_parameter((rows,), hidden_size))

    def _weights(self, k):
        bias = self.bias
        return (getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}"),
                getattr(self, f"bias_ih_l{k}") if bias else None,
                getattr(self, f"bias_hh_l{k}") if bias else None)

    def _input(self, x):
        """x as (time, batch, features), and whether it came without the batch axis."""
        x = _as_tensor(x)
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            order = "(batch, time" if self.batch_first else "(time, batch"
            raise ValueError(
                f"{self!r}: expected input of shape {order}, {self.input_size}) or (time, "
                f"{self.input_size}), got {x.shape}"
            )
        if x.ndim == 2:
            return x.reshape(x.shape[0], 1, x.shape[1]), True
        return (x.swapaxes(0, 1) if self.batch_first else x), False

    def _initial(self, state, name, batch, unbatched):
        """A state given as (num_layers, batch, hidden) (or None) as one Tensor per layer."""
        expected = (self.num_layers, batch, self.hidden_size)
        if state is None:
            zeros = Tensor(np.zeros(expected[1:], get_default_dtype()))
            return [zeros] * self.num_layers
        state = _as_tensor(state)
        _check_state(self, name, state, (expected[0], expected[2]) if unbatched else expected)
        if unbatched:
            state = state.reshape(expected)
        return [state[k] for k in range(self.num_layers)]

    def _run(self, x, states):
        """Run every layer over the sequence x (time, batch, features) (`states[k]`: layer k's
        initial state, a tuple); the step function comes from the subclass."""
        steps, batch = x.shape[0], x.shape[1]
        finals = []
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._weights(k)
            if k and self.dropout and self.training:
                x = F.dropout(x, self.dropout)
            # The input projections of all time steps in one matrix product (faster than one
            # small product per step), cut into steps by unbind, whose backward gathers the
            # steps' gradients into one array. RNN and LSTM add b_hh there too (the sum is the
            # same); GRU's n gate multiplies h W_hn^T + b_hn by r, so GRU adds it per step.
            bias = b_ih if b_hh is None or self.kind == "GRU" else b_ih + b_hh
            projected = x.reshape(steps * batch, x.shape[2]).linear(w_ih.T, bias)
            step_b_hh = b_hh if self.kind == "GRU" else None
            # W_hh is used by every step: LSTM's steps leave their share of its gradient with
            # SharedOverTime, which makes it one product over all steps (ops/recurrent.py)
            w_hh_t = w_hh.T.shared_over_time() if self.kind == "LSTM" else w_hh.T
            state = self._carried(states[k])
            carried = []
            for t, xw in enumerate(projected.reshape(steps, batch, w_ih.shape[0]).unbind(0)):
                state = mark_time_step(self._step(xw, state, w_hh_t, step_b_hh), t)
                carried.append(state)
            finals.append(self._parted(state))
            x = self._outputs(carried)
        return x, finals

    # What goes from one time step to the next: h for RNN and GRU (LSTM overrides these).
    def _carried(self, state):
        """The state a step takes, from the initial state's tuple: (h,) -> h."""
        return state[0]

    def _parted(self, state):
        """The tuple the final state is returned as: h -> (h,)."""
        return (state,)

    def _outputs(self, states):
        """The layer's output from the states of all steps: the h's, stacked."""
        return Tensor.stack(states)

    def _output(self, output, unbatched):
        if unbatched:
            return output.reshape(output.shape[0], output.shape[2])
        return output.swapaxes(0, 1) if self.batch_first else output

    def _final(self, finals, i, unbatched):
        final = Tensor.stack([f[i] for f in finals])
        return final.reshape(final.shape[0], final.shape[2]) if unbatched else final

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        return text


class RNN(_RNNBase):
    """An Elman RNN over a whole sequence, `num_layers` deep (each layer's outputs are the
    next layer's inputs).

    Input (time, batch, input_size), or (batch, time, input_size) with batch_first=True, or
    (time, input_size) for one sequence; `hx` the initial state (num_layers, batch,
    hidden_size), zeros when None. Returns `output, h_n`: the last layer's h at every step
    and every layer's last h.

    >>> import numpy as np
    >>> rnn = RNN(3, 5, num_layers=2, batch_first=True)
    >>> output, h_n = rnn(np.ones((4, 7, 3), np.float32))   # batch 4, 7 time steps
    >>> output.shape, h_n.shape
    ((4, 7, 5), (2, 4, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)
        self.nonlinearity = nonlinearity

    def _step(self, xw, h, w_hh_t, b_hh):
        return rnn_step(xw, h, w_hh_t, b_hh, self.nonlinearity)

    def forward(self, input, hx=None):  # noqa: A002
        x, unbatched = self._input(input)
        states = [self._initial(hx, "hx", x.shape[1], unbatched)]
        output, finals = self._run(x, list(zip(*states)))
        return self._output(output, unbatched), self._final(finals, 0, unbatched)

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity='relu'"


class LSTM(_RNNBase):
    """A long short-term memory layer over a whole sequence (gates i, f, g, o).

    `hx` is the pair (h_0, c_0), each (num_layers, batch, hidden_size), or None (zeros).
    Returns `output, (h_n, c_n)`. To carry the state into the next batch without
    backpropagating into the previous one (truncated BPTT, as the books do), detach it:
    `state = (h_n.detach(), c_n.detach())`.

    >>> import numpy as np
    >>> lstm = LSTM(3, 5)
    >>> output, (h_n, c_n) = lstm(np.ones((7, 4, 3), np.float32))
    >>> output, (h_n, c_n) = lstm(np.ones((7, 4, 3), np.float32), (h_n.detach(), c_n.detach()))
    >>> output.shape, c_n.shape
    ((7, 4, 5), (1, 4, 5))
    """

    kind = "LSTM"

    def _step(self, xw, state, w_hh_t, b_hh):
        return lstm_step(xw, state, w_hh_t, b_hh)

    # An LSTM's steps carry h and c stacked, as LSTMStep takes and gives them: parting them
    # into h and c at every step cost three ops a step (an Unbind and its two slices)
    def _carried(self, state):
        return Tensor.stack(list(state))

    def _parted(self, state):
        return state.unbind(0)

    def _outputs(self, states):
        return Tensor.stack(states)[:, 0]  # (time, 2, batch, hidden) -> the h's

    def forward(self, input, hx=None):  # noqa: A002
        x, unbatched = self._input(input)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"{self!r}: hx must be the pair (h_0, c_0), got "
                            f"{type(hx).__name__}")
        states = [self._initial(s, name, x.shape[1], unbatched)
                  for s, name in zip(hx, ("h_0", "c_0"))]
        output, finals = self._run(x, list(zip(*states)))
        return self._output(output, unbatched), (self._final(finals, 0, unbatched),
                                                 self._final(finals, 1, unbatched))


class GRU(_RNNBase):
    """A gated recurrent unit layer over a whole sequence (gates r, z, n, as PyTorch's).

    Returns `output, h_n`, like RNN.

    >>> import numpy as np
    >>> output, h_n = GRU(3, 5)(np.ones((7, 4, 3), np.float32))
    >>> output.shape, h_n.shape
    ((7, 4, 5), (1, 4, 5))
    """

    kind = "GRU"

    def _step(self, xw, h, w_hh_t, b_hh):
        return gru_step(xw, h, w_hh_t, b_hh)

    def forward(self, input, hx=None):  # noqa: A002
        x, unbatched = self._input(input)
        states = [self._initial(hx, "hx", x.shape[1], unbatched)]
        output, finals = self._run(x, list(zip(*states)))
        return self._output(output, unbatched), self._final(finals, 0, unbatched)
