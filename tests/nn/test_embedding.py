"""Embedding and nn.utils.clip_grad_norm_: values, gradients (repeated ids add up), PyTorch's
numbers, and the messages for ids out of range."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor


def test_embedding_picks_rows_and_repeated_ids_add_their_gradients(check_op):
    ids = np.array([[0, 2, 0], [3, 3, 3]])
    out = check_op(lambda w, i: F.embedding(i, w), lambda w, i: w[i],
                   np.random.default_rng(0).standard_normal((4, 5)), ids)
    assert out.shape == (2, 3, 5)
    w = Tensor(np.ones((4, 5)), requires_grad=True)
    (F.embedding(ids, w) * 2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [4.0, 0.0, 2.0, 6.0])


def test_padding_idx_rows_start_at_zero_and_get_no_gradient(rng):
    tg.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=1)
    np.testing.assert_array_equal(emb.weight.numpy()[1], 0.0)
    with tg.no_grad():
        emb.weight[1] = 7.0  # a changed padding row is still returned as it is
    ids = np.array([1, 2, 1, 4])
    out = emb(ids)
    np.testing.assert_array_equal(out.numpy()[0], 7.0)
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[:, 0], [0.0, 0.0, 1.0, 0.0, 1.0])
    w = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    # Elsewhere the gradient is the true one (at the padding id it is 0 by definition, as in
    # PyTorch, so central differences would disagree there).
    assert tg.gradcheck(lambda w: F.embedding(np.array([0, 2, 2, 4]), w, padding_idx=1) ** 2, (w,))
    assert nn.Embedding(5, 3, padding_idx=-1).padding_idx == 4


def test_embedding_initialises_standard_normal_in_the_default_dtype():
    tg.manual_seed(0)
    emb = nn.Embedding(1000, 64)
    assert emb.weight.shape == (1000, 64) and emb.weight.dtype == np.float32
    assert abs(float(emb.weight.numpy().std()) - 1.0) < 0.02
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"


def test_embedding_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Embedding(7, 3, padding_idx=2).double()
    ours = nn.Embedding(7, 3, padding_idx=2)
    ours.load_state_dict({"weight": theirs.weight.detach().numpy()})
    ids = np.array([[2, 0, 6], [6, 6, 2]])
    weights = np.random.default_rng(3).standard_normal((2, 3, 3))
    (ours(ids) * weights).sum().backward()
    (theirs(torch.from_numpy(ids)) * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), atol=1e-12)


def test_ids_out_of_range_name_the_layer_the_index_and_the_shape():
    emb = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\): index 10 is out of range for a "
                       r"table of 10 rows \(ids must be in \[0, 9\]\), in an input of shape "
                       r"\(2, 2\)"):
        emb(np.array([[1, 10], [0, 2]]))
    with pytest.raises(IndexError, match=r"index -1 is out of range"):
        emb(np.array([-1]))
    with pytest.raises(TypeError, match=r"Embedding\(10, 3\): the input must hold integer ids"):
        emb(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="Embedding: padding_idx 10 is out of range"):
        nn.Embedding(10, 3, padding_idx=10)


# ---- clip_grad_norm_ ---------------------------------------------------------------------------


def test_clip_grad_norm_scales_all_gradients_together_and_returns_the_norm_before():
    a = nn.Parameter(np.zeros(2))
    b = nn.Parameter(np.zeros((1, 1)))
    unused = nn.Parameter(np.zeros(3))
    ((a * np.array([3.0, 0.0])).sum() + (b * 4.0).sum()).backward()
    norm = nn.utils.clip_grad_norm_([a, b, unused], max_norm=2.5)
    assert norm.item() == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.numpy(), [1.5, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), [[2.0]], rtol=1e-6)
    assert unused.grad is None
    assert nn.utils.clip_grad_norm_([a, b], max_norm=10.0).item() == pytest.approx(2.5)
    np.testing.assert_allclose(a.grad.numpy(), [1.5, 0.0], rtol=1e-6)  # under the limit: kept


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_grad_norm_is_the_norm_of_all_gradients_as_one_vector(rng, norm_type):
    grads = [rng.standard_normal((4, 3)).T, rng.standard_normal(5).astype(np.float32)]
    originals = [g.copy() for g in grads]
    params = [nn.Parameter(np.zeros(g.shape, g.dtype)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = Tensor(g.copy() if g.ndim == 1 else g)  # a transposed (F-ordered) gradient too
    expected = np.linalg.norm(np.concatenate([g.ravel() for g in grads]).astype(np.float64),
                              norm_type)
    norm = nn.utils.clip_grad_norm_(params, 0.5, norm_type)
    assert norm.item() == pytest.approx(expected, rel=1e-6)
    for p, g in zip(params, originals):
        np.testing.assert_allclose(p.grad.numpy(), g * min(1.0, 0.5 / (expected + 1e-6)),
                                   rtol=1e-5)


def test_clip_grad_norm_agrees_with_pytorch(rng):
    torch = pytest.importorskip("torch")
    grads = [rng.standard_normal((3, 4)) * 10, rng.standard_normal(5)]
    ours = [nn.Parameter(np.zeros_like(g)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = Tensor(g.copy()), torch.tensor(g)
    for norm_type in (2.0, 1.0, float("inf")):
        n1 = nn.utils.clip_grad_norm_(ours, 1.0, norm_type)
        n2 = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
        assert n1.item() == pytest.approx(n2.item())
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)
