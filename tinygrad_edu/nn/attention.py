"""Attention: `F.scaled_dot_product_attention` and `nn.MultiheadAttention`, as in PyTorch.

The second book's `TimeAttention` derives its backward by hand (the weighted sum, then the
softmax); here attention is a few Tensor ops, softmax(q k^T / sqrt(d)) v (Vaswani et al.
2017), and backward() is the engine's.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> import tinygrad_edu.nn as nn
>>> _ = tg.manual_seed(0)
>>> attention = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
>>> x = np.ones((3, 5, 8), np.float32)                  # (batch, length, features)
>>> out, weights = attention(x, x, x)
>>> out.shape, weights.shape                            # weights averaged over the heads
((3, 5, 8), (3, 5, 5))
>>> weights.numpy().sum(axis=-1).round(6).tolist()[0]   # each query's weights sum to 1
[1.0, 1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

import math

import numpy as np

from ..random import generator
from ..tensor import Tensor, get_default_dtype
from . import init
from .module import Module, Parameter


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
              training=True):
    """(output, weights) of scaled dot-product attention; see scaled_dot_product_attention.

    weights = softmax(q k^T * scale + mask) has shape (..., L, S); output = weights @ v.
    """
    q, k, v = _as_tensor(query), _as_tensor(key), _as_tensor(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] or \
            k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: query (..., L, E), key (..., S, E) and value "
            f"(..., S, Ev) must agree in E and S, got query {q.shape}, key {k.shape}, "
            f"value {v.shape}"
        )
    length, source = q.shape[-2], k.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    scores = (q @ k.swapaxes(-1, -2)) * scale
    allowed = None
    if is_causal:
        allowed = np.tril(np.ones((length, source), bool))
    if attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        try:
            np.broadcast_shapes(mask.shape, scores.shape)
        except ValueError:
            raise ValueError(
                f"scaled_dot_product_attention: attn_mask of shape {mask.shape} does not "
                f"broadcast to the scores' shape {scores.shape} (..., L, S)"
            ) from None
        if mask.dtype == np.bool_:  # True: may attend (PyTorch's rule for this function)
            allowed = mask if allowed is None else allowed & mask
        else:  # a float mask is added to the scores
            scores = scores + mask.astype(scores.dtype, copy=False)
    if allowed is not None:  # the smallest float, not -inf: finite for detect_anomaly
        allowed = np.broadcast_to(allowed, scores.shape)
        scores = scores.where(allowed, np.finfo(scores.dtype).min)
    weights = scores.softmax(axis=-1)
    if dropout_p and training:  # inverted dropout, as F.dropout (which imports this file)
        keep = generator().random(weights.shape) >= dropout_p
        weights = weights * (keep / (1.0 - dropout_p)).astype(weights.dtype)
    return weights @ v, weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None) -> Tensor:
    """softmax(q k^T / sqrt(E) + mask) v, for query (..., L, E), key (..., S, E) and value
    (..., S, Ev); the result has shape (..., L, Ev).

    attn_mask: a boolean mask (True where a query may attend to a key, PyTorch's rule for
    this function) or a float mask added to the scores, broadcast to (..., L, S).
    is_causal=True lets position i attend only to positions <= i. A query that may attend
    to nothing gets uniform weights (PyTorch gives NaN there).

    >>> import numpy as np
    >>> q = Tensor(np.array([[1.0, 0.0]]))
    >>> k = Tensor(np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> v = Tensor(np.array([[10.0], [20.0]]))
    >>> scaled_dot_product_attention(q, k, v).numpy().round(3)
    array([[13.302]])
    """
    return attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]


class _Projection(Module):
    """x @ W.T + b with W in PyTorch's layout (out, in), so that `out_proj.weight` moves
    between the two by name (nn.Linear here keeps the notes' (in, out))."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        dtype = get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
        bound = 1.0 / math.sqrt(in_features)  # PyTorch's Linear default
        init.uniform_(self.weight, -bound, bound)
        self.bias = Parameter(np.zeros(out_features, dtype)) if bias else None

    def forward(self, x):
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class MultiheadAttention(Module):
    """Attention with `num_heads` heads, each on embed_dim // num_heads features.

    Parameters as PyTorch's: `in_proj_weight` (3 * embed_dim, embed_dim) stacks the query,
    key and value projections, `in_proj_bias` (3 * embed_dim,), and `out_proj` (weight
    (embed_dim, embed_dim), bias). Inputs (L, N, E), or (N, L, E) with batch_first=True, or
    (L, E) for one sequence. Returns `(attn_output, attn_weights)`; the weights are averaged
    over the heads, (N, L, S), or per head, (N, num_heads, L, S), with
    average_attn_weights=False; None with need_weights=False.

    Masks follow PyTorch's rules for this layer: in `attn_mask` (L, S) or (N * num_heads, L,
    S), True means "may NOT attend" (a float mask is added); in `key_padding_mask` (N, S),
    True marks padding keys to ignore.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = False):
        super().__init__()
        if embed_dim < 1 or num_heads < 1 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive "
                             f"multiple of num_heads ({num_heads})")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.batch_first, self.head_dim = batch_first, embed_dim // num_heads
        dtype = get_default_dtype()
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype))
        bound = math.sqrt(6.0 / (4 * embed_dim))  # Xavier uniform, as PyTorch: fans E and 3E
        init.uniform_(self.in_proj_weight, -bound, bound)
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype)) if bias else None
        self.out_proj = _Projection(embed_dim, embed_dim, bias)

    def _sequence(self, x, name):
        x = _as_tensor(x)
        if x.ndim not in (2, 3) or x.shape[-1] != self.embed_dim:
            order = "(N, L" if self.batch_first else "(L, N"
            raise ValueError(f"{self._name()}: {name} must have shape {order}, "
                             f"{self.embed_dim}) or (L, {self.embed_dim}), got {x.shape}")
        if x.ndim == 2:
            return x.reshape(x.shape[0], 1, x.shape[1])
        return x.swapaxes(0, 1) if self.batch_first else x  # (L, N, E)

    def _heads(self, x, k):
        """(L, N, E) input -> its k-th projection (q, k or v), as (N, heads, L, head_dim)."""
        e = self.embed_dim
        y = x @ self.in_proj_weight[k * e:(k + 1) * e].T
        if self.in_proj_bias is not None:
            y = y + self.in_proj_bias[k * e:(k + 1) * e]
        length, batch = x.shape[0], x.shape[1]
        return y.reshape(length, batch, self.num_heads, self.head_dim).transpose(1, 2, 0, 3)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        unbatched = _as_tensor(query).ndim == 2
        q, k, v = (self._sequence(x, name) for x, name in
                   ((query, "query"), (key, "key"), (value, "value")))
        if k.shape[:2] != v.shape[:2] or q.shape[1] != k.shape[1]:
            raise ValueError(f"{self._name()}: key and value need the same (length, batch), and "
                             f"query the same batch, got query {q.shape}, key {k.shape}, "
                             f"value {v.shape} (as (L, N, E))")
        length, batch, source = q.shape[0], q.shape[1], k.shape[0]
        allowed = self._allowed(key_padding_mask, attn_mask, batch, length, source)
        additive = None
        if attn_mask is not None and np.asarray(_array(attn_mask)).dtype != np.bool_:
            additive = self._mask_shape(_array(attn_mask), batch, length, source, "attn_mask")
        if additive is not None and allowed is not None:
            additive = np.where(allowed, additive, np.finfo(additive.dtype).min)
        mask = additive if additive is not None else allowed
        out, weights = attention(self._heads(q, 0), self._heads(k, 1), self._heads(v, 2), mask,
                                 self.dropout, is_causal, training=self.training)
        out = out.transpose(2, 0, 1, 3).reshape(length, batch, self.embed_dim)
        out = self.out_proj(out)
        if unbatched:
            out = out.reshape(length, self.embed_dim)
        elif self.batch_first:
            out = out.swapaxes(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        if unbatched:
            weights = weights[0]
        return out, weights

    def _mask_shape(self, mask, batch, length, source, name):
        """A mask of (L, S) or (N * heads, L, S) as (N, heads, L, S) or (1, 1, L, S)."""
        if mask.shape == (length, source):
            return mask.reshape(1, 1, length, source)
        if mask.shape == (batch * self.num_heads, length, source):
            return mask.reshape(batch, self.num_heads, length, source)
        raise ValueError(f"{self._name()}: {name} must have shape ({length}, {source}) or "
                         f"({batch * self.num_heads}, {length}, {source}), got {mask.shape}")

    def _allowed(self, key_padding_mask, attn_mask, batch, length, source):
        """Where a query may attend (True), from the boolean masks (True = may not)."""
        allowed = None
        if key_padding_mask is not None:
            padding = np.asarray(_array(key_padding_mask), bool)
            if padding.shape != (batch, source):
                raise ValueError(f"{self._name()}: key_padding_mask must have shape ({batch}, "
                                 f"{source}), got {padding.shape}")
            allowed = ~padding.reshape(batch, 1, 1, source)
        if attn_mask is not None and np.asarray(_array(attn_mask)).dtype == np.bool_:
            blocked = self._mask_shape(np.asarray(_array(attn_mask)), batch, length, source,
                                       "attn_mask")
            allowed = ~blocked if allowed is None else allowed & ~blocked
        return allowed

    def _name(self) -> str:
        return f"MultiheadAttention({self.extra_repr()})"

    def extra_repr(self) -> str:
        text = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
        if self.dropout:
            text += f", dropout={self.dropout}"
        return text + (", batch_first=True" if self.batch_first else "")


def _array(mask):
    return mask.data if isinstance(mask, Tensor) else np.asarray(mask)
