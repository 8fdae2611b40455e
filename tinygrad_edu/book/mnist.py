"""The book's `dataset.mnist`: `load_mnist` with its signature and its dtypes.

It reads the four MNIST files through `tg.datasets.load_mnist` (a clone ships them in
data/mnist/; elsewhere they are fetched once and checked), never through a pickle. As the
book's: images float32 in [0, 1] when `normalize` (uint8 otherwise), (N, 784) when
`flatten`, else (N, 1, 28, 28); labels uint8, or float64 one-hot rows.

>>> from tinygrad_edu.book.mnist import load_mnist
>>> (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False, one_hot_label=True)
>>> x_train.shape, x_train.dtype, t_test.shape, t_test.dtype
((60000, 1, 28, 28), dtype('float32'), (10000, 10), dtype('float64'))
"""

from __future__ import annotations

import numpy as np

from ..datasets import load_mnist as _load_mnist

__all__ = ["load_mnist"]


def load_mnist(normalize=True, flatten=True, one_hot_label=False):
    """((x_train, t_train), (x_test, t_test)) as NumPy arrays, as the book returns them."""
    splits = _load_mnist(normalize=normalize, flatten=flatten, one_hot=one_hot_label)
    label_dtype = np.float64 if one_hot_label else np.uint8
    return tuple((images, labels.astype(label_dtype)) for images, labels in splits)
