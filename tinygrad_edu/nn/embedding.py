"""Embedding: a table of vectors, one row per token id; a lookup is indexing the table.

The second book's `Embedding` layer writes its backward by hand (`np.add.at` into dW); here
the lookup is `weight[ids]`, and the engine's indexing already adds the gradients of a row
that was picked several times.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> import tinygrad_edu.nn as nn
>>> _ = tg.manual_seed(0)
>>> emb = nn.Embedding(10, 3)
>>> ids = np.array([[1, 2, 1]])
>>> emb(ids).shape
(1, 3, 3)
>>> emb(ids).sum().backward()
>>> emb.weight.grad.numpy()[1].tolist()          # row 1 was used twice
[2.0, 2.0, 2.0]
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, get_default_dtype
from .module import Module, Parameter


def embedding(input, weight, padding_idx=None) -> Tensor:  # noqa: A002 (PyTorch's name)
    """Rows of `weight` (num_embeddings, embedding_dim) picked by the integer ids `input`.

    The result has shape input.shape + (embedding_dim,). With `padding_idx`, positions
    holding that id get no gradient into the table (the row stays as it is, zeros by default).

    >>> import numpy as np
    >>> w = Tensor(np.arange(6.0).reshape(3, 2))
    >>> embedding(np.array([2, 0]), w).tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    ids = _ids(input, weight.shape[0], "embedding")
    out = weight[ids]
    if padding_idx is None:
        return out
    keep = np.broadcast_to((ids != padding_idx)[..., None], out.shape)
    return out.where(keep, Tensor(weight.data[ids]))  # the padding rows: values, no gradient


def _ids(input, num_embeddings, layer):  # noqa: A002
    ids = input.data if isinstance(input, Tensor) else np.asarray(input)
    if ids.dtype.kind not in "iu":
        raise TypeError(
            f"{layer}: the input must hold integer ids (token indices), got dtype {ids.dtype} "
            f"of shape {ids.shape}; convert with .astype(np.int64)"
        )
    if ids.size and (ids.min() < 0 or ids.max() >= num_embeddings):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise IndexError(
            f"{layer}: index {bad} is out of range for a table of {num_embeddings} rows "
            f"(ids must be in [0, {num_embeddings - 1}]), in an input of shape {ids.shape}"
        )
    return ids


class Embedding(Module):
    """A lookup table of `num_embeddings` vectors of size `embedding_dim`.

    `weight` (num_embeddings, embedding_dim) starts standard normal, as PyTorch's; the row
    `padding_idx` (when given) starts at zero and gets no gradient.

    >>> import numpy as np
    >>> Embedding(1000, 128)(np.zeros((32, 35), np.int64)).shape
    (32, 35, 128)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None):
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim",
                                                                 embedding_dim)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {value!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for "
                                 f"{num_embeddings} rows")
            padding_idx %= num_embeddings  # PyTorch's rule for a negative one
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        from ..random import generator

        table = generator().standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            table[padding_idx] = 0.0
        self.weight = Parameter(table.astype(get_default_dtype()))

    def forward(self, input):  # noqa: A002
        _ids(input, self.num_embeddings, repr(self))
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"
