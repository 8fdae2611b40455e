"""Optimizers: the update rules of the books' chapter 6, applied to every parameter.

Each optimizer holds a list of parameters; `step()` reads each one's `.grad` and changes its
`.data` in place (inside `tg.no_grad()`, in the parameter's own dtype: float32 stays
float32), skipping parameters without a gradient. The formulas follow PyTorch where it and
the books write them differently; each class says where.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> from tinygrad_edu import optim
>>> w = tg.Tensor(np.array([1.0, -2.0]), requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()          # grad = 2 w
>>> opt.step()
>>> w.numpy()
array([ 0.8, -1.6])
>>> opt.zero_grad(); w.grad is None
True
"""

from __future__ import annotations

import numpy as np

from .modes import no_grad
from .tensor import Tensor
from .versions import mark_changed_in_place


def _check(name: str, ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(f"{name}: {message}")


class Optimizer:
    """Base class: holds the parameters, the hyper-parameters and per-parameter state.

    A subclass sets `self.hyperparameters` (a dict) and `self.state` (one dict of arrays per
    parameter) and writes `update(parameter, grad, state)`.
    """

    def __init__(self, params, hyperparameters: dict, state_names=()):
        name = type(self).__name__
        if hasattr(params, "parameters"):
            raise ValueError(f"{name}: pass model.parameters(), not the model itself")
        if isinstance(params, Tensor):
            params = [params]
        params = list(params)
        _check(name, len(params) > 0, "got an empty parameter list (nothing to optimize)")
        seen = set()
        for i, p in enumerate(params):
            _check(name, isinstance(p, Tensor),
                   f"params must be Tensors, item {i} is a {type(p).__name__}")
            _check(name, p.is_leaf,
                   f"params must be leaf tensors (made by you, not by an op), item {i} is not")
            _check(name, id(p) not in seen, f"item {i} appears twice in params")
            seen.add(id(p))
        lr = hyperparameters.get("lr")
        _check(name, lr is not None and lr >= 0.0, f"lr must be >= 0, got {lr}")
        decay = hyperparameters.get("weight_decay", 0.0)
        _check(name, decay >= 0.0, f"weight_decay must be >= 0, got {decay}")
        eps = hyperparameters.get("eps", 0.0)
        _check(name, eps >= 0.0, f"eps must be >= 0, got {eps}")
        self.params = params
        self.hyperparameters = dict(hyperparameters)
        self.state_names = tuple(state_names)
        self.state = [{} for _ in params]

    # Hyper-parameters read like attributes: `opt.lr = 0.01` changes the learning rate.
    def __getattr__(self, name):
        hyperparameters = self.__dict__.get("hyperparameters", {})
        if name in hyperparameters:
            return hyperparameters[name]
        raise AttributeError(f"{type(self).__name__} has no attribute '{name}'")

    def __setattr__(self, name, value):
        hyperparameters = self.__dict__.get("hyperparameters")
        if hyperparameters is not None and name in hyperparameters:
            hyperparameters[name] = value
        else:
            object.__setattr__(self, name, value)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (`.grad = None`), before the next backward."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        with no_grad():
            for p, state in zip(self.params, self.state):
                if p.grad is not None:
                    self.update(p.data, p.grad.data, state)
                    mark_changed_in_place(p.data)  # a graph that saved p refuses to backward

    def update(self, p: np.ndarray, g: np.ndarray, state: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update(p, g, state)")

    def _buffer(self, state: dict, key: str, like: np.ndarray) -> np.ndarray:
        buffer = state.get(key)
        if buffer is None:
            buffer = state[key] = np.zeros_like(like)
        return buffer

    # ---- saving and loading ----------------------------------------------------------------

    def state_dict(self) -> dict:
        """{'hyperparameters': {...}, 'state': [per-parameter dict of arrays]}, as copies."""
        return {
            "hyperparameters": dict(self.hyperparameters),
            "state": [{key: np.array(value) for key, value in s.items()} for s in self.state],
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what `state_dict()` returned (for the same parameters, in the same order)."""
        name = type(self).__name__
        hyperparameters = state_dict.get("hyperparameters")
        states = state_dict.get("state")
        _check(name, isinstance(hyperparameters, dict) and isinstance(states, (list, tuple)),
               "a state dict has the keys 'hyperparameters' (a dict) and 'state' (a list)")
        _check(name, set(hyperparameters) == set(self.hyperparameters),
               f"the state dict's hyper-parameters {sorted(hyperparameters)} are not this "
               f"optimizer's {sorted(self.hyperparameters)}")
        _check(name, len(states) == len(self.params),
               f"the state dict has state for {len(states)} parameters, this optimizer has "
               f"{len(self.params)}")
        loaded = []
        for i, (p, saved) in enumerate(zip(self.params, states)):
            unknown = set(saved) - set(self.state_names)
            _check(name, not unknown,
                   f"parameter {i}: unknown state {sorted(unknown)} (expected names among "
                   f"{list(self.state_names)})")
            entry = {}
            for key, value in saved.items():
                value = np.asarray(value)
                if key != "step":
                    _check(name, value.shape == p.shape,
                           f"parameter {i}: state '{key}' has shape {value.shape}, the "
                           f"parameter has {p.shape}")
                    value = value.astype(p.dtype)
                entry[key] = value.copy()
            loaded.append(entry)
        self.hyperparameters.update(hyperparameters)
        self.state = loaded

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({settings}; {len(self.params)} parameters)"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum.

    With g = grad + weight_decay * p:
        plain:     p -= lr * g
        momentum:  v = momentum * v + g;  p -= lr * v
        nesterov:  v = momentum * v + g;  p -= lr * (g + momentum * v)

    Momentum follows PyTorch (Sutskever et al. 2013). The books write
    v = momentum * v - lr * g; p += v, which is the same rule while lr stays fixed (their v
    is -lr times this one).
    """

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        _check("SGD", momentum >= 0.0, f"momentum must be >= 0, got {momentum}")
        _check("SGD", not nesterov or momentum > 0.0,
               "nesterov=True needs a momentum > 0 (it is a kind of momentum)")
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov,
                                  "weight_decay": weight_decay}, state_names=("momentum_buffer",))

    def update(self, p, g, state):
        h = self.hyperparameters
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        momentum = h["momentum"]
        if momentum:
            v = self._buffer(state, "momentum_buffer", p)
            v *= momentum
            v += g
            g = g + momentum * v if h["nesterov"] else v
        p -= h["lr"] * g


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011): each parameter's step shrinks with its gradient history.

        h += g * g;  p -= lr * g / (sqrt(h) + eps)

    The books' AdaGrad, with eps in place of their 1e-7 (PyTorch's default, 1e-10).
    """

    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        super().__init__(params, {"lr": lr, "eps": eps, "weight_decay": weight_decay},
                         state_names=("sum",))

    def update(self, p, g, state):
        h = self.hyperparameters
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        total = self._buffer(state, "sum", p)
        total += g * g
        p -= h["lr"] * g / (np.sqrt(total) + h["eps"])


class RMSprop(Optimizer):
    """RMSprop (Hinton, lecture 6e, 2012): Adagrad with a decaying average instead of a sum.

        v = alpha * v + (1 - alpha) * g * g
        plain:     p -= lr * g / (sqrt(v) + eps)
        momentum:  b = momentum * b + g / (sqrt(v) + eps);  p -= lr * b

    As in PyTorch; the books' RMSprop is the plain form with decay_rate = alpha.
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        _check("RMSprop", 0.0 <= alpha <= 1.0, f"alpha must be in [0, 1], got {alpha}")
        _check("RMSprop", momentum >= 0.0, f"momentum must be >= 0, got {momentum}")
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "momentum": momentum,
                                  "weight_decay": weight_decay},
                         state_names=("square_avg", "momentum_buffer"))

    def update(self, p, g, state):
        h = self.hyperparameters
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        alpha = h["alpha"]
        v = self._buffer(state, "square_avg", p)
        v *= alpha
        v += (1.0 - alpha) * g * g
        step = g / (np.sqrt(v) + h["eps"])
        if h["momentum"]:
            b = self._buffer(state, "momentum_buffer", p)
            b *= h["momentum"]
            b += step
            step = b
        p -= h["lr"] * step


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): momentum and RMSprop together, with bias correction.

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    t counts this parameter's steps. As in PyTorch (eps outside the square root, added
    after bias correction); the books fold the corrections into lr and use eps = 1e-7.
    weight_decay adds weight_decay * p to the gradient (L2, not AdamW's decoupled decay).

    >>> import numpy as np
    >>> from tinygrad_edu import Tensor
    >>> w = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    >>> w.grad = Tensor(np.array([0.5, -3.0]))
    >>> Adam([w], lr=0.1).step()          # the first step moves each weight by about lr
    >>> w.numpy()
    array([ 0.9, -0.9])
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        beta1, beta2 = betas
        _check("Adam", 0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0,
               f"betas must each be in [0, 1), got {tuple(betas)}")
        super().__init__(params, {"lr": lr, "betas": (beta1, beta2), "eps": eps,
                                  "weight_decay": weight_decay},
                         state_names=("step", "exp_avg", "exp_avg_sq"))

    def update(self, p, g, state):
        h = self.hyperparameters
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        beta1, beta2 = h["betas"]
        t = state["step"] = int(state.get("step", 0)) + 1
        m = self._buffer(state, "exp_avg", p)
        v = self._buffer(state, "exp_avg_sq", p)
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * g * g
        denominator = np.sqrt(v / (1.0 - beta2**t))
        denominator += h["eps"]
        p -= (h["lr"] / (1.0 - beta1**t)) * m / denominator
