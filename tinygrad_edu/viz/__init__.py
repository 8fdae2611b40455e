"""See the graph that autograd recorded, and watch the backward pass walk it.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> import tinygrad_edu.viz
>>> W = tg.Tensor(np.ones((3, 4)), requires_grad=True, name="W1")
>>> x = tg.Tensor(np.ones((2, 3)), name="x")
>>> loss = (x @ W).sigmoid().mean()
>>> drawing = tg.viz.draw_graph(loss)
>>> drawing.nodes_drawn          # x, W1, MatMul, its output, Sigmoid, its output, Mean, loss
8
>>> "W1" in drawing.source
True

One idea per module:
- `drawing`: `draw_graph` builds the picture's DOT source (pure Python).
- `resolver`: `find_renderer` finds a `dot` program (the `graphviz-pure` binary that pip
  installs with this package, or a system Graphviz); `render_source` runs it.
- `saving`: `save_graph` writes the DOT source or the rendered picture to a file.
- `explain`: `explain_backward` runs the backward pass and lists its steps, as a table that
  reads like the notes' hand computation.
- `explorer`: `save_html` / `explore` make an offline page that walks those steps one by one
  (and, for an unrolled RNN, jumps between time steps: `mark_time_step`, `time_steps`).

docs/visualization.md has the legend and the details.
"""

from .drawing import DEFAULT_MAX_NODES, GraphDrawing, draw_graph
from .explain import BackwardStep, BackwardSteps, explain_backward
from .explorer import Explorer, explore, mark_time_step, save_html, time_steps
from .resolver import (
    PdfNeedsSystemGraphviz,
    Renderer,
    RendererNotFound,
    RenderError,
    find_renderer,
    render_source,
    script_directories,
)
from .saving import save_graph

__all__ = [
    "DEFAULT_MAX_NODES",
    "BackwardStep",
    "BackwardSteps",
    "Explorer",
    "GraphDrawing",
    "PdfNeedsSystemGraphviz",
    "RenderError",
    "Renderer",
    "RendererNotFound",
    "draw_graph",
    "explain_backward",
    "explore",
    "find_renderer",
    "mark_time_step",
    "render_source",
    "save_graph",
    "save_html",
    "script_directories",
    "time_steps",
]
