"""Convolution and pooling (conv.py, F.im2col/conv2d/max_pool2d/avg_pool2d): values against
direct loops written here, gradients against central differences (float64, first and second
order), against PyTorch when installed, and the messages a learner reads."""

import re

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn

rng = np.random.default_rng(0)


def leaf(*shape, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def pairs(value):
    return (value, value) if isinstance(value, int) else value


def padded(x, padding, fill=0.0):
    ph, pw = pairs(padding)
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)


# ---- direct loops: one output number at a time, as the definitions say -----------------------


def loop_windows(x, kernel, stride, padding, fill=0.0):
    """{(n, i, j): window (C, KH, KW)} of the padded input, every output pixel."""
    (kh, kw), (sh, sw) = pairs(kernel), pairs(stride)
    xp = padded(x, padding, fill)
    n, _, h, w = xp.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    return oh, ow, {(b, i, j): xp[b, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    for b in range(n) for i in range(oh) for j in range(ow)}


def loop_conv2d(x, w, b, stride, padding):
    oh, ow, windows = loop_windows(x, w.shape[2:], stride, padding)
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for (n, i, j), window in windows.items():
        for f in range(w.shape[0]):
            out[n, f, i, j] = (window * w[f]).sum() + (0.0 if b is None else b[f])
    return out


def loop_pool(x, kernel, stride, padding, reduce, fill):
    oh, ow, windows = loop_windows(x, kernel, stride, padding, fill)
    out = np.zeros((x.shape[0], x.shape[1], oh, ow))
    for (n, i, j), window in windows.items():
        for c in range(x.shape[1]):
            out[n, c, i, j] = reduce(window[c])
    return out


def loop_im2col(x, kernel, stride, padding):
    _, _, windows = loop_windows(x, kernel, stride, padding)
    return np.array([windows[key].reshape(-1) for key in sorted(windows)])


# (input shape, kernel, stride, padding): square and not, strides, padding, channels, batch
CONV_CASES = [
    ((2, 3, 6, 5), (3, 3), 1, 0),
    ((1, 2, 7, 6), (3, 2), 2, 1),
    ((3, 1, 5, 8), (2, 4), (1, 2), (2, 0)),
    ((2, 2, 4, 4), (1, 1), 1, 0),
    ((1, 1, 5, 5), (5, 5), 1, 0),
]
POOL_CASES = [
    ((2, 3, 6, 4), 2, None, 0),  # windows side by side (the fast path)
    ((1, 2, 6, 9), (2, 3), None, 0),
    ((2, 1, 7, 5), 3, 2, 1),  # overlapping windows, padding
    ((1, 2, 5, 6), (3, 2), (1, 2), (1, 1)),
    ((1, 1, 7, 7), 2, None, 0),  # the last row and column fit no window
]


# ---- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, kernel, stride, padding", CONV_CASES)
def test_im2col_rows_are_the_windows_in_the_books_layout(shape, kernel, stride, padding):
    x = rng.standard_normal(shape)
    col = F.im2col(x, kernel, stride, padding)
    expected = loop_im2col(x, kernel, stride, padding)
    assert col.shape == expected.shape == (expected.shape[0], shape[1] * kernel[0] * kernel[1])
    np.testing.assert_array_equal(col.numpy(), expected)


@pytest.mark.parametrize("shape, kernel, stride, padding", CONV_CASES)
def test_conv2d_matches_a_direct_loop(shape, kernel, stride, padding):
    x = rng.standard_normal(shape)
    w, b = rng.standard_normal((4, shape[1], *kernel)), rng.standard_normal(4)
    y = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride=stride, padding=padding)
    np.testing.assert_allclose(y.numpy(), loop_conv2d(x, w, b, stride, padding), atol=1e-12)
    no_bias = F.conv2d(x, w, stride=stride, padding=padding)  # arrays are accepted too
    np.testing.assert_allclose(no_bias.numpy(), loop_conv2d(x, w, None, stride, padding),
                               atol=1e-12)


@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_pooling_matches_a_direct_loop(shape, kernel, stride, padding):
    x = rng.standard_normal(shape)
    step = kernel if stride is None else stride
    np.testing.assert_array_equal(
        F.max_pool2d(x, kernel, stride, padding).numpy(),
        loop_pool(x, kernel, step, padding, np.max, fill=-np.inf))
    np.testing.assert_allclose(
        F.avg_pool2d(x, kernel, stride, padding).numpy(),
        loop_pool(x, kernel, step, padding, np.mean, fill=0.0), atol=1e-12)


def test_float32_stays_float32_forward_and_backward():
    x = Tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, np.float32), requires_grad=True)
    y = F.max_pool2d(F.conv2d(x, w, b, padding=1).relu(), 2)
    z = F.avg_pool2d(F.max_pool2d(y, 3, 1, 1), 2, 1)
    assert y.dtype == z.dtype == np.float32
    z.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_a_float32_cnn_step_records_no_float64_array():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, stride=2, padding=1), nn.ReLU(),
                          nn.AvgPool2d(2, 1), nn.Flatten(), nn.Linear(4, 3))
    x = rng.random((5, 1, 8, 8), dtype=np.float32)
    loss = F.cross_entropy(model(x), np.array([0, 1, 2, 0, 1]))
    arrays = []
    for tensor in tg.autograd.topological_order([loss]):
        arrays.append(tensor.data)
        if tensor._ctx is not None:
            arrays += [a for a in tensor._ctx.saved if isinstance(a, np.ndarray)]
    assert len(arrays) > 30
    assert {a.dtype for a in arrays if a.dtype.kind == "f"} == {np.dtype(np.float32)}
    loss.backward()
    assert {p.grad.dtype for p in model.parameters()} == {np.dtype(np.float32)}


# ---- gradients --------------------------------------------------------------------------------


def second_order(fn):
    """x -> d(fn(x) . R)/dx, recorded with create_graph, so gradcheck checks second derivatives."""

    def gradient_of_fn(*inputs):
        out = fn(*inputs)
        weights = np.random.default_rng(1).standard_normal(out.shape)
        grads = tg.grad((out * weights).sum(), inputs, create_graph=True)
        return tg.concatenate([g.reshape(-1) for g in grads])

    return gradient_of_fn


@pytest.mark.parametrize("shape, kernel, stride, padding", CONV_CASES)
def test_im2col_gradcheck_first_and_second_order(shape, kernel, stride, padding):
    # im2col is linear, so square it for a second derivative that is not zero
    def fn(x):
        col = F.im2col(x, kernel, stride, padding)
        return col * col

    x = leaf(*shape)
    assert tg.gradcheck(lambda x: F.im2col(x, kernel, stride, padding), (x,))
    assert tg.gradcheck(second_order(fn), (x,))


@pytest.mark.parametrize("shape, kernel, stride, padding", CONV_CASES)
def test_conv2d_gradcheck_first_and_second_order(shape, kernel, stride, padding):
    x, w, b = leaf(*shape, seed=1), leaf(2, shape[1], *kernel, seed=2), leaf(2, seed=3)

    def fn(x, w, b):
        return F.conv2d(x, w, b, stride=stride, padding=padding)

    assert tg.gradcheck(fn, (x, w, b))
    assert tg.gradcheck(second_order(fn), (x, w, b))  # d2/dx dw is not zero


@pytest.mark.parametrize("pool", [F.max_pool2d, F.avg_pool2d])
@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_pooling_gradcheck_first_and_second_order(pool, shape, kernel, stride, padding):
    x = leaf(*shape, seed=4)
    assert tg.gradcheck(lambda x: pool(x, kernel, stride, padding), (x,))
    # pooling is piecewise linear: square its input for a second derivative
    assert tg.gradcheck(second_order(lambda x: pool(x * x, kernel, stride, padding)), (x,))


@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 1)])
def test_max_pool_ties_send_the_whole_gradient_to_the_first_maximum(kernel, stride):
    x = Tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)  # every window is one big tie
    F.max_pool2d(x, kernel, stride).sum().backward()
    expected = np.zeros((4, 4))
    step = kernel if stride is None else stride
    for i in range(0, 4 - kernel + 1, step):
        for j in range(0, 4 - kernel + 1, step):
            expected[i, j] += 1.0  # the window's top-left element, first in reading order
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_max_pool_tie_inside_a_window_goes_to_the_first_in_reading_order():
    x = Tensor(np.array([[[[1.0, 3.0], [3.0, 3.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0.0, 1.0], [0.0, 0.0]])


def test_max_pool_padding_never_wins_a_window_of_minus_inf():
    # Issue 18 item 4: the -inf padding tied with a -inf input and, first in reading order,
    # took the gradient: the input received 4 in total, PyTorch gives 9.
    x = Tensor(np.full((1, 1, 3, 3), -np.inf), requires_grad=True)
    y = F.max_pool2d(x, 3, stride=1, padding=1)
    np.testing.assert_array_equal(y.numpy(), np.full((1, 1, 3, 3), -np.inf))
    y.sum().backward()
    # each of the 9 windows sends its 1 to its first input in reading order (as PyTorch does)
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[4.0, 2.0, 0.0],
                                                         [2.0, 1.0, 0.0],
                                                         [0.0, 0.0, 0.0]])


def test_max_pool_padding_never_wins_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.full((2, 2, 5, 4), -np.inf)
    x[0, 0, 2, 1] = -1.0
    x[1, 1, 0, :] = np.nan  # several NaNs in a window: PyTorch's gradient goes to the last
    for kernel, stride, padding in ((3, 1, 1), ((3, 2), (2, 1), (1, 1)), (5, 2, 2)):
        ours = Tensor(x.copy(), requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        y = F.max_pool2d(ours, kernel, stride, padding)
        ty = torch.nn.functional.max_pool2d(theirs, kernel, stride, padding)
        np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
        grad = np.random.default_rng(3).standard_normal(y.shape)
        y.backward(grad)
        ty.backward(torch.tensor(grad))
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_max_pool_of_a_nan_window_sends_the_gradient_to_the_nan():
    x = Tensor(np.array([[[[1.0, np.nan], [3.0, 2.0]]]]), requires_grad=True)
    y = F.max_pool2d(x, 2)
    assert np.isnan(y.item())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_max_pool_pools_integers_with_padding(dtype):
    # Issue 18 item 8: OverflowError: cannot convert float infinity to integer.
    x = np.arange(16, dtype=dtype).reshape(1, 1, 4, 4)
    y = F.max_pool2d(Tensor(x), 3, stride=1, padding=1)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.numpy()[0, 0], [[5, 6, 7, 7], [9, 10, 11, 11],
                                                    [13, 14, 15, 15], [13, 14, 15, 15]])
    loop = loop_pool(x.astype(np.float64), 3, 1, 1, np.max, -np.inf)
    np.testing.assert_array_equal(y.numpy(), loop)


def test_max_pool_of_integers_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).integers(-50, 50, (2, 3, 6, 5))
    for kernel, stride, padding in ((3, 1, 1), (2, None, 0), ((3, 2), 2, (1, 1))):
        y = F.max_pool2d(Tensor(x), kernel, stride, padding)
        ty = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, padding)
        assert str(ty.dtype) == f"torch.{y.dtype}"
        np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("stride, padding", [(None, 0), (1, 1), (2, 1)])
def test_avg_pool_of_integers_gives_the_default_float(stride, padding):
    # Issue 18 item 5: float64, where every other fraction op on integers gives float32.
    x = np.arange(32).reshape(1, 2, 4, 4)
    y = F.avg_pool2d(Tensor(x), 2 if padding == 0 else 3, stride, padding)
    assert y.dtype == np.float32 == Tensor(x).mean().dtype
    kernel = 2 if padding == 0 else 3
    expected = loop_pool(x.astype(np.float64), kernel, kernel if stride is None else stride,
                         padding, np.mean, 0.0)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    previous = tg.get_default_dtype()
    tg.set_default_dtype(np.float64)
    try:
        assert F.avg_pool2d(Tensor(x), 2).dtype == np.float64  # the default, whichever it is
    finally:
        tg.set_default_dtype(previous)


def test_max_pool_with_padding_is_no_anomaly():
    # Issue 18 item 7: the -inf fill of the padding made detect_anomaly report
    # "Im2Col forward produced inf (its inputs were finite)" on correct code.
    x = leaf(1, 2, 5, 5)
    with tg.detect_anomaly():
        y = F.max_pool2d(x, 3, stride=1, padding=1)
        y.sum().backward()
    expected = loop_pool(x.numpy(), 3, 1, 1, np.max, -np.inf)
    np.testing.assert_array_equal(y.numpy(), expected)
    assert x.grad.numpy().sum() == y.size
    with pytest.raises(RuntimeError, match="Log forward produced nan"):  # still on duty
        with tg.detect_anomaly():
            (F.max_pool2d(x, 3, stride=1, padding=1) - 100.0).log()


@pytest.mark.parametrize("padding", [0, 1])
def test_max_pool_forward_takes_steps_linear_in_the_window(padding, lines_run):
    # Issue 18 item 14: each position of a window cleared the wins of every earlier one,
    # K * K steps: kernel 15, stride 1 took 677 ms to PyTorch's 13.5 ms.
    x = Tensor(np.random.default_rng(2).standard_normal((1, 2, 24, 24)))

    def steps(kernel):
        return lines_run(lambda: F.max_pool2d(x, kernel, 1, padding), "conv.py")

    small, large = steps(4), steps(12)  # windows of 16 and 144 positions
    assert large / small < 12, (small, large)  # linear: 9 (quadratic was about 55)


def test_im2col_and_its_backward_are_adjoint():
    # <im2col(x), c> = <x, col2im(c)>: the backward of im2col is its transpose
    x = leaf(2, 3, 7, 6)
    c = np.random.default_rng(5).standard_normal(F.im2col(x, (3, 2), 2, 1).shape)
    (gx,) = tg.grad((F.im2col(x, (3, 2), 2, 1) * c).sum(), x)
    assert np.isclose((F.im2col(x, (3, 2), 2, 1).numpy() * c).sum(),
                      (x.numpy() * gx.numpy()).sum())


# ---- against PyTorch --------------------------------------------------------------------------


@pytest.mark.parametrize("shape, kernel, stride, padding", CONV_CASES)
def test_conv2d_matches_pytorch_value_and_every_gradient(shape, kernel, stride, padding):
    torch = pytest.importorskip("torch")
    x, w, b = leaf(*shape, seed=6), leaf(3, shape[1], *kernel, seed=7), leaf(3, seed=8)
    tx, tw, tb = (torch.tensor(t.numpy(), requires_grad=True) for t in (x, w, b))
    y = F.conv2d(x, w, b, stride=stride, padding=padding)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-12)
    grad = np.random.default_rng(9).standard_normal(y.shape)
    y.backward(grad)
    ty.backward(torch.tensor(grad))
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_pooling_matches_pytorch_value_and_gradient(shape, kernel, stride, padding):
    torch = pytest.importorskip("torch")
    for ours, theirs in ((F.max_pool2d, torch.nn.functional.max_pool2d),
                         (F.avg_pool2d, torch.nn.functional.avg_pool2d)):
        x = leaf(*shape, seed=10)
        x.data[..., :2, :2] = 0.5  # a few ties too
        tx = torch.tensor(x.numpy(), requires_grad=True)
        y, ty = ours(x, kernel, stride, padding), theirs(tx, kernel, stride, padding)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-12)
        grad = np.random.default_rng(11).standard_normal(y.shape)
        y.backward(grad)
        ty.backward(torch.tensor(grad))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)


# ---- the messages a learner reads -------------------------------------------------------------


def test_input_that_is_not_4d_is_named_with_its_shape():
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-d input \(N, C, H, W\), got "
                                         r"shape \(28, 28\)"):
        F.conv2d(np.zeros((28, 28)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 4-d input .* \(5, 4, 4\)"):
        F.max_pool2d(np.zeros((5, 4, 4)), 2)


def test_channel_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"conv2d: the input has 3 channels \(shape "
                                         r"\(2, 3, 8, 8\)\) but the weight of shape "
                                         r"\(4, 1, 3, 3\) expects 1"):
        F.conv2d(np.zeros((2, 3, 8, 8)), np.zeros((4, 1, 3, 3)))


def test_conv2d_bias_of_the_wrong_length_names_conv2d_and_the_channels():
    # Issue 18 item 9: "reshape: cannot reshape a tensor of shape (3,) into (2, 1)".
    x, w = Tensor(np.ones((1, 1, 4, 4))), Tensor(np.ones((2, 1, 3, 3)))
    for bias, shape in ((np.ones(3), "(3,)"), (Tensor(np.ones((2, 1))), "(2, 1)")):
        with pytest.raises(ValueError, match=re.escape(
                f"conv2d: the bias has shape {shape}, but the weight of shape (2, 1, 3, 3) "
                f"makes 2 output channels: the bias needs one value per output channel, "
                f"shape (2,)")):
            F.conv2d(x, w, bias)


def test_kernel_larger_than_the_padded_input():
    with pytest.raises(ValueError, match=r"conv2d: kernel \(5, 5\) is larger than the padded "
                                         r"input \(4, 4\) \(input shape \(1, 1, 2, 2\), "
                                         r"padding \(1, 1\)\)"):
        F.conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 5, 5)), padding=1)
    with pytest.raises(ValueError, match=r"avg_pool2d: kernel \(3, 3\) is larger"):
        F.avg_pool2d(np.zeros((1, 1, 2, 2)), 3)


def test_stride_zero_and_bad_arguments():
    with pytest.raises(ValueError, match=r"im2col: stride must be at least 1, got stride=\(0, 1\)"
                                         r" \(input shape \(1, 1, 4, 4\)\)"):
        F.im2col(np.zeros((1, 1, 4, 4)), 2, stride=(0, 1))
    with pytest.raises(ValueError, match=r"max_pool2d: stride must be at least 1"):
        F.max_pool2d(np.zeros((1, 1, 4, 4)), 2, stride=0)
    with pytest.raises(TypeError, match=r"conv2d: stride must be an int or a pair of ints"):
        F.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), stride=1.5)
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 2\) must be at most half "
                                         r"the kernel \(3, 3\)"):
        F.max_pool2d(np.zeros((1, 1, 8, 8)), 3, padding=2)
    with pytest.raises(ValueError, match=r"conv2d: weight must have shape \(out_channels, "
                                         r"in_channels, KH, KW\), got \(3, 3\)"):
        F.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((3, 3)))


# ---- layers -----------------------------------------------------------------------------------


def test_conv2d_layer_shapes_he_init_and_repr():
    tg.manual_seed(0)
    layer = nn.Conv2d(3, 64, (3, 5), stride=2, padding=(1, 2))
    assert repr(layer) == "Conv2d(3, 64, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2))"
    assert layer.weight.shape == (64, 3, 3, 5) and layer.weight.dtype == np.float32
    assert np.all(layer.bias.numpy() == 0)
    # He: std sqrt(2 / fan_in), fan_in = in_channels * KH * KW = 45
    assert abs(layer.weight.numpy().std() - np.sqrt(2 / 45)) < 0.02
    assert layer(np.zeros((2, 3, 9, 10), np.float32)).shape == (2, 64, 5, 5)
    assert repr(nn.Conv2d(1, 2, 3, bias=False)).endswith("bias=False)")
    assert nn.Conv2d(1, 2, 3, bias=False).bias is None
    names = [name for name, _ in nn.Sequential(nn.Conv2d(1, 2, 3)).named_parameters()]
    assert names == ["0.weight", "0.bias"]


def test_conv2d_layer_computes_f_conv2d_and_trains():
    tg.manual_seed(1)
    layer = nn.Conv2d(2, 3, 3, padding=1)
    x = rng.standard_normal((4, 2, 5, 5)).astype(np.float32)
    expected = loop_conv2d(x, layer.weight.numpy(), layer.bias.numpy(), 1, 1)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    # a target another convolution makes: the layer can learn it exactly
    target = loop_conv2d(x, rng.standard_normal((3, 2, 3, 3)), None, 1, 1).astype(np.float32)
    optimizer = tg.optim.Adam(layer.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        loss = F.mse_loss(layer(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.05 * losses[0]


def test_pooling_layers_use_the_functions():
    x = rng.standard_normal((2, 3, 6, 6))
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2))"
    assert repr(nn.AvgPool2d(3, 1, 1)) == \
        "AvgPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).numpy(), F.max_pool2d(x, 2).numpy())
    np.testing.assert_array_equal(nn.AvgPool2d(3, 1, 1)(x).numpy(),
                                  F.avg_pool2d(x, 3, 1, 1).numpy())


def test_flatten_on_nchw_keeps_the_batch_and_orders_channel_row_column():
    x = np.arange(2 * 3 * 2 * 2.0).reshape(2, 3, 2, 2)
    y = nn.Flatten()(Tensor(x))
    assert y.shape == (2, 12)
    np.testing.assert_array_equal(y.numpy()[1], x[1].reshape(-1))


def loop_batch_norm(x, gamma, beta, eps=1e-5):
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        values = x[:, c]
        out[:, c] = (values - values.mean()) / np.sqrt(values.var() + eps) * gamma[c] + beta[c]
    return out


def test_batch_norm2d_normalises_each_channel_over_batch_and_pixels():
    bn = nn.BatchNorm2d(3, momentum=0.5)
    bn.weight.data[:] = [1.0, 2.0, 0.5]
    bn.bias.data[:] = [0.0, -1.0, 3.0]
    x = (rng.standard_normal((4, 3, 5, 6)) * [[[[2.0]], [[0.5]], [[1.0]]]] + 1.0)
    x = x.astype(np.float32)
    y = bn(x)
    np.testing.assert_allclose(y.numpy(), loop_batch_norm(x, bn.weight.numpy(),
                                                          bn.bias.numpy()), atol=1e-4)
    count = 4 * 5 * 6
    np.testing.assert_allclose(bn.running_mean, 0.5 * x.mean(axis=(0, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, 0.5 + 0.5 * x.var(axis=(0, 2, 3)) * count /
                               (count - 1), rtol=1e-5)
    bn.eval()
    expected = (x - bn.running_mean[:, None, None]) / np.sqrt(bn.running_var[:, None, None]
                                                              + 1e-5)
    expected = expected * bn.weight.numpy()[:, None, None] + bn.bias.numpy()[:, None, None]
    np.testing.assert_allclose(bn(x).numpy(), expected, atol=1e-5)
    assert bn(x).dtype == np.float32


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm2d_gradcheck_first_and_second_order(training):
    bn = nn.BatchNorm2d(2).train(training) if hasattr(nn.Module, "train") else nn.BatchNorm2d(2)
    running_mean, running_var = np.array([0.1, -0.2]), np.array([1.5, 0.7])

    def fn(x, weight, bias):
        return F.batch_norm(x, running_mean.copy(), running_var.copy(), weight, bias,
                            training=training)

    x, weight, bias = leaf(3, 2, 3, 2, seed=12), leaf(2, seed=13), leaf(2, seed=14)
    assert bn.training is training
    assert tg.gradcheck(fn, (x, weight, bias))
    assert tg.gradcheck(second_order(fn), (x, weight, bias))


def test_batch_norm2d_matches_pytorch_in_train_and_eval_mode():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3).double()
    x = leaf(4, 3, 5, 2, seed=15)
    tx = torch.tensor(x.numpy(), requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-5)
    grad = np.random.default_rng(16).standard_normal(y.shape)
    y.backward(grad)
    ty.backward(torch.tensor(grad))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), atol=1e-6)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x).numpy(), theirs(tx).detach().numpy(), atol=1e-5)


def test_layer_errors_name_the_layer_and_the_shapes():
    layer = nn.Conv2d(1, 30, 5)
    with pytest.raises(ValueError, match=r"Conv2d\(1, 30, kernel_size=\(5, 5\), stride=\(1, 1\)\)"
                                         r": expected input of shape \(N, 1, H, W\), got "
                                         r"\(100, 784\) \(flattened MNIST images\? load them "
                                         r"with load_mnist\(flatten=False\)\)"):
        layer(np.zeros((100, 784), np.float32))
    with pytest.raises(ValueError, match=r"got \(2, 3, 28, 28\): 3 channels, but the layer has "
                                         r"in_channels=1"):
        layer(np.zeros((2, 3, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"Conv2d\(1, 30, .*\): conv2d: kernel \(5, 5\) is "
                                         r"larger than the padded input \(4, 4\)"):
        layer(np.zeros((1, 1, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"MaxPool2d: kernel_size and stride must be at least 1"
                                         r" and padding at least 0, got kernel_size=\(2, 2\), "
                                         r"stride=\(0, 0\)"):
        nn.MaxPool2d(2, stride=0)
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size and stride must be at least 1"):
        nn.Conv2d(1, 2, 3, stride=(1, 0))
    with pytest.raises(ValueError, match=r"MaxPool2d\(kernel_size=\(2, 2\), stride=\(2, 2\)\): "
                                         r"max_pool2d: expected a 4-d input \(N, C, H, W\), got "
                                         r"shape \(4, 4\)"):
        nn.MaxPool2d(2)(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3, .*\): expected input of shape "
                                         r"\(N, 3, H, W\), got \(2, 3\)"):
        nn.BatchNorm2d(3)(np.zeros((2, 3), np.float32))


# ---- data ----------------------------------------------------------------------------------


def test_load_mnist_unflattened_gives_float32_images_with_one_channel():
    (x, t), (x_test, _) = tg.datasets.load_mnist(flatten=False)
    assert x.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    flat = tg.datasets.load_mnist()[0][0]
    np.testing.assert_array_equal(x[:5].reshape(5, -1), flat[:5])


def test_every_convolution_op_states_its_local_rule():
    from tinygrad_edu import conv

    for op in (conv.Im2Col, conv.Col2Im, conv.FirstMax, conv.MeanAlong):
        assert "gy" in op.__dict__["rule"]  # its own, in words, for tg.viz.explain_backward
