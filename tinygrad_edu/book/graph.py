"""Seeing a bridge network on the engine: the graph of its last loss.

A network of bridge layers (the book's MultiLayerNet, SimpleConvNet, ...) records each
layer's forward, and the layers' graphs are joined where one layer's output is the next one's
input (recording.py), so the last loss reaches back to the network's input. `last_loss`
finds it (the Tensor that the network's SoftmaxWithLoss returned last); `draw_graph` draws it
with `tg.viz.draw_graph`. After `network.gradient(x, t)`, `show_grads=True` shows the
gradient each layer's backward found for its input and parameters.

>>> import numpy as np
>>> from tinygrad_edu.book import draw_graph
>>> from tinygrad_edu.book.multi_layer_net import MultiLayerNet
>>> net = MultiLayerNet(input_size=4, hidden_size_list=[3], output_size=2)
>>> grads = net.gradient(np.random.rand(5, 4), np.array([0, 1, 1, 0, 1]))
>>> source = draw_graph(net, show_grads=True).source
>>> [source.count(op) for op in ("<b>MatMul", "<b>ReLU", "<b>CrossEntropy", "<b>LayerInput")]
[2, 1, 1, 3]
>>> "Affine.W" in source and "grad:" in source
True
"""

from __future__ import annotations

from .. import viz
from .layers import SoftmaxWithLoss
from .recording import Layer

__all__ = ["last_loss", "draw_graph"]


def last_loss(network):
    """The loss Tensor of the network's last forward (or a bridge layer's last output)."""
    if isinstance(network, Layer):
        layer = network
    else:
        found = [value for value in getattr(network, "__dict__", {}).values()
                 if isinstance(value, SoftmaxWithLoss)]
        if not found:
            raise TypeError(
                f"last_loss: {type(network).__name__} has no SoftmaxWithLoss attribute (the "
                f"book's networks keep one as last_layer); pass the network or a bridge layer")
        layer = found[0]
    if layer.last_output is None:
        raise RuntimeError(
            f"last_loss: {type(layer).__name__} has not run forward yet: call network.loss(x, "
            f"t) or network.gradient(x, t) first")
    return layer.last_output


def draw_graph(network, show_values=False, show_grads=False, rankdir="TB"):
    """tg.viz.draw_graph of the network's last loss: a graphviz.Digraph (inline in Jupyter)."""
    return viz.draw_graph(last_loss(network), show_values=show_values, show_grads=show_grads,
                          rankdir=rankdir)
