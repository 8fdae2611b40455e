"""The book's layers (`common.layers`), each one's forward recorded on the engine.

Same classes, constructors, `forward`/`backward(dout)` on NumPy arrays and gradient
attributes (`dW`, `db`, `dgamma`, `dbeta`) as the book's, so that its networks run as
written; what the book derives by hand in every `backward`, the engine computes from the
recorded forward (recording.py). Each `record` below is the forward formula only.

>>> import numpy as np
>>> from tinygrad_edu.book.layers import Affine, Relu, SoftmaxWithLoss
>>> W, b = np.array([[1.0, -1.0], [0.5, 2.0]]), np.zeros(2)
>>> affine, relu, last = Affine(W, b), Relu(), SoftmaxWithLoss()
>>> loss = last.forward(relu.forward(affine.forward(np.array([[1.0, 1.0]]))), np.array([1]))
>>> dx = affine.backward(relu.backward(last.backward(1)))
>>> round(float(loss), 4), affine.dW.round(4).tolist()
(0.9741, [[0.6225, -0.6225], [0.6225, -0.6225]])

Conventions, where they show: Relu's gradient at exactly 0 is 0 (as the book's mask
`x <= 0` makes it); SoftmaxWithLoss's loss is the engine's cross-entropy from logits
(log-sum-exp), without the `1e-7` that the book adds inside its log, so a printed loss can
differ from the book's in about the seventh digit (its gradient, (softmax - t) / N, is the
same); Pooling pads with -inf, as the engine's max_pool2d does (the book's code, with
padding, pads with zeros).
"""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..nn import functional as F
from .recording import Layer

# No __all__: the book's scripts star-import this module (`from common.layers import *`), which
# also gives them `np`; some (chapter 6's optimizer_compare_mnist.py) use np without importing it.

# The book's BatchNormalization adds 10e-7 (that is 1e-6) to the variance.
BATCH_NORM_EPSILON = 10e-7


class Relu(Layer):
    def forward(self, x):
        return self._forward(x)

    def record(self, x):
        return x.relu()


class Sigmoid(Layer):
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = self._forward(x)
        return self.out

    def record(self, x):
        return x.sigmoid()


class Affine(Layer):
    """out = x W + b, x flattened to one row per sample (image batches included)."""

    parameters, gradients = ("W", "b"), ("dW", "db")

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.dW = self.db = None
        self.original_x_shape = None

    def forward(self, x):
        if np.ndim(x) < 2:
            raise ValueError(
                f"Affine.forward: x has shape {np.shape(x)}, one sample without a batch axis; "
                f"the book's layers take a batch, one sample per row: use x.reshape(1, -1)")
        self.original_x_shape = np.shape(x)
        return self._forward(x)

    def record(self, x, W, b):
        return x.reshape(x.shape[0], -1) @ W + b


class SoftmaxWithLoss(Layer):
    """forward(x, t): the cross-entropy error of softmax(x), a float; t holds labels or
    one-hot rows. backward(dout=1): d loss / d x, by the engine."""

    def __init__(self):
        self.loss = self.t = None

    def forward(self, x, t):
        self.t = t
        t = np.asarray(t)
        if t.dtype.kind in "iu" and t.ndim > 1 and t.size == np.shape(x)[0]:
            t = t.reshape(-1)  # labels as a column, (N, 1): the book's indexing takes them too
        loss = self._forward(x, t)
        self.loss = loss[()] if isinstance(loss, np.ndarray) else loss  # a NumPy float
        return self.loss

    def record(self, x, t):
        return F.cross_entropy(x, t)  # the engine's loss: no cross-entropy written here

    def backward(self, dout=1):
        return super().backward(dout)

    @property
    def y(self):
        """softmax of the last forward's input (the book keeps it as `self.y`)."""
        if self._recorded is None:
            return None
        with no_grad():
            return self._recorded[0].softmax(axis=-1).data


class Dropout(Layer):
    """forward(x, train_flg=True): training keeps each element with probability
    1 - dropout_ratio (mask from np.random.rand, as the book draws it); testing scales by
    1 - dropout_ratio instead (the book's convention, not the engine's inverted dropout)."""

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*np.shape(x)) > self.dropout_ratio
        return self._forward(x, train_flg)

    def record(self, x, train_flg):
        if train_flg:
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)


class BatchNormalization(Layer):
    """Normalises each input feature over the batch (training) or with the running statistics
    (testing), then scales by gamma and shifts by beta. A 4-d input counts every (C, H, W)
    element as a feature, as the book's does. The running statistics follow the book's rule:
    running = momentum * running + (1 - momentum) * batch statistic (biased variance)."""

    parameters, gradients = ("gamma", "beta"), ("dgamma", "dbeta")

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean, self.running_var = running_mean, running_var
        self.input_shape = None
        self.dgamma = self.dbeta = None

    def forward(self, x, train_flg=True):
        self.input_shape = np.shape(x)
        return self._forward(x, train_flg)

    def record(self, x, gamma, beta, train_flg):
        shape = x.shape
        if x.ndim != 2:
            x = x.reshape(shape[0], -1)
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
            self.running_var = np.zeros(x.shape[1])
        if train_flg:
            mean = x.mean(axis=0)
            centered = x - mean
            variance = (centered**2).mean(axis=0)
            normalized = centered / (variance + BATCH_NORM_EPSILON).sqrt()
            keep = self.momentum
            self.running_mean = keep * self.running_mean + (1 - keep) * mean.data
            self.running_var = keep * self.running_var + (1 - keep) * variance.data
        else:
            normalized = (x - self.running_mean) / np.sqrt(self.running_var + BATCH_NORM_EPSILON)
        out = gamma * normalized + beta
        return out.reshape(*shape)


class Convolution(Layer):
    """W: (FN, C, FH, FW) filters, b: (FN,); x: (N, C, H, W) -> (N, FN, OH, OW), the
    engine's conv2d (im2col and one matrix product, as the book computes it)."""

    parameters, gradients = ("W", "b"), ("dW", "db")

    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.dW = self.db = None
        self.x = None

    def forward(self, x):
        _check_images("Convolution", x)
        self.x = x
        return self._forward(x)

    def record(self, x, W, b):
        if b.ndim == 0:  # one number for every filter (chapter 7's apply_filter passes b = 0)
            b = b.broadcast_to((W.shape[0],))
        return F.conv2d(x, W, b, stride=self.stride, padding=self.pad)


class Pooling(Layer):
    """Max pooling over pool_h x pool_w windows; the gradient goes to each window's first
    maximum, as the book's argmax sends it."""

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad
        self.x = None

    def forward(self, x):
        _check_images("Pooling", x)
        self.x = x
        return self._forward(x)

    def record(self, x):
        return F.max_pool2d(x, (self.pool_h, self.pool_w), stride=self.stride, padding=self.pad)


def _check_images(layer, x):
    if np.ndim(x) != 4:
        hint = (" (flat images: load them with load_mnist(flatten=False))" if np.ndim(x) == 2
                else " (one image: x[np.newaxis])" if np.ndim(x) == 3 else "")
        raise ValueError(f"{layer}.forward: x must be a batch of images of shape "
                         f"(N, C, H, W), got shape {np.shape(x)}{hint}")
