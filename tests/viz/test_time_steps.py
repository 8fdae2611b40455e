"""Time steps of an unrolled recurrent network, as the explorer page carries them.

The recurrent layers and cells mark the op that ends each time step (`mark_time_step`); the
explorer gives every op between two marked states the step it leads to (`time_steps`) and
puts it in the page's data (`"time"` on each backward and forward step), which the page's
"time step" control uses (tests/viz/test_explorer_browser.py drives it in Chromium).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.viz
from tinygrad_edu import Tensor, nn

STEPS = 4


def page_data(loss, **options):
    page = tg.viz.explore(loss, **options).html
    found = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>',
                      page, re.S)
    return json.loads(found.group(1))


def sequence(steps=STEPS, batch=1, features=2):
    rng = np.random.default_rng(7)
    return Tensor(rng.standard_normal((steps, batch, features)), name="x")


def first_of_each(times):
    """{time step: the index of its first entry} in the order the walk meets them."""
    first = {}
    for index, time in enumerate(times):
        if time is not None and time not in first:
            first[time] = index
    return first


@pytest.mark.parametrize("layer", ["RNN", "LSTM", "GRU"])
def test_the_page_data_gives_each_op_of_a_layer_its_time_step(float64_default, layer):
    tg.manual_seed(0)
    model = getattr(nn, layer)(2, 3)
    output, _ = model(sequence())
    loss = (output * output).sum()
    data = page_data(loss, model=model)

    backward = [step["time"] for step in data["backward"]]
    first = first_of_each(backward)
    assert list(first) == [3, 2, 1, 0]  # backward through time: the last step first
    # the loss and the stacking of the outputs come after the recurrence: no time step (an
    # LSTM's steps carry h and c stacked: its outputs are the h's of the stacked states)
    after = ["Stack"] if layer != "LSTM" else ["GetItem", "Stack"]
    head = 2 + len(after)
    assert [(s["name"], s["time"]) for s in data["backward"][:head]] == [
        ("Sum", None), ("Mul", None)] + [(name, None) for name in after]
    forward = [step["time"] for step in data["forward"]]
    assert list(first_of_each(forward)) == [0, 1, 2, 3]
    # every time step holds the same ops: the same cell, once per step
    names = [sorted(s["name"] for s in data["backward"] if s["time"] == t) for t in range(4)]
    assert names[0] == names[1] == names[2] == names[3] and names[0]
    # what is made once for every step belongs to none: the W_hh transpose (for LSTM marked
    # SharedOverTime), and the input
    # projections of all steps (one Affine op: x W_ih^T + the biases, cut by Unbind; RNN and
    # LSTM add b_ih + b_hh there, GRU b_ih only)
    shared = [s["name"] for s in data["backward"][head:] if s["time"] is None]
    assert sorted(shared) == sorted(["Unbind", "Reshape", "Affine", "Transpose",
                                     "Transpose"] + ["Add"] * (layer != "GRU")
                                    + ["SharedOverTime"] * (layer == "LSTM"))
    # the op that ends time step t computes the output at t (the layer's h_t)
    for t in range(STEPS):
        ends = [s for s in data["forward"] if s["time"] == t and s["name"] != "Stack"]
        h_t = _four_digits(output.numpy()[t])  # (an LSTM's step gives h_t and c_t stacked)
        assert any(_numbers(s["value"])[:len(h_t)] == h_t for s in ends)


def test_a_cell_in_a_loop_counts_its_own_time_steps(float64_default):
    tg.manual_seed(0)
    cell = nn.LSTMCell(2, 3)
    state = None
    hs = []
    for x in sequence(steps=3):
        state = cell(x, state)
        hs.append(state[0])
    times = tg.viz.time_steps((state[0] + state[1]).sum())
    assert [times[id(h._ctx)] for h in hs] == [0, 1, 2]
    assert times[id(state[1]._ctx)] == 2  # c_t is marked too
    # truncated BPTT: a detached state starts the count again, as the graph starts there
    h, c = cell(sequence(steps=1)[0], (state[0].detach(), state[1].detach()))
    assert tg.viz.time_steps(h.sum())[id(h._ctx)] == 0
    # one sequence without the batch axis
    rnn_cell = nn.RNNCell(2, 3)
    h = None
    for x in np.ones((3, 2)):
        h = rnn_cell(x, h)
    assert h.shape == (3,) and tg.viz.time_steps(h.sum())[id(h._ctx)] == 2


def test_nothing_is_marked_when_no_graph_is_recorded():
    model = nn.GRU(2, 3)
    with tg.no_grad():
        output, h_n = model(sequence())
    assert output._ctx is None and tg.viz.time_steps(output) == {}


def test_two_layers_share_the_time_steps(float64_default):
    tg.manual_seed(1)
    model = nn.RNN(2, 3, num_layers=2)
    output, _ = model(sequence())
    data = page_data(output.sum())
    per_step = [sum(s["time"] == t for s in data["backward"]) for t in range(STEPS)]
    one_layer = 4  # Tanh, the Add, h W_hh^T's MatMul, the step's slice of the projections
    assert per_step == [2 * one_layer] * STEPS


def test_a_loop_written_by_hand_marks_its_own_steps_and_shared_ops_get_none():
    w = Tensor([0.5, -0.25], requires_grad=True, name="w")
    embedded = w * 2.0  # one op that every step reads: it belongs to no single step
    h = Tensor([1.0, 1.0])
    for t in range(3):
        h = tg.viz.mark_time_step((h * embedded + 1.0).tanh(), t)
    loss = h.sum()
    times = tg.viz.time_steps(loss)
    assert id(embedded._ctx) not in times and id(loss._ctx) not in times
    data = page_data(loss)
    assert [(s["name"], s["time"]) for s in data["backward"]] == [
        ("Sum", None), ("Tanh", 2), ("Add", 2), ("Mul", 2), ("Tanh", 1), ("Add", 1),
        ("Mul", 1), ("Tanh", 0), ("Add", 0), ("Mul", 0), ("Mul", None)]


def test_a_graph_without_time_steps_carries_none():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    data = page_data((w * w).sum())
    assert [s["time"] for s in data["backward"] + data["forward"]] == [None] * 4


NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")


def _numbers(text):
    return [float(n) for n in NUMBER.findall(text)]


def _four_digits(array):
    return [float(f"{v:.4g}") for v in np.asarray(array).ravel()]
