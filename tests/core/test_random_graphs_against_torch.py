"""Random graphs against PyTorch: values, gradients and second derivatives, float32 and float64.

Each graph starts from a few leaves whose shapes broadcast to one base shape (axes of size 0
and 1 included), applies a seeded random sequence of ops to nodes picked from everything made
so far (so nodes are reused, and diamonds appear), and sums a few nodes, each weighted, into
a loss. The same sequence runs on tinygrad_edu and on PyTorch; the loss, the first
derivatives (create_graph=True) and the second derivatives (the gradient of a weighted sum of
the first ones) must agree, and no dtype may drift.

Every op keeps its result broadcastable to the base shape, so that any two nodes can meet
in a binary op: shape ops are round trips (transpose and back, flatten and back), indexing
picks as many elements as the axis has (with repeats), reductions keep their axes.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import Tensor  # noqa: E402


class OnEngine:
    """The ops of the random graphs, on tinygrad_edu."""

    @staticmethod
    def leaf(array, requires_grad):
        return Tensor(array, requires_grad=requires_grad)

    constant = staticmethod(lambda array: Tensor(array))
    unary = {name: getattr(Tensor, name) for name in
             ["exp", "sigmoid", "tanh", "relu", "abs", "sin", "cos"]}
    log = staticmethod(lambda x: x.log())
    sqrt = staticmethod(lambda x: x.sqrt())
    sum = staticmethod(lambda x, axis: x.sum(axis=axis, keepdims=True))
    mean = staticmethod(lambda x, axis: x.mean(axis=axis, keepdims=True))
    amax = staticmethod(lambda x, axis: x.max(axis=axis, keepdims=True))
    amin = staticmethod(lambda x, axis: x.min(axis=axis, keepdims=True))
    softmax = staticmethod(lambda x, axis: x.softmax(axis=axis))
    log_softmax = staticmethod(lambda x, axis: x.log_softmax(axis=axis))
    transpose = staticmethod(lambda x, axes: x.transpose(*axes))
    reshape = staticmethod(lambda x, shape: x.reshape(*shape))
    take = staticmethod(lambda x, axis, index: x[(slice(None),) * axis + (index,)])
    flip = staticmethod(lambda x, axis: x[(slice(None),) * axis + (slice(None, None, -1),)])
    grad = staticmethod(lambda out, inputs, create_graph: tg.grad(
        out, inputs, create_graph=create_graph, allow_unused=True))
    numpy = staticmethod(lambda t: t.numpy())


class OnTorch:
    """The same ops on PyTorch."""

    @staticmethod
    def leaf(array, requires_grad):
        return torch.tensor(array, requires_grad=requires_grad)

    constant = staticmethod(lambda array: torch.tensor(array))
    unary = {name: getattr(torch, name) for name in
             ["exp", "sigmoid", "tanh", "relu", "abs", "sin", "cos"]}
    log = staticmethod(torch.log)
    sqrt = staticmethod(torch.sqrt)
    sum = staticmethod(lambda x, axis: x.sum(dim=axis, keepdim=True))
    mean = staticmethod(lambda x, axis: x.mean(dim=axis, keepdim=True))
    amax = staticmethod(lambda x, axis: x.amax(dim=axis, keepdim=True))  # ties share, as ours
    amin = staticmethod(lambda x, axis: x.amin(dim=axis, keepdim=True))
    softmax = staticmethod(lambda x, axis: torch.softmax(x, dim=axis))
    log_softmax = staticmethod(lambda x, axis: torch.log_softmax(x, dim=axis))
    transpose = staticmethod(lambda x, axes: x.permute(*axes))
    reshape = staticmethod(lambda x, shape: x.reshape(*shape))
    take = staticmethod(
        lambda x, axis, index: x[(slice(None),) * axis + (torch.from_numpy(index),)])
    flip = staticmethod(lambda x, axis: torch.flip(x, [axis]))
    grad = staticmethod(lambda out, inputs, create_graph: torch.autograd.grad(
        out, inputs, create_graph=create_graph, allow_unused=True))
    numpy = staticmethod(lambda t: t.detach().numpy(force=True))  # force: ZeroTensors


BASE_SHAPES = [(2, 3), (3, 1, 4), (2, 0, 3), (1, 4), (4,), (2, 3, 2)]


def make_program(rng):
    """A random graph, as data: the leaves, then steps that each library can replay."""
    base = BASE_SHAPES[rng.integers(len(BASE_SHAPES))]
    ndim = len(base)
    leaves = []
    for _ in range(rng.integers(2, 4)):
        lead = rng.integers(0, ndim + 1)  # drop leading axes, set some to 1: it broadcasts
        shape = tuple(1 if rng.random() < 0.3 else n for n in base[lead:])
        leaves.append(rng.uniform(-1.5, 1.5, shape))
    steps = []
    for _ in range(rng.integers(4, 9)):
        kind = rng.choice(["unary", "unary", "binary", "binary", "positive", "reduce",
                           "softmax", "transpose", "reshape", "take", "matmul"])
        a, b = (int(i) for i in rng.integers(0, len(leaves) + len(steps), 2))
        steps.append((str(kind), a, b, int(rng.integers(1 << 30))))
    weights = rng.uniform(0.5, 1.5, base)
    return base, leaves, steps, weights


def run_program(lib, program, dtype):
    """Replay `program` with `lib`; returns the leaves, every node, the loss and a trace."""
    base, leaves, steps, weights = program
    inputs = [lib.leaf(array.astype(dtype), True) for array in leaves]
    nodes = list(inputs)
    trace = [f"leaf shapes {[a.shape for a in leaves]} -> base {base}"]
    for kind, a, b, seed in steps:
        rng = np.random.default_rng(seed)  # the step's own choices: the same for both
        x, y = nodes[a], nodes[b]
        shape = tuple(x.shape)
        ndim = len(shape)
        axis = int(rng.integers(ndim)) if ndim else None
        if kind == "unary":
            name = str(rng.choice(list(lib.unary) + ["neg", "square", "cube"]))
            if name in lib.unary:
                out = lib.unary[name](x)
            else:
                out = -x if name == "neg" else x**2 if name == "square" else x**3
        elif kind == "binary":
            name = str(rng.choice(["add", "sub", "mul", "div", "pow", "scalar"]))
            positive = y * y + 1.0
            out = (x + y if name == "add" else x - y if name == "sub" else
                   x * y if name == "mul" else x / positive if name == "div" else
                   positive ** (x * 0.5) if name == "pow" else 2.0 - x * 0.5)
        elif kind == "positive":
            name = str(rng.choice(["log", "sqrt"]))
            out = getattr(lib, name)(x * x + 0.5)
        elif kind == "reduce" and ndim and shape[axis] > 0:  # no reduction over an empty axis
            name = str(rng.choice(["sum", "mean", "amax", "amin"]))
            out = getattr(lib, name)(x, axis)
        elif kind == "softmax" and ndim and shape[axis] > 0:
            name = str(rng.choice(["softmax", "log_softmax"]))
            out = getattr(lib, name)(x, axis)
        elif kind == "transpose" and ndim > 1:
            name = "transpose"
            axes = tuple(int(i) for i in rng.permutation(ndim))
            back = tuple(int(i) for i in np.argsort(axes))
            out = lib.transpose(lib.unary["tanh"](lib.transpose(x, axes)), back)
        elif kind == "reshape" and ndim:
            name = "reshape"
            out = lib.reshape(lib.reshape(x, (-1,)) * 1.5, shape)
        elif kind == "take" and ndim:
            name = str(rng.choice(["take", "flip"]))
            if name == "flip":
                out = lib.flip(x, axis)
            else:  # as many picks as the axis has, with repeats: gradients add up
                index = rng.integers(0, shape[axis], shape[axis]) if shape[axis] else \
                    np.zeros(0, np.int64)
                out = lib.take(x, axis, index)
        elif kind == "matmul" and ndim:
            name = "matmul"
            n = base[-1]
            full = x + lib.constant(np.zeros(base, dtype))  # the whole base shape, so @ fits
            square = lib.constant(rng.uniform(-0.7, 0.7, (n, n)).astype(dtype))
            out = full @ square
        else:
            name = "mul (fallback)"
            out = x * y
        trace.append(f"{name}(node {a}{', node ' + str(b) if kind == 'binary' else ''})")
        nodes.append(out)
    loss = (nodes[-1] * lib.constant(weights.astype(dtype))).sum()
    for i in sorted(set(int(i) for i in np.random.default_rng(len(steps)).integers(
            0, len(nodes), 2))):
        loss = loss + (nodes[i] * 0.5).sum()  # a few earlier nodes too: more reuse
    return inputs, nodes, loss, trace


TOLERANCE = {np.float32: 2e-4, np.float64: 1e-9}


def assert_close(ours, theirs, dtype, what, trace):
    scale = 1.0 + np.abs(theirs).max(initial=0.0)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs {theirs.shape}\n{trace}"
    np.testing.assert_allclose(ours, theirs, rtol=TOLERANCE[dtype],
                               atol=TOLERANCE[dtype] * scale,
                               err_msg=f"{what} differs from PyTorch\n" + "\n".join(trace))


def as_array(lib, grad, like):
    return np.zeros(like.shape, like.dtype) if grad is None else lib.numpy(grad)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_random_graphs_match_pytorch_to_second_order(dtype):
    rng = np.random.default_rng(2026)
    for _ in range(60):
        program = make_program(rng)
        ours, theirs = run_program(OnEngine, program, dtype), run_program(OnTorch, program, dtype)
        inputs, nodes, loss, trace = ours
        t_inputs, t_nodes, t_loss, _ = theirs
        for node, t_node in zip(nodes, t_nodes):
            assert node.dtype == dtype, f"dtype drift: {node.dtype}\n" + "\n".join(trace)
            assert_close(node.numpy(), OnTorch.numpy(t_node), dtype, "a node's value", trace)
        assert_close(loss.numpy(), OnTorch.numpy(t_loss), dtype, "the loss", trace)

        first = OnEngine.grad(loss, inputs, True)
        t_first = OnTorch.grad(t_loss, t_inputs, True)
        for g, t_g, x in zip(first, t_first, inputs):
            assert g is None or g.dtype == dtype, f"gradient dtype {g.dtype}\n" + "\n".join(trace)
            assert_close(as_array(OnEngine, g, x), as_array(OnTorch, t_g, x), dtype,
                         "a first derivative", trace)

        # Second order: the gradient of sum(first_i * v_i), v fixed per input.
        directions = [rng.uniform(0.5, 1.5, x.shape).astype(dtype) for x in inputs]
        ours_again = [(g * Tensor(v)).sum() for g, v in zip(first, directions)
                      if g is not None and g.requires_grad]
        theirs_again = [(g * torch.tensor(v)).sum() for g, v in zip(t_first, directions)
                        if g is not None and g.requires_grad]
        second = OnEngine.grad(sum(ours_again[1:], ours_again[0]), inputs, False) \
            if ours_again else [None] * len(inputs)  # every first derivative is a constant
        t_second = OnTorch.grad(sum(theirs_again[1:], theirs_again[0]), t_inputs, False) \
            if theirs_again else [None] * len(inputs)
        for g, t_g, x in zip(second, t_second, inputs):
            assert g is None or g.dtype == dtype, "second derivative dtype\n" + "\n".join(trace)
            assert_close(as_array(OnEngine, g, x), as_array(OnTorch, t_g, x), dtype,
                         "a second derivative", trace)
