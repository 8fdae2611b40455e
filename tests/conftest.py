"""Shared fixtures: a seeded generator, the default dtype switched for one test, and
`check_op`, the one check every op's table line goes through (tests/test_ops.py)."""

from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# Fashion-MNIST is not shipped. The tests that need it look where load_mnist looks
# ($TINYGRAD_EDU_DATA, then the download cache) and in a shared/data folder next to the clone
# (the layout of the team's checkouts); the skip message names no folder of this machine.
FASHION_MISSING = (
    "Fashion-MNIST is not on this machine (the repository ships only MNIST): download it once "
    "with tg.datasets.load_mnist(kind='fashion'), or set TINYGRAD_EDU_DATA to a folder that "
    "holds fashion-mnist/"
)


def fashion_mnist_root():
    """The folder that holds fashion-mnist/ with all four files, or None."""
    candidates = [tg.datasets.data_root("fashion"),
                  Path(__file__).resolve().parents[2] / "shared" / "data"]
    for root in candidates:
        if all((root / "fashion-mnist" / name).is_file() for name in tg.datasets.FILE_NAMES):
            return root
    return None


@pytest.fixture
def fashion_root():
    """The folder to pass as root= (or --data-dir) for Fashion-MNIST; skips without it."""
    root = fashion_mnist_root()
    if root is None:
        pytest.skip(FASHION_MISSING)
    return root


@pytest.fixture
def float64_default():
    """tg.set_default_dtype(np.float64) for one test, float32 again afterwards."""
    previous = tg.get_default_dtype()
    tg.set_default_dtype(np.float64)
    yield
    tg.set_default_dtype(previous)


def recorded_gradient(fn):
    """x -> d(fn(x) . R)/dx with the backward pass recorded, so that gradcheck of it checks
    the second derivative (R: fixed random weights)."""

    def gradient_of_fn(*inputs):
        out = fn(*inputs)
        weights = np.random.default_rng(1).standard_normal(out.shape)
        wanted = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
        grads = tg.grad((out * weights).sum(), wanted, create_graph=True, allow_unused=True)
        parts = [g.reshape(-1) for g in grads if g is not None]
        return tg.concatenate(parts)

    return gradient_of_fn


def check_op(fn, reference, *arrays, grads=True, second_order=True, dtype32=np.float32):
    """Check one op on one set of inputs, from its table line.

    fn(*tensors) against reference(*arrays) (NumPy or a direct loop): same shape, same
    values; on float32 inputs the result is `dtype32` (no drift) and agrees to float32
    precision; then gradcheck in float64 of the gradient and of the second derivative.
    Float arrays become tensors that require grad; other arrays (indices, masks) are data.
    """
    arrays = [np.asarray(a) for a in arrays]

    def tensors(dtype):
        return [Tensor(a.astype(dtype), requires_grad=True) if a.dtype.kind == "f" else Tensor(a)
                for a in arrays]

    expected = np.asarray(reference(*arrays))
    out = fn(*tensors(np.float64))
    assert isinstance(out, Tensor)
    assert out.shape == expected.shape, f"shape {out.shape}, NumPy gives {expected.shape}"
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-7, atol=1e-12)
    out32 = fn(*tensors(np.float32))
    assert out32.dtype == dtype32, f"float32 inputs gave {out32.dtype}"
    np.testing.assert_allclose(out32.numpy(), expected, rtol=2e-4, atol=1e-5)
    if grads:
        inputs = tensors(np.float64)
        assert tg.gradcheck(fn, inputs)
        if second_order:
            assert tg.gradcheck(recorded_gradient(fn), inputs)
    return out


@pytest.fixture(name="check_op", scope="session")
def check_op_fixture():
    return check_op


@pytest.fixture(name="lines_run", scope="session")
def lines_run_fixture():
    """lines_run(fn, module) -> how many lines of Python in `module` (a file name such as
    "autograd.py") ran while fn() ran: a count of steps, the same on every machine, where a
    timing would not be (speed itself is measured in benchmarks/, never in tests)."""
    import sys

    def lines_run(fn, module):
        count = 0

        def trace(frame, event, arg):
            nonlocal count
            if frame.f_code.co_filename.endswith(module):
                if event == "line":
                    count += 1
                return trace
            return None

        previous = sys.gettrace()
        sys.settrace(trace)
        try:
            fn()
        finally:
            sys.settrace(previous)
        return count

    return lines_run
