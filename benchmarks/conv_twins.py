"""The books' convolution, three times: tinygrad_edu, written by hand in NumPy, and PyTorch.

Two workloads of docs/performance.md's table, float32, batch 100 of 28x28 single-channel images:
- the layer: conv2d 1->30 5x5 + ReLU + 2x2 max pooling, forward and backward (the weights'
  gradients; the images are data);
- the books' SimpleConvNet training step: conv 30x5x5, ReLU, pool 2, affine 4320->100, ReLU,
  affine 100->10, softmax cross-entropy, Adam.

The hand twin is what a student writes after chapter 7: im2col (here with NumPy's
sliding_window_view and one copy, the books' layout), one matrix product, pooling by argmax,
and every backward derived by hand (col2im is not needed: the images need no gradient).
For the layer there is a second hand twin, `HandFastConvLayer`: the engine's own algorithm
(im2col stored transposed, W @ col.T, pooling as two first-maximum passes) written out by
hand, so that the ratio against it is what the graph and the ops cost. All of them start from
the same weights and see the same batches; tests/programs/test_conv_benchmarks.py checks that they
agree.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from timing import Twin

import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn, optim

BATCH, FILTERS, KERNEL, HIDDEN, CLASSES = 100, 30, 5, 100, 10
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8
POOLED = FILTERS * 12 * 12  # 4320 features after the pooling


def make_data(seed=0, batches=4):
    rng = np.random.default_rng(seed)
    images = rng.random((batches, BATCH, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, CLASSES, (batches, BATCH))
    return images, labels


def initial_weights(seed=0):
    """conv W (30, 1, 5, 5), b; affine W1 (4320, 100), b1; W2 (100, 10), b2 (He, float32)."""
    rng = np.random.default_rng(seed)

    def he(*shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    return (he(FILTERS, 1, KERNEL, KERNEL, fan_in=KERNEL * KERNEL), np.zeros(FILTERS, np.float32),
            he(POOLED, HIDDEN, fan_in=POOLED), np.zeros(HIDDEN, np.float32),
            he(HIDDEN, CLASSES, fan_in=HIDDEN), np.zeros(CLASSES, np.float32))


# ---- by hand ---------------------------------------------------------------------------------


def im2col(x, kh, kw):
    """(N, C, H, W) -> (N*OH*OW, C*KH*KW), the books' layout, stride 1, no padding."""
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))  # (N, C, OH, OW, KH, KW)
    n, c, oh, ow = windows.shape[:4]
    return np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(n * oh * ow, -1)


class HandConvLayer:
    """conv 1->30 5x5 + ReLU + 2x2 max pooling, forward and hand-derived backward."""

    def __init__(self, weights):
        self.w = weights[0].copy()
        self.b = weights[1].copy()

    def forward(self, x):
        n = x.shape[0]
        fn, _, kh, kw = self.w.shape
        self.col = im2col(x, kh, kw)  # (N*24*24, 25)
        out = self.col @ self.w.reshape(fn, -1).T + self.b  # (N*24*24, 30)
        out = out.reshape(n, 24, 24, fn).transpose(0, 3, 1, 2)
        self.positive = out > 0
        out = out * self.positive  # ReLU
        # 2x2 pooling: each window's 4 values side by side, the argmax remembered
        windows = out.reshape(n, fn, 12, 2, 12, 2).transpose(0, 1, 2, 4, 3, 5).reshape(-1, 4)
        self.argmax = windows.argmax(axis=1)
        self.pooled_shape = (n, fn, 12, 12)
        return windows[np.arange(len(windows)), self.argmax].reshape(self.pooled_shape)

    def backward(self, dout):
        n, fn = self.pooled_shape[:2]
        dwindows = np.zeros((dout.size, 4), np.float32)
        dwindows[np.arange(dout.size), self.argmax] = dout.reshape(-1)  # to the max only
        dconv = dwindows.reshape(n, fn, 12, 12, 2, 2).transpose(0, 1, 2, 4, 3, 5)
        dconv = dconv.reshape(n, fn, 24, 24) * self.positive  # ReLU: 1 where positive
        dconv = dconv.transpose(0, 2, 3, 1).reshape(-1, fn)  # (N*24*24, 30)
        self.dw = (self.col.T @ dconv).T.reshape(self.w.shape)
        self.db = dconv.sum(axis=0)


class HandFastConvLayer:
    """The same layer, by hand, with the engine's algorithm and no graph."""

    def __init__(self, weights):
        self.w = weights[0].copy()
        self.b = weights[1].copy()

    def forward(self, x):
        n = x.shape[0]
        fn = self.w.shape[0]
        windows = sliding_window_view(x, (KERNEL, KERNEL), axis=(2, 3))  # (N, 1, 24, 24, 5, 5)
        self.col_t = np.ascontiguousarray(windows.transpose(1, 4, 5, 0, 2, 3)).reshape(25, -1)
        out = self.w.reshape(fn, -1) @ self.col_t  # (30, N*24*24)
        out += self.b[:, None]
        self.positive = out > 0
        out *= self.positive  # ReLU, in place
        image = out.reshape(fn, n, 24, 24).transpose(1, 0, 2, 3)
        # 2x2 pooling: the max of each window row (left, right), then of the two rows
        left, right = image[..., 0::2], image[..., 1::2]  # (N, 30, 24, 12)
        self.right_wins = right > left
        rows = np.maximum(left, right)
        top, bottom = rows[:, :, 0::2], rows[:, :, 1::2]  # (N, 30, 12, 12)
        self.bottom_wins = bottom > top
        return np.maximum(top, bottom)

    def backward(self, dout):
        n, fn = dout.shape[:2]
        drows = np.empty((n, fn, 24, 12), np.float32)
        np.multiply(dout, ~self.bottom_wins, out=drows[:, :, 0::2])
        np.multiply(dout, self.bottom_wins, out=drows[:, :, 1::2])
        dimage = np.empty((n, fn, 24, 24), np.float32)
        np.multiply(drows, ~self.right_wins, out=dimage[..., 0::2])
        np.multiply(drows, self.right_wins, out=dimage[..., 1::2])
        dout_t = dimage.transpose(1, 0, 2, 3).reshape(fn, -1) * self.positive  # (30, N*24*24)
        self.dw = (dout_t @ self.col_t.T).reshape(self.w.shape)
        self.db = dout_t.sum(axis=1)


class HandAdam:
    def __init__(self, params):
        self.params = params
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        (beta1, beta2), t = BETAS, self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= beta1
            m += (1.0 - beta1) * g
            v *= beta2
            v += (1.0 - beta2) * g * g
            p -= (LR / (1.0 - beta1**t)) * m / (np.sqrt(v / (1.0 - beta2**t)) + EPS)


class HandSimpleConvNet(Twin):
    """The books' SimpleConvNet, forward and backward by hand, trained with Adam."""

    def __init__(self, weights):
        self.conv = HandConvLayer(weights)
        self.w1, self.b1, self.w2, self.b2 = (w.copy() for w in weights[2:])
        self.adam = HandAdam([self.conv.w, self.conv.b, self.w1, self.b1, self.w2, self.b2])

    def step(self, x, labels):
        n = len(labels)
        pooled = self.conv.forward(x).reshape(n, -1)
        a1 = pooled @ self.w1 + self.b1
        positive = a1 > 0
        z1 = a1 * positive
        a2 = z1 @ self.w2 + self.b2
        shifted = a2 - a2.max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(n)
        loss = -log_y[rows, labels].mean()
        delta2 = np.exp(log_y)  # softmax with cross-entropy: (y - t) / N
        delta2[rows, labels] -= 1.0
        delta2 /= n
        dw2, db2 = z1.T @ delta2, delta2.sum(axis=0)
        delta1 = (delta2 @ self.w2.T) * positive
        dw1, db1 = pooled.T @ delta1, delta1.sum(axis=0)
        self.conv.backward((delta1 @ self.w1.T).reshape(self.conv.pooled_shape))
        self.adam.step([self.conv.dw, self.conv.db, dw1, db1, dw2, db2])
        return float(loss)

    def weights(self):
        return (self.conv.w, self.conv.b, self.w1, self.b1, self.w2, self.b2)


# ---- tinygrad_edu ----------------------------------------------------------------------------


class EngineConvLayer:
    def __init__(self, weights):
        self.w = Tensor(weights[0].copy(), requires_grad=True)
        self.b = Tensor(weights[1].copy(), requires_grad=True)

    def run(self, x, dout):
        out = F.max_pool2d(F.conv2d(x, self.w, self.b).relu(), 2)
        self.w.grad = self.b.grad = None
        out.backward(dout)
        return out


class EngineSimpleConvNet(Twin):
    """The same network as a user of tinygrad_edu writes it."""

    def __init__(self, weights):
        self.model = nn.Sequential(
            nn.Conv2d(1, FILTERS, KERNEL), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(POOLED, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))
        for parameter, value in zip(self.model.parameters(), weights):
            parameter.data[...] = value
        self.optimizer = optim.Adam(self.model.parameters(), lr=LR, betas=BETAS, eps=EPS)

    def step(self, x, labels):
        loss = F.cross_entropy(self.model(x), labels)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self):
        return tuple(p.data for p in self.model.parameters())


# ---- PyTorch (optional) ----------------------------------------------------------------------


class TorchConvLayer:
    def __init__(self, weights):
        import torch

        self.torch = torch
        self.w = torch.tensor(weights[0], requires_grad=True)
        self.b = torch.tensor(weights[1], requires_grad=True)

    def run(self, x, dout):
        functional = self.torch.nn.functional
        out = functional.max_pool2d(functional.conv2d(x, self.w, self.b).relu(), 2)
        self.w.grad = self.b.grad = None
        out.backward(dout)
        return out


class TorchSimpleConvNet(Twin):
    def __init__(self, weights):
        import torch

        self.torch = torch
        self.model = torch.nn.Sequential(
            torch.nn.Conv2d(1, FILTERS, KERNEL), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(POOLED, HIDDEN), torch.nn.ReLU(),
            torch.nn.Linear(HIDDEN, CLASSES))
        with torch.no_grad():
            for parameter, value in zip(self.model.parameters(), weights):
                # torch.nn.Linear keeps (out, in): the transpose of ours
                parameter.copy_(torch.tensor(value.T if value.ndim == 2 else value))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR, betas=BETAS, eps=EPS)

    def step(self, x, labels):
        loss = self.torch.nn.functional.cross_entropy(self.model(x), labels)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self):
        return tuple(p.detach().numpy().T if p.ndim == 2 else p.detach().numpy()
                     for p in self.model.parameters())
