"""Perceptrons as logic gates, as in the notes: AND, OR, NAND, and XOR built from them.

A perceptron fires (1) when w1 x1 + w2 x2 passes a threshold theta. One perceptron draws one
straight line through the input square, which is enough for AND, OR and NAND; XOR needs two
layers: XOR(x1, x2) = AND(OR(x1, x2), NAND(x1, x2)).

    python demos/perceptron.py
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor

INPUTS = [(0, 0), (1, 0), (0, 1), (1, 1)]


def perceptron(weights, theta):
    """A gate: 1 when the weighted sum of its two inputs is above theta, else 0."""
    w = Tensor(np.array(weights, dtype=np.float64))

    def gate(x1, x2):
        total = (Tensor(np.array([x1, x2], dtype=np.float64)) * w).sum()
        return int(total.item() > theta)

    return gate


AND = perceptron([0.5, 0.5], theta=0.7)
OR = perceptron([0.5, 0.5], theta=0.3)
_NOT_NAND = perceptron([0.5, 0.5], theta=0.7)  # NAND fires exactly when AND does not


def NAND(x1, x2):
    return 1 - _NOT_NAND(x1, x2)


def XOR(x1, x2):
    return AND(OR(x1, x2), NAND(x1, x2))  # a second layer of perceptrons


def truth_table(name, gate) -> str:
    rows = [f"{name}:"] + [f"  {x1} {x2} -> {gate(x1, x2)}" for x1, x2 in INPUTS]
    return "\n".join(rows)


def main() -> None:
    for name, gate in [("AND", AND), ("OR", OR), ("NAND", NAND), ("XOR", XOR)]:
        print(truth_table(name, gate))
    print("XOR is not one straight line apart: it needs the second layer (OR and NAND, then AND).")


if __name__ == "__main__":
    main()
