"""An offline web page that walks the backward (and forward) pass of a graph, one op at a time.

`save_html(loss, path)` writes ONE self-contained HTML file: the graph as inline SVG (from
the same renderer as `save_graph`), the steps of `explain_backward` as inline data, and a
small inline script. Nothing is fetched from the network. Next/Previous (or the arrow keys)
move one step; the current op is highlighted in the graph; a panel shows the op's rule, the
gradient that arrives and the gradients it sends on; hovering or clicking a tensor shows its
value and gradient. `explore(loss)` shows the same page in Jupyter.

For an unrolled recurrent network (nn.RNN, nn.LSTM, nn.GRU or a cell called in a loop), the
page also steps backward through time: a "time step" control jumps to the first backward
step of time step t (T-1 first, down to 0) and highlights every op of that step. The layers
mark the op that ends each time step (`mark_time_step`); the page gives every op between
two marked states the step it leads to (see `time_steps`).

>>> import numpy as np, tempfile, pathlib
>>> import tinygrad_edu as tg
>>> import tinygrad_edu.viz
>>> w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
>>> loss = (w * w).sum()
>>> page = tg.viz.save_html(loss, pathlib.Path(tempfile.mkdtemp()) / "explorer.html")
>>> page.read_text().count("<svg")
1
>>> w.grad is None            # the page leaves .grad alone; the graph can still backward()
True
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from .. import autograd
from ..files import write_atomically
from ..nn.recurrent import mark_time_step
from ..tensor import Tensor
from .drawing import _nodes_nearest_first, draw_graph
from .explain import record_steps
from .formatting import format_array, freed_note
from .resolver import render_source

__all__ = ["EXPLORER_MAX_NODES", "Explorer", "explore", "mark_time_step", "save_html",
           "time_steps"]

EXPLORER_MAX_NODES = 200  # a bigger graph is cut, as draw_graph cuts it, with a note
PAGE_FULL_ARRAY = 64  # the page shows arrays up to this many elements in full
FIT_NODES = 60  # a graph up to this size starts scaled to fit the window, a larger one at 100%


class Explorer:
    """The explorer page of one graph: `.html` is the page; Jupyter shows it inline.

    `save(path)` writes it (as `save_html` does).
    """

    def __init__(self, page: str):
        self.html = page

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script and styles apart from the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width: 100%; height: 680px; border: 1px solid #ccc"></iframe>'
        )

    def save(self, path) -> Path:
        path = Path(path)
        write_atomically(path, self.html.encode("utf-8"))
        return path


def explore(loss, max_nodes=EXPLORER_MAX_NODES, model=None, grad=None) -> Explorer:
    """The explorer page of `loss`'s graph, to show in Jupyter (`_repr_html_`).

    Like `save_html`, it runs the backward pass without touching any `.grad` and keeps the
    graph, so `loss.backward()` still works afterwards.
    """
    return Explorer(explorer_page(loss, max_nodes=max_nodes, model=model, grad=grad))


def save_html(loss, path, max_nodes=EXPLORER_MAX_NODES, model=None, grad=None) -> Path:
    """Write the explorer page of `loss`'s graph to `path` (one offline HTML file).

    The backward pass runs as in `explain_backward` (same gradients) but leaves every
    `.grad` as it was and keeps the graph (`retain_graph=True`). A graph of more than
    `max_nodes` nodes is cut as `draw_graph` cuts it: the page says so and walks the steps of
    the ops drawn. With `model` (an nn.Module), parameters are labelled with their names.
    """
    return explore(loss, max_nodes=max_nodes, model=model, grad=grad).save(path)


def explorer_page(loss, max_nodes=EXPLORER_MAX_NODES, model=None, grad=None) -> str:
    """The page's HTML text (what `save_html` writes)."""
    if not isinstance(loss, Tensor):
        raise TypeError(f"the explorer needs a Tensor, got {type(loss).__name__}")
    steps = record_steps(loss, grad, retain_graph=True, store_grads=False, model=model)
    drawing = draw_graph(loss, max_nodes=max_nodes, model=model, labels=steps.labels)
    svg = render_source(drawing.source, "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]  # without the XML prolog and doctype
    data = _page_data(loss, steps, drawing)
    fit = drawing.nodes_drawn <= FIT_NODES
    return _PAGE.format(
        title=html.escape(f"Backward pass of {steps.output_label}"),
        note=_cut_note(drawing, data),
        fit="fit" if fit else "",
        zoom="Actual size" if fit else "Fit to window",
        svg=svg,
        data=script_json(data),
        style=_STYLE,
        script=_SCRIPT,
    )


_SHARED = "shared"  # an op that more than one time step leads back to (W_hh.T, an embedding)


def time_steps(output) -> dict:
    """`id(op) -> time step` for the ops of `output`'s graph that belong to one time step.

    A marked op (`mark_time_step`: the recurrent layers and cells mark the op that makes each
    new state) belongs to its step; an op that the graph reaches walking back from the
    state of step t, before it meets the previous state, belongs to step t too (the cell's
    matmul, adds and gates, and the slice of the input projections that step t reads). An op
    that several steps lead back to (`W_hh.T` made once for all steps, the input projections
    of all steps, the embedding of the whole sequence) and
    an op after the recurrence (the loss) belong to none. One walk per step, and each op
    is walked at most twice, so the cost is that of the graph.

    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> cell = tg.nn.RNNCell(2, 3)
    >>> h = None
    >>> for x in np.ones((4, 1, 2), np.float32):
    ...     h = cell(x, h)
    >>> steps = time_steps(h.sum())
    >>> sorted(set(steps.values()))
    [0, 1, 2, 3]
    >>> steps[id(h._ctx)], id(h.sum()._ctx) in steps
    (3, False)
    """
    owner = {}  # id(op) -> its time step or _SHARED
    for node in _nodes_nearest_first(output):
        time_step = getattr(node, "time_step", None)
        if isinstance(node, Tensor) or time_step is None:
            continue
        owner[id(node)] = time_step
        stack = [(node, time_step)]
        while stack:
            op, step = stack.pop()
            for tensor in op.inputs:
                parent = tensor._ctx
                if parent is None or getattr(parent, "time_step", None) is not None:
                    continue  # a leaf, or the previous state: the step begins here
                seen = owner.get(id(parent))
                if seen == step or seen == _SHARED:
                    continue
                # a second step leading here makes it, and all before it, shared
                mark = step if seen is None else _SHARED
                owner[id(parent)] = mark
                stack.append((parent, mark))
    return {key: step for key, step in owner.items() if step != _SHARED}


def _page_data(loss, steps, drawing) -> dict:
    node_ids = drawing.node_ids
    times = time_steps(loss)
    labels = steps.labels
    grads = {}  # id(tensor) -> d loss / d tensor, from the steps
    for step in steps:
        grads[id(step.output)] = step.grad_output
        for tensor, sent in zip(step.inputs, step.grads_sent):
            if sent is not None and tensor._ctx is None:  # leaves: add up every path
                key = id(tensor)
                grads[key] = sent if key not in grads else grads[key] + sent

    tensors = {}
    for node in _nodes_nearest_first(loss):
        if isinstance(node, Tensor) and id(node) in node_ids:
            grad = grads.get(id(node))
            tensors[node_ids[id(node)]] = {
                "label": labels(node),
                "shape": str(node.shape),
                "dtype": str(node.dtype),
                "value": _values(node),
                "grad": None if grad is None else _text(grad),
            }

    backward, left_out = [], 0
    for step in steps:
        op = node_ids.get(id(step.function))
        if op is None:
            left_out += 1
            continue
        backward.append({
            "op": op,
            "out": node_ids.get(id(step.output)),
            "name": step.op,
            "formula": step.formula,
            "rule": step.rule,
            "outLabel": step.output_label,
            "gy": _text(step.grad_output),
            "time": times.get(id(step.function)),
            "sends": [
                {"to": node_ids.get(id(t)), "label": label,
                 "grad": None if sent is None else _text(sent)}
                for t, label, sent in zip(step.inputs, step.input_labels, step.grads_sent)
            ],
        })

    forward = []
    for tensor in autograd.topological_order([loss]):  # inputs before outputs
        op = tensor._ctx
        if op is None or id(op) not in node_ids:
            continue
        inputs = op.inputs
        forward.append({
            "op": node_ids[id(op)],
            "out": node_ids.get(id(tensor)),
            "name": type(op).__name__,
            "formula": f"{labels(tensor)} = {type(op).__name__}("
                       f"{', '.join(labels(t) for t in inputs)})",
            "inputs": [{"to": node_ids.get(id(t)), "label": labels(t), "value": _values(t)}
                       for t in inputs],
            "value": _values(tensor),
            "time": times.get(id(op)),
        })
    return {"tensors": tensors, "backward": backward, "forward": forward,
            "stepsLeftOut": left_out, "nodesLeftOut": drawing.nodes_left_out}


def _text(array) -> str:
    return format_array(array, small=PAGE_FULL_ARRAY)


def _values(tensor) -> str:
    freed = freed_note(tensor)
    return _text(tensor.data) if freed is None else freed


# Characters that JSON leaves as they are but an inline <script> must not hold: `<` and `>`
# (`</script>` ends the script, `<!--<script>` makes the parser skip past the real end), `&`,
# and U+2028/U+2029 (line ends to older JavaScript). Inside JSON they only occur in strings,
# where a \u escape stands for the same character.
_SCRIPT_UNSAFE = str.maketrans({
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
})


def script_json(data) -> str:
    """`data` as JSON that can stand inside an HTML <script> element whatever its strings hold.

    >>> print(script_json({"name": "</script><!--<script>&"}))
    {"name": "\\u003c/script\\u003e\\u003c!--\\u003cscript\\u003e\\u0026"}
    """
    return json.dumps(data, ensure_ascii=False).translate(_SCRIPT_UNSAFE)


def _cut_note(drawing, data) -> str:
    if not drawing.nodes_left_out:
        return ""
    return (
        f'<p id="cut-note" class="note">The graph is too large to show in full: '
        f"{drawing.nodes_left_out} nodes far from the output are not drawn (as draw_graph "
        f"cuts it), and the {data['stepsLeftOut']} backward steps of their ops are left "
        f"out. Pass max_nodes= to draw more.</p>"
    )


_STYLE = """
html, body { height: 100%; }
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; display: flex;
       flex-direction: column; }
header { flex: none; padding: 8px 16px; background: #f4f4f4; border-bottom: 1px solid #ddd; }
header h1 { font-size: 18px; margin: 0 0 6px 0; }
button { font-size: 14px; padding: 3px 10px; margin-right: 4px; }
button.active { background: #2e6bd6; color: white; border-color: #2e6bd6; }
.note { color: #7a6400; background: #fff8dc; padding: 4px 8px; margin: 6px 0 0 0; }
.hint { color: #666; font-size: 12px; margin-left: 8px; }
main { flex: 1; display: flex; min-height: 0; }
#graph { flex: 1 1 60%; overflow: auto; padding: 8px; }
#graph.fit svg { width: 100%; height: 100%; }  /* the whole graph in view (viewBox scales) */
aside { flex: 0 0 38%; padding: 8px 16px; overflow: auto; border-left: 1px solid #ddd; }
aside h2 { font-size: 16px; margin: 4px 0; }
aside h3 { font-size: 14px; margin: 12px 0 4px 0; }
pre { background: #f7f7f7; padding: 4px 6px; margin: 2px 0 8px 0; font-size: 12px;
      overflow-x: auto; }
code { background: #f0f0f0; padding: 1px 4px; }
ul { padding-left: 18px; margin: 4px 0; }
.formula { font-family: Courier, monospace; font-size: 14px; }
.grad { color: #b00020; }
g.node { cursor: pointer; }
#time-controls { margin-left: 12px; }
g.node.in-time-step ellipse, g.node.in-time-step polygon, g.node.in-time-step path {
  fill: #e3d4ff; }  /* the ops of the current time step and what they compute */
g.node.current ellipse, g.node.current polygon, g.node.current path {
  stroke: #d00000; stroke-width: 4px; fill: #ffd54f; }
g.node.step-output polygon, g.node.step-output path { stroke: #d00000; stroke-width: 3px; }
g.node.step-input polygon, g.node.step-input path { stroke: #2e6bd6; stroke-width: 3px; }
g.node.picked polygon, g.node.picked path { stroke-dasharray: 4 2; stroke-width: 3px; }
"""

# Plain DOM calls and textContent only: values are never parsed as HTML.
_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var nodes = {};
  document.querySelectorAll("#graph g.node").forEach(function (g) {
    var title = g.querySelector("title");
    if (title) { nodes[title.textContent] = g; }
  });
  var mode = "backward";
  var index = 0;
  var starts = [];  // the time steps of this walk: {t, index of their first step}, in order

  function byId(id) { return document.getElementById(id); }
  function item(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function mark(id, cls) { if (id && nodes[id]) { nodes[id].classList.add(cls); } }
  function unmarkAll() {
    Object.keys(nodes).forEach(function (id) {
      nodes[id].classList.remove("current", "step-output", "step-input", "in-time-step");
    });
  }
  function findStarts() {  // the walk meets time steps T-1 ... 0 (forward: 0 ... T-1)
    var seen = {};
    starts = [];
    data[mode].forEach(function (step, i) {
      if (step.time !== null && !seen[step.time]) {
        seen[step.time] = true;
        starts.push({t: step.time, index: i});
      }
    });
    var select = byId("time-step");
    select.textContent = "";
    select.appendChild(item("option", "", "\u2014")).value = "";
    starts.forEach(function (start) {
      select.appendChild(item("option", "", "t = " + start.t)).value = String(start.t);
    });
    byId("time-controls").hidden = starts.length === 0;
  }
  function timeAt() {  // where the walk is among the time steps: an index into starts
    var time = data[mode][index].time;
    var at = -1;
    starts.forEach(function (start, k) {
      if (time === null ? start.index <= index : start.t === time) { at = k; }
    });
    return at;
  }
  function showTime(step) {  // the time step of the current op: controls and highlight
    if (!starts.length) { return; }
    var time = step.time;
    var at = timeAt();
    byId("time-step").value = time === null ? "" : String(time);
    byId("time-prev").disabled = at <= 0;
    byId("time-next").disabled = at >= starts.length - 1;
    byId("time-label").textContent = time === null ?
      "this op belongs to no single time step" :
      "this op belongs to time step " + time + " (highlighted)";
    if (time === null) { return; }
    data[mode].forEach(function (other) {
      if (other.time === time) { mark(other.op, "in-time-step"); mark(other.out, "in-time-step"); }
    });
  }
  function jumpTime(delta) {
    var target = starts[timeAt() + delta];
    if (target) { index = target.index; show(); }
  }
  function show() {
    var steps = data[mode];
    unmarkAll();
    byId("mode-backward").classList.toggle("active", mode === "backward");
    byId("mode-forward").classList.toggle("active", mode === "forward");
    byId("backward-detail").hidden = mode !== "backward";
    byId("forward-detail").hidden = mode !== "forward";
    if (!steps.length) {
      byId("step-title").textContent = "No " + mode + " steps: nothing in this graph " +
        "requires grad";
      byId("formula").textContent = "";
      return;
    }
    var step = steps[index];
    showTime(step);
    var word = mode === "backward" ? "Backward" : "Forward";
    byId("step-title").textContent = word + " step " + (index + 1) + " of " + steps.length +
      ": " + step.name;
    byId("formula").textContent = step.formula;
    mark(step.op, "current");
    if (nodes[step.op]) { nodes[step.op].scrollIntoView({block: "nearest"}); }
    mark(step.out, "step-output");
    if (mode === "backward") {
      byId("rule").textContent = step.rule;
      byId("incoming-label").textContent = step.outLabel;
      byId("incoming").textContent = step.gy;
      var sends = byId("sends");
      sends.textContent = "";
      step.sends.forEach(function (send) {
        var li = item("li", send.grad === null ? "sent none" : "sent");
        li.appendChild(item("span", "to", "to " + send.label + ":"));
        if (send.grad === null) {
          li.appendChild(item("span", "", " needs no gradient"));
        } else {
          li.appendChild(item("pre", "grad", send.grad));
        }
        sends.appendChild(li);
        mark(send.to, "step-input");
      });
    } else {
      var inputs = byId("forward-inputs");
      inputs.textContent = "";
      step.inputs.forEach(function (input) {
        var li = item("li", "input");
        li.appendChild(item("span", "to", input.label + " ="));
        li.appendChild(item("pre", "", input.value));
        inputs.appendChild(li);
        mark(input.to, "step-input");
      });
      byId("forward-value").textContent = step.value;
    }
  }
  function move(delta) {
    var last = data[mode].length - 1;
    index = Math.max(0, Math.min(last, index + delta));
    show();
  }
  function setMode(newMode) { mode = newMode; index = 0; findStarts(); show(); }
  function showTensor(id) {
    var t = data.tensors[id];
    Object.keys(nodes).forEach(function (k) { nodes[k].classList.remove("picked"); });
    mark(id, "picked");
    byId("tensor-title").textContent = t.label + "  " + t.shape + " " + t.dtype;
    byId("tensor-value").textContent = t.value;
    byId("tensor-grad").textContent = t.grad === null ? "(none: it needs no gradient)" : t.grad;
  }

  byId("zoom").addEventListener("click", function () {
    var fit = byId("graph").classList.toggle("fit");
    byId("zoom").textContent = fit ? "Actual size" : "Fit to window";
    show();
  });
  byId("next").addEventListener("click", function () { move(1); });
  byId("prev").addEventListener("click", function () { move(-1); });
  byId("mode-backward").addEventListener("click", function () { setMode("backward"); });
  byId("mode-forward").addEventListener("click", function () { setMode("forward"); });
  byId("time-prev").addEventListener("click", function () { jumpTime(-1); });
  byId("time-next").addEventListener("click", function () { jumpTime(1); });
  byId("time-step").addEventListener("change", function () {
    var chosen = byId("time-step").value;
    starts.forEach(function (start) {
      if (String(start.t) === chosen) { index = start.index; }
    });
    show();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === "ArrowDown") {
      move(1); event.preventDefault();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
      move(-1); event.preventDefault();
    }
  });
  Object.keys(data.tensors).forEach(function (id) {
    if (!nodes[id]) { return; }
    nodes[id].addEventListener("mouseenter", function () { showTensor(id); });
    nodes[id].addEventListener("click", function () { showTensor(id); });
  });
  findStarts();
  show();
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<button id="mode-backward" class="active">Backward pass</button>
<button id="mode-forward">Forward pass</button>
&nbsp;
<button id="prev">&larr; Previous</button>
<button id="next">Next &rarr;</button>
<button id="zoom">{zoom}</button>
<span id="time-controls" hidden>Time step
<button id="time-prev">&larr; Previous time step</button>
<select id="time-step" aria-label="time step"></select>
<button id="time-next">Next time step &rarr;</button>
<span id="time-label" class="hint"></span>
</span>
<span class="hint">arrow keys step; hover or click a box to see a tensor</span>
{note}
</header>
<main>
<div id="graph" class="{fit}">
{svg}
</div>
<aside>
<section id="panel">
<h2 id="step-title"></h2>
<p id="formula" class="formula"></p>
<div id="backward-detail">
<h3>Local rule</h3>
<code id="rule"></code>
<h3>Gradient arriving at <span id="incoming-label"></span> (gy)</h3>
<pre id="incoming" class="grad"></pre>
<h3>Gradients sent to the inputs</h3>
<ul id="sends"></ul>
</div>
<div id="forward-detail" hidden>
<h3>Inputs</h3>
<ul id="forward-inputs"></ul>
<h3>Value computed</h3>
<pre id="forward-value"></pre>
</div>
</section>
<section id="tensor-info">
<h3 id="tensor-title">Hover or click a tensor (a box) to see its values</h3>
<div>value</div>
<pre id="tensor-value"></pre>
<div>gradient (d loss / d tensor)</div>
<pre id="tensor-grad" class="grad"></pre>
</section>
</aside>
</main>
<script type="application/json" id="explorer-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
