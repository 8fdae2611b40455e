"""Every differentiable op against central differences (float64), broadcast shapes included.

Each case is checked twice: its gradient (gradcheck) and its gradient's gradient (the
backward pass recorded with create_graph=True, then gradchecked itself).
"""

import operator

import numpy as np
import pytest
from conftest import second_derivative
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, interop


def leaf(shape, low=-2.0, high=2.0, seed=0):
    rng = np.random.default_rng(seed + 7 * len(shape) + sum(shape))
    return Tensor(rng.uniform(low, high, shape), requires_grad=True)


def positive(shape, seed=0):
    return leaf(shape, 0.5, 2.0, seed)


def away_from_zero(shape, seed=0):
    t = leaf(shape, 0.2, 2.0, seed)
    signs = np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0)
    t.data *= signs
    return t




BROADCAST_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((), (3,)),
    ((5,), ()),
]

BINARY = {
    "add": (lambda a, b: a + b, leaf, leaf),
    "sub": (lambda a, b: a - b, leaf, leaf),
    "mul": (lambda a, b: a * b, leaf, leaf),
    "div": (lambda a, b: a / b, leaf, away_from_zero),
    "pow": (lambda a, b: a**b, positive, leaf),
    "where": (lambda a, b: tg.where(a.data > 0, a, b), away_from_zero, leaf),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_binary_ops_gradcheck_with_broadcasting(name, shapes):
    fn, make_a, make_b = BINARY[name]
    a, b = make_a(shapes[0], seed=1), make_b(shapes[1], seed=2)
    assert tg.gradcheck(fn, (a, b))
    assert tg.gradcheck(second_derivative(fn), (a, b))


SCALAR_SIDES = {
    "x + 2": lambda x: x + 2.0,
    "2 + x": lambda x: 2.0 + x,
    "x - 2": lambda x: x - 2.0,
    "2 - x": lambda x: 2.0 - x,
    "3 * x": lambda x: 3.0 * x,
    "x / 3": lambda x: x / 3.0,
    "3 / x": lambda x: 3.0 / x,
    "x ** 3": lambda x: x**3,
    "x ** 0.5": lambda x: x.abs() ** 0.5,
    "2 ** x": lambda x: 2.0**x,
    "-x": lambda x: -x,
    "x.pow(2)": lambda x: x.pow(2),
}


@pytest.mark.parametrize("name", SCALAR_SIDES)
def test_python_numbers_on_either_side(name):
    x = away_from_zero((3, 2), seed=3)
    assert tg.gradcheck(SCALAR_SIDES[name], x)
    assert tg.gradcheck(second_derivative(SCALAR_SIDES[name]), x)


MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((3, 4), (2, 4, 5)),
    ((1, 3, 4), (2, 4, 5)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_gradcheck(shapes):
    a, b = leaf(shapes[0], seed=4), leaf(shapes[1], seed=5)
    assert tg.gradcheck(lambda a, b: a @ b, (a, b))
    assert tg.gradcheck(second_derivative(lambda a, b: a @ b), (a, b))


def test_matmul_with_a_data_input_only_differentiates_the_parameter():
    x = Tensor(np.random.default_rng(0).standard_normal((5, 3)))
    w = leaf((3, 2))
    assert tg.gradcheck(lambda w: tg.matmul(x, w), w)
    assert tg.gradcheck(lambda w: x.data @ w, w)  # ndarray @ Tensor dispatches to the Tensor


UNARY = {
    "neg": (lambda x: -x, leaf),
    "exp": (lambda x: x.exp(), leaf),
    "log": (lambda x: x.log(), positive),
    "sqrt": (lambda x: x.sqrt(), positive),
    "abs": (lambda x: x.abs(), away_from_zero),
    "sin": (lambda x: x.sin(), leaf),
    "cos": (lambda x: x.cos(), leaf),
    "sigmoid": (lambda x: x.sigmoid(), leaf),
    "tanh": (lambda x: x.tanh(), leaf),
    "relu": (lambda x: x.relu(), away_from_zero),
    "clip": (lambda x: x.clip(-0.1, 0.1), away_from_zero),
    "clip lower only": (lambda x: x.clip(0.1, None), away_from_zero),
    "softmax": (lambda x: x.softmax(), leaf),
    "softmax axis 0": (lambda x: x.softmax(axis=0), leaf),
    "log_softmax": (lambda x: x.log_softmax(), leaf),
    "log_softmax axis 0": (lambda x: x.log_softmax(axis=0), leaf),
    "reshape": (lambda x: x.reshape(-1), leaf),
    "reshape tuple": (lambda x: x.reshape((x.size, 1)), leaf),
    "transpose": (lambda x: x.transpose(), leaf),
    "T": (lambda x: x.T, leaf),
    "swapaxes": (lambda x: x.swapaxes(0, -1), leaf),
    "flatten": (lambda x: x.flatten(), leaf),
    "broadcast_to": (lambda x: tg.broadcast_to(x, (2,) + x.shape), leaf),
    "astype float64": (lambda x: x.astype(np.float64), leaf),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)], ids=str)
def test_unary_ops_gradcheck(name, shape):
    fn, make = UNARY[name]
    x = make(shape, seed=6)
    assert tg.gradcheck(fn, x)
    assert tg.gradcheck(second_derivative(fn), x)


ELEMENTWISE = ["neg", "exp", "log", "sqrt", "abs", "sin", "cos", "sigmoid", "tanh", "relu", "clip",
               "astype float64"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_ops_on_0d_tensors(name):
    # NumPy turns 0-d results into scalars; every op must still hand back a 0-d Tensor.
    fn, make = UNARY[name]
    x = make((), seed=5)
    y = fn(x)
    assert isinstance(y.data, np.ndarray) and y.shape == ()
    assert tg.gradcheck(fn, x)
    assert tg.gradcheck(second_derivative(fn), x)


def test_transpose_with_axes_and_its_inverse():
    x = leaf((2, 3, 4))
    fn = lambda x: x.transpose(1, 2, 0) * Tensor(np.arange(24.0).reshape(3, 4, 2))  # noqa: E731
    assert fn(x).shape == (3, 4, 2)
    assert tg.gradcheck(fn, x)


REDUCTIONS = ["sum", "mean", "max", "min"]
AXES = [None, 0, 1, -1, (0, 2)]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_gradcheck(name, axis, keepdims):
    x = leaf((2, 3, 4), seed=8)  # continuous random values: no ties
    fn = lambda x: getattr(x, name)(axis=axis, keepdims=keepdims)  # noqa: E731
    expected = getattr(np, name)(x.data, axis=axis, keepdims=keepdims)
    assert np.allclose(fn(x).data, expected)
    assert tg.gradcheck(fn, x)
    assert tg.gradcheck(second_derivative(fn), x)


def test_max_shares_the_gradient_between_ties():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]), requires_grad=True)
    x.max().backward()
    assert np.array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [0, 0, 0]])
    x.grad = None
    x.max(axis=1).sum().backward()
    assert np.array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    x.grad = None
    x.min(axis=0).sum().backward()
    assert np.array_equal(x.grad.numpy(), [[1, 0, 0], [0, 1, 1]])


INDICES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, None),
    "step slice": (slice(None), slice(None, None, 2)),
    "int array with repeats": np.array([0, 2, 0, 0]),
    "pair of int arrays": (np.array([0, 1, 2]), np.array([3, 0, 3])),
    "bool mask": np.array([True, False, True]),
    "None and ellipsis": (None, Ellipsis, 1),
    "list": [2, 2, 1],
}


@pytest.mark.parametrize("name", INDICES)
def test_getitem_gradcheck(name):
    x = leaf((3, 4), seed=9)
    fn = lambda x: x[INDICES[name]]  # noqa: E731
    assert np.array_equal(fn(x).data, x.data[INDICES[name]])
    assert tg.gradcheck(fn, x)
    assert tg.gradcheck(second_derivative(fn), x)


def test_repeated_indices_accumulate():
    x = Tensor(np.zeros(3), requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    assert np.array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


@given(rows=hnp.arrays(np.int64, hnp.array_shapes(max_dims=2, max_side=6),
                      elements=st.integers(-5, 4)),
       width=st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_picking_whole_rows_adds_the_gradients_of_repeated_rows(rows, width):
    # an embedding's lookup, weight[ids]: ids of any shape, repeated and negative rows
    x = leaf((5, width))
    upstream = np.random.default_rng(0).normal(size=rows.shape + (width,))
    (x[rows] * Tensor(upstream)).sum().backward()
    expected = np.zeros((5, width))
    np.add.at(expected, rows, upstream)
    assert np.allclose(x.grad.numpy(), expected, rtol=0, atol=1e-12)
    assert np.array_equal(x[rows].data, x.data[rows])


def test_picking_whole_rows_gradchecks_twice():
    x = leaf((4, 3))
    rows = np.array([[1, -1], [1, 0], [3, 1]])
    assert tg.gradcheck(lambda x: x[rows], x)
    assert tg.gradcheck(second_derivative(lambda x: x[rows]), x)


def test_tensor_index_is_used_as_plain_indices():
    x = leaf((4,))
    labels = Tensor([3, 0])
    assert np.array_equal(x[labels].data, x.data[[3, 0]])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack_gradcheck(axis):
    a, b, c = leaf((2, 3), seed=10), leaf((2, 3), seed=11), leaf((2, 3), seed=12)
    assert tg.gradcheck(lambda a, b, c: tg.concatenate([a, b, c], axis=axis), (a, b, c))
    assert tg.gradcheck(lambda a, b, c: tg.stack([a, b, c], axis=axis), (a, b, c))
    assert tg.gradcheck(second_derivative(lambda a, b: tg.stack([a * b, b], axis=axis)), (a, b))


def test_concatenate_of_different_lengths_splits_gradients_back():
    a, b = leaf((2, 3)), leaf((4, 3), seed=1)
    out = tg.concatenate([a, b])
    assert out.shape == (6, 3)
    (out * Tensor(np.arange(18.0).reshape(6, 3))).sum().backward()
    assert np.array_equal(a.grad.numpy(), np.arange(6.0).reshape(2, 3))
    assert np.array_equal(b.grad.numpy(), np.arange(6.0, 18.0).reshape(4, 3))


def test_concatenate_with_a_data_tensor_only_differentiates_the_parameter():
    a, data = leaf((2, 3)), Tensor(np.ones((1, 3)))
    assert tg.gradcheck(lambda a: tg.concatenate([data, a]), a)


def test_unbind_gives_the_slices_and_sends_their_gradients_back_as_one_array():
    x = leaf((3, 2, 4), seed=15)
    slices = x.unbind(1)
    assert len(slices) == 2
    for i, piece in enumerate(slices):
        np.testing.assert_array_equal(piece.numpy(), x.numpy()[:, i])
    weights = np.random.default_rng(16).standard_normal((3, 4))
    (slices[1] * Tensor(weights)).sum().backward()  # slice 0 unused: its part stays zero
    expected = np.zeros((3, 2, 4))
    expected[:, 1] = weights
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert [type(t._ctx).__name__ for t in slices] == ["UnbindSlice"] * 2


def test_unbind_gradients_on_a_retained_graph_and_of_second_order():
    x = leaf((3, 2), seed=17)
    first, _, third = x.unbind(0)
    loss = (first * third).sum()
    loss.backward(retain_graph=True)
    loss.backward()  # the buffer of the first pass is not added in again
    np.testing.assert_array_equal(x.grad.numpy()[[0, 2]], 2 * x.numpy()[[2, 0]])
    assert tg.gradcheck(second_derivative(lambda x: x.unbind(0)[0] * x.unbind(0)[2] ** 2), x)


def test_unbind_after_an_interrupted_backward_pass(monkeypatch):
    # Ctrl-C between the slices' backward and Unbind's: the next pass must not read (or be
    # fooled by) the buffer the interrupted one left behind
    x = leaf((3, 2), seed=18)
    first, second, third = x.unbind(0)
    loss = (first * 1.0 + second * 2.0 + third * 3.0).sum()
    backward = tg.ops.UnbindSlice.backward
    calls = []

    def interrupted(self, gy):
        calls.append(self)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return backward(self, gy)

    monkeypatch.setattr(tg.ops.UnbindSlice, "backward", interrupted)
    with pytest.raises(KeyboardInterrupt):
        loss.backward(retain_graph=True)
    monkeypatch.setattr(tg.ops.UnbindSlice, "backward", backward)
    x.grad = None
    loss.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])


def test_unbind_with_an_axis_out_of_range_names_the_shape():
    with pytest.raises(ValueError, match=r"unbind: axis 2 is out of range for a tensor of "
                                         r"shape \(3, 4\) \(2 axes\)"):
        leaf((3, 4)).unbind(2)


def test_where_with_broadcast_condition():
    a, b = leaf((3, 4), seed=13), leaf((4,), seed=14)
    condition = np.array([True, False, True, False])
    assert tg.gradcheck(lambda a, b: tg.where(condition, a, b), (a, b))
    assert tg.gradcheck(lambda a: tg.where(condition, a, 0.0), a)


def test_composite_expression_gradcheck():
    x, w1, w2 = leaf((5, 3), seed=15), leaf((3, 4), seed=16), leaf((4, 2), seed=17)

    def network(x, w1, w2):
        hidden = (x @ w1).tanh()
        return ((hidden @ w2).log_softmax() * hidden[:, :2]).mean(axis=0)

    assert tg.gradcheck(network, (x, w1, w2))
    assert tg.gradcheck(second_derivative(network), (x, w1, w2))


# ---- property tests over random shapes --------------------------------------------------------

float_values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    op=st.sampled_from(["add", "sub", "mul", "div"]),
    seed=st.integers(0, 2**16),
)
def test_binary_ops_gradcheck_on_random_broadcast_shapes(shapes, op, seed):
    a_shape, b_shape = shapes.input_shapes
    fn, make_a, make_b = BINARY[op]
    a, b = make_a(a_shape, seed=seed), make_b(b_shape, seed=seed + 1)
    out = fn(a, b)
    assert out.shape == shapes.result_shape
    assert tg.gradcheck(fn, (a, b))


@settings(max_examples=30, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    op=st.sampled_from(REDUCTIONS),
    keepdims=st.booleans(),
    data=st.data(),
)
def test_reductions_gradcheck_on_random_shapes_and_axes(shape, op, keepdims, data):
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape)))
    axis = tuple(axes) if axes else None
    x = leaf(shape, seed=len(axes))
    fn = lambda x: getattr(x, op)(axis=axis, keepdims=keepdims)  # noqa: E731
    assert fn(x).shape == getattr(np, op)(x.data, axis=axis, keepdims=keepdims).shape
    assert tg.gradcheck(fn, x)


@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_unbroadcast_is_the_adjoint_of_broadcasting(shapes):
    # <broadcast(a), g> == <a, unbroadcast(g)> for every a and g: the defining property.
    small, _ = shapes.input_shapes
    big = shapes.result_shape
    rng = np.random.default_rng(0)
    a, g = rng.standard_normal(small), rng.standard_normal(big)
    left = (np.broadcast_to(a, big) * g).sum()
    right = (a * tg.unbroadcast(g, small)).sum()
    assert np.isclose(left, right)
    assert tg.unbroadcast(g, small).shape == small


# ---- every op: its value against NumPy, its gradient and second derivative (one line each) -----


def u(*shape, low=-2.0, high=2.0):
    """Uniform values, seeded by the shape (the same inputs on every run)."""
    return np.random.default_rng(sum(shape) + 10 * len(shape)).uniform(low, high, shape)


def pos(*shape):
    return u(*shape, low=0.5, high=2.0)


def nonzero(*shape):
    return u(*shape, low=0.2, high=2.0) * np.where(u(*shape) < 0, -1.0, 1.0)


def probabilities(*shape):
    return u(*shape, low=0.1, high=0.9)


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_lstm_step(xw, state, w):
    """h' and c' (stacked) of an LSTM step from h and c (stacked) written out: a = xw + h w;
    i, f, o sigmoids, g a tanh, c' = f c + i g, h' = o tanh(c')."""
    h, c = state
    n = c.shape[-1]
    a = xw + h @ w
    sigmoid = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
    i, f = sigmoid(a[:, :n]), sigmoid(a[:, n:2 * n])
    g, o = np.tanh(a[:, 2 * n:3 * n]), sigmoid(a[:, 3 * n:])
    c_next = f * c + i * g
    return np.stack([o * np.tanh(c_next), c_next])


def np_scatter_add(values, index, size):
    out = np.zeros(size)
    np.add.at(out, index, values)
    return out


def np_windows(x, k, stride, padding):
    """Every k x k window of x (N, C, H, W), by loops: (n, i, j) -> x's window at pixel (i, j)."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = (x.shape[2] - k) // stride + 1, (x.shape[3] - k) // stride + 1
    for n in range(x.shape[0]):
        for i in range(out[0]):
            for j in range(out[1]):
                yield (n, i, j), (slice(None), slice(i * stride, i * stride + k),
                                  slice(j * stride, j * stride + k))


def np_im2col(x, k, stride, padding):
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    return np.array([padded[n][window].ravel()
                     for (n, _, _), window in np_windows(x, k, stride, padding)])


def np_col2im(col, shape, k, stride, padding):
    image = np.zeros((shape[0], shape[1], shape[2] + 2 * padding, shape[3] + 2 * padding))
    for row, ((n, _, _), window) in zip(col, np_windows(np.zeros(shape), k, stride, padding)):
        image[n][window] += row.reshape(shape[1], k, k)
    return image[:, :, padding:padding + shape[2], padding:padding + shape[3]]


def np_pool(x, k, stride, padding, reduce):
    """Pooling by loops; padding never wins a max and counts as 0 in a mean (as F's)."""
    fill = -np.inf if reduce is np.max else 0.0
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding,) * 2, (padding,) * 2),
                    constant_values=fill)
    oh, ow = ((n + 2 * padding - k) // stride + 1 for n in x.shape[2:])
    out = np.empty(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = padded[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = reduce(window, axis=(2, 3))
    return out


def np_conv2d(x, w):
    """Cross-correlation with padding 1 and stride 1, by loops over the output pixels."""
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    k = w.shape[2]
    out = np.empty((x.shape[0], w.shape[0], x.shape[2], x.shape[3]), np.result_type(x, w))
    for i in range(x.shape[2]):
        for j in range(x.shape[3]):
            window = padded[:, :, i:i + k, j:j + k]
            out[:, :, i, j] = np.tensordot(window, w, ((1, 2, 3), (1, 2, 3)))
    return out


MASK = np.array([True, False, False, True])
WINS = (np.array([[True, False], [False, False], [True, True]]),
        np.array([[False, True], [True, False], [False, False]]))
INDEX = np.array([0, 2, 0])
LABELS = np.array([3, 0, 3])

OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
             "div": operator.truediv, "pow": operator.pow, "matmul": operator.matmul,
             "neg": operator.neg, "getitem": operator.getitem}
NUMPY_NAMES = {"div": "true_divide", "neg": "negative", "abs": "absolute", "getitem": None}


def roads(name, *args, **kwargs):
    """Every road into the op behind `name`, as (road, fn(*tensors)): its operator, the Tensor
    method, tg.<name>, F.<name> where F has its own, and np.<name> where interop.py answers
    for it; each called with the tensors first, then `args` and `kwargs`."""
    found = []
    if name in OPERATORS:
        found.append(("operator", lambda *t: OPERATORS[name](*t, *args)))
    if callable(getattr(Tensor, name, None)):
        found.append(("method", lambda x, *t: getattr(x, name)(*t, *args, **kwargs)))
    if hasattr(tg, name):
        found.append(("tg", lambda *t: getattr(tg, name)(*t, *args, **kwargs)))
    if hasattr(F, name) and getattr(F, name) is not getattr(tg, name, None):
        found.append(("F", lambda *t: getattr(F, name)(*t, *args, **kwargs)))
    numpy_function = getattr(np, NUMPY_NAMES.get(name, name) or "", None)
    if numpy_function in interop.UFUNCS or numpy_function in interop.FUNCTIONS:
        found.append(("np", lambda *t: numpy_function(*t, *args, **kwargs)))
    return found


def joined(name, **kwargs):
    """The roads of concatenate / stack, which take a list of tensors."""
    return [("Tensor", lambda *t: getattr(Tensor, name)(list(t), **kwargs)),
            ("tg", lambda *t: getattr(tg, name)(list(t), **kwargs)),
            ("np", lambda *t: getattr(np, name)(list(t), **kwargs))]


def selected(condition):
    """The roads of where, whose condition comes first (the method: a.where(c, b))."""
    return [("method", lambda a, b: a.where(condition, b)),
            ("tg", lambda a, b: tg.where(condition, a, b)),
            ("np", lambda a, b: np.where(condition, a, b))]


def only(fn):
    return [("apply", fn)]


I64, F32, F64 = np.int64, np.float32, np.float64

# One line per op of the catalogue (tinygrad_edu/ops/), a few more for broadcasting, 0-d inputs
# and the F.* functions built on the window ops: (op class, its roads, the NumPy reference (or a
# loop), inputs..., options). Each road is checked on float64 and float32 inputs (value, dtype,
# first and second derivative), integer inputs (ints=: the dtype they give) and float32 with
# float64 (mixed=: the dtype it gives) where the op takes them; dtype32= where float32 inputs
# give another dtype.
OPS = [
    ("Add", roads("add"), np.add, u(3, 4), u(4), dict(ints=I64, mixed=F64)),
    ("Add", roads("add"), np.add, u(), u(2, 3)),
    ("Sub", roads("sub"), np.subtract, u(3, 1), u(1, 4), dict(ints=I64, mixed=F64)),
    ("Mul", roads("mul"), np.multiply, u(2, 3, 4), u(3, 1), dict(ints=I64, mixed=F64)),
    ("Mul", only(lambda a: 3.0 * a), lambda a: 3.0 * a, u(), dict(ints=F32)),
    ("Div", roads("div"), np.divide, u(3, 4), nonzero(4), dict(ints=F32, mixed=F64)),
    ("Pow", roads("pow"), np.power, pos(3, 4), u(4), dict(mixed=F64)),
    ("Pow", only(lambda a: a**3), lambda a: a**3, u(5), dict(ints=I64)),
    ("MatMul", roads("matmul"), np.matmul, u(3, 4), u(4, 2), dict(ints=I64, mixed=F64)),
    ("MatMul", roads("matmul"), np.matmul, u(2, 3, 4), u(4)),
    ("Affine", roads("linear"), lambda x, w, b: x @ w + b, u(3, 4), u(4, 2), u(2),
     dict(ints=I64, mixed=F64)),
    ("Affine", roads("linear"), lambda x, w, b: x @ w + b, u(2, 3, 4), u(4, 2), u(2)),
    ("Affine", roads("linear"), lambda x, w, b: x @ w + b, u(4), u(4, 3), u(3)),
    ("Neg", roads("neg"), np.negative, u(3), dict(ints=I64)),
    ("Exp", roads("exp"), np.exp, u(3, 4), dict(ints=F32)),
    ("Log", roads("log"), np.log, pos(3, 4), dict(ints=F32)),
    ("Sqrt", roads("sqrt"), np.sqrt, pos(3), dict(ints=F32)),
    ("Abs", roads("abs"), np.abs, nonzero(3, 4), dict(ints=I64)),
    ("Sin", roads("sin"), np.sin, u(3, 4), dict(ints=F32)),
    ("Cos", roads("cos"), np.cos, u(), dict(ints=F32)),
    ("Sigmoid", roads("sigmoid"), lambda a: 1 / (1 + np.exp(-a)), u(3, 4), dict(ints=F32)),
    ("Tanh", roads("tanh"), np.tanh, u(3, 4), dict(ints=F32)),
    ("ReLU", roads("relu"), lambda a: np.maximum(a, 0), nonzero(3, 4), dict(ints=I64)),
    ("Clip", roads("clip", -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), nonzero(3, 4),
     dict(ints=F32)),
    ("Clip", roads("clip", None, 0.5), lambda a: np.minimum(a, 0.5), nonzero()),
    ("Cast", roads("astype", np.float64), lambda a: a, u(3), dict(dtype32=F64, ints=F64)),
    ("Sum", roads("sum", axis=1), lambda a: a.sum(axis=1), u(2, 3, 4), dict(ints=I64)),
    ("Sum", roads("sum"), np.sum, u()),
    ("Mean", roads("mean", axis=(0, 2), keepdims=True),
     lambda a: a.mean(axis=(0, 2), keepdims=True), u(2, 3, 4), dict(ints=F32)),
    ("Max", roads("max", axis=-1), lambda a: a.max(axis=-1), u(3, 4), dict(ints=I64)),
    ("Min", roads("min", axis=0), lambda a: a.min(axis=0), u(3, 4), dict(ints=I64)),
    ("Softmax", roads("softmax", axis=0), lambda a: np_softmax(a, 0), u(3, 4), dict(ints=F32)),
    ("LogSoftmax", roads("log_softmax"), lambda a: np.log(np_softmax(a, -1)), u(3, 4),
     dict(ints=F32)),
    ("Reshape", roads("reshape", (4, 3)), lambda a: a.reshape(4, 3), u(3, 4), dict(ints=I64)),
    ("Transpose", roads("transpose", (-1, 0, 1)), lambda a: a.transpose(-1, 0, 1), u(2, 3, 4),
     dict(ints=I64)),
    ("Transpose", only(lambda a: a.T), np.transpose, u(3, 4)),
    ("BroadcastTo", roads("broadcast_to", (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)),
     u(3, 1), dict(ints=I64)),
    ("GetItem", roads("getitem", (slice(None), [2, 0, 2])), lambda a: a[:, [2, 0, 2]], u(3, 4),
     dict(ints=I64)),
    ("ScatterAdd", only(lambda v: tg.ops.ScatterAdd.apply(v, index=INDEX, shape=(4,))),
     lambda v: np_scatter_add(v, INDEX, 4), u(3), dict(ints=I64)),
    ("Concatenate", joined("concatenate", axis=-1),
     lambda a, b: np.concatenate([a, b], axis=-1), u(2, 3), u(2, 1), dict(ints=I64, mixed=F64)),
    ("Stack", joined("stack", axis=1), lambda a, b: np.stack([a, b], axis=1),
     u(2, 3), u(2, 3) + 1, dict(ints=I64, mixed=F64)),
    ("Where", selected(MASK), lambda a, b: np.where(MASK, a, b), u(3, 4), u(4) + 1,
     dict(ints=I64, mixed=F64)),
    ("Maximum", roads("maximum"), np.maximum, u(3, 4), u(4), dict(ints=I64, mixed=F64)),
    ("Minimum", roads("minimum"), np.minimum, u(), u(3), dict(ints=I64, mixed=F64)),
    ("CrossEntropy", roads("cross_entropy", LABELS),
     lambda x: -np.log(np_softmax(x, -1))[np.arange(3), LABELS].mean(), u(3, 4),
     dict(ints=F32)),
    ("BinaryCrossEntropy", roads("binary_cross_entropy"),
     lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(),
     probabilities(3, 4), probabilities(3, 4), dict(mixed=F64)),  # (t requires grad: own dtype)
    ("Im2Col", roads("im2col", 2, 1, 1), lambda x: np_im2col(x, 2, 1, 1), u(2, 2, 3, 3),
     dict(ints=I64)),
    ("Col2Im", roads("col2im", (1, 2, 3, 3), 2, 1, 1),
     lambda c: np_col2im(c, (1, 2, 3, 3), 2, 1, 1), u(16, 8), dict(ints=I64)),
    ("FirstMax", roads("first_max", axis=1), lambda x: x.max(axis=1), u(3, 4, 2), dict(ints=I64)),
    ("FirstMax", roads("max_pool2d", 2), lambda x: np_pool(x, 2, 2, 0, np.max), u(2, 3, 4, 4),
     dict(ints=I64)),
    ("FirstMax", roads("max_pool2d", 3, 2, 1), lambda x: np_pool(x, 3, 2, 1, np.max),
     u(1, 2, 5, 5), dict(ints=I64)),
    ("MeanAlong", roads("mean_along", axis=-1), lambda x: x.mean(axis=-1), u(2, 3, 4),
     dict(ints=F32)),
    ("MeanAlong", roads("avg_pool2d", 2), lambda x: np_pool(x, 2, 2, 0, np.mean), u(2, 3, 4, 4),
     dict(ints=F32)),
    ("MeanAlong", roads("avg_pool2d", 3, 2, 1), lambda x: np_pool(x, 3, 2, 1, np.mean),
     u(1, 2, 5, 5), dict(ints=F32)),
    ("Im2Col", roads("conv2d", stride=1, padding=1), np_conv2d, u(2, 2, 4, 4), u(3, 2, 3, 3),
     dict(ints=I64, mixed=F64)),
    ("Spread", only(lambda g: tg.ops.Spread.apply(g, weights=WINS, axis=1)),
     lambda g: np.stack([g * w for w in WINS], axis=1), u(3, 2), dict(ints=I64)),
    ("LSTMStep", roads("lstm_step"), np_lstm_step, u(2, 12), u(2, 2, 3), u(3, 12),
     dict(ints=F32)),
    ("SharedOverTime", roads("shared_over_time"), lambda w: w, u(3, 12), dict(ints=I64)),
    ("Unbind", only(lambda a: tg.stack(a.unbind(1)[::-1], axis=1)), lambda a: a[:, ::-1],
     u(2, 3, 2), dict(ints=I64)),
    ("UnbindSlice", only(lambda a: a.unbind(-1)[2] * a.unbind(-1)[0]),
     lambda a: a[..., 2] * a[..., 0], u(4, 3), dict(ints=I64)),
]

CASES = [(line, road) for line in OPS for road in range(len(line[1]))]


def _split(line):
    op, fn, reference, *rest = line
    options = rest.pop() if rest and isinstance(rest[-1], dict) else {}
    return op, fn, reference, rest, options


@pytest.mark.parametrize("line, road", CASES, ids=[
    f"{line[0]}-{OPS.index(line)}-{line[1][road][0]}" for line, road in CASES])
def test_op_value_dtype_gradient_and_second_derivative_on_every_road(line, road, check_op):
    op, roads_, reference, inputs, options = _split(line)
    out = check_op(roads_[road][1], reference, *inputs, **options)  # asserts all of it
    assert np.isfinite(out.numpy()).all() or not np.isfinite(reference(*inputs)).all()


def test_the_table_takes_every_road_there_is():
    taken = {}
    for op, line_roads, *_ in OPS:
        taken.setdefault(op, set()).update(name for name, _ in line_roads)
    assert taken["Exp"] == {"method", "tg", "np"}
    assert taken["Add"] == {"operator", "np"}
    assert taken["MatMul"] == {"operator", "method", "tg", "np"}
    assert taken["BinaryCrossEntropy"] == taken["CrossEntropy"] == {"method", "F"}
    assert {"method", "F"} <= taken["Im2Col"] and "F" in taken["FirstMax"]


def _op_classes():
    from tinygrad_edu import ops

    return sorted(name for name, value in vars(ops).items()
                  if isinstance(value, type) and issubclass(value, tg.Function)
                  and value.__module__.startswith(ops.__name__ + ".")
                  and not name.startswith("_"))


def test_every_op_in_the_catalogue_has_a_table_line():
    assert len(_op_classes()) >= 40  # the catalogue is found (tinygrad_edu/ops/*.py)
    assert set(_op_classes()) <= {line[0] for line in OPS}


@pytest.mark.parametrize("op", _op_classes())
def test_the_table_notices_a_forward_shifted_by_a_little(op, check_op, monkeypatch):
    # a wrong forward (its true value + 1e-3) must fail the op's own table line
    cls = getattr(tg.ops, op)
    forward = cls.forward
    monkeypatch.setattr(cls, "forward", lambda self, *arrays: forward(self, *arrays) + 1e-3)
    line = next(line for line in OPS if line[0] == op)
    _, line_roads, reference, inputs, options = _split(line)
    with pytest.raises((AssertionError, tg.GradcheckError)):
        check_op(line_roads[0][1], reference, *inputs, second_order=False, **options)


# ---- properties over random shapes: broadcasting, size-0 and size-1 axes, axis permutations ---

BROADCASTING = {
    "add": (lambda a, b: a + b, np.add),
    "mul": (lambda a, b: a * b, np.multiply),
    "pow": (lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b),
    "maximum": (tg.maximum, np.maximum),
    "minimum": (tg.minimum, np.minimum),
    "where": (lambda a, b: tg.where(a.data > 0, a, b), lambda a, b: np.where(a > 0, a, b)),
}


@settings(max_examples=40, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0,
                                             max_side=3),
    op=st.sampled_from(sorted(BROADCASTING)),
    seed=st.integers(0, 2**16),
)
def test_broadcasting_ops_match_numpy_on_random_shapes(shapes, op, seed):
    fn, reference = BROADCASTING[op]
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a_data = rng.uniform(0.5, 2.0, a_shape) * rng.choice([-1.0, 1.0], a_shape)
    a = Tensor(a_data, requires_grad=True)
    b = Tensor(rng.uniform(-2, 2, b_shape), requires_grad=True)
    out = fn(a, b)
    np.testing.assert_allclose(out.numpy(), reference(a.numpy(), b.numpy()))
    assert out.shape == shapes.result_shape
    out.sum().backward()
    assert a.grad.shape == a_shape and b.grad.shape == b_shape
    if out.size:
        assert tg.gradcheck(fn, (a, b))


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data())
def test_transpose_by_any_permutation_with_negative_axes(shape, data):
    ndim = len(shape)
    axes = data.draw(st.permutations(range(ndim)))
    axes = [a - ndim if data.draw(st.booleans()) else a for a in axes]  # some counted from the end
    x = Tensor(np.random.default_rng(ndim).standard_normal(shape), requires_grad=True)
    np.testing.assert_array_equal(x.transpose(*axes).numpy(), x.numpy().transpose(axes))
    np.testing.assert_array_equal(np.transpose(x, axes).numpy(), x.numpy().transpose(axes))
    assert tg.gradcheck(lambda x: x.transpose(*axes), x)


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4), data=st.data())
def test_softmax_and_log_softmax_on_random_shapes_and_axes(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = Tensor(np.random.default_rng(len(shape)).standard_normal(shape), requires_grad=True)
    expected = np_softmax(x.numpy(), axis) if x.size else np.zeros(shape)
    np.testing.assert_allclose(x.softmax(axis=axis).numpy(), expected)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(x.log_softmax(axis=axis).numpy(), np.log(expected))
    if x.size:
        assert tg.gradcheck(lambda x: x.log_softmax(axis=axis), x)
        np.testing.assert_allclose(x.softmax(axis=axis).numpy().sum(axis=axis), 1.0)


@settings(max_examples=30, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 3), min_size=1, max_size=4),
    rest=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
    axis_first=st.booleans(),
)
def test_concatenate_random_pieces_and_split_gradients(lengths, rest, axis_first):
    rng = np.random.default_rng(len(lengths))
    shapes = [(n, *rest) if axis_first else (*rest, n) for n in lengths]
    axis = 0 if axis_first else -1
    pieces = [Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    out = tg.concatenate(pieces, axis=axis)
    np.testing.assert_array_equal(out.numpy(), np.concatenate([p.numpy() for p in pieces], axis))
    weights = rng.standard_normal(out.shape)
    (out * weights).sum().backward()
    ends = np.cumsum(lengths)
    for piece, expected in zip(pieces, np.split(weights, ends[:-1], axis=axis)):
        np.testing.assert_array_equal(piece.grad.numpy(), expected)
