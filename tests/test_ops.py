"""Every differentiable op against central differences (float64), broadcast shapes included.

Each case is checked twice: its gradient (gradcheck) and its gradient's gradient (the
backward pass recorded with create_graph=True, then gradchecked itself).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor


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


def second_order(fn):
    """The function x -> d(fn(x) . R)/dx, recorded, so gradcheck tests second derivatives."""

    def gradient_of_fn(*inputs):
        out = fn(*inputs)
        weights = np.random.default_rng(1).standard_normal(out.shape)
        wanted = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
        grads = tg.grad((out * weights).sum(), wanted, create_graph=True, allow_unused=True)
        parts = [g.reshape(-1) for g in grads if g is not None]
        return tg.concatenate(parts)

    return gradient_of_fn


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
    assert tg.gradcheck(second_order(fn), (a, b))


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
    assert tg.gradcheck(second_order(SCALAR_SIDES[name]), x)


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
    assert tg.gradcheck(second_order(lambda a, b: a @ b), (a, b))


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
    assert tg.gradcheck(second_order(fn), x)


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
    assert tg.gradcheck(second_order(fn), x)


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
    assert tg.gradcheck(second_order(fn), x)


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
    assert tg.gradcheck(second_order(fn), x)


def test_repeated_indices_accumulate():
    x = Tensor(np.zeros(3), requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    assert np.array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_tensor_index_is_used_as_plain_indices():
    x = leaf((4,))
    labels = Tensor([3, 0])
    assert np.array_equal(x[labels].data, x.data[[3, 0]])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack_gradcheck(axis):
    a, b, c = leaf((2, 3), seed=10), leaf((2, 3), seed=11), leaf((2, 3), seed=12)
    assert tg.gradcheck(lambda a, b, c: tg.concatenate([a, b, c], axis=axis), (a, b, c))
    assert tg.gradcheck(lambda a, b, c: tg.stack([a, b, c], axis=axis), (a, b, c))
    assert tg.gradcheck(second_order(lambda a, b: tg.stack([a * b, b], axis=axis)), (a, b))


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
    assert tg.gradcheck(second_order(network), (x, w1, w2))


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
