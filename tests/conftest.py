"""Shared fixtures and helpers: a seeded generator, the float64 default for one test
(`float64_default`), `second_derivative` (the one second-order helper), and `check_op`, the one
check every op's table line goes through (tests/core/test_ops.py); `BackgroundRun`, a slow
program started as soon as the suite is collected, so that it runs beside the other tests."""

import subprocess
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


class BackgroundRun:
    """A program that a test runs for minutes (the notes' chapter-4 loop): started when the
    suite has been collected, if that test is in it, so that it trains on the second core while
    the other tests run; the test collects its result (and starts it itself if it has to)."""

    def __init__(self, *command):
        self.command = command
        self.process = None

    def start(self):
        if self.process is None:
            self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True)

    def result(self, timeout):
        """(returncode, stdout, stderr) once the program has ended."""
        self.start()
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def _background_runs(items):
    return [run for item in items
            if (run := getattr(getattr(item, "function", None), "runs_beside_the_suite", None))]


def pytest_collection_finish(session):
    for run in _background_runs(session.items):
        run.start()


def pytest_sessionfinish(session):
    for run in _background_runs(session.items):
        run.stop()  # a suite stopped early (-x, Ctrl-C) leaves no program training behind


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
    """tg.set_default_dtype(np.float64) for one test (layers built inside get float64 weights,
    for checks against central differences), the previous default again afterwards."""
    previous = tg.get_default_dtype()
    tg.set_default_dtype(np.float64)
    yield
    tg.set_default_dtype(previous)


def second_derivative(fn):
    """x -> d(fn(x) . R)/dx with the backward pass recorded, so that gradcheck of it checks
    the second derivative (R: fixed random weights). The one helper for second order: test
    files import it (`from conftest import second_derivative`)."""

    def gradient_of_fn(*inputs):
        out = fn(*inputs)
        weights = np.random.default_rng(1).standard_normal(out.shape)
        wanted = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
        grads = tg.grad((out * weights).sum(), wanted, create_graph=True, allow_unused=True)
        parts = [g.reshape(-1) for g in grads if g is not None]
        return tg.concatenate(parts)

    return gradient_of_fn


def check_op(fn, reference, *arrays, grads=True, second_order=True, dtype32=np.float32,
             ints=None, mixed=None):
    """Check one op on one set of inputs, from its table line (tests/core/test_ops.py).

    fn(*tensors) against reference(*arrays) (NumPy or a direct loop): same shape, same
    values; float64 inputs give float64; float32 inputs give `dtype32` (no drift) and agree to
    float32 precision; then gradcheck in float64 of the gradient and of the second derivative.
    `ints`: the dtype integer inputs give (the float inputs times 3, rounded), checked with their
    values; `mixed`: the dtype when the first float input is float32 and the others float64,
    whose gradients each keep their input's dtype. Float arrays become tensors that require
    grad; other arrays (indices, masks) are data.
    """
    arrays = [np.asarray(a) for a in arrays]
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]

    def tensors(*dtypes):
        dtypes = iter(dtypes * len(floats) if len(dtypes) == 1 else dtypes)
        return [Tensor(a.astype(next(dtypes)), requires_grad=True) if i in floats else Tensor(a)
                for i, a in enumerate(arrays)]

    expected = np.asarray(reference(*arrays))
    out = fn(*tensors(np.float64))
    assert isinstance(out, Tensor)
    assert out.shape == expected.shape, f"shape {out.shape}, NumPy gives {expected.shape}"
    assert out.dtype == np.float64 or dtype32 != np.float32, f"float64 inputs gave {out.dtype}"
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-7, atol=1e-12)
    out32 = fn(*tensors(np.float32))
    assert out32.dtype == dtype32, f"float32 inputs gave {out32.dtype}"
    np.testing.assert_allclose(out32.numpy(), expected, rtol=2e-4, atol=1e-5)
    if ints is not None:
        integers = [np.rint(a * 3).astype(np.int64) if i in floats else a
                    for i, a in enumerate(arrays)]
        out_int = fn(*[Tensor(a) for a in integers])
        assert out_int.dtype == ints, f"integer inputs gave {out_int.dtype}, not {ints}"
        np.testing.assert_allclose(out_int.numpy(), reference(*integers), rtol=2e-4, atol=1e-5)
    if mixed is not None:
        inputs = tensors(np.float32, *[np.float64] * (len(floats) - 1))
        out_mixed = fn(*inputs)
        assert out_mixed.dtype == mixed, f"float32 with float64 gave {out_mixed.dtype}"
        np.testing.assert_allclose(out_mixed.numpy(), expected, rtol=2e-4, atol=1e-5)
        if grads:
            (out_mixed * 1.0).sum().backward()
            assert [x.grad.dtype for x in inputs if x.requires_grad] == \
                [x.dtype for x in inputs if x.requires_grad]
    if grads:
        inputs = tensors(np.float64)
        assert tg.gradcheck(fn, inputs)
        if second_order:
            assert tg.gradcheck(second_derivative(fn), inputs)
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
