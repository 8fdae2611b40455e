"""Writing a graph to a file: DOT source as it is, pictures through the renderer."""

from __future__ import annotations

from pathlib import Path

from ..tensor import Tensor
from .drawing import draw_graph, format_of, write_drawing

__all__ = ["save_graph"]


def save_graph(tensor_or_digraph, path, format=None, **draw_options) -> Path:
    """Draw (if given a Tensor) and write the graph to `path`; returns the path written.

    The format comes from the suffix (`.svg`, `.png`, `.dot`, `.json`; `.pdf` with a system
    Graphviz) unless `format` is given; `path` is used exactly as given. `.dot` is the DOT
    source and needs no renderer. `draw_options` go to `draw_graph` (`show_grads=True`, ...).
    The file is written whole or not at all: a failed render leaves an existing file as it was.

    >>> import tempfile, pathlib
    >>> import tinygrad_edu as tg
    >>> import tinygrad_edu.viz
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> tg.viz.save_graph((w * w).sum(), folder / "graph.svg").name
    'graph.svg'
    """
    path = Path(path)
    format = format_of(path, format)
    if isinstance(tensor_or_digraph, Tensor):
        drawing = draw_graph(tensor_or_digraph, **draw_options)
    elif hasattr(tensor_or_digraph, "source"):
        if draw_options:
            raise TypeError(
                f"save_graph: drawing options {sorted(draw_options)} apply only to a Tensor; "
                f"pass them to draw_graph instead"
            )
        drawing = tensor_or_digraph
    else:
        raise TypeError(
            "save_graph needs a Tensor or a graphviz Digraph, got "
            f"{type(tensor_or_digraph).__name__}"
        )
    return write_drawing(drawing, path, format)
