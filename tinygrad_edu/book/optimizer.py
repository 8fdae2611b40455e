"""The book's `common.optimizer`: update(params, grads) on dicts of NumPy arrays, in place.

Each rule is the book's, with its constants (1e-7 under the square roots, Adam's bias
correction folded into its step size), and each update changes `params[key]` in place, so
that the layers, which hold those very arrays, see the new values at their next forward.
These work on the book's dicts; `tinygrad_edu.optim` has the engine's optimizers for
Tensors (PyTorch's rules, which differ in details: see docs/api.md, optim).

>>> import numpy as np
>>> from tinygrad_edu.book.optimizer import Momentum
>>> params, grads = {"W": np.array([1.0, 2.0])}, {"W": np.array([0.5, -1.0])}
>>> W = params["W"]
>>> optimizer = Momentum(lr=0.1, momentum=0.9)
>>> optimizer.update(params, grads); optimizer.update(params, grads)
>>> W.round(3).tolist()                # the same array, moved twice: v = -0.05, then -0.095
[0.855, 2.29]
"""

from __future__ import annotations

import numpy as np

# No __all__: the book's scripts star-import this module (`from common.optimizer import *`), which
# also gives them `np`; some (chapter 6's optimizer_compare_mnist.py) use np without importing it.

EPSILON = 1e-7  # the book's: keeps a division by sqrt(h) finite where h is still 0


class _Optimizer:
    """update(params, grads) steps every key of `params` with its gradient in `grads`."""

    state_names = ()  # per-parameter arrays, zeros of the parameter's shape at the first update

    def update(self, params, grads):
        for name in self.state_names:
            if getattr(self, name) is None:
                setattr(self, name, {key: np.zeros_like(value) for key, value in params.items()})
        self._start_step()
        for key in params.keys():
            _check(key, params[key], grads)
            self._step(key, params[key], grads[key])

    def _start_step(self):
        pass


def _check(key, param, grads):
    if key not in grads:
        raise KeyError(f"update(params, grads): grads has no {key!r}, which params has; "
                       f"grads needs one gradient per parameter (got keys {sorted(grads)})")
    if np.shape(grads[key]) != np.shape(param):
        raise ValueError(f"update(params, grads): grads[{key!r}] has shape "
                         f"{np.shape(grads[key])}, but params[{key!r}] has {np.shape(param)}")


class SGD(_Optimizer):
    """W <- W - lr * dW"""

    def __init__(self, lr=0.01):
        self.lr = lr

    def _step(self, key, param, grad):
        param -= self.lr * grad


class Momentum(_Optimizer):
    """v <- momentum * v - lr * dW;  W <- W + v"""

    state_names = ("v",)

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def _step(self, key, param, grad):
        self.v[key] = self.momentum * self.v[key] - self.lr * grad
        param += self.v[key]


class Nesterov(_Optimizer):
    """Nesterov's momentum in the book's form (Bengio et al. 2012, arXiv:1212.0901):
    W <- W + momentum^2 v - (1 + momentum) lr dW, then v <- momentum v - lr dW."""

    state_names = ("v",)

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def _step(self, key, param, grad):
        velocity = self.v[key]
        param += self.momentum * self.momentum * velocity
        param -= (1 + self.momentum) * self.lr * grad
        velocity *= self.momentum
        velocity -= self.lr * grad


class AdaGrad(_Optimizer):
    """h <- h + dW * dW;  W <- W - lr * dW / (sqrt(h) + 1e-7)"""

    state_names = ("h",)

    def __init__(self, lr=0.01):
        self.lr, self.h = lr, None

    def _step(self, key, param, grad):
        self.h[key] += grad * grad
        param -= self.lr * grad / (np.sqrt(self.h[key]) + EPSILON)


class RMSprop(_Optimizer):
    """h <- decay_rate * h + (1 - decay_rate) * dW * dW;  W <- W - lr * dW / (sqrt(h) + 1e-7)"""

    state_names = ("h",)

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate, self.h = lr, decay_rate, None

    def _step(self, key, param, grad):
        squares = self.h[key]
        squares *= self.decay_rate
        squares += (1 - self.decay_rate) * grad * grad
        param -= self.lr * grad / (np.sqrt(squares) + EPSILON)


class Adam(_Optimizer):
    """Adam (Kingma & Ba, arXiv:1412.6980), as the book writes it: the moving averages
    m += (1 - beta1)(dW - m) and v += (1 - beta2)(dW^2 - v), and the bias correction in the
    step size, lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t); W <- W - lr_t m / (sqrt(v) + 1e-7)."""

    state_names = ("m", "v")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter = 0
        self.m = self.v = None

    def _start_step(self):
        self.iter += 1
        t = self.iter
        self.lr_t = self.lr * np.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)

    def _step(self, key, param, grad):
        self.m[key] += (1 - self.beta1) * (grad - self.m[key])
        self.v[key] += (1 - self.beta2) * (grad**2 - self.v[key])
        param -= self.lr_t * self.m[key] / (np.sqrt(self.v[key]) + EPSILON)
