"""The notes' learning-rate sweep (note 002): XOR with one hidden layer, alpha 0.001 to 1000.

The note's loop, with backward() in place of the hand-derived layer deltas:
    layer_2_delta = (layer_2 - y) * layer_2 * (1 - layer_2)
    layer_1_delta = layer_2_delta @ synapse_1.T * layer_1 * (1 - layer_1)
which are the gradients of E = sum (layer_2 - y)^2 / 2. Same seed (np.random.seed(1)), same
start, so the printed errors are the note's (to about 15 significant digits).

    python demos/learning_rates.py [--iterations 60000] [--hidden 4]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor

ALPHAS = [0.001, 0.01, 0.1, 1, 10, 100, 1000]
X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def train(alpha, iterations, hidden, report_every=10_000):
    """Returns the mean absolute errors printed every `report_every` steps, and the weights."""
    np.random.seed(1)  # the note's seed and its order of draws
    synapse_0 = Tensor(2 * np.random.random((3, hidden)) - 1, requires_grad=True, name="synapse_0")
    synapse_1 = Tensor(2 * np.random.random((hidden, 1)) - 1, requires_grad=True, name="synapse_1")
    errors = []
    for j in range(iterations):
        layer_2 = ((X @ synapse_0).sigmoid() @ synapse_1).sigmoid()
        if j % report_every == 0:
            errors.append(float(np.mean(np.abs(layer_2.numpy() - Y))))
        (0.5 * ((layer_2 - Y) ** 2).sum()).backward()
        with tg.no_grad():
            for synapse in (synapse_0, synapse_1):
                synapse -= alpha * synapse.grad
                synapse.grad = None
    return errors, synapse_0, synapse_1


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=60_000)
    parser.add_argument("--hidden", type=int, default=4)
    parser.add_argument("--alphas", type=float, nargs="+", default=ALPHAS)
    args = parser.parse_args(argv)
    for alpha in args.alphas:
        print(f"\nTraining with alpha = {alpha:g} (hidden layer of {args.hidden})")
        errors, _, _ = train(alpha, args.iterations, args.hidden)
        for step, error in zip(range(0, args.iterations, 10_000), errors):
            print(f"  error after {step:6d} iterations: {error}")
    print("\nToo small an alpha barely moves; a good one converges; a huge one saturates the "
          "sigmoids (weights blow up, steps overshoot).")


if __name__ == "__main__":
    main()
