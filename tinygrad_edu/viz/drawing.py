"""Drawing the graph that autograd recorded: tensors as boxes, ops as ellipses.

`draw_graph` builds DOT source (pure Python); the result renders through `resolver` (in
Jupyter, with `.pipe()`, or with `saving.save_graph`). docs/visualization.md has the legend.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import graphviz
import numpy as np

from ..files import write_atomically
from ..nn.module import Parameter
from ..tensor import Tensor
from .formatting import format_array, format_number, freed_note
from .resolver import RENDERED_FORMATS, SOURCE_FORMATS, render_source

__all__ = ["DEFAULT_MAX_NODES", "GraphDrawing", "draw_graph"]

DEFAULT_MAX_NODES = 500  # beyond this a layout takes long and nobody can read it anyway

# The legend (docs/visualization.md shows it). Each kind of node also gets an SVG class.
_FONT = "Helvetica"
_VALUE_FONT = "Courier"
_TENSOR_STYLE = {
    "parameter": {"fillcolor": "#ffe0b2", "color": "#e08a00"},
    "input": {"fillcolor": "#d6e9ff", "color": "#3d7cc9"},
    "constant": {"fillcolor": "#f2f2f2", "color": "#9e9e9e", "fontsize": "9"},
    "intermediate": {"fillcolor": "#ffffff", "color": "#555555"},
    "output": {"fillcolor": "#c8f0c8", "color": "#2e8b2e", "penwidth": "2"},
}
_OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#e8e8e8", "color": "#777777"}
_NOTE_STYLE = {"shape": "note", "style": "filled", "fillcolor": "#fff8dc", "color": "#b8a000"}
_GRAD_COLOUR = "#b00020"
_LEFT_BREAK = '<br align="left"/>'
_VALUE_COLOUR = "#333333"
_VALUE_WIDTH = 60  # characters per line of values in a box

# Op attributes worth showing under the op's name (`Sum axis=1`); others are internal state.
_OP_OPTIONS = ("axis", "axes", "keepdims", "shape", "index", "lo", "hi", "dtype")


class GraphDrawing(graphviz.Digraph):
    """A `graphviz.Digraph` that renders through `find_renderer` instead of calling `dot`.

    The graphviz package runs a program called `dot`, which a pip-only install does not have;
    here `.pipe()`, `.render()` and Jupyter's `_repr_mimebundle_()` use the resolver, so the
    `graphviz-pure` binary installed with this package is enough.

    Besides the Digraph API it tells how much of the graph it shows: `nodes_drawn` (tensor
    and op nodes drawn) and `nodes_left_out` (how many were summarised away); `node_ids`
    maps `id()` of each tensor and op drawn to its node's name in the DOT source (`n0`, ...).
    """

    nodes_drawn = 0
    nodes_left_out = 0
    node_ids = {}

    def pipe(
        self,
        format=None,
        renderer=None,
        formatter=None,
        neato_no_op=None,
        quiet=False,
        *,
        engine=None,
        encoding=None,
    ):
        """The rendered picture as bytes (as str when `encoding` is given), SVG by default."""
        if renderer or formatter or neato_no_op or engine not in (None, "dot"):
            raise ValueError(
                "GraphDrawing.pipe takes only format= and encoding=: the graph is always laid "
                "out by dot"
            )
        data = render_source(self.source, format or self.format or "svg")
        return data if encoding is None else data.decode(encoding)

    def _repr_svg_(self):
        # Jupyter's fallback when it does not ask for _repr_mimebundle_ (which the graphviz
        # package defines, and which comes through pipe above as well).
        return self.pipe(format="svg", encoding="utf-8")

    def render(
        self,
        filename=None,
        directory=None,
        view=False,
        cleanup=False,
        format=None,
        *,
        outfile=None,
        quiet=False,
        quiet_view=False,
        **unsupported,
    ):
        """Like `graphviz.Digraph.render`, through the resolver; returns the rendered path.

        With `outfile`, renders straight into it (format from its suffix). Otherwise saves the
        DOT source as graphviz does (`filename`, default `<name>.gv`) and renders next to it
        into `<source>.<format>`; `cleanup=True` removes the source afterwards. `quiet` is
        accepted for `view()`: the renderer's messages are only shown when it fails.
        """
        if unsupported:
            raise TypeError(f"GraphDrawing.render: unsupported options {sorted(unsupported)}")
        source_path = None
        if outfile is not None:
            target = Path(directory or "", outfile)
        else:
            source_path = self.save(filename, directory=directory)
            target = Path(f"{source_path}.{format or self.format or 'svg'}")
        written = write_drawing(self, target, format_of(target, format))
        if cleanup and source_path is not None:
            os.remove(source_path)
        if view or quiet_view:
            self._view(str(written), format=format_of(written, format), quiet=quiet_view)
        return str(written)


def draw_graph(
    tensor, show_values=False, show_grads=False, rankdir="TB", max_nodes=DEFAULT_MAX_NODES,
    model=None, labels=None,
) -> GraphDrawing:
    """The recorded graph that produced `tensor`, as a `GraphDrawing` (a `graphviz.Digraph`).

    Tensors are boxes (name, shape, dtype), ops are ellipses; data flows along the arrows.
    Colours tell parameters, data inputs, constants and the output apart (see
    docs/visualization.md). `show_values` / `show_grads` print each tensor's values / `.grad`
    (up to 16 elements in full, larger arrays as min/mean/max); after a backward() without
    `retain_graph=True` the graph has let go of its activations, and the drawing says so
    where their values would be (the parameters' values and gradients stay). A graph of more than
    `max_nodes` nodes (an unrolled RNN, a long loop) is summarised: the nodes nearest the
    output and the leaves (parameters and inputs) are drawn, and one note stands for the rest,
    saying how many ops of how many kinds it holds, with dashed arrows where the drawn nodes
    meet it; `max_nodes=None` draws every node. With `model` (an nn.Module), its parameters
    that have no name of their own are labelled with their names in the model (`fc1.weight`,
    ...). `labels`, a function from a tensor to a name, labels the other tensors without a
    name (the explorer passes the names its panel uses, `matmul1`, ...).

    >>> import tinygrad_edu as tg
    >>> import tinygrad_edu.viz
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> drawing = tg.viz.draw_graph((x * 3.0).sum(), show_values=True)
    >>> drawing.nodes_drawn, drawing.nodes_left_out
    (6, 0)
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph needs a Tensor, got {type(tensor).__name__}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be 'TB', 'LR', 'BT' or 'RL', not {rankdir!r}")
    if max_nodes is not None and max_nodes < 2:
        raise ValueError(f"max_nodes must be at least 2 (or None to draw all), not {max_nodes}")

    nodes, left_out_nodes = _nodes_to_draw(_nodes_nearest_first(tensor), tensor, max_nodes)
    # Node ids are positions in that order, found through id(): unique like id() itself,
    # but the same on every run, so a regenerated picture differs only where the graph does.
    drawn = {id(node): f"n{position}" for position, node in enumerate(nodes)}

    drawing = GraphDrawing(
        name="tinygrad_edu",
        format="svg",
        graph_attr={"rankdir": rankdir, "fontname": _FONT, "ranksep": "0.35"},
        node_attr={"fontname": _FONT, "fontsize": "11"},
        edge_attr={"color": "#555555", "arrowsize": "0.7"},
    )
    model_names = {}
    if model is not None:
        if not hasattr(model, "named_parameters"):
            raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
        model_names = {id(p): name for name, p in model.named_parameters()}
    cut_off = []  # drawn nodes with an input that was not drawn
    for node in nodes:
        node_id = drawn[id(node)]
        if isinstance(node, Tensor):
            kind = _tensor_kind(node, tensor)
            label = node.name if node.name is not None else model_names.get(id(node))
            if label is None and labels is not None and kind != "constant":
                label = labels(node)
            drawing.node(node_id, **_tensor_node(node, kind, label, show_values, show_grads))
            inputs = () if node._ctx is None else (node._ctx,)
        else:
            drawing.node(node_id, **_op_node(node))
            inputs = _op_inputs(node)
        for parent in inputs:
            if id(parent) in drawn:
                drawing.edge(drawn[id(parent)], node_id)
        if any(id(parent) not in drawn for parent in inputs):
            cut_off.append(node_id)
    if left_out_nodes:
        # Edges stay consistent: every arrow between a drawn node and one left out goes
        # through the note, in the direction the data flows (each pair once).
        feeds_left_out = {}
        for node in left_out_nodes:
            inputs = _tensor_inputs(node) if isinstance(node, Tensor) else _op_inputs(node)
            for parent in inputs:
                if id(parent) in drawn:
                    feeds_left_out[drawn[id(parent)]] = None
        drawing.node("left_out", label=_summary(left_out_nodes), _attributes={"class": "note"},
                     **_NOTE_STYLE)
        for node_id in feeds_left_out:
            drawing.edge(node_id, "left_out", style="dashed", color="#b8a000")
        for node_id in cut_off:
            drawing.edge("left_out", node_id, style="dashed", color="#b8a000")
    drawing.nodes_drawn = len(nodes)
    drawing.nodes_left_out = len(left_out_nodes)
    drawing.node_ids = drawn
    return drawing


def _nodes_nearest_first(output):
    """Every tensor and op that `output` depends on, breadth first from the output.

    One pass over the graph, no recursion: the order lets a big graph be cut to the part
    nearest the output, and the length is the graph's full size.
    """
    order = [output]  # also the queue: everything after `position` is still to be visited
    seen = {id(output)}
    position = 0
    while position < len(order):
        node = order[position]
        position += 1
        if isinstance(node, Tensor):
            inputs = () if node._ctx is None else (node._ctx,)
        else:
            inputs = _op_inputs(node)
        for parent in inputs:
            if id(parent) not in seen:
                seen.add(id(parent))
                order.append(parent)
    return order


def _nodes_to_draw(every_node, output, max_nodes):
    """(drawn, left out): `every_node` (nearest the output first) split to fit `max_nodes`.

    Kept are the leaves a reader looks for, up to half the room: the parameters, then the
    inputs with a name (an RNN's input sliced per step gives thousands of unnamed leaves,
    which count as any other node), the nearest first; in the rest of the room, the nodes
    nearest the output; one place is kept for the note. An unrolled RNN then shows its
    weights and its last steps, and the thousands of steps in between become one note.
    Both lists keep the order of `every_node`.
    """
    if max_nodes is None or len(every_node) <= max_nodes:
        return every_node, []
    room = max_nodes - 1
    leaves = [node for node in every_node if isinstance(node, Tensor) and node._ctx is None]
    parameters = [t for t in leaves if _tensor_kind(t, output) == "parameter"]
    named_inputs = [t for t in leaves if _tensor_kind(t, output) == "input" and t.name]
    kept = {id(leaf) for leaf in (parameters + named_inputs)[: room // 2]}
    for node in every_node:
        if len(kept) >= room:
            break
        kept.add(id(node))
    drawn = [node for node in every_node if id(node) in kept]
    left_out = [node for node in every_node if id(node) not in kept]
    return drawn, left_out


def _summary(left_out_nodes) -> str:
    """The note's text: `... 9,950 ops of 6 kinds and 9,950 tensors not drawn (...)`."""
    kinds = {type(node).__name__ for node in left_out_nodes if not isinstance(node, Tensor)}
    ops = sum(not isinstance(node, Tensor) for node in left_out_nodes)
    tensors = len(left_out_nodes) - ops
    parts = []
    if ops:
        parts.append(f"{_count(ops, 'op')} of {_count(len(kinds), 'kind')}")
    if tensors:
        parts.append(_count(tensors, "tensor"))
    return f"... {' and '.join(parts)} not drawn (draw_graph(..., max_nodes=None) draws all)"


def _count(number, noun) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _tensor_inputs(t):
    return () if t._ctx is None else (t._ctx,)


def _op_inputs(op):
    return getattr(op, "inputs", ())


def _tensor_kind(t, output) -> str:
    if t is output:
        return "output"
    if t._ctx is not None:
        return "intermediate"
    if t.requires_grad or isinstance(t, Parameter):  # a frozen Parameter is still one
        return "parameter"
    if t.name is None and t.size == 1:
        return "constant"  # a Python number in `x * 2.0`
    return "input"


def _tensor_node(t, kind, label, show_values, show_grads) -> dict:
    style = "filled" if kind == "constant" else "filled,rounded"
    if kind == "parameter" and not t.requires_grad:
        style += ",dashed"  # a frozen parameter
    lines = []
    if label is not None:
        lines.append(f"<b>{_escape(printable(label))}</b>")
    if kind == "constant":
        lines.append(_escape(format_number(t.data)))
        lines.append(f'<font point-size="8">{t.dtype}</font>')
    else:
        lines.append(_escape(f"{t.shape} {t.dtype}"))
        if show_values:
            freed = freed_note(t)
            data = t.data if freed is None else freed
            lines.append(_value_block(data, "data", _VALUE_COLOUR))
    if show_grads and (t._grad is not None or (t.is_leaf and t.requires_grad)):
        grad = None if t._grad is None else t._grad.data  # _grad: no non-leaf warning here
        lines.append(_value_block(grad, "grad", _GRAD_COLOUR))
    attributes = {"class": f"tensor {kind}"}
    return {
        "label": _html_label(lines),
        "shape": "box",
        "style": style,
        "_attributes": attributes,
        **_TENSOR_STYLE[kind],
    }


def _op_node(op) -> dict:
    lines = [f"<b>{_escape(type(op).__name__)}</b>"]
    options = vars(op) if hasattr(op, "__dict__") else {}
    shown = []
    for key in _OP_OPTIONS:
        value = options.get(key)
        if value is None or (key == "keepdims" and value is False):
            continue
        text = _describe_index(value) if key == "index" else _describe_option(value)
        shown.append(f"{key}={text}")
    if shown:
        lines.append('<font point-size="9">' + _escape(", ".join(shown)) + "</font>")
    return {"label": _html_label(lines), "_attributes": {"class": "op"}, **_OP_STYLE}


def _describe_option(value) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            return np.array2string(value, separator=",")
        return f"array{value.shape}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe_index(index) -> str:
    """An index as it was written: `[:, 0]`, not `(slice(None, None, None), 0)`."""
    parts = index if isinstance(index, tuple) else (index,)
    written = []
    for part in parts:
        if isinstance(part, slice):
            bounds = ["" if b is None else str(b) for b in (part.start, part.stop, part.step)]
            written.append(":".join(bounds[:2] if part.step is None else bounds))
        elif part is Ellipsis:
            written.append("...")
        else:
            written.append(_describe_option(part))
    text = "[" + ", ".join(written) + "]"
    return text if len(text) <= 40 else text[:37] + "..."


def _value_block(array, title, colour) -> str:
    """Values as left-aligned monospace lines in a smaller font, rows lined up under the first.

    `array` may also be a sentence that stands for the values (they were freed)."""
    if array is None:
        text = "None"
    elif isinstance(array, str):
        text = array
    else:
        text = format_array(array, width=_VALUE_WIDTH)
    indent = " " * len(f"{title}: ")
    lines = f"{title}: {text}".split("\n")
    body = "".join(
        _escape(line if i == 0 else indent + line) + _LEFT_BREAK for i, line in enumerate(lines)
    )
    return f'<font face="{_VALUE_FONT}" point-size="9" color="{colour}">{body}</font>'


def _html_label(lines) -> str:
    # Centred lines are separated by <br/>; value blocks already end their own lines
    # left-aligned, and one more break after them would leave an empty line.
    label = ""
    for line in lines:
        if label and not label.endswith(_LEFT_BREAK + "</font>"):
            label += "<br/>"
        label += line
    return "<" + label + ">"


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def printable(name) -> str:
    """A tensor's name as text a picture can hold: any object as its str(), control
    characters (a newline, an escape, NUL) written out as escapes (`\\n`, `\\x1b`), since
    Graphviz's labels and XML cannot carry them."""
    text = name if isinstance(name, str) else str(name)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def write_drawing(drawing, path, format) -> Path:
    """Write a drawing's DOT source, or the picture the renderer makes of it, atomically."""
    if format in SOURCE_FORMATS:
        data = drawing.source.encode("utf-8")
    else:
        data = render_source(drawing.source, format)
    write_atomically(path, data)
    return Path(path)


def format_of(path, format) -> str:
    if format is None:
        format = Path(path).suffix.lstrip(".")
        if not format:
            raise ValueError(
                f"cannot tell the format of {str(path)!r}: give the file a suffix such as .svg "
                f"or pass format="
            )
    format = format.lower()
    if format not in RENDERED_FORMATS + SOURCE_FORMATS:
        raise ValueError(
            f"unknown graph format {format!r}; choose one of "
            f"{', '.join(RENDERED_FORMATS + SOURCE_FORMATS)}"
        )
    return format
