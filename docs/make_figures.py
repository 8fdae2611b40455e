"""Regenerate the pictures in docs/images/ that docs/visualization.md and docs/demos.md show.

    .venv/bin/python docs/make_figures.py            # writes docs/images/*.svg

Every picture is drawn from code here, never by hand: change the drawing code, run this, and
the docs follow. Weights come from a seeded generator and node ids are stable, so running it
twice writes the same files.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.viz import save_graph

IMAGES = Path(__file__).resolve().parent / "images"
DEMOS = Path(__file__).resolve().parents[1] / "demos"


def xor_network():
    """The notes' XOR network: 3 inputs (x1, x2 and a bias column of ones), 4 hidden, 1 out."""
    rng = np.random.default_rng(0)
    X = tg.Tensor(np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], np.float32), name="X")
    t = tg.Tensor(np.array([[0], [1], [1], [0]], np.float32), name="t")
    W1 = tg.Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True, name="W1")
    W2 = tg.Tensor(rng.standard_normal((4, 1)).astype(np.float32), requires_grad=True, name="W2")
    y = ((X @ W1).sigmoid() @ W2).sigmoid()
    y.name = "y"
    loss = -(t * y.log() + (1 - t) * (1 - y).log()).mean()  # binary cross-entropy
    loss.name = "loss"
    return loss


def anatomy():
    """One node of every kind, for the legend."""
    x = tg.Tensor(np.array([[1.0, 2.0]], np.float32), name="x")
    W = tg.Tensor(np.array([[0.5], [-0.5]], np.float32), requires_grad=True, name="W")
    out = (x @ W + 1.0).sigmoid()
    out.name = "out"
    return out


def second_order():
    """d/dx x^3 = 3x^2, recorded with create_graph=True so it is a graph of its own."""
    x = tg.Tensor(np.array(2.0, np.float32), requires_grad=True, name="x")
    (dy_dx,) = tg.grad(x**3, x, create_graph=True)
    dy_dx.name = "dy/dx"
    return dy_dx


def long_chain(steps=1000):
    """A graph far too long to draw: 1 + 3 * steps nodes."""
    x = tg.Tensor(np.array(0.0, np.float32), requires_grad=True, name="x")
    for _ in range(steps):
        x = x * 0.5 + 1.0
    return x


def load_demo(name):
    """Import demos/<name>.py as a module (the demos folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def xor_demo_graph(path):
    """The drawing demos/xor.py makes, with the demo's own code and default settings."""
    xor = load_demo("xor")
    model, _ = xor.train(steps=2000, lr=2.0, seed=0)
    return xor.draw(model, path)


def main(images=IMAGES):
    images.mkdir(parents=True, exist_ok=True)
    written = [
        save_graph(anatomy(), images / "anatomy.svg", rankdir="LR"),
        save_graph(xor_network(), images / "xor_forward.svg"),
    ]
    loss = xor_network()
    loss.backward()
    written.append(save_graph(loss, images / "xor_grads.svg", show_grads=True))
    written.append(save_graph(second_order(), images / "second_order.svg", show_values=True))
    written.append(save_graph(long_chain(), images / "long_chain.svg", max_nodes=25))
    written.append(xor_demo_graph(images / "xor_demo_graph.svg"))
    for path in written:
        print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else IMAGES)
