"""Scaled dot-product attention and MultiheadAttention: values against NumPy, gradients
against central differences (first and second order), PyTorch's numbers with the same
weights, masks by PyTorch's rules, and clear messages for wrong shapes."""

import numpy as np
import pytest
from conftest import second_derivative

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor


def numpy_attention(q, k, v, allowed=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v


def test_attention_matches_numpy_and_gradchecks_twice(check_op, rng):
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), \
        rng.standard_normal((2, 5, 2))
    check_op(F.scaled_dot_product_attention, numpy_attention, q, k, v)
    # a key shared by a batch of queries (broadcast batch axes)
    check_op(F.scaled_dot_product_attention, numpy_attention, q, k[0], v[0], second_order=False)


def test_boolean_float_and_causal_masks(check_op, rng):
    q, k, v = (rng.standard_normal((2, 4, 3)) for _ in range(3))
    allowed = rng.random((4, 4)) < 0.6
    allowed[:, 0] = True  # every query may attend somewhere
    check_op(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=allowed),
             lambda q, k, v: numpy_attention(q, k, v, allowed), q, k, v)
    causal = np.tril(np.ones((4, 4), bool))
    np.testing.assert_allclose(
        F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), is_causal=True).numpy(),
        numpy_attention(q, k, v, causal), atol=1e-12)
    additive = np.where(allowed, 0.0, -np.inf)
    np.testing.assert_allclose(
        F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), attn_mask=additive)
        .numpy(), numpy_attention(q, k, v, allowed), atol=1e-12)


def test_sdpa_agrees_with_pytorch(rng):
    torch = pytest.importorskip("torch")
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 6, 4)), \
        rng.standard_normal((2, 6, 5))
    mask = rng.random((3, 6)) < 0.7
    mask[:, 0] = True
    ours = [Tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    o1 = F.scaled_dot_product_attention(*ours, attn_mask=mask, scale=0.3)
    o2 = torch.nn.functional.scaled_dot_product_attention(*theirs, attn_mask=torch.tensor(mask),
                                                          scale=0.3)
    np.testing.assert_allclose(o1.numpy(), o2.detach().numpy(), atol=1e-12)
    (o1 * o1).sum().backward()
    (o2 * o2).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


def make_mha(embed_dim=6, num_heads=2, **options):
    tg.manual_seed(0)
    tg.set_default_dtype(np.float64)
    try:
        return nn.MultiheadAttention(embed_dim, num_heads, **options)
    finally:
        tg.set_default_dtype(np.float32)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_agrees_with_pytorch(batch_first, average, rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.MultiheadAttention(6, 2, batch_first=batch_first).double()
    ours = make_mha(batch_first=batch_first)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    shape_q, shape_kv = ((2, 3, 6), (2, 5, 6)) if batch_first else ((3, 2, 6), (5, 2, 6))
    q, kv = rng.standard_normal(shape_q), rng.standard_normal(shape_kv)
    padding = np.array([[False, False, False, True, True], [False] * 5])
    blocked = np.zeros((3, 5), bool)
    blocked[0, 1] = True
    ours_in = [Tensor(a, requires_grad=True) for a in (q, kv)]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in (q, kv)]
    o1, w1 = ours(ours_in[0], ours_in[1], ours_in[1], key_padding_mask=padding,
                  attn_mask=blocked, average_attn_weights=average)
    o2, w2 = theirs(theirs_in[0], theirs_in[1], theirs_in[1],
                    key_padding_mask=torch.tensor(padding), attn_mask=torch.tensor(blocked),
                    average_attn_weights=average)
    np.testing.assert_allclose(o1.numpy(), o2.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(w1.numpy(), w2.detach().numpy(), atol=1e-12)
    ((o1 * o1).sum() + (w1 * w1).sum()).backward()
    ((o2 * o2).sum() + (w2 * w2).sum()).backward()
    for a, b in zip(ours_in, theirs_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-10)
    theirs_grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_grads[name].grad.numpy(), atol=1e-10,
                                   err_msg=name)


def test_multihead_attention_gradchecks_and_takes_one_sequence(rng):
    mha = make_mha(4, 2)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)  # (L, E): unbatched

    def fn(x, *params):
        out, weights = mha(x, x, x)
        assert weights.shape == (3, 3)
        return out

    assert fn(x).shape == (3, 4)
    assert tg.gradcheck(fn, (x, *mha.parameters()))
    assert tg.gradcheck(second_derivative(fn), (x,))
    assert mha(x, x, x, need_weights=False)[1] is None


def test_attention_messages_name_the_shapes():
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: .*got query \(2, 3\), "
                       r"key \(4, 5\), value \(4, 5\)"):
        F.scaled_dot_product_attention(np.zeros((2, 3)), np.zeros((4, 5)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 3\) does not broadcast to "
                       r"the scores' shape \(2, 2\)"):
        F.scaled_dot_product_attention(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)),
                                       attn_mask=np.ones((3, 3), bool))
    mha = nn.MultiheadAttention(8, 2)
    with pytest.raises(ValueError, match=r"MultiheadAttention\(embed_dim=8, num_heads=2\): "
                       r"query must have shape \(L, N, 8\) or \(L, 8\), got \(5, 2, 7\)"):
        mha(np.zeros((5, 2, 7), np.float32), np.zeros((5, 2, 8)), np.zeros((5, 2, 8)))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(2, 5\), got "
                       r"\(5, 2\)"):
        x = np.zeros((5, 2, 8), np.float32)
        mha(x, x, x, key_padding_mask=np.zeros((5, 2), bool))
    with pytest.raises(ValueError, match=r"embed_dim \(6\) must be a positive multiple of "
                       r"num_heads \(4\)"):
        nn.MultiheadAttention(6, 4)


def test_attention_dropout_drops_weights_in_training_only(rng):
    q = Tensor(rng.standard_normal((1, 50, 4)))
    mha = make_mha(4, 1, dropout=0.5, batch_first=True)
    _, weights = mha(q, q, q)
    w = weights.numpy()
    assert (w == 0).mean() > 0.3  # about half dropped, the rest scaled by 2
    np.testing.assert_allclose(w.sum(axis=-1).mean(), 1.0, atol=0.15)
    mha.eval()
    _, weights = mha(q, q, q)
    assert (weights.numpy() > 0).all()
