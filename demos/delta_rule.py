"""The single-layer delta rule (note 000), with autodiff in place of the hand-derived delta.

The note trains one sigmoid neuron, y = sigmoid(W x), one sample at a time with
    delta = y * (1 - y) * (d - y);   W = W + alpha * delta * x
That update is gradient descent on E = (d - y)^2 / 2: backward() gives dE/dW = -delta * x.
It learns D = [0, 0, 1, 1] (the first input column) but not XOR, D = [0, 1, 1, 0].

    python demos/delta_rule.py [--epochs 10000] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)


def train(D, epochs, alpha=0.9, seed=0):
    """SGD over the four samples, `epochs` times; returns the trained W (1, 3)."""
    rng = np.random.default_rng(seed)
    W = Tensor(2 * rng.random((1, 3)) - 1, requires_grad=True, name="W")
    for _ in range(epochs):
        for x, d in zip(X, D):
            y = (W @ x).sigmoid()
            error = 0.5 * ((d - y) ** 2).sum()
            error.backward()  # W.grad = -delta * x, the note's hand-derived rule
            with tg.no_grad():
                W -= alpha * W.grad
            W.grad = None
    return W


def check_against_the_hand_derived_delta(W, x, d) -> float:
    """The largest difference between backward() and -y (1 - y) (d - y) x for one sample."""
    y = (W @ x).sigmoid()
    (grad,) = tg.grad(0.5 * ((d - y) ** 2).sum(), W)
    y = y.numpy()
    by_hand = -(y * (1 - y) * (d - y)) * x
    return float(np.abs(grad.numpy() - by_hand).max())


def report(name, D, epochs, seed):
    W = train(D, epochs, seed=seed)
    y = (Tensor(X) @ W.T).sigmoid().numpy().ravel()
    predictions = (y > 0.5).astype(int)
    print(f"{name}: targets {D.astype(int).tolist()} after {epochs} epochs")
    for x, out, p in zip(X.astype(int), y, predictions):
        print(f"  x = {x.tolist()}  y = {out:.5f}  -> {p}")
    learned = predictions.tolist() == D.astype(int).tolist()
    print(f"  {'learned' if learned else 'NOT learned'}; W = {np.round(W.numpy(), 4).tolist()}")
    return learned


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    W = Tensor(2 * np.random.default_rng(args.seed).random((1, 3)) - 1, requires_grad=True)
    gap = check_against_the_hand_derived_delta(W, X[2], 1.0)
    print(f"backward() vs the hand-derived delta rule: largest difference {gap:.1e}")
    report("delta rule, D = [0, 0, 1, 1]", np.array([0.0, 0.0, 1.0, 1.0]), args.epochs, args.seed)
    report("delta rule, XOR", np.array([0.0, 1.0, 1.0, 0.0]), args.epochs, args.seed)
    print("One layer draws one straight line: XOR needs a hidden layer (see demos/xor.py).")


if __name__ == "__main__":
    main()
