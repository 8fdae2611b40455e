"""DataLoader: mini-batches for one epoch at a time, the books' `np.random.choice` loop made
reusable.

Batches are cut from whole arrays with one fancy index each (no loop over samples), and
each `for` over the loader is one epoch, in a new random order when `shuffle=True`.

>>> import numpy as np
>>> from tinygrad_edu.data import DataLoader
>>> x = np.arange(10, dtype=np.float32).reshape(5, 2)
>>> t = np.array([0, 1, 0, 1, 1])
>>> loader = DataLoader((x, t), batch_size=2)
>>> len(loader)
3
>>> [xb.shape for xb, tb in loader]
[(2, 2), (2, 2), (1, 2)]
"""

from __future__ import annotations

import numpy as np

from .random import generator
from .tensor import Tensor, as_array


class DataLoader:
    """Iterate over `arrays_or_dataset` in batches of `batch_size`.

    arrays_or_dataset: one array (yields one item per batch), a tuple or list of arrays
        with the same first dimension (yields a tuple per batch), or a dataset object with
        `__len__` and a `__getitem__` that takes an array of indices and returns an array or
        a tuple of arrays for the whole batch.
    shuffle: a new random order every epoch. With `seed`, the loader has its own generator
        (`np.random.default_rng(seed)`), so its sequence of epochs repeats exactly; without,
        it draws from the library's generator (`tg.manual_seed`).
    drop_last: leave out a last batch smaller than batch_size.
    tensors: yield Tensors (the default) or the plain arrays.
    """

    def __init__(self, arrays_or_dataset, batch_size, shuffle=False, drop_last=False,
                 seed=None, tensors=True):
        whole = isinstance(batch_size, (int, np.integer)) and not isinstance(batch_size, bool)
        if not whole or batch_size < 1:
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer, got {batch_size!r}"
            )
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.tensors = tensors
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.single, self.arrays, self.dataset = False, None, None
        source = arrays_or_dataset
        if isinstance(source, (np.ndarray, Tensor)):
            self.single = True
            self.arrays = (_as_array(source, 0),)
        elif isinstance(source, (tuple, list)):
            if not source:
                raise ValueError("DataLoader: got an empty tuple of arrays")
            self.arrays = tuple(_as_array(a, i) for i, a in enumerate(source))
            lengths = [len(a) for a in self.arrays]
            for i, n in enumerate(lengths):
                if n != lengths[0]:
                    raise ValueError(
                        f"DataLoader: the arrays differ in their first dimension (number of "
                        f"samples): array 0 has {lengths[0]}, array {i} has {n}"
                    )
        elif hasattr(source, "__len__") and hasattr(source, "__getitem__"):
            self.dataset = source
        else:
            raise TypeError(
                f"DataLoader needs an array, a tuple of arrays or a dataset with __len__ and "
                f"__getitem__, got {type(source).__name__}"
            )
        self.num_samples = len(self.dataset) if self.dataset is not None else len(self.arrays[0])

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        if self.drop_last:
            return self.num_samples // self.batch_size
        return -(-self.num_samples // self.batch_size)

    def __iter__(self):
        # The order is drawn here, when the epoch starts, not lazily at the first batch.
        order = None
        if self.shuffle:
            rng = self._rng if self._rng is not None else generator()
            order = rng.permutation(self.num_samples)
        return self._batches(order)

    def _batches(self, order):
        size = self.batch_size
        for start in range(0, len(self) * size, size):
            stop = min(start + size, self.num_samples)
            if order is not None:
                index = order[start:stop]
            elif self.dataset is not None:
                index = np.arange(start, stop)
            else:
                index = slice(start, stop)  # in order: a view, no copy
            yield self._package(self._fetch(index))

    def _fetch(self, index):
        if self.dataset is not None:
            return self.dataset[index]
        if self.single:
            return self.arrays[0][index]
        return tuple(a[index] for a in self.arrays)

    def _package(self, batch):
        if not self.tensors:
            return batch
        if isinstance(batch, (tuple, list)):
            return tuple(Tensor(b) for b in batch)
        return Tensor(batch)

    def __repr__(self) -> str:
        return (f"DataLoader({self.num_samples} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, {len(self)} batches)")


def _as_array(value, position) -> np.ndarray:
    array = as_array(value)  # Tensor()'s rules: lists of floats get the default float dtype
    if array.ndim == 0:
        raise ValueError(
            f"DataLoader: array {position} is a single number (shape ()); each array needs a "
            f"first axis of samples"
        )
    return array
