"""RNN, LSTM, GRU and their cells: values against NumPy loops written from the formulas,
gradients against central differences (first and second order), PyTorch's interface and
numbers where PyTorch is installed, and the messages a learner gets for wrong shapes."""

import re

import numpy as np
import pytest
from conftest import second_derivative

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
from tinygrad_edu import Tensor

# ---- NumPy references, straight from the formulas ---------------------------------------------


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def numpy_step(kind, x, h, c, w_ih, w_hh, b_ih, b_hh):
    xw, hw = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    n = h.shape[-1]
    if kind == "RNN":
        return np.tanh(xw + hw), None
    if kind == "LSTM":
        a = xw + hw
        i, f, g, o = sigmoid(a[:, :n]), sigmoid(a[:, n:2 * n]), np.tanh(a[:, 2 * n:3 * n]), \
            sigmoid(a[:, 3 * n:])
        c = f * c + i * g
        return o * np.tanh(c), c
    r, z = sigmoid(xw[:, :n] + hw[:, :n]), sigmoid(xw[:, n:2 * n] + hw[:, n:2 * n])
    candidate = np.tanh(xw[:, 2 * n:] + r * hw[:, 2 * n:])
    return (1 - z) * candidate + z * h, None


def numpy_layer(kind, layer, x, h0, c0):
    """Output and final states of `layer` (our module, its weights read as arrays)."""
    finals_h, finals_c = [], []
    for k in range(layer.num_layers):
        weights = [getattr(layer, f"{name}_l{k}").numpy() for name in
                   ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        h, c, outputs = h0[k], c0[k], []
        for x_t in x:
            h, c = numpy_step(kind, x_t, h, c, *weights)
            outputs.append(h)
        x = np.stack(outputs)
        finals_h.append(h)
        finals_c.append(c)
    return x, np.stack(finals_h), (np.stack(finals_c) if kind == "LSTM" else None)


KINDS = ["RNN", "LSTM", "GRU"]
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def make_layer(kind, input_size=3, hidden_size=4, num_layers=2, **options):
    tg.manual_seed(0)
    previous = tg.get_default_dtype()
    tg.set_default_dtype(np.float64)
    try:
        return getattr(nn, kind)(input_size, hidden_size, num_layers=num_layers, **options)
    finally:
        tg.set_default_dtype(previous)


def run(layer, kind, x, h0, c0):
    if kind == "LSTM":
        output, (h_n, c_n) = layer(x, (h0, c0))
        return output, h_n, c_n
    output, h_n = layer(x, h0)
    return output, h_n, None


# ---- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("steps", [1, 5])
def test_each_layer_computes_the_formulas_of_its_cell_over_time_and_layers(kind, steps, rng):
    layer = make_layer(kind)
    x = rng.standard_normal((steps, 2, 3))
    h0, c0 = rng.standard_normal((2, 2, 4)), rng.standard_normal((2, 2, 4))
    output, h_n, c_n = run(layer, kind, Tensor(x), Tensor(h0), Tensor(c0))
    expected = numpy_layer(kind, layer, x, h0, c0)
    np.testing.assert_allclose(output.numpy(), expected[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n.numpy(), expected[1], rtol=1e-12, atol=1e-12)
    if kind == "LSTM":
        np.testing.assert_allclose(c_n.numpy(), expected[2], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_batch_first_and_unbatched_inputs_give_the_same_numbers(kind, rng):
    layer = make_layer(kind)
    x = rng.standard_normal((5, 2, 3))
    output, h_n, _ = run(layer, kind, Tensor(x), None, None) if kind != "LSTM" else \
        (lambda o: (o[0], o[1][0], None))(layer(Tensor(x)))
    layer.batch_first = True
    first = layer(Tensor(x.transpose(1, 0, 2)))
    np.testing.assert_allclose(first[0].numpy(), output.numpy().transpose(1, 0, 2))
    layer.batch_first = False
    single = layer(Tensor(x[:, 1]))  # one sequence, (time, features)
    np.testing.assert_allclose(single[0].numpy(), output.numpy()[:, 1], atol=1e-12)
    single_h = single[1][0] if kind == "LSTM" else single[1]
    assert single_h.shape == (2, 4)
    np.testing.assert_allclose(single_h.numpy(), h_n.numpy()[:, 1], atol=1e-12)


def test_the_initial_state_defaults_to_zeros(rng):
    layer = make_layer("LSTM")
    x = Tensor(rng.standard_normal((3, 2, 3)))
    zeros = Tensor(np.zeros((2, 2, 4)))
    np.testing.assert_array_equal(layer(x)[0].numpy(), layer(x, (zeros, zeros))[0].numpy())


@pytest.mark.parametrize("kind", KINDS)
def test_cells_compute_one_step_of_the_formulas(kind, rng):
    tg.manual_seed(1)
    tg.set_default_dtype(np.float64)
    try:
        cell = getattr(nn, kind + "Cell")(3, 4)
    finally:
        tg.set_default_dtype(np.float32)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    weights = [cell.weight_ih.numpy(), cell.weight_hh.numpy(), cell.bias_ih.numpy(),
               cell.bias_hh.numpy()]
    expected_h, expected_c = numpy_step(kind, x, h, c, *weights)
    out = cell(Tensor(x), (Tensor(h), Tensor(c)) if kind == "LSTM" else Tensor(h))
    out_h = out[0] if kind == "LSTM" else out
    np.testing.assert_allclose(out_h.numpy(), expected_h, rtol=1e-12, atol=1e-12)
    if kind == "LSTM":
        np.testing.assert_allclose(out[1].numpy(), expected_c, rtol=1e-12, atol=1e-12)
    unbatched = cell(Tensor(x[0]), (Tensor(h[0]), Tensor(c[0])) if kind == "LSTM" else
                     Tensor(h[0]))
    unbatched_h = unbatched[0] if kind == "LSTM" else unbatched
    np.testing.assert_allclose(unbatched_h.numpy(), expected_h[0], rtol=1e-12, atol=1e-12)


def test_parameters_have_pytorchs_names_shapes_order_and_init_range():
    tg.manual_seed(0)
    lstm = nn.LSTM(10, 20, num_layers=2)
    shapes = [(name, p.shape) for name, p in lstm.named_parameters()]
    assert shapes == [("weight_ih_l0", (80, 10)), ("weight_hh_l0", (80, 20)),
                      ("bias_ih_l0", (80,)), ("bias_hh_l0", (80,)),
                      ("weight_ih_l1", (80, 20)), ("weight_hh_l1", (80, 20)),
                      ("bias_ih_l1", (80,)), ("bias_hh_l1", (80,))]
    bound = 1 / np.sqrt(20)
    for _, p in lstm.named_parameters():
        assert p.dtype == np.float32
        assert np.abs(p.numpy()).max() <= bound
        assert np.abs(p.numpy()).max() > 0.9 * bound  # the whole range is used
    assert [name for name, _ in nn.GRU(3, 5, bias=False).named_parameters()] == \
        ["weight_ih_l0", "weight_hh_l0"]
    assert nn.GRUCell(3, 5).weight_ih.shape == (15, 3)
    assert nn.RNNCell(3, 5).weight_hh.shape == (5, 5)
    assert repr(nn.LSTM(3, 5, num_layers=2, batch_first=True)) == \
        "LSTM(3, 5, num_layers=2, batch_first=True)"


def test_float32_layers_stay_float32(rng):
    lstm = nn.LSTM(3, 4)
    output, (h_n, c_n) = lstm(rng.standard_normal((5, 2, 3)).astype(np.float32))
    assert output.dtype == h_n.dtype == c_n.dtype == np.float32
    output.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in lstm.parameters())


def np_lstm_step(xw, state, w):
    h, c = state
    n = c.shape[-1]
    a = xw + h @ w
    i, f = sigmoid(a[..., :n]), sigmoid(a[..., n:2 * n])
    g, o = np.tanh(a[..., 2 * n:3 * n]), sigmoid(a[..., 3 * n:])
    c_next = f * c + i * g
    h_next = o * np.tanh(c_next)
    return np.stack(np.broadcast_arrays(h_next, c_next))


@pytest.mark.parametrize("xw_shape, state_shape", [
    ((2, 12), (2, 2, 3)),
    ((12,), (2, 2, 3)),  # one projection for every row of the batch
    ((2, 12), (2, 3)),  # one state for every row
    ((4, 2, 12), (2, 4, 1, 3)),  # batch axes that broadcast
])
def test_lstm_step_op_matches_numpy_and_gradchecks_twice(check_op, rng, xw_shape, state_shape):
    check_op(lambda xw, state, w: xw.lstm_step(state, w), np_lstm_step,
             rng.standard_normal(xw_shape), rng.standard_normal(state_shape),
             rng.standard_normal((3, 12)))


def test_the_shared_weights_own_gradient_is_the_gathered_one(rng):
    # the steps hand the marked weight a zero placeholder and leave their share with its op:
    # retain_grad, tg.grad and the explorer must still see its true gradient (and Unbind's)
    w = Tensor(rng.standard_normal((3, 12)), requires_grad=True)
    w_t = w.shared_over_time()
    w_t.retain_grad()
    state = Tensor(np.zeros((2, 2, 3)))
    for _ in range(3):
        state = Tensor(rng.standard_normal((2, 12))).lstm_step(state, w_t)
    h = state.unbind(0)[0]
    loss = (h * h).sum()
    (captured,) = tg.grad(loss, [w_t], retain_graph=True)
    steps = tg.viz.explain_backward(loss, retain_graph=True)
    loss.backward()
    expected = w.grad.numpy() / 2  # explain_backward's pass and backward() both added into it
    assert np.abs(expected).max() > 0
    np.testing.assert_allclose(captured.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(w_t.grad.numpy(), w.grad.numpy(), rtol=1e-12)  # (two passes)
    (shared,) = [step for step in steps if step.op == "SharedOverTime"]
    np.testing.assert_allclose(shared.grad_output, expected, rtol=1e-12)


@pytest.mark.parametrize("xw_shape, state_shape", [
    ((2, 10), (2, 2, 3)),  # the projection's last axis is not 4 * hidden
    ((2, 12), (3, 2, 3)),  # not h and c: three on the first axis
    ((2, 12), (3,)),  # no first axis for h and c at all
    ((5, 12), (2, 2, 3)),  # batch axes that do not broadcast
])
def test_lstm_step_on_wrong_shapes_names_them(xw_shape, state_shape):
    xw, state = re.escape(str(xw_shape)), re.escape(str(state_shape))
    with pytest.raises(ValueError, match=(
            rf"^lstm step: the input's projection {xw} needs 4 times the state's last axis, "
            rf"the state {state} h and c stacked on a first axis of 2 \(batch axes that "
            r"broadcast with the projection's\), and W_hh\^T \(3, 12\) the shape "
            r"\(hidden, 4 \* hidden\)$")):
        Tensor(np.zeros(xw_shape)).lstm_step(Tensor(np.zeros(state_shape)),
                                            Tensor(np.zeros((3, 12))))


def test_a_weight_shared_over_time_gets_the_sum_of_every_steps_gradient(rng):
    # what LSTMStep leaves with SharedOverTime (one product over all steps), plus another use
    # of the same weight (as gy), against the same graph with the weight not marked
    def run(shared):
        tg.manual_seed(0)
        w = Tensor(rng_w.copy(), requires_grad=True)
        w_t = w.shared_over_time() if shared else w * 1.0
        state = Tensor(np.zeros((2, 2, 3)))
        for xw in xs:
            state = Tensor(xw).lstm_step(state, w_t)
        h, c = state.unbind(0)
        loss = (h * h).sum() + (c * Tensor(np.arange(6.0).reshape(2, 3))).sum() + (w_t ** 2).sum()
        loss.backward(retain_graph=True)
        first = w.grad.numpy().copy()
        loss.backward()  # a second pass on the retained graph adds the same again
        return first, w.grad.numpy()

    rng_w = rng.standard_normal((3, 12))
    xs = [rng.standard_normal((2, 12)) for _ in range(4)]
    plain, shared = run(False), run(True)
    np.testing.assert_allclose(shared[0], plain[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(shared[1], 2 * plain[0], rtol=1e-12, atol=1e-12)
    w = Tensor(rng_w, requires_grad=True)
    assert tg.gradcheck(lambda w: w.shared_over_time() * 2.0, w)
    assert type(w.shared_over_time()._ctx).__name__ == "SharedOverTime"


# ---- gradients: backprop through time is the engine's ----------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_layer_gradients_match_central_differences(kind, rng):
    layer = make_layer(kind, hidden_size=3)
    x = Tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    h0 = Tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    c0 = Tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    params = layer.parameters()

    def fn(x, h0, c0, *weights):
        output, h_n, c_n = run(layer, kind, x, h0, c0)
        total = output.sum() + (h_n * h_n).sum()
        return total + c_n.sum() if c_n is not None else total

    inputs = (x, h0, c0, *params) if kind == "LSTM" else (x, h0, Tensor(np.zeros(1)), *params)
    assert tg.gradcheck(fn, inputs)


@pytest.mark.parametrize("kind", KINDS)
def test_second_order_gradients_through_time_match_central_differences(kind, rng):
    layer = make_layer(kind, hidden_size=2, num_layers=1)
    x = Tensor(rng.standard_normal((3, 1, 3)), requires_grad=True)
    weight = layer.weight_hh_l0

    def fn(x, w):
        return run(layer, kind, x, None, None)[0] if kind != "LSTM" else layer(x)[0]

    assert tg.gradcheck(second_derivative(fn), (x, weight))


@pytest.mark.parametrize("kind", KINDS)
def test_cell_gradients_match_central_differences(kind, rng):
    tg.set_default_dtype(np.float64)
    try:
        cell = getattr(nn, kind + "Cell")(3, 2)
    finally:
        tg.set_default_dtype(np.float32)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h = Tensor(rng.standard_normal((2, 2)), requires_grad=True)
    c = Tensor(rng.standard_normal((2, 2)), requires_grad=True)

    def fn(x, h, c, *weights):
        if kind == "LSTM":
            h_next, c_next = cell(x, (h, c))
            return h_next * 2 + c_next
        return cell(x, cell(x, h))  # two steps with the same input

    assert tg.gradcheck(fn, (x, h, c, *cell.parameters()))
    assert tg.gradcheck(second_derivative(fn), (x, h, c))


def test_truncated_bptt_stops_at_a_detached_state(rng):
    lstm = make_layer("LSTM", num_layers=1)
    x1 = Tensor(rng.standard_normal((3, 2, 3)), requires_grad=True)
    _, (h, c) = lstm(x1)
    x2 = Tensor(rng.standard_normal((3, 2, 3)), requires_grad=True)
    second, _ = lstm(x2, (h.detach(), c.detach()))
    second.sum().backward(retain_graph=True)
    assert x2.grad is not None and x1.grad is None  # the first batch was not reached
    carried, _ = lstm(x2, (h, c))
    carried.sum().backward()
    assert x1.grad is not None  # without detach, backward runs on into the first batch


# ---- PyTorch: same weights, same numbers ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("steps", [1, 4, 9])
def test_layers_agree_with_pytorch_in_outputs_states_and_every_gradient(kind, batch_first,
                                                                          steps, rng):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, kind)(3, 5, num_layers=2, batch_first=batch_first).double()
    ours = make_layer(kind, 3, 5, batch_first=batch_first)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((2, steps, 3) if batch_first else (steps, 2, 3))
    h0, c0 = rng.standard_normal((2, 2, 5)), rng.standard_normal((2, 2, 5))
    ours_in = [Tensor(a, requires_grad=True) for a in (x, h0, c0)]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    if kind == "LSTM":
        o1, (h1, c1) = ours(ours_in[0], (ours_in[1], ours_in[2]))
        o2, (h2, c2) = theirs(theirs_in[0], (theirs_in[1], theirs_in[2]))
    else:
        (o1, h1), (o2, h2) = ours(*ours_in[:2]), theirs(*theirs_in[:2])
        c1 = c2 = None
    weights = rng.standard_normal(o1.shape)
    loss1 = (o1 * weights).sum() + (h1 * h1).sum()
    loss2 = (o2 * torch.tensor(weights)).sum() + (h2 * h2).sum()
    if c1 is not None:
        loss1, loss2 = loss1 + (c1 * 3).sum(), loss2 + (c2 * 3).sum()
        np.testing.assert_allclose(c1.numpy(), c2.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(o1.numpy(), o2.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(h1.numpy(), h2.detach().numpy(), atol=1e-12)
    loss1.backward()
    loss2.backward()
    used = 3 if kind == "LSTM" else 2
    for a, b in zip(ours_in[:used], theirs_in[:used]):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-10)
    theirs_grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_grads[name].grad.numpy(), atol=1e-10,
                                   err_msg=name)


@pytest.mark.parametrize("kind", KINDS)
def test_cells_agree_with_pytorch(kind, rng):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, kind + "Cell")(3, 4).double()
    tg.set_default_dtype(np.float64)
    try:
        ours = getattr(nn, kind + "Cell")(3, 4)
    finally:
        tg.set_default_dtype(np.float32)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((2, 3))
    ours_out, theirs_out = ours(Tensor(x)), theirs(torch.tensor(x))
    if kind == "LSTM":
        ours_out, theirs_out = ours_out[0] + ours_out[1] * 2, theirs_out[0] + theirs_out[1] * 2
    np.testing.assert_allclose(ours_out.numpy(), theirs_out.detach().numpy(), atol=1e-12)
    ours_out.sum().backward()
    theirs_out.sum().backward()
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.numpy(), p.grad.numpy(), atol=1e-12)


def test_a_state_dict_moves_from_pytorch_by_name():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.GRU(4, 6, num_layers=2, bias=False)
    ours = nn.GRU(4, 6, num_layers=2, bias=False)
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(ours.weight_hh_l1.numpy(), theirs.weight_hh_l1.detach().numpy())
    assert list(ours.state_dict()) == list(theirs.state_dict())


# ---- bad input: one clear message, naming the layer and the shapes ----------------------------


def test_wrong_input_size_names_the_layer_and_both_shapes():
    lstm = nn.LSTM(10, 20)
    with pytest.raises(ValueError, match=r"LSTM\(10, 20\): expected input of shape "
                       r"\(time, batch, 10\) or \(time, 10\), got \(5, 3, 7\)"):
        lstm(np.zeros((5, 3, 7), np.float32))
    with pytest.raises(ValueError, match=r"GRU\(10, 20, batch_first=True\): expected input "
                       r"of shape \(batch, time, 10\)"):
        nn.GRU(10, 20, batch_first=True)(np.zeros((5, 3, 7), np.float32))
    with pytest.raises(ValueError, match=r"RNNCell\(3, 4\): expected input of shape "
                       r"\(batch, 3\) or \(3,\), got \(2, 5\)"):
        nn.RNNCell(3, 4)(np.zeros((2, 5), np.float32))


def test_wrong_state_shape_names_the_layer_the_state_and_both_shapes():
    lstm = nn.LSTM(3, 4, num_layers=2)
    x = np.zeros((5, 6, 3), np.float32)
    good = np.zeros((2, 6, 4), np.float32)
    with pytest.raises(ValueError, match=r"LSTM\(3, 4, num_layers=2\): the state c_0 has shape "
                       r"\(1, 6, 4\), expected \(2, 6, 4\)"):
        lstm(x, (good, np.zeros((1, 6, 4), np.float32)))
    with pytest.raises(TypeError, match=r"hx must be the pair \(h_0, c_0\)"):
        lstm(x, good)
    with pytest.raises(ValueError, match=r"RNN\(3, 4\): the state hx has shape \(6, 4\), "
                       r"expected \(1, 6, 4\)"):
        nn.RNN(3, 4)(x, np.zeros((6, 4), np.float32))
    with pytest.raises(ValueError, match=r"GRUCell\(3, 4\): the state hx has shape \(2, 5\), "
                       r"expected \(6, 4\)"):
        nn.GRUCell(3, 4)(np.zeros((6, 3), np.float32), np.zeros((2, 5), np.float32))


def test_bad_constructor_arguments_are_clear():
    with pytest.raises(ValueError, match="LSTM: hidden_size must be a positive integer"):
        nn.LSTM(3, 0)
    with pytest.raises(ValueError, match="RNN: nonlinearity must be 'tanh' or 'relu'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(NotImplementedError, match="GRU: bidirectional=True is not implemented"):
        nn.GRU(3, 4, bidirectional=True)


def test_relu_rnn_and_dropout_between_layers(rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.RNN(3, 4, nonlinearity="relu").double()
    ours = make_layer("RNN", 3, 4, num_layers=1, nonlinearity="relu")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((4, 2, 3))
    np.testing.assert_allclose(ours(Tensor(x))[0].numpy(),
                               theirs(torch.tensor(x))[0].detach().numpy(), atol=1e-12)
    deep = make_layer("LSTM", 3, 4, num_layers=2, dropout=0.5)
    x = Tensor(rng.standard_normal((4, 2, 3)))
    assert not np.allclose(deep(x)[0].numpy(), deep(x)[0].numpy())  # a new mask each call
    deep.eval()
    np.testing.assert_array_equal(deep(x)[0].numpy(), deep(x)[0].numpy())
