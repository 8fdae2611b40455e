"""The MLP training step, twice: with tinygrad_edu, and written by hand in NumPy.

784 -> 1000 sigmoid -> 10, softmax cross-entropy, SGD, batch 100, float32: the network the
performance target in docs/performance.md names. Both twins start from the same weights and see
the same batches; `HandWrittenMLP` is what a student writes after chapter 5 of the book
(forward and backward by hand, no graph), and the tests check that both compute the same
loss and the same update.
"""

from __future__ import annotations

import numpy as np
from timing import Twin

import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim

SIZES = (784, 1000, 10)
BATCH = 100
LR = 0.1


def make_data(seed=0, batches=8):
    """Batches of MNIST-shaped float32 images and int64 labels (the same for both twins)."""
    rng = np.random.default_rng(seed)
    images = rng.random((batches, BATCH, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[2], (batches, BATCH))
    return images, labels


def initial_weights(seed=0):
    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal(SIZES[:2]) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal(SIZES[1:]) * 0.05).astype(np.float32)
    return w1, np.zeros(SIZES[1], np.float32), w2, np.zeros(SIZES[2], np.float32)


class HandWrittenMLP(Twin):
    """Forward and backward by hand, as in the books' chapter 5 (no graph, no autodiff)."""

    def __init__(self, weights):
        self.w1, self.b1, self.w2, self.b2 = (w.copy() for w in weights)

    def step(self, x, labels):
        # forward
        a1 = x @ self.w1 + self.b1
        z1 = 0.5 * (1.0 + np.tanh(0.5 * a1))  # sigmoid, as the engine computes it
        a2 = z1 @ self.w2 + self.b2
        shifted = a2 - a2.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        y = exp / exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(labels))
        loss = -np.log(y[rows, labels]).mean()
        # backward: softmax with cross-entropy gives (y - t) / batch
        delta2 = y
        delta2[rows, labels] -= 1.0
        delta2 /= len(labels)
        grad_w2 = z1.T @ delta2
        grad_b2 = delta2.sum(axis=0)
        delta1 = (delta2 @ self.w2.T) * z1 * (1.0 - z1)
        grad_w1 = x.T @ delta1
        grad_b1 = delta1.sum(axis=0)
        # SGD
        self.w1 -= LR * grad_w1
        self.b1 -= LR * grad_b1
        self.w2 -= LR * grad_w2
        self.b2 -= LR * grad_b2
        return float(loss)

    def weights(self):
        return self.w1, self.b1, self.w2, self.b2


class EngineMLP(Twin):
    """The same network as a user of tinygrad_edu writes it."""

    def __init__(self, weights):
        self.model = nn.Sequential(nn.Linear(*SIZES[:2]), nn.Sigmoid(), nn.Linear(*SIZES[1:]))
        for parameter, value in zip(self.model.parameters(), weights):
            parameter.data[...] = value
        self.optimizer = optim.SGD(self.model.parameters(), lr=LR)

    def step(self, x, labels):
        loss = F.cross_entropy(self.model(x), labels)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self):
        return tuple(p.data for p in self.model.parameters())


def twins(seed=0):
    """A hand-written and an engine MLP starting from the same weights."""
    weights = initial_weights(seed)
    return HandWrittenMLP(weights), EngineMLP(weights)
