"""Writing a graph to a file: DOT source as it is, pictures through the renderer."""

from __future__ import annotations

from pathlib import Path

from ..files import write_atomically
from ..tensor import Tensor
from .drawing import draw_graph
from .resolver import RENDERED_FORMATS, SOURCE_FORMATS, render_source

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
    if format in SOURCE_FORMATS:
        data = drawing.source.encode("utf-8")
    else:
        data = render_source(drawing.source, format)
    write_atomically(path, data)
    return path


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
