"""DataLoader: batch contents and order, the last batch, shuffling and seeds, datasets,
and the error messages."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.data import DataLoader

X = np.arange(20, dtype=np.float32).reshape(10, 2)
T = np.arange(10) * 10


def epoch(loader):
    """The first-array rows of every batch of one epoch, as plain lists."""
    return [np.asarray(b[0] if isinstance(b, tuple) else b).tolist() for b in loader]


def test_batches_in_order_with_a_partial_last_batch():
    loader = DataLoader((X, T), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [xb.shape for xb, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    for i, (xb, tb) in enumerate(batches):
        assert isinstance(xb, Tensor) and isinstance(tb, Tensor)
        np.testing.assert_array_equal(xb.numpy(), X[4 * i:4 * i + 4])
        np.testing.assert_array_equal(tb.numpy(), T[4 * i:4 * i + 4])
        assert xb.dtype == np.float32 and tb.dtype == T.dtype and not xb.requires_grad


def test_drop_last():
    loader = DataLoader((X, T), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [tb.numpy().tolist() for _, tb in loader] == [[0, 10, 20, 30], [40, 50, 60, 70]]
    assert len(DataLoader(X, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(X, batch_size=11, drop_last=True)) == 0
    assert list(DataLoader(X, batch_size=11, drop_last=True)) == []


def test_a_single_array_yields_single_items_and_arrays_when_asked():
    batches = list(DataLoader(X, batch_size=3, tensors=False))
    assert all(type(b) is np.ndarray for b in batches)
    np.testing.assert_array_equal(np.concatenate(batches), X)
    assert isinstance(next(iter(DataLoader(X, batch_size=3))), Tensor)
    pairs = list(DataLoader([X, T], batch_size=3, tensors=False))  # a list works like a tuple
    assert all(isinstance(p, tuple) and len(p) == 2 for p in pairs)


def test_tensor_input_and_one_tuples():
    ((xb,),) = list(DataLoader((Tensor(X),), batch_size=10))  # a tuple of one gives 1-tuples
    np.testing.assert_array_equal(xb.numpy(), X)
    (xb,) = list(DataLoader(Tensor(X), batch_size=10))
    np.testing.assert_array_equal(xb.numpy(), X)


def test_shuffle_covers_every_sample_once_and_keeps_pairs_together():
    tg.manual_seed(0)
    loader = DataLoader((X, T), batch_size=3, shuffle=True)
    xs, ts = zip(*((xb.numpy(), tb.numpy()) for xb, tb in loader))
    xs, ts = np.concatenate(xs), np.concatenate(ts)
    assert sorted(ts.tolist()) == T.tolist()
    assert ts.tolist() != T.tolist()
    np.testing.assert_array_equal(xs, X[ts // 10])  # each x still with its own label


def test_each_epoch_draws_a_new_permutation():
    loader = DataLoader(T, batch_size=10, shuffle=True, seed=1)
    epochs = [epoch(loader)[0] for _ in range(4)]
    assert len({tuple(e) for e in epochs}) == 4
    assert all(sorted(e) == T.tolist() for e in epochs)


def test_a_seed_makes_the_sequence_of_epochs_reproducible():
    first = DataLoader(T, batch_size=4, shuffle=True, seed=42)
    second = DataLoader(T, batch_size=4, shuffle=True, seed=42)
    tg.manual_seed(0)
    a = [epoch(first) for _ in range(3)]
    tg.manual_seed(99)  # the library generator plays no part when seed is given
    b = [epoch(second) for _ in range(3)]
    assert a == b
    assert a != [epoch(DataLoader(T, batch_size=4, shuffle=True, seed=43)) for _ in range(3)]


def test_without_a_seed_shuffling_follows_manual_seed():
    loader = DataLoader(T, batch_size=10, shuffle=True)
    tg.manual_seed(5)
    a = epoch(loader)
    tg.manual_seed(5)
    assert epoch(loader) == a


def test_the_order_is_drawn_when_the_epoch_starts():
    loader = DataLoader(T, batch_size=10, shuffle=True)
    tg.manual_seed(5)
    expected = epoch(loader)
    tg.manual_seed(5)
    batches = iter(loader)
    tg.manual_seed(123)  # changes nothing for the epoch already started
    assert [next(batches).numpy().tolist()] == expected


class Squares:
    """A dataset object: __getitem__ takes a whole array of indices at once."""

    def __init__(self, n):
        self.n = n
        self.requests = []

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.requests.append(np.asarray(index).copy())
        index = np.asarray(index)
        return index.astype(np.float64), index**2


def test_dataset_objects_get_whole_index_arrays():
    data = Squares(7)
    batches = list(DataLoader(data, batch_size=3))
    assert len(data.requests) == 3  # one call per batch, no loop over samples
    assert [r.tolist() for r in data.requests] == [[0, 1, 2], [3, 4, 5], [6]]
    xb, tb = batches[2]
    assert isinstance(xb, Tensor) and xb.numpy().tolist() == [6.0] and tb.numpy().tolist() == [36]
    shuffled = list(DataLoader(Squares(7), batch_size=7, shuffle=True, seed=0))
    xb, tb = shuffled[0]
    np.testing.assert_array_equal(tb.numpy(), xb.numpy() ** 2)
    assert sorted(xb.numpy().tolist()) == list(range(7))


def test_dataset_returning_a_single_array():
    class Doubles:
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return np.asarray(index) * 2.0

    assert [b.numpy().tolist() for b in DataLoader(Doubles(), batch_size=3)] == [
        [0.0, 2.0, 4.0], [6.0]]


def test_repr():
    assert repr(DataLoader((X, T), batch_size=4)) == (
        "DataLoader(10 samples, batch_size=4, shuffle=False, drop_last=False, 3 batches)")


def test_errors():
    with pytest.raises(ValueError, match=r"the arrays differ in their first dimension \(number "
                                         r"of samples\): array 0 has 10, array 1 has 9"):
        DataLoader((X, T[:9]), batch_size=2)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match=r"batch_size must be a positive integer, got"):
            DataLoader(X, batch_size=bad)
    with pytest.raises(TypeError, match=r"DataLoader needs an array, a tuple of arrays or a "
                                        r"dataset with __len__ and __getitem__, got int"):
        DataLoader(5, batch_size=2)
    with pytest.raises(ValueError, match=r"array 1 is a single number \(shape \(\)\)"):
        DataLoader((X, 3.0), batch_size=2)
    with pytest.raises(ValueError, match=r"got an empty tuple of arrays"):
        DataLoader((), batch_size=2)


def test_python_lists_of_floats_give_default_float_batches():
    loader = DataLoader(([[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]], [0, 1, 2]), batch_size=2)
    xb, tb = next(iter(loader))
    assert xb.dtype == tg.get_default_dtype() == Tensor([0.5]).dtype
    assert tb.dtype == np.int64
    arrays = DataLoader(([[0.5], [1.5]],), batch_size=2, tensors=False)
    assert next(iter(arrays))[0].dtype == np.float32
    assert next(iter(DataLoader((np.ones((2, 1)),), batch_size=2)))[0].dtype == np.float64
