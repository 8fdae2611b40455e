"""tinygrad_edu.viz: drawing the recorded graph, finding a renderer, saving pictures.

Pictures are rendered for real with graphviz-pure and checked by their structure (nodes,
edges, labels, SVG classes), never byte for byte. The resolver tests build small shell
scripts that stand in for renderers, on a PATH that holds nothing else.
"""

import json
import os
import re
import shutil
import stat
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor

SVG = "{http://www.w3.org/2000/svg}"
posix_only = pytest.mark.skipif(os.name == "nt", reason="renderer stand-ins are shell scripts")


# --------------------------------------------------------------------------------------------
# Helpers and fixtures


@dataclass
class SvgNode:
    classes: list
    texts: list
    is_ellipse: bool


@dataclass
class SvgGraph:
    nodes: dict = field(default_factory=dict)  # node id -> SvgNode
    edges: list = field(default_factory=list)  # (tail id, head id)

    def of_class(self, name):
        return {key: node for key, node in self.nodes.items() if name in node.classes}

    def text(self):
        return "\n".join(t for node in self.nodes.values() for t in node.texts)


def parse_svg(svg):
    root = ET.fromstring(svg)
    graph = SvgGraph()
    for group in root.iter(SVG + "g"):
        classes = group.get("class", "").split()
        title = group.findtext(SVG + "title")
        if "node" in classes:
            texts = [t.text or "" for t in group.iter(SVG + "text")]
            is_ellipse = group.find(SVG + "ellipse") is not None
            graph.nodes[title] = SvgNode(classes, texts, is_ellipse)
        elif "edge" in classes:
            tail, head = title.split("->")
            graph.edges.append((tail, head))
    return graph


def render(drawing):
    return parse_svg(drawing.pipe(format="svg"))


def small_graph(backward=False):
    """loss = mean(sigmoid(x @ W1) ** 2): 7 tensors, 4 ops, 10 edges."""
    W = Tensor(np.arange(12, dtype=np.float32).reshape(3, 4) / 10, requires_grad=True, name="W1")
    x = Tensor(np.ones((4, 3), np.float32), name="x")
    loss = ((x @ W).sigmoid() ** 2).mean()
    if backward:
        loss.backward()
    return loss, W, x


def _installed_graphviz_pure():
    for folder in [*viz.script_directories(), None]:
        found = shutil.which("graphviz-pure", path=folder)
        if found:
            return found
    return None


# Looked up once, before any test empties PATH.
GRAPHVIZ_PURE = _installed_graphviz_pure()


@pytest.fixture
def pure_exe():
    """The real graphviz-pure binary installed with the package."""
    if GRAPHVIZ_PURE is None:
        pytest.skip("graphviz-pure is not installed (no wheel for this platform?)")
    return GRAPHVIZ_PURE


@pytest.fixture
def no_renderers(tmp_path, monkeypatch):
    """Nothing to find anywhere: an empty PATH, no scripts folder, no $TINYGRAD_EDU_DOT.

    Returns the (empty) folder on PATH, so that a test can put a stand-in there.
    """
    on_path = tmp_path / "path"
    on_path.mkdir()
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.delenv("TINYGRAD_EDU_DOT", raising=False)
    monkeypatch.setattr(viz.resolver, "script_directories", lambda: [])
    return on_path


@pytest.fixture
def make_stand_in(tmp_path, pure_exe):
    """Write an executable script `folder/name` that logs each call, then runs graphviz-pure.

    Returns (path, log): the log file gets one line per call, so a test can see which
    program did the rendering.
    """

    def make(folder, name, fail=False):
        folder.mkdir(parents=True, exist_ok=True)
        log = tmp_path / f"{folder.name}-{name}.log"
        script = folder / name
        if fail:
            body = 'echo "layout exploded" >&2\nexit 3\n'
        else:
            body = f'echo "$@" >> "{log}"\nexec "{pure_exe}" "$@"\n'
        script.write_text("#!/bin/sh\n" + body)
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return script, log

    return make


# --------------------------------------------------------------------------------------------
# What is drawn


def test_forward_graph_has_every_tensor_and_op_with_their_edges():
    loss, W, x = small_graph()
    drawing = viz.draw_graph(loss)
    assert drawing.nodes_drawn == 11 and drawing.nodes_left_out == 0
    svg = render(drawing)
    assert len(svg.nodes) == 11
    assert len(svg.edges) == 10
    ops = svg.of_class("op")
    tensors = svg.of_class("tensor")
    assert sorted(node.texts[0] for node in ops.values()) == ["MatMul", "Mean", "Pow", "Sigmoid"]
    assert len(tensors) == 7
    # Ops are ellipses, tensors are (rounded) boxes.
    assert all(node.is_ellipse for node in ops.values())
    assert not any(node.is_ellipse for node in tensors.values())
    # Every edge runs between a tensor and an op, in the direction data flows.
    for tail, head in svg.edges:
        assert (tail in ops) != (head in ops)
    text = svg.text()
    for expected in ["W1", "(3, 4) float32", "x", "(4, 3) float32", "(4, 4) float32", "() float32"]:
        assert expected in text


def test_parameters_inputs_constants_and_output_are_told_apart():
    loss, W, x = small_graph()
    svg = render(viz.draw_graph(loss))

    def names(kind):
        return sorted(node.texts[0] for node in svg.of_class(kind).values())

    assert names("parameter") == ["W1"]
    assert names("input") == ["x"]
    assert names("constant") == ["2.0"]  # the Python number in `** 2`
    assert names("output") == ["() float32"]
    assert len(svg.of_class("intermediate")) == 3
    # Each kind has its own fill colour in the DOT source.
    source = viz.draw_graph(loss).source
    styles = viz.drawing._TENSOR_STYLE
    fills = {kind: styles[kind]["fillcolor"] for kind in styles}
    assert len(set(fills.values())) == len(fills)
    for kind, colour in fills.items():
        assert colour in source, kind


def test_a_frozen_nn_parameter_is_drawn_as_a_dashed_parameter():
    # Once: the drawing looked Parameter up in a module that does not exist and
    # swallowed the ImportError, so a frozen Parameter was drawn as a data input.
    from tinygrad_edu.nn import Parameter

    frozen = Parameter(np.ones(3, np.float32))
    frozen.requires_grad = False
    frozen.name = "frozen"
    live = Tensor(np.ones(3, np.float32), requires_grad=True, name="live")
    drawing = viz.draw_graph((frozen * live).sum())
    svg = render(drawing)
    assert sorted(n.texts[0] for n in svg.of_class("parameter").values()) == ["frozen", "live"]
    assert not svg.of_class("input")
    frozen_line = next(line for line in drawing.source.splitlines() if "frozen" in line)
    assert "dashed" in frozen_line


def test_nn_parameter_is_drawn_as_a_parameter():
    from tinygrad_edu.nn import Parameter

    weight = Parameter(np.ones((2, 2), np.float32))
    weight.name = "weight"
    svg = render(viz.draw_graph((weight * 2.0).sum()))
    assert [n.texts[0] for n in svg.of_class("parameter").values()] == ["weight"]


def test_a_model_labels_its_parameters_with_their_dotted_names():
    from tinygrad_edu import nn

    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
    model[0].weight.name = "W1"  # a name of its own wins
    loss = model(np.ones((2, 3), np.float32)).sum()
    svg = render(viz.draw_graph(loss, model=model))
    labels = sorted(n.texts[0] for n in svg.of_class("parameter").values())
    assert labels == ["0.bias", "2.bias", "2.weight", "W1"]
    without_model = render(viz.draw_graph(loss))
    labels = sorted(n.texts[0] for n in without_model.of_class("parameter").values())
    assert labels == ["(1,) float32", "(4, 1) float32", "(4,) float32", "W1"]
    with pytest.raises(TypeError, match="model must be an nn.Module, got dict"):
        viz.draw_graph(loss, model={})


def test_values_and_grads_are_shown_only_when_asked():
    loss, W, x = small_graph()
    plain = render(viz.draw_graph(loss)).text()
    assert "data:" not in plain and "grad:" not in plain

    before = render(viz.draw_graph(loss, show_grads=True)).text()
    assert "grad: None" in before  # W1 has no gradient before backward()

    loss.backward()
    svg = render(viz.draw_graph(loss, show_values=True))
    assert "grad:" not in svg.text()
    output = next(iter(svg.of_class("output").values()))
    assert f"data: {loss.item():.4f}" in output.texts

    svg = render(viz.draw_graph(loss, show_grads=True))
    assert "data:" not in svg.text()
    (w_node,) = [n for n in svg.of_class("parameter").values()]
    grad_lines = [t for t in w_node.texts if t.strip()][2:]
    assert grad_lines[0].startswith("grad: [[")
    assert len(grad_lines) == 3  # a (3, 4) gradient printed in full, one row per line
    first = W.grad.numpy()[0]
    shown = grad_lines[0].removeprefix("grad: [[").rstrip("]").split()
    assert shown == [f"{v:.4g}" for v in first]  # 4 significant digits, as explain_backward
    # Only leaves collect .grad, so only W1 shows one.
    assert sum("grad:" in t for t in svg.text().splitlines()) == 1


def test_large_arrays_are_summarised_by_shape_and_statistics():
    rng = np.random.default_rng(0)
    big = Tensor(rng.standard_normal((20, 30)).astype(np.float32), requires_grad=True, name="B")
    out = (big * 3.0).sum()
    out.backward()
    svg = render(viz.draw_graph(out, show_values=True, show_grads=True))
    (node,) = svg.of_class("parameter").values()
    data = big.numpy()
    expected = (f"data: shape (20, 30): min {data.min():.4g} mean {data.mean():.4g} "
                f"max {data.max():.4g}")
    assert expected in node.texts
    assert "grad: shape (20, 30): min 3 mean 3 max 3" in node.texts
    assert len(node.texts) == 4  # name, shape, one line of values, one of grads


def squeezed(texts) -> str:
    """A node's lines as one line, runs of spaces (no-break ones included) as one space."""
    return " ".join(" ".join(texts).replace("\xa0", " ").split())


def test_a_graph_drawn_after_backward_says_its_values_were_freed():
    # Once: the released graph's stand-ins read as NaN, and the drawing printed
    # `nan` for every input and intermediate value that had been finite.
    x = Tensor(np.array([1.0, 2.0, 3.0], np.float32), name="x")
    w = Tensor(np.array([0.5, -1.0, 2.0], np.float32), requires_grad=True, name="w")
    hidden = x * w
    hidden.name = "hidden"
    loss = hidden.sigmoid().sum()
    loss.backward()
    drawing = viz.draw_graph(loss, show_values=True, show_grads=True)
    assert "nan" not in drawing.source
    svg = render(drawing)
    texts = {n.texts[0]: squeezed(n.texts) for n in svg.nodes.values()}
    for freed in ("x", "hidden"):
        assert "freed by backward(): to see the values, draw" in texts[freed]
        assert "before backward() or call backward(retain_graph=True)" in texts[freed]
    assert "data: [0.5 -1 2]" in texts["w"]  # the parameter keeps its values
    assert "grad: [" in texts["w"]
    total = float(loss.item())
    assert f"data: {total:.4g}" in " ".join(next(iter(svg.of_class("output").values())).texts)


def test_a_graph_kept_with_retain_graph_is_drawn_with_its_values():
    x = Tensor(np.array([1.0, 2.0, 3.0], np.float32), name="x")
    w = Tensor(np.array([0.5, -1.0, 2.0], np.float32), requires_grad=True, name="w")
    loss = (x * w).sum()
    loss.backward(retain_graph=True)
    texts = {n.texts[0]: squeezed(n.texts) for n in render(
        viz.draw_graph(loss, show_values=True)).nodes.values()}
    assert "data: [1 2 3]" in texts["x"]
    assert "freed" not in " ".join(texts.values())


@pytest.mark.parametrize("name", [7, ("a", 1), "line\nbreak", "esc\x1bape\x00", "<b>&amp;",
                                  "sep\u2028x"])
def test_any_name_is_drawn_without_crashing(name):
    # Once: a non-string name or control characters in a name must not crash it.
    x = Tensor(np.ones(3, np.float32), requires_grad=True, name=name)
    svg = render(viz.draw_graph((x * x).sum(), show_values=True))
    (node,) = svg.of_class("parameter").values()
    expected = viz.drawing.printable(name)
    assert node.texts[0] == expected
    assert expected.isprintable()


def test_op_options_are_shown_under_the_op_name():
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True, name="x")
    out = x.reshape(3, 2).sum(axis=1, keepdims=True).mean()
    ops = {n.texts[0]: n.texts[1:] for n in render(viz.draw_graph(out)).of_class("op").values()}
    assert ops["Reshape"] == ["shape=(3, 2)"]
    assert ops["Sum"] == ["axis=1, keepdims=True"]
    assert ops["Mean"] == []  # axis=None and keepdims=False are the defaults: nothing shown


def test_indices_are_shown_as_written():
    x = Tensor(np.ones((4, 5, 6), np.float32), requires_grad=True, name="x")
    rows = np.arange(10) % 4
    out = x[1:3, ::2, 0].sum() + x[..., None, 2].sum() + x[rows].sum()
    ops = [n.texts for n in render(viz.draw_graph(out)).of_class("op").values()]
    indices = sorted(texts[1] for texts in ops if texts[0] == "GetItem")
    assert indices == ["index=[..., None, 2]", "index=[1:3, ::2, 0]", "index=[array(10,)]"]


def test_a_tensor_used_twice_has_two_edges_into_the_op():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    drawing = viz.draw_graph(a + a)
    svg = render(drawing)
    (a_id,) = [k for k, n in svg.of_class("parameter").items()]
    (add_id,) = svg.of_class("op")
    assert svg.edges.count((a_id, add_id)) == 2
    assert len(svg.nodes) == 3


def test_node_ids_are_the_same_on_every_run():
    first = viz.draw_graph(small_graph()[0]).source
    second = viz.draw_graph(small_graph()[0]).source
    assert first == second


def test_rankdir_is_passed_on_and_checked():
    loss, _, _ = small_graph()
    assert "rankdir=LR" in viz.draw_graph(loss, rankdir="LR").source
    with pytest.raises(ValueError, match=r"rankdir must be 'TB', 'LR', 'BT' or 'RL', not 'XY'"):
        viz.draw_graph(loss, rankdir="XY")


def test_draw_graph_needs_a_tensor():
    with pytest.raises(TypeError, match="draw_graph needs a Tensor, got ndarray"):
        viz.draw_graph(np.ones(3))


def test_second_order_graph_of_a_create_graph_gradient_is_drawn_and_rendered():
    x = Tensor(np.array(2.0), requires_grad=True, name="x")
    (dx,) = tg.grad(x**3, x, create_graph=True)  # 3 x^2
    assert dx.item() == 12.0
    drawing = viz.draw_graph(dx, show_values=True)
    svg = render(drawing)
    ops = sorted(n.texts[0] for n in svg.of_class("op").values())
    assert "Pow" in ops and "Mul" in ops
    assert [n.texts[0] for n in svg.of_class("parameter").values()] == ["x"]
    (output,) = svg.of_class("output").values()
    assert "data: 12" in output.texts
    # The gradient's own graph can be differentiated again and drawn again.
    (ddx,) = tg.grad(dx, x, create_graph=True)  # 6 x
    assert ddx.item() == 12.0
    again = render(viz.draw_graph(ddx, show_values=True))
    assert "data: 12" in next(iter(again.of_class("output").values())).texts
    assert [n.texts[0] for n in again.of_class("parameter").values()] == ["x"]


# --------------------------------------------------------------------------------------------
# Big graphs


def test_a_100000_op_chain_is_summarised_quickly():
    x = Tensor(np.array(0.0, np.float32), requires_grad=True, name="x")
    y = x
    for _ in range(100_000):
        y = y + 1.0
    total = 1 + 100_000 * 3  # x, then per step: one constant, one Add, one result

    started = time.perf_counter()
    drawing = viz.draw_graph(y)
    assert time.perf_counter() - started < 10  # loose: it only catches a hang

    assert drawing.nodes_drawn == viz.DEFAULT_MAX_NODES - 1
    assert drawing.nodes_left_out == total - drawing.nodes_drawn
    svg = render(drawing)
    assert len(svg.nodes) == viz.DEFAULT_MAX_NODES  # the nodes drawn and the note
    (note,) = svg.of_class("note").values()
    # Drawn: x and 498 nodes nearest the output, i.e. 166 steps of (constant, Add, result).
    assert note.texts == [
        f"... {100_000 - 166:,} ops of 1 kind and {2 * (100_000 - 166):,} tensors not drawn "
        "(draw_graph(..., max_nodes=None) draws all)"
    ]
    # The output and the leaf x are drawn, the steps between them are the note.
    assert len(svg.of_class("output")) == 1
    (leaf,) = svg.of_class("parameter")
    assert svg.nodes[leaf].texts[0] == "x"
    # Edges stay consistent: x feeds the note, the note feeds the first step drawn.
    assert (leaf, "left_out") in svg.edges
    assert any(tail == "left_out" for tail, _ in svg.edges)
    assert all(tail in svg.nodes and head in svg.nodes for tail, head in svg.edges)


def unrolled_rnn_loss(layer, steps):
    x = Tensor(np.random.default_rng(0).standard_normal((steps, 1, 3)), name="x")
    output, _ = layer(x)
    return (output**2).mean()


def graph_size(loss):
    return viz.draw_graph(loss, max_nodes=None).nodes_drawn


@pytest.mark.parametrize("layer_class", [tg.nn.RNN, tg.nn.LSTM])
def test_a_10000_step_rnn_is_drawn_as_its_output_its_weights_and_one_note(layer_class):
    layer = layer_class(3, 4)
    loss = unrolled_rnn_loss(layer, 10_000)
    drawing = viz.draw_graph(loss, model=layer)
    svg = render(drawing)  # the real renderer lays it out

    assert len(svg.nodes) == viz.DEFAULT_MAX_NODES  # 499 drawn + the note, of > 40,000
    assert drawing.nodes_drawn + drawing.nodes_left_out == graph_size(loss) > 40_000
    assert len(svg.of_class("op")) + len(svg.of_class("tensor")) == drawing.nodes_drawn
    (note,) = svg.of_class("note").values()
    (label,) = note.texts
    ops, kinds, tensors = re.fullmatch(
        r"\.\.\. ([\d,]+) ops of (\d+) kinds and ([\d,]+) tensors not drawn "
        r"\(draw_graph\(\.\.\., max_nodes=None\) draws all\)", label).groups()
    assert int(ops.replace(",", "")) + int(tensors.replace(",", "")) == drawing.nodes_left_out
    assert int(kinds) >= 4  # Index, MatMul, Add, Tanh at least
    # The leaves stay: every weight, by its name in the model (x's per-step slices are
    # unnamed leaves, drawn only where they are near the output).
    names = {svg.nodes[key].texts[0] for key in svg.of_class("parameter")}
    assert names == {name for name, _ in layer.named_parameters()}
    assert len(svg.of_class("output")) == 1
    # Every edge joins nodes in the picture; the weights and x feed the note, and the note
    # feeds the drawn nodes whose inputs it stands for.
    assert all(tail in svg.nodes and head in svg.nodes for tail, head in svg.edges)
    into_note = {tail for tail, head in svg.edges if head == "left_out"}
    assert set(svg.of_class("parameter")) <= into_note
    assert any(tail == "left_out" for tail, _ in svg.edges)


def test_a_small_graph_is_drawn_in_full_as_before():
    loss, W, x = small_graph()
    drawing = viz.draw_graph(loss)
    assert drawing.source == viz.draw_graph(loss, max_nodes=None).source
    assert drawing.source == viz.draw_graph(loss, max_nodes=11).source  # just fits
    svg = render(drawing)
    assert len(svg.nodes) == 11 and len(svg.edges) == 10 and not svg.of_class("note")
    assert drawing.nodes_drawn == 11 and drawing.nodes_left_out == 0


def test_max_nodes_keeps_the_output_side_and_the_leaves():
    loss, W, x = small_graph()
    drawing = viz.draw_graph(loss, max_nodes=5)
    svg = render(drawing)
    assert len(svg.nodes) == 5
    assert drawing.nodes_drawn == 4 and drawing.nodes_left_out == 7
    texts = svg.text()
    # 4 places: the leaves W1 and x (up to half), then the output and its Mean.
    assert "W1" in texts and "x" in texts and "Mean" in texts and "Pow" not in texts
    assert "... 3 ops of 3 kinds and 4 tensors not drawn" in texts
    message = r"max_nodes must be at least 2 \(or None to draw all\), not 1"
    with pytest.raises(ValueError, match=message):
        viz.draw_graph(loss, max_nodes=1)


# --------------------------------------------------------------------------------------------
# Saving


def test_save_svg_png_json_and_dot(tmp_path):
    loss, _, _ = small_graph(backward=True)

    svg_path = viz.save_graph(loss, tmp_path / "graph.svg", show_grads=True)
    assert svg_path == tmp_path / "graph.svg"
    svg = parse_svg(svg_path.read_bytes())
    assert len(svg.nodes) == 11 and "grad:" in svg.text()

    png = viz.save_graph(loss, tmp_path / "graph.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 100 and height > 300 and len(png) > 2000

    layout = json.loads(viz.save_graph(loss, tmp_path / "graph.json").read_text())
    assert len(layout["objects"]) == 11 and len(layout["edges"]) == 10

    # A format given explicitly wins over the suffix.
    explicit = viz.save_graph(loss, tmp_path / "graph.txt", format="SVG")
    assert len(parse_svg(explicit.read_bytes()).nodes) == 11
    assert not list(tmp_path.glob(".*.tmp"))


def test_dot_source_needs_no_renderer(tmp_path, no_renderers):
    loss, _, _ = small_graph()
    drawing = viz.draw_graph(loss)
    path = viz.save_graph(drawing, tmp_path / "graph.dot")
    assert path.read_text() == drawing.source
    assert "digraph" in path.read_text() and "W1" in path.read_text()
    viz.save_graph(loss, tmp_path / "graph.gv")
    assert (tmp_path / "graph.gv").read_text() == drawing.source


def test_bad_formats_and_folders_are_clear_errors(tmp_path):
    loss, _, _ = small_graph()
    with pytest.raises(ValueError, match=r"unknown graph format 'bmp'; choose one of svg, png"):
        viz.save_graph(loss, tmp_path / "graph.bmp")
    with pytest.raises(
        ValueError,
        match=r"cannot tell the format of .*graph': give the file a "
        r"suffix such as \.svg or pass format=",
    ):
        viz.save_graph(loss, tmp_path / "graph")
    with pytest.raises(FileNotFoundError, match=r"folder .*missing does not exist"):
        viz.save_graph(loss, tmp_path / "missing" / "graph.svg")
    with pytest.raises(ValueError, match=r"cannot render format 'dot'; choose one of svg, png"):
        viz.render_source("digraph {}", "dot")
    with pytest.raises(
        TypeError,
        match=r"drawing options \['show_grads'\] apply only to a "
        r"Tensor; pass them to draw_graph instead",
    ):
        viz.save_graph(viz.draw_graph(loss), tmp_path / "g.svg", show_grads=True)
    with pytest.raises(
        TypeError, match="save_graph needs a Tensor or a graphviz Digraph, got list"
    ):
        viz.save_graph([1, 2], tmp_path / "g.svg")
    assert not list(tmp_path.iterdir())


def test_saving_replaces_an_existing_file_whole(tmp_path):
    target = tmp_path / "graph.svg"
    target.write_text("old picture")
    target.chmod(0o640)
    viz.save_graph(small_graph()[0], target)
    assert len(parse_svg(target.read_bytes()).nodes) == 11
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file keeps its permissions
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


@posix_only
def test_a_failed_render_keeps_the_old_file_and_reports_stderr(
    tmp_path, monkeypatch, make_stand_in
):
    broken, _ = make_stand_in(tmp_path / "bin", "dot", fail=True)
    monkeypatch.setenv("TINYGRAD_EDU_DOT", str(broken))
    target = tmp_path / "graph.svg"
    target.write_text("old picture")
    with pytest.raises(
        viz.RenderError,
        match=r"-Tsvg failed with exit code 3 .*\n"
        r"layout exploded",
    ):
        viz.save_graph(small_graph()[0], target)
    assert target.read_text() == "old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "graph.svg"]


def test_a_write_error_leaves_no_temporary_file(tmp_path, monkeypatch):
    def refuse(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        viz.save_graph(small_graph()[0], tmp_path / "graph.svg")
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------------------------
# Finding the renderer


@posix_only
def test_explicit_path_in_the_environment_wins(tmp_path, monkeypatch, make_stand_in, no_renderers):
    make_stand_in(no_renderers, "graphviz-pure")  # would be found next; must not be used
    chosen, log = make_stand_in(tmp_path / "mine", "my-dot")
    monkeypatch.setenv("TINYGRAD_EDU_DOT", str(chosen))
    renderer = viz.find_renderer()
    assert renderer == viz.Renderer(str(chosen), "$TINYGRAD_EDU_DOT")
    assert len(render(viz.draw_graph(small_graph()[0])).nodes) == 11
    assert log.read_text() == "-Tsvg\n"


def test_explicit_path_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "dot"
    monkeypatch.setenv("TINYGRAD_EDU_DOT", str(missing))
    with pytest.raises(viz.RendererNotFound) as error:
        viz.find_renderer()
    assert str(error.value) == (
        f"$TINYGRAD_EDU_DOT is set to {str(missing)!r}, which is not an executable program. "
        f"Point it at graphviz-pure or Graphviz's dot, or unset it to let tinygrad_edu "
        f"search PATH."
    )


@posix_only
def test_graphviz_pure_on_path(no_renderers, make_stand_in, monkeypatch, tmp_path):
    on_path, log = make_stand_in(no_renderers, "graphviz-pure")
    make_stand_in(tmp_path / "scripts", "graphviz-pure")
    monkeypatch.setattr(viz.resolver, "script_directories", lambda: [str(tmp_path / "scripts")])
    assert viz.find_renderer() == viz.Renderer(str(on_path), "graphviz-pure on PATH")
    render(viz.draw_graph(small_graph()[0]))
    assert log.read_text() == "-Tsvg\n"


@posix_only
def test_scripts_folder_is_searched_when_path_is_empty(
    tmp_path, monkeypatch, make_stand_in, no_renderers
):
    scripts = tmp_path / "venv-bin"
    shim, log = make_stand_in(scripts, "graphviz-pure")
    monkeypatch.setattr(
        viz.resolver, "script_directories", lambda: [str(tmp_path / "other"), str(scripts)]
    )
    renderer = viz.find_renderer()
    assert renderer == viz.Renderer(str(shim), "graphviz-pure in the scripts folder")
    assert len(render(viz.draw_graph(small_graph()[0])).nodes) == 11
    assert log.read_text() == "-Tsvg\n"


def test_the_real_scripts_folder_of_this_interpreter_is_searched(monkeypatch, tmp_path, pure_exe):
    if os.path.dirname(pure_exe) not in viz.script_directories():
        pytest.skip("graphviz-pure is not installed in this interpreter's scripts folder")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("TINYGRAD_EDU_DOT", raising=False)
    assert viz.find_renderer() == viz.Renderer(pure_exe, "graphviz-pure in the scripts folder")
    assert len(render(viz.draw_graph(small_graph()[0])).nodes) == 11


def test_script_directories_include_sysconfig_and_the_interpreter_folder():
    import sysconfig
    from pathlib import Path

    folders = viz.script_directories()
    assert folders[0] == sysconfig.get_path("scripts")
    assert str(Path(sys.executable).parent) in folders
    assert len(folders) == len(set(folders))


@posix_only
def test_system_dot_is_the_last_resort(no_renderers, make_stand_in):
    dot, log = make_stand_in(no_renderers, "dot")
    assert viz.find_renderer() == viz.Renderer(str(dot), "dot on PATH")
    svg = render(viz.draw_graph(small_graph()[0]))
    assert len(svg.nodes) == 11 and len(svg.edges) == 10
    assert log.read_text() == "-Tsvg\n"


def test_nothing_found_names_everything_tried_and_the_fix(no_renderers):
    with pytest.raises(viz.RendererNotFound) as error:
        viz.save_graph(small_graph()[0], no_renderers.parent / "graph.svg")
    assert str(error.value) == (
        "no Graphviz renderer found to draw the graph. Tried:\n"
        "  - $TINYGRAD_EDU_DOT: not set\n"
        "  - graphviz-pure on PATH: not found\n"
        "  - dot on PATH: not found\n"
        "Fix it with:\n"
        f"    {sys.executable} -m pip install graphviz-pure\n"
        "(or set $TINYGRAD_EDU_DOT to a dot program; saving as .dot needs no renderer)"
    )
    assert isinstance(error.value, RuntimeError)
    assert not (no_renderers.parent / "graph.svg").exists()


def test_nothing_found_lists_the_scripts_folders_searched(no_renderers, monkeypatch, tmp_path):
    venv_bin = str(tmp_path / "venv" / "bin")
    monkeypatch.setattr(viz.resolver, "script_directories", lambda: [venv_bin])
    with pytest.raises(viz.RendererNotFound, match=r"  - graphviz-pure in .*venv/bin: not found"):
        viz.find_renderer()


# --------------------------------------------------------------------------------------------
# PDF


def test_pdf_from_graphviz_pure_explains_what_to_install(
    no_renderers, monkeypatch, pure_exe, tmp_path
):
    monkeypatch.setattr(viz.resolver, "script_directories", lambda: [os.path.dirname(pure_exe)])
    target = tmp_path / "graph.pdf"
    with pytest.raises(viz.PdfNeedsSystemGraphviz) as error:
        viz.save_graph(small_graph()[0], target)
    assert str(error.value) == (
        f"PDF needs the system Graphviz `dot`, but the renderer found is graphviz-pure "
        f"({pure_exe}), which cannot write PDF. Install Graphviz "
        f"(https://graphviz.org/download/, e.g. `apt install graphviz` or "
        f"`brew install graphviz`), or save the graph as .svg or .png instead."
    )
    assert isinstance(error.value, viz.RendererNotFound)
    assert not target.exists()
    # The same through an explicit path to graphviz-pure.
    monkeypatch.setenv("TINYGRAD_EDU_DOT", pure_exe)
    with pytest.raises(viz.PdfNeedsSystemGraphviz, match="cannot write PDF"):
        viz.find_renderer("pdf")


@posix_only
def test_pdf_passes_graphviz_pure_over_for_a_system_dot(
    no_renderers, make_stand_in, monkeypatch, pure_exe
):
    monkeypatch.setattr(viz.resolver, "script_directories", lambda: [os.path.dirname(pure_exe)])
    dot, _ = make_stand_in(no_renderers, "dot")
    assert viz.find_renderer().found_by == "graphviz-pure in the scripts folder"
    assert viz.find_renderer("pdf") == viz.Renderer(str(dot), "dot on PATH")


@posix_only
def test_pdf_refused_by_a_renderer_under_another_name_gets_the_pdf_message(
    no_renderers, make_stand_in, tmp_path
):
    make_stand_in(no_renderers, "dot")  # really graphviz-pure, which knows no PDF
    with pytest.raises(
        viz.PdfNeedsSystemGraphviz,
        match=r"Install Graphviz .*or save the graph "
        r"as \.svg or \.png instead",
    ):
        viz.save_graph(small_graph()[0], tmp_path / "graph.pdf")
    assert not (tmp_path / "graph.pdf").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="no system Graphviz")
def test_pdf_with_a_system_graphviz(tmp_path):
    pdf = viz.save_graph(small_graph()[0], tmp_path / "graph.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")


# --------------------------------------------------------------------------------------------
# The Digraph subclass: pipe, Jupyter, render


@posix_only
def test_jupyter_and_pipe_go_through_the_resolver(no_renderers, make_stand_in):
    # The graphviz package's own pipe would run this `dot` too, but as `dot -Kdot -Tsvg`:
    # the log shows that every call came through the resolver instead.
    _, log = make_stand_in(no_renderers, "dot")
    drawing = viz.draw_graph(small_graph()[0])
    assert isinstance(drawing, __import__("graphviz").Digraph)

    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert len(parse_svg(bundle["image/svg+xml"]).nodes) == 11
    assert drawing.pipe()[:5] == b"<?xml"  # SVG by default
    assert drawing.pipe(format="png")[:4] == b"\x89PNG"
    assert len(parse_svg(drawing._repr_svg_()).nodes) == 11
    assert log.read_text() == "-Tsvg\n-Tsvg\n-Tpng\n-Tsvg\n"


def test_jupyter_without_a_renderer_raises_the_resolver_error(no_renderers):
    with pytest.raises(viz.RendererNotFound, match="-m pip install graphviz-pure"):
        viz.draw_graph(small_graph()[0])._repr_mimebundle_()


def test_pipe_rejects_other_layout_engines():
    with pytest.raises(ValueError, match="GraphDrawing.pipe takes only format= and encoding="):
        viz.draw_graph(small_graph()[0]).pipe(engine="neato")


def test_render_writes_next_to_the_source_like_graphviz(tmp_path):
    drawing = viz.draw_graph(small_graph()[0])
    rendered = drawing.render("xor", directory=tmp_path, format="png", cleanup=True)
    assert rendered == str(tmp_path / "xor.png")
    assert (tmp_path / "xor.png").read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "xor").exists()  # cleanup removed the DOT source

    kept = drawing.render(outfile=tmp_path / "direct.svg")
    assert kept == str(tmp_path / "direct.svg")
    assert len(parse_svg((tmp_path / "direct.svg").read_bytes()).nodes) == 11
    with pytest.raises(TypeError, match=r"unsupported options \['engine'\]"):
        drawing.render(outfile=tmp_path / "x.svg", engine="neato")
