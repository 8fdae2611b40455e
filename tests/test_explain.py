"""explain_backward: the same backward pass as backward(), kept step by step.

Its gradients must be backward()'s, bit for bit, on several graphs; its steps must show the
notes' deltas (note 002, the two-layer XOR network with squared error) as the gradients the
sigmoids send; and every built-in op must state its local rule.
"""

from __future__ import annotations

import inspect
import json
import re

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
import tinygrad_edu.viz
from tinygrad_edu import Function, Tensor, nn
from tinygrad_edu.autograd import topological_order

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
T = np.array([[0], [1], [1], [0]], dtype=np.float64)


# ---- graphs built twice from the same start ------------------------------------------------


def xor_graph():
    """Note 002's network: layer_1 = sigmoid(X W0), layer_2 = sigmoid(layer_1 W1)."""
    np.random.seed(1)
    W0 = Tensor(2 * np.random.random((3, 4)) - 1, requires_grad=True, name="synapse_0")
    W1 = Tensor(2 * np.random.random((4, 1)) - 1, requires_grad=True, name="synapse_1")
    layer_1 = (Tensor(X, name="X") @ W0).sigmoid()
    layer_2 = (layer_1 @ W1).sigmoid()
    layer_1.name, layer_2.name = "layer_1", "layer_2"
    loss = 0.5 * ((layer_2 - T) ** 2).sum()
    return loss, [W0, W1]


def mlp_graph():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(),
                          nn.Linear(8, 3))
    x = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    loss = F.cross_entropy(model(x), np.array([0, 1, 2, 0, 1, 2]))
    return loss, list(model.parameters())


class Cube(Function):
    rule = "3 * x**2 * gy"

    def forward(self, x):
        self.save_for_backward(x)
        return x**3

    def backward(self, gy):
        (x,) = self.saved
        return 3 * x**2 * gy


class Twice(Function):  # states no rule of its own
    def forward(self, x):
        return 2 * x

    def backward(self, gy):
        return 2 * gy


def custom_graph():
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, name="x")
    w = Tensor(np.array([1.5, 0.25, -0.5]), requires_grad=True, name="w")
    y = Cube.apply(x) * w + Twice.apply(x + w)  # x used three times, w twice
    return y.mean(), [x, w]


def create_graph_graph():
    """A loss that is itself a gradient: d/dx of sum(x^3 * w), recorded with create_graph."""
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, name="x")
    w = Tensor(np.array([1.5, 0.25, -0.5]), requires_grad=True, name="w")
    (dx,) = tg.grad(((x**3) * w).sum(), x, create_graph=True)  # 3 x^2 w
    return (dx * dx).sum(), [x, w]


GRAPHS = {"xor": xor_graph, "mlp": mlp_graph, "custom Function": custom_graph,
          "create_graph": create_graph_graph}


@pytest.mark.parametrize("make", GRAPHS.values(), ids=GRAPHS.keys())
def test_gradients_are_exactly_those_of_backward(make):
    loss, leaves = make()
    loss.backward()
    expected = [leaf.grad.numpy().copy() for leaf in leaves]
    loss, leaves = make()
    steps = tg.viz.explain_backward(loss)
    assert len(steps) == sum(1 for t in topological_order([loss]) if t._ctx is not None)
    for leaf, grad in zip(leaves, expected):
        assert leaf.grad.dtype == grad.dtype
        np.testing.assert_array_equal(leaf.grad.numpy(), grad)


@pytest.mark.parametrize("make", GRAPHS.values(), ids=GRAPHS.keys())
def test_the_gradients_sent_to_the_leaves_add_up_to_their_grad(make):
    loss, leaves = make()
    steps = tg.viz.explain_backward(loss)
    for leaf in leaves:
        sent = [g for step in steps for t, g in zip(step.inputs, step.grads_sent) if t is leaf]
        np.testing.assert_allclose(sum(sent), leaf.grad.numpy(), rtol=1e-6)


def test_steps_come_in_the_engines_order_outputs_before_inputs():
    loss, _ = mlp_graph()
    order = [t for t in reversed(topological_order([loss])) if t._ctx is not None]
    steps = tg.viz.explain_backward(loss)
    assert [step.output for step in steps] == order
    assert steps[0].output is loss
    np.testing.assert_array_equal(steps[0].grad_output, np.ones((), np.float32))
    produced = {id(step.output) for step in steps[:3]}
    assert all(id(t) not in produced for step in steps[3:] for t in step.inputs)


def test_it_accumulates_into_grad_like_backward_and_create_graph_records():
    loss, (x, w) = custom_graph()
    tg.viz.explain_backward(loss, retain_graph=True)
    once = x.grad.numpy().copy()
    tg.viz.explain_backward(loss)  # accumulates, as a second backward() would
    np.testing.assert_array_equal(x.grad.numpy(), 2 * once)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        tg.viz.explain_backward(loss)

    x = Tensor(np.array([3.0]), requires_grad=True)
    tg.viz.explain_backward((x**3).sum(), create_graph=True)
    assert x.grad.requires_grad  # 3 x^2, itself differentiable
    (ddx,) = tg.grad(x.grad.sum(), x)
    np.testing.assert_allclose(ddx.numpy(), [18.0])


def test_the_notes_deltas_are_the_gradients_the_sigmoids_send():
    loss, (synapse_0, synapse_1) = xor_graph()
    steps = tg.viz.explain_backward(loss)
    # Note 002, by hand (the same forward pass, in NumPy):
    layer_1 = 1 / (1 + np.exp(-(X @ synapse_0.numpy())))
    layer_2 = 1 / (1 + np.exp(-(layer_1 @ synapse_1.numpy())))
    layer_2_delta = (layer_2 - T) * (layer_2 * (1 - layer_2))
    layer_1_error = layer_2_delta.dot(synapse_1.numpy().T)
    layer_1_delta = layer_1_error * (layer_1 * (1 - layer_1))

    by_output = {step.output_label: step for step in steps}
    output = by_output["layer_2"]
    assert output.op == "Sigmoid" and output.rule == "gy * y * (1 - y)"
    np.testing.assert_allclose(output.grad_output, layer_2 - T, rtol=1e-12)  # layer_2_error
    np.testing.assert_allclose(output.grads_sent[0], layer_2_delta, rtol=1e-12)
    matmul = next(s for s in steps if s.op == "MatMul" and s.inputs[0].name == "layer_1")
    np.testing.assert_allclose(matmul.grads_sent[0], layer_1_error, rtol=1e-12)
    np.testing.assert_allclose(matmul.grads_sent[1], layer_1.T.dot(layer_2_delta), rtol=1e-12)
    hidden = by_output["layer_1"]
    np.testing.assert_allclose(hidden.grads_sent[0], layer_1_delta, rtol=1e-12)
    np.testing.assert_allclose(synapse_0.grad.numpy(), X.T.dot(layer_1_delta), rtol=1e-12)

    # Note 001's form: delta = y * (1 - y) * e with e = d - y: the engine's gradient is -delta.
    e = T - layer_2
    delta = layer_2 * (1 - layer_2) * e
    delta1 = layer_1 * (1 - layer_1) * (delta @ synapse_1.numpy().T)
    np.testing.assert_allclose(output.grads_sent[0], -delta, rtol=1e-12)
    np.testing.assert_allclose(hidden.grads_sent[0], -delta1, rtol=1e-12)


def test_the_printed_table_reads_like_the_hand_computation():
    loss, _ = xor_graph()
    steps = tg.viz.explain_backward(loss)
    text = str(steps)
    assert text == repr(steps)
    assert text.startswith(
        "backward pass of mul1: 8 steps in the engine's order (gy = d mul1 / d output)")
    hidden = next(s for s in steps if s.output_label == "layer_1")
    block = str(hidden).splitlines()
    assert block[0] == f"step {hidden.number}: layer_1 = Sigmoid(matmul1)"
    assert block[1].split() == ["rule", "gy", "*", "y", "*", "(1", "-", "y)"]
    assert block[2].startswith("  gy at layer_1")
    assert block[6].startswith("  -> matmul1")  # after the 4 rows of gy
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", "\n".join(block[6:]))]
    assert numbers == [float(f"{v:.4g}") for v in hidden.grads_sent[0].ravel()]
    constant = next(s for s in steps if s.op == "Mul")
    assert "-> 0.5" in str(constant) and "(needs no gradient)" in str(constant)

    quiet = tg.viz.explain_backward(xor_graph()[0], show_values=False)
    assert "gy at layer_1   shape (4, 4)" in str(quiet) and "0." not in str(quiet).split(
        "\n", 1)[1].replace("0.5", "")


def test_large_arrays_are_summarised_with_min_mean_max():
    x = Tensor(np.arange(40.0), requires_grad=True, name="x")
    steps = tg.viz.explain_backward((x * x).sum())
    lines = [line for line in str(steps).splitlines() if line.startswith("  -> x")]
    assert len(lines) == 2  # x * x: each side sends gy * x
    for line in lines:
        assert line.split("  ", 2)[2].strip() == "shape (40,): min 0 mean 19.5 max 39"


def test_every_builtin_op_states_its_rule_and_a_users_op_may_too():
    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    builtin = [c for c in all_subclasses(Function)
               if c.__module__.startswith("tinygrad_edu") and not c.__name__.startswith("_")]
    assert len(builtin) >= 30
    missing = [c.__name__ for c in builtin if "rule" not in vars(c)]
    assert missing == []
    source = inspect.getsource(tg.ops.Sigmoid).splitlines()
    assert source[1].strip() == 'rule = "gy * y * (1 - y)"'  # next to its class line
    steps = tg.viz.explain_backward(custom_graph()[0])
    rules = {step.op: step.rule for step in steps}
    assert rules["Cube"] == "3 * x**2 * gy" and rules["Twice"] == "custom"


def test_names_follow_the_model_or_the_op():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())
    steps = tg.viz.explain_backward(model(np.ones((1, 2), np.float32)).sum(), model=model)
    labels = {label for step in steps for label in step.input_labels}
    assert {"0.weight", "0.bias"} <= labels  # the model's names
    sigmoid = next(step for step in steps if step.op == "Sigmoid")
    assert sigmoid.formula.startswith("sigmoid1 = Sigmoid(")  # the op's name, numbered
    assert steps.output_label == "sum1"


def test_a_non_scalar_output_takes_grad_as_backward_does():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="x")
    y = x * x
    with pytest.raises(RuntimeError, match=r"backward\(\) on a tensor of shape \(3,\) needs grad="):
        tg.viz.explain_backward(y)
    start = np.array([1.0, 0.5, -1.0])
    steps = tg.viz.explain_backward(y, grad=start)
    np.testing.assert_array_equal(steps[0].grad_output, start)
    np.testing.assert_array_equal(x.grad.numpy(), 2 * x.numpy() * start)


def test_explain_backward_needs_a_tensor():
    with pytest.raises(TypeError, match="explain_backward needs a Tensor, got ndarray"):
        tg.viz.explain_backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.viz.explain_backward(Tensor([1.0, 2.0]).sum())


# ---- the explorer page, without a browser (tests/test_explorer_browser.py drives one) -------


def page_data(page):
    found = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>',
                      page, re.S)
    return json.loads(found.group(1))


def test_the_page_is_one_offline_file_and_leaves_grad_alone(tmp_path):
    loss, (W0, W1) = xor_graph()
    path = tg.viz.save_html(loss, tmp_path / "page.html")
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and page.count("<script") == 2
    assert not re.search(r'(?:src|href)\s*=\s*"(?!data:|#)', page)  # loads nothing
    assert "@import" not in page and "url(" not in page
    assert W0.grad is None and W1.grad is None
    loss.backward()  # the graph was kept
    data = page_data(page)
    steps = data["backward"]
    assert [s["name"] for s in steps] == ["Mul", "Sum", "Pow", "Sub", "Sigmoid", "MatMul",
                                          "Sigmoid", "MatMul"]
    last = steps[-1]["sends"][1]
    assert last["label"] == "synapse_0"
    shown = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", last["grad"])]
    assert shown == [float(f"{v:.4g}") for v in W0.grad.numpy().ravel()]


def test_a_graph_of_200_nodes_makes_a_page_under_1_mb(tmp_path):
    x = Tensor(np.random.default_rng(0).standard_normal((8, 8)), requires_grad=True, name="x")
    y = x
    for _ in range(39):  # 5 nodes each: the constant, Mul, its output, Tanh, its output
        y = (y * 0.99).tanh()
    loss = y.sum()
    assert tg.viz.draw_graph(loss).nodes_drawn == 198
    path = tg.viz.save_html(loss, tmp_path / "big.html")
    page = path.read_text()
    data = page_data(page)
    assert len(data["tensors"]) + len(data["backward"]) == 198  # every node: nothing cut
    assert data["nodesLeftOut"] == 0 and 'id="cut-note"' not in page
    assert path.stat().st_size < 1_000_000


def test_a_larger_graph_is_cut_as_draw_graph_cuts_it(tmp_path):
    x = Tensor(np.ones(3), requires_grad=True, name="x")
    y = x
    for _ in range(100):
        y = (y * 0.99).tanh()
    loss = y.sum()
    page = tg.viz.save_html(loss, tmp_path / "big.html").read_text()
    data = page_data(page)
    drawing = tg.viz.draw_graph(loss, max_nodes=200)
    assert data["nodesLeftOut"] == drawing.nodes_left_out > 0
    assert len(data["tensors"]) + len(data["backward"]) == drawing.nodes_drawn
    assert data["stepsLeftOut"] == 200 + 1 - len(data["backward"])
    assert f"{drawing.nodes_left_out} nodes far from the output are not drawn" in page


def test_hostile_names_stay_inside_the_pages_data(tmp_path):
    # Issue 18 item 15 (the browser test shows the page working with these names): only `</`
    # was escaped, so `<!--<script>` in a name blanked the page.
    names = ["<!--<script>", "</script>", "a & b > c", "line\u2028sep\u2029", "nul\x00\x1b", 42]
    weights = [Tensor(np.ones(2), requires_grad=True, name=name) for name in names]
    loss = weights[0]
    for w in weights[1:]:
        loss = loss * w
    page = tg.viz.explore(loss.sum()).html
    script = page.split('id="explorer-data">', 1)[1].split("</script>", 1)[0]
    for unsafe in "<>&\u2028\u2029":
        assert unsafe not in script
    data = json.loads(script)
    labels = sorted(t["label"] for t in data["tensors"].values() if t["label"] in
                    {tg.viz.drawing.printable(name) for name in names})
    assert labels == sorted(["<!--<script>", "</script>", "a & b > c", "line\\u2028sep\\u2029",
                             "nul\\x00\\x1b", "42"])


def test_explore_shows_the_page_inline_for_jupyter(tmp_path):
    loss, _ = custom_graph()
    explorer = tg.viz.explore(loss)
    shown = explorer._repr_html_()
    assert shown.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    assert "<script" not in shown  # escaped inside srcdoc
    assert explorer.save(tmp_path / "e.html").read_text() == explorer.html
    with pytest.raises(TypeError, match="the explorer needs a Tensor, got list"):
        tg.viz.save_html([1.0], tmp_path / "x.html")
