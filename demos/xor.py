"""XOR, the notes' network, trained with autodiff: its truth table and its graph.

Note 001 builds it by hand: 3 inputs (x1, x2 and a bias column of ones), 4 hidden sigmoid
units, 1 sigmoid output, cross-entropy loss, and derives the two deltas
    delta  = d - y                              (output, cross-entropy with a sigmoid)
    delta1 = y1 * (1 - y1) * (W2.T @ delta)     (hidden layer)
Here the network is an nn.Module, the loss is F.binary_cross_entropy, and one backward()
computes both deltas. The graph of the last step is drawn with values and gradients:
demos/output/xor_graph.svg; next to it, demos/output/xor_explorer.html walks that backward
pass one op at a time in a browser (tg.viz.save_html).

    python demos/xor.py [--steps 2000] [--lr 2.0] [--seed 0] [--graph PATH]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn, optim

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
T = np.array([[0], [1], [1], [0]], dtype=np.float32)
DEFAULT_GRAPH = Path(__file__).resolve().parent / "output" / "xor_graph.svg"


class XORNet(nn.Module):
    """x (3, with the bias column) -> 4 sigmoid units -> 1 sigmoid unit, no bias terms."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4, bias=False)
        self.output = nn.Linear(4, 1, bias=False)
        for layer in (self.hidden, self.output):
            nn.init.uniform_(layer.weight, -1.0, 1.0)  # the notes' 2 * random - 1

    def forward(self, x, keep_deltas=False):
        y1 = self.hidden(x).sigmoid()
        y = self.output(y1).sigmoid()
        if keep_deltas:  # keep d loss / d y1 and d loss / d y, to show them in the drawing
            y1.retain_grad()
            y.retain_grad()
            y1.name, y.name = "y1", "y"
        return y


def train(steps, lr, seed):
    tg.manual_seed(seed)
    model = XORNet()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for step in range(1, steps + 1):
        loss = F.binary_cross_entropy(model(X), T)
        if not math.isfinite(loss.item()):
            sys.exit(f"the loss became {loss.item()} at step {step}: lower --lr and run again")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, loss.item()


def truth_table(model) -> list[str]:
    with tg.no_grad():
        y = model(X).numpy().ravel()
    lines = ["x1 x2 | target | output  -> prediction"]
    for (x1, x2, _), target, out in zip(X.astype(int), T.ravel().astype(int), y):
        mark = "ok" if int(out > 0.5) == target else "WRONG"
        lines.append(f" {x1}  {x2} |   {target}    | {out:.4f}  -> {int(out > 0.5)}  {mark}")
    return lines


def draw(model, path: Path, explorer: Path | None = None) -> Path:
    """One more forward and backward pass, kept and drawn with values and gradients.

    With `explorer`, the step-by-step page of that backward pass is written there too.
    """
    x = Tensor(X, name="X (with bias column)")
    t = Tensor(T, name="t")
    loss = F.binary_cross_entropy(model(x, keep_deltas=True), t)
    loss.name = "loss"
    path.parent.mkdir(parents=True, exist_ok=True)
    if explorer is not None:  # before backward(): the page keeps the graph and leaves .grad
        tg.viz.save_html(loss, explorer, model=model)
    model.zero_grad()
    loss.backward(retain_graph=True)  # keeps the graph's values, so the drawing can show them
    # model=: its parameters are labelled hidden.weight and output.weight in the drawing
    return tg.viz.save_graph(loss, path, show_values=True, show_grads=True, model=model)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="full-batch SGD steps")
    parser.add_argument("--lr", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--graph", type=Path, default=DEFAULT_GRAPH, help="where to draw the graph")
    args = parser.parse_args(argv)

    model, loss = train(args.steps, args.lr, args.seed)
    print(f"XOR after {args.steps} steps of SGD (lr {args.lr}), cross-entropy {loss:.4f}")
    print("\n".join(truth_table(model)))
    explorer = args.graph.with_name("xor_explorer.html")
    written = draw(model, args.graph, explorer)
    print(f"graph of the loss with values and gradients: {written}")
    print(f"the backward pass step by step (open in a browser): {explorer}")


if __name__ == "__main__":
    main()
