"""numerical_gradient (the notes' central differences) and gradcheck's verdicts and messages."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def notes_numerical_gradient(f, x):
    # The loop as the notes write it (1-d), to compare against.
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def test_numerical_gradient_is_the_notes_central_difference():
    f = lambda x: np.sum(np.sin(x) * x**2)  # noqa: E731
    x = np.array([0.3, -1.2, 2.0, 0.7])
    assert np.array_equal(tg.numerical_gradient(f, x), notes_numerical_gradient(f, x.copy()))
    assert np.array_equal(x, [0.3, -1.2, 2.0, 0.7])  # restored


def test_numerical_gradient_on_matrices_and_tensors():
    W = np.array([[0.5, -0.2], [0.1, 0.4]])
    f = lambda W: float(((np.array([1.0, 2.0]) @ W) ** 2).sum())  # noqa: E731
    expected = 2 * np.outer([1.0, 2.0], np.array([1.0, 2.0]) @ W)
    assert np.allclose(tg.numerical_gradient(f, W), expected, atol=1e-8)
    t = Tensor(W.copy(), requires_grad=True)
    assert np.allclose(tg.numerical_gradient(lambda t: (t**2).sum(), t), 2 * W, atol=1e-8)
    assert np.array_equal(t.numpy(), W)


def test_numerical_gradient_refuses_integer_arrays():
    with pytest.raises(TypeError, match=r"needs a float array.*got int64.*np.array\(\[-3.0, 4"):
        tg.numerical_gradient(lambda x: (x**2).sum(), np.array([-3, 4]))


def test_gradcheck_passes_and_leaves_the_inputs_alone():
    w = Tensor(np.array([[0.5, -1.0], [2.0, 0.1]], np.float32), requires_grad=True)
    before = w.numpy().copy()
    assert tg.gradcheck(lambda w: (w.tanh() @ w).exp(), w) is True
    assert w.dtype == np.float32 and np.array_equal(w.numpy(), before) and w.grad is None


class WrongSquare(tg.Function):
    """x^2 with a derivative that is wrong at one element: gradcheck must find it."""

    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, grad_output):
        (x,) = self.saved
        grad = 2 * x * grad_output
        grad[1, 2] += 0.5
        return grad


def test_gradcheck_names_the_input_the_worst_element_and_both_values():
    x = Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True, name="W1")
    bias = Tensor(np.zeros(4), requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda b, x: WrongSquare.apply(x) + b, (bias, x))
    message = str(info.value)
    assert "input 1 ('W1') of shape (3, 4)" in message
    assert "worst element (1, 2)" in message
    assert "analytic (backward)" in message and "numeric (central differences" in message
    assert "absolute error" in message and "relative error" in message


def test_gradcheck_fast_mode_catches_the_error_along_a_random_direction():
    x = Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    assert tg.gradcheck(lambda x: x * x, x, fast=True)
    with pytest.raises(tg.GradcheckError, match="along a random direction"):
        tg.gradcheck(WrongSquare.apply, x, fast=True)


def test_gradcheck_can_return_false_instead():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    assert tg.gradcheck(WrongSquare.apply, x, raise_exception=False) is False


def test_gradcheck_catches_a_nan_gradient():
    class NanGrad(tg.Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, grad_output):
            return grad_output * np.nan

    with pytest.raises(tg.GradcheckError, match="worst element"):
        tg.gradcheck(NanGrad.apply, Tensor([1.0, 2.0], requires_grad=True))


def test_gradcheck_accepts_non_tensor_arguments_and_integer_labels():
    logits = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    labels = Tensor([0, 2, 1, 1])
    pick = lambda z, t, scale: z.log_softmax()[np.arange(4), t] * scale  # noqa: E731
    assert tg.gradcheck(pick, (logits, labels, 2.0))


def test_gradcheck_usage_errors():
    with pytest.raises(ValueError, match="no input requires grad"):
        tg.gradcheck(lambda x: x * 2, Tensor([1.0]))
    with pytest.raises(TypeError, match="fn must return a Tensor, got float"):
        tg.gradcheck(lambda x: 1.0, Tensor([1.0], requires_grad=True))


def test_gradcheck_of_a_function_that_does_not_depend_on_its_input():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert tg.gradcheck(lambda x: Tensor([3.0]) * 2.0, x)
