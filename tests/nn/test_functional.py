"""nn.functional: values against NumPy (and PyTorch when installed), gradients against
central differences (tg.gradcheck, float64), the documented conventions and error messages."""

import re

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor

rng = np.random.default_rng(0)


def leaf(array):
    return Tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def np_log_softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


# ---- layers as functions ----------------------------------------------------------------------


def test_linear_is_x_at_w_plus_b_with_w_of_shape_in_out():
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    y = F.linear(Tensor(x), Tensor(w), Tensor(b))
    np.testing.assert_allclose(y.numpy(), x @ w + b)
    np.testing.assert_allclose(F.linear(x, Tensor(w)).numpy(), x @ w)  # no bias, array input


def test_linear_gradcheck_with_broadcast_bias_and_batch_axes():
    w, b = leaf(rng.standard_normal((3, 4))), leaf(rng.standard_normal(4))
    assert tg.gradcheck(F.linear, (leaf(rng.standard_normal((5, 3))), w, b))
    assert tg.gradcheck(F.linear, (leaf(rng.standard_normal((2, 5, 3))), w, b))


def test_linear_is_one_affine_op_in_the_usual_case_and_the_same_values_otherwise():
    x, w, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    fused = F.linear(leaf(x), leaf(w), leaf(b))
    assert type(fused._ctx).__name__ == "Affine"
    # a bias that broadcasts to more than a row, or inputs of two dtypes: x @ W + b, composed
    for bias, dtype in ((rng.standard_normal((2, 1, 4)), np.float64), (b, np.float32)):
        inputs = (leaf(x).astype(dtype), leaf(w), leaf(bias))
        composed = F.linear(*inputs)
        assert type(composed._ctx).__name__ == "Add"
        np.testing.assert_allclose(composed.numpy(), x @ w + bias, rtol=1e-6)
    x_in, w_in, b_in = leaf(x), leaf(w), leaf(b)
    F.linear(x_in, w_in, b_in).sum().backward()
    np.testing.assert_allclose(w_in.grad.numpy(), x.reshape(-1, 3).sum(axis=0)[:, None]
                               * np.ones(4))  # dW = x^T gy with gy all ones
    np.testing.assert_allclose(b_in.grad.numpy(), np.full(4, 10.0))  # 2 x 5 rows
    np.testing.assert_allclose(x_in.grad.numpy(), np.broadcast_to(w.sum(axis=1), x.shape))


def test_linear_names_the_shapes_that_do_not_fit():
    with pytest.raises(ValueError, match=r"matmul: shapes \(5, 3\) and \(4, 2\) do not fit"):
        F.linear(Tensor(np.ones((5, 3))), Tensor(np.ones((4, 2))), Tensor(np.ones(2)))


@pytest.mark.parametrize("function", [F.sigmoid, F.tanh, F.relu, F.softmax, F.log_softmax])
def test_activation_gradcheck(function):
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 0.05] = 0.5  # keep away from ReLU's kink, where differences are not a slope
    assert tg.gradcheck(function, (leaf(x),))


def test_activations_match_their_formulas():
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(F.sigmoid(x).numpy(), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.tanh(x).numpy(), np.tanh(x))
    np.testing.assert_allclose(F.relu(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(F.softmax(x, axis=0).numpy(),
                               np.exp(x) / np.exp(x).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(F.log_softmax(x).numpy(), np_log_softmax(x))


def test_relu_gradient_at_zero_is_zero():
    x = leaf([-1.0, 0.0, 2.0])
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


# ---- dropout ----------------------------------------------------------------------------------


def test_dropout_is_inverted_scaling_in_training_and_identity_in_eval():
    tg.manual_seed(0)
    x = Tensor(np.ones((200, 50)))
    y = F.dropout(x, p=0.2).numpy()
    assert set(np.unique(y)) == {0.0, 1.25}
    assert abs((y == 0).mean() - 0.2) < 0.02
    assert abs(y.mean() - 1.0) < 0.03  # expectation unchanged
    assert F.dropout(x, p=0.2, training=False) is x
    assert F.dropout(x, p=0.0) is x


def test_dropout_uses_the_seeded_generator():
    x = Tensor(np.ones(100))
    tg.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    tg.manual_seed(3)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5).numpy())


def test_dropout_keeps_float32():
    y = F.dropout(Tensor(np.ones(10, np.float32)), 0.5)
    assert y.dtype == np.float32


def test_dropout_gradcheck_with_a_fixed_mask():
    def dropped(x):
        tg.manual_seed(1)  # the same mask at every evaluation
        return F.dropout(x, 0.3)

    assert tg.gradcheck(dropped, (leaf(rng.standard_normal((4, 6))),))


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_rejects_p_outside_0_1(p):
    with pytest.raises(ValueError, match=r"dropout probability must be in \[0, 1\), got p="):
        F.dropout(Tensor(np.ones(3)), p)


# ---- batch norm -------------------------------------------------------------------------------


def test_batch_norm_training_matches_numpy_and_updates_running_stats():
    x = rng.standard_normal((8, 3)) * 2 + 1
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    running_mean, running_var = np.zeros(3), np.ones(3)
    y = F.batch_norm(Tensor(x), running_mean, running_var, Tensor(gamma), Tensor(beta),
                     training=True, momentum=0.1, eps=1e-5)
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) * gamma + beta  # biased variance
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(running_mean, 0.1 * x.mean(0))
    np.testing.assert_allclose(running_var, 0.9 + 0.1 * x.var(0, ddof=1))  # unbiased


def test_batch_norm_eval_uses_running_stats():
    x = rng.standard_normal((4, 2))
    mean, var = np.array([1.0, -1.0]), np.array([4.0, 0.25])
    y = F.batch_norm(Tensor(x), mean, var, training=False, eps=0.0)
    np.testing.assert_allclose(y.numpy(), (x - mean) / np.sqrt(var))


def test_batch_norm_gradcheck():
    x = leaf(rng.standard_normal((6, 3)))
    gamma, beta = leaf(rng.standard_normal(3)), leaf(rng.standard_normal(3))

    def train(x, gamma, beta):
        return F.batch_norm(x, None, None, gamma, beta, training=True)

    def evaluate(x, gamma, beta):
        return F.batch_norm(x, np.full(3, 0.5), np.full(3, 2.0), gamma, beta, training=False)

    assert tg.gradcheck(train, (x, gamma, beta))
    assert tg.gradcheck(evaluate, (x, gamma, beta))


def test_batch_norm_needs_two_samples_in_training():
    with pytest.raises(ValueError, match=r"more than one sample .* shape \(1, 3\)"):
        F.batch_norm(Tensor(np.ones((1, 3))), None, None, training=True)


@pytest.mark.parametrize("recording", [True, False])
def test_batch_norm_updates_running_stats_given_as_tensors_in_any_grad_mode(recording):
    # Once: with Tensors, `running_mean *= ...` rebound a local name while
    # recording, so the caller's statistics stayed as they were; under no_grad they changed.
    x = rng.standard_normal((8, 3)) * 2 + 1
    running_mean, running_var = Tensor(np.zeros(3)), Tensor(np.ones(3))
    mean_array, var_array = running_mean.data, running_var.data
    with (tg.enable_grad() if recording else tg.no_grad()):
        F.batch_norm(Tensor(x, requires_grad=True), running_mean, running_var, training=True)
    np.testing.assert_allclose(running_mean.numpy(), 0.1 * x.mean(0))
    np.testing.assert_allclose(running_var.numpy(), 0.9 + 0.1 * x.var(0, ddof=1))
    assert running_mean.data is mean_array and running_var.data is var_array  # in place


def test_batch_norm_tensor_running_stats_match_pytorch_in_both_grad_modes():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((8, 3))
    for recording in (True, False):
        ours = Tensor(np.zeros(3)), Tensor(np.ones(3))
        theirs = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
        with (tg.enable_grad() if recording else tg.no_grad()):
            F.batch_norm(Tensor(x, requires_grad=True), *ours, training=True)
        with torch.set_grad_enabled(recording):
            torch.nn.functional.batch_norm(torch.tensor(x, requires_grad=True), *theirs,
                                           training=True)
        for mine, reference in zip(ours, theirs):
            np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-12)


@pytest.mark.parametrize("wrong", ["running_mean", "running_var", "weight", "bias"])
def test_batch_norm_checks_every_length_before_changing_anything(wrong):
    # Once: a running_mean of the wrong length was changed in place, and then
    # NumPy's broadcast error came.
    arguments = {"running_mean": np.zeros(3), "running_var": np.ones(3),
                 "weight": Tensor(np.ones(3)), "bias": Tensor(np.zeros(3))}
    arguments[wrong] = np.full(2, 0.5) if wrong.startswith("running") else Tensor(np.ones(2))
    before = {k: np.array(v.data if isinstance(v, Tensor) else v) for k, v in arguments.items()}
    with pytest.raises(ValueError, match=re.escape(
            f"batch_norm: {wrong} has 2 values, but the input of shape (8, 3) has 3 features "
            f"(axis 1): it needs one value per feature, shape (3,)")):
        F.batch_norm(Tensor(rng.standard_normal((8, 3))), training=True, **arguments)
    for k, v in arguments.items():
        np.testing.assert_array_equal(v.data if isinstance(v, Tensor) else v, before[k])


def test_batch_norm_in_eval_mode_needs_the_running_stats():
    # Once: AttributeError: 'NoneType' object has no attribute 'reshape'.
    for missing in ("running_mean", "running_var"):
        stats = {"running_mean": np.zeros(3), "running_var": np.ones(3), missing: None}
        with pytest.raises(ValueError, match=re.escape(
                f"batch_norm in evaluation mode (training=False) normalises with the running "
                f"statistics, but {missing} is None: pass running_mean and running_var, or "
                f"use training=True (the batch's own statistics)")):
            F.batch_norm(Tensor(np.ones((4, 3))), training=False, **stats)


def test_batch_norm_names_a_1d_input():
    # Once: a 1-d input gave IndexError: tuple index out of range.
    with pytest.raises(ValueError, match=re.escape(
            "batch_norm: expected an input of shape (N, C) or (N, C, H, W), features on axis "
            "1, got shape (4,); one sample of C features is x.reshape(1, C)")):
        F.batch_norm(Tensor(np.ones(4)), np.zeros(4), np.ones(4), training=True)


def test_batch_norm_running_stats_must_be_updatable_floats():
    with pytest.raises(TypeError, match="batch_norm: running_mean must be a NumPy array or a "
                                        "Tensor, which training updates in place, got list"):
        F.batch_norm(Tensor(np.ones((4, 3))), [0.0, 0.0, 0.0], np.ones(3), training=True)
    with pytest.raises(TypeError, match="batch_norm: running_var must be a float array "
                                        r"\(training averages into it\), got int64"):
        F.batch_norm(Tensor(np.ones((4, 3))), np.zeros(3), np.ones(3, np.int64), training=True)


# ---- mse_loss ---------------------------------------------------------------------------------


def test_mse_loss_averages_over_all_elements():
    y, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loss = F.mse_loss(Tensor(y), t)
    np.testing.assert_allclose(loss.item(), ((y - t) ** 2).mean())
    books = 0.5 * np.sum((y - t) ** 2)  # the books' mean_squared_error
    np.testing.assert_allclose(books, loss.item() * 0.5 * y.size)


def test_mse_loss_gradcheck_both_sides():
    assert tg.gradcheck(F.mse_loss, (leaf(rng.standard_normal((3, 2))),
                                     leaf(rng.standard_normal((3, 2)))))


def test_mse_loss_keeps_float32_with_integer_targets():
    y = Tensor(np.zeros(3, np.float32), requires_grad=True)
    loss = F.mse_loss(y, np.array([1, 2, 3]))
    loss.backward()
    assert loss.dtype == np.float32 and y.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), 14 / 3, rtol=1e-6)


def test_mse_loss_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"mse_loss: the prediction has shape \(4, 1\) but the "
                                         r"target has shape \(4,\)"):
        F.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4))


# ---- binary_cross_entropy ---------------------------------------------------------------------


def test_binary_cross_entropy_value():
    p, t = rng.uniform(0.05, 0.95, (5, 2)), rng.integers(0, 2, (5, 2)).astype(float)
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    np.testing.assert_allclose(F.binary_cross_entropy(Tensor(p), t).item(), expected)


def test_binary_cross_entropy_gradcheck_for_predictions_and_soft_targets():
    p, t = leaf(rng.uniform(0.1, 0.9, (4, 3))), leaf(rng.uniform(0, 1, (4, 3)))
    assert tg.gradcheck(F.binary_cross_entropy, (p, t))


def test_binary_cross_entropy_clamps_log_at_minus_100():
    p = leaf([0.0, 1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0, 0.0, 1.0]))
    assert loss.item() == pytest.approx(50.0)  # two clamped terms of 100, two exact zeros
    loss.backward()
    assert np.isfinite(p.grad.numpy()).all()
    assert p.grad.numpy()[0] < 0 < p.grad.numpy()[1]  # pushes p towards the target


def test_binary_cross_entropy_float32_with_int_targets():
    p = Tensor(np.array([0.2, 0.7], np.float32), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([0, 1]))
    loss.backward()
    assert loss.dtype == np.float32 and p.grad.dtype == np.float32


def test_binary_cross_entropy_errors():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got values from -2.0 to "
                                         r"3.0; apply .sigmoid\(\)"):
        F.binary_cross_entropy(Tensor(np.array([-2.0, 3.0])), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: the prediction has shape "
                                         r"\(2, 1\) but the target has shape \(2,\)"):
        F.binary_cross_entropy(Tensor(np.full((2, 1), 0.5)), np.array([0.0, 1.0]))


# ---- cross_entropy ----------------------------------------------------------------------------


def test_cross_entropy_with_labels_matches_numpy():
    x, labels = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    expected = -np_log_softmax(x)[np.arange(6), labels].mean()
    np.testing.assert_allclose(F.cross_entropy(Tensor(x), labels).item(), expected)


def test_cross_entropy_labels_and_one_hot_agree_in_value_and_gradient():
    x, labels = rng.standard_normal((5, 3)), np.array([2, 0, 1, 2, 2])
    a, b = leaf(x), leaf(x)
    loss_labels = F.cross_entropy(a, labels)
    loss_one_hot = F.cross_entropy(b, np.eye(3)[labels])
    assert loss_labels.item() == pytest.approx(loss_one_hot.item(), rel=1e-12)
    loss_labels.backward()
    loss_one_hot.backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())
    softmax = np.exp(np_log_softmax(x))
    np.testing.assert_allclose(a.grad.numpy(), (softmax - np.eye(3)[labels]) / 5)


def test_cross_entropy_gradcheck_labels_one_hot_and_probabilities():
    x = leaf(rng.standard_normal((4, 5)))
    labels = np.array([4, 0, 2, 2])
    probabilities = leaf(rng.dirichlet(np.ones(5), size=4))
    assert tg.gradcheck(lambda x: F.cross_entropy(x, labels), (x,))
    assert tg.gradcheck(lambda x: F.cross_entropy(x, Tensor(labels)), (x,))
    assert tg.gradcheck(F.cross_entropy, (x, probabilities))


def test_cross_entropy_gradient_is_the_same_whether_the_graph_is_retained_or_freed():
    # Freed (no retain_graph), the gradient is made in forward's own array of exps; retained,
    # that array must stay as it was, so a second pass gives the same gradient again.
    x, labels = rng.standard_normal((6, 5)), np.array([4, 0, 2, 2, 1, 3])
    expected = (np.exp(np_log_softmax(x)) - np.eye(5)[labels]) / 6
    retained = leaf(x)
    loss = F.cross_entropy(retained * 1.0, labels)
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(retained.grad.numpy(), expected, rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(retained.grad.numpy(), 2 * expected, rtol=1e-12)
    freed = leaf(x)
    F.cross_entropy(freed * 1.0, labels).backward()
    np.testing.assert_allclose(freed.grad.numpy(), expected, rtol=1e-12)


def test_a_pass_interrupted_right_after_the_loss_does_not_reuse_the_overwritten_exps():
    from tinygrad_edu import autograd

    def interrupt(op, output, grad, input_grads):  # Ctrl-C just after the loss's backward
        raise KeyboardInterrupt

    x = leaf(rng.standard_normal((3, 4)))
    loss = F.cross_entropy(x * 1.0, np.array([0, 1, 2]))
    with pytest.raises(KeyboardInterrupt):
        autograd.run_backward([loss], [np.ones((), np.float64)], on_step=interrupt)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()  # not a gradient made from exps that the first pass overwrote
    assert x.grad is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_stable_at_extreme_logits(dtype):
    x = Tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], dtype),
               requires_grad=True)
    loss = F.cross_entropy(x, np.array([1, 0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
    assert loss.item() == pytest.approx((2000 + 2000 + np.log(2)) / 2, rel=1e-6)
    expected = (np.array([[1, 0, 0], [0, 0.5, 0.5]]) - np.array([[0, 1, 0], [1, 0, 0]])) / 2
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-7)


def test_cross_entropy_float32_logits_with_int64_labels_stay_float32():
    x = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, np.array([1, 2, 3], np.int64))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    loss = F.cross_entropy(x, np.eye(4)[[1, 2, 3]])  # float64 one-hot targets, too
    assert loss.dtype == np.float32


def test_cross_entropy_accepts_uint8_and_tensor_labels():
    x = Tensor(rng.standard_normal((3, 4)))
    expected = F.cross_entropy(x, np.array([1, 0, 3])).item()
    assert F.cross_entropy(x, np.array([1, 0, 3], np.uint8)).item() == expected  # raw MNIST
    assert F.cross_entropy(x, Tensor(np.array([1, 0, 3]))).item() == expected


def test_cross_entropy_single_sample():
    x = np.array([1.0, 2.0, 0.5])
    expected = -np_log_softmax(x[None])[0, 1]
    assert F.cross_entropy(Tensor(x), np.int64(1)).item() == pytest.approx(expected)
    assert F.cross_entropy(Tensor(x), np.array([0.0, 1.0, 0.0])).item() == pytest.approx(expected)


def test_cross_entropy_label_out_of_range_names_label_and_range():
    x = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"label 4 is out of range for 4 classes \(valid labels "
                                         r"are 0 to 3; at index 2\)"):
        F.cross_entropy(x, np.array([0, 3, 4]))
    with pytest.raises(ValueError, match=r"label -1 is out of range for 4 classes"):
        F.cross_entropy(x, np.array([-1, 0, 0]))


def test_cross_entropy_rejects_float_labels():
    with pytest.raises(TypeError, match=r"class labels must be integers, got a float64 array of "
                                        r"shape \(3,\); use labels.astype\(np.int64\)"):
        F.cross_entropy(Tensor(np.zeros((3, 4))), np.array([0.0, 1.0, 2.0]))


def test_cross_entropy_rejects_mismatched_shapes():
    x = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"2 labels for 3 rows of logits"):
        F.cross_entropy(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"the target has shape \(3, 1\), but logits of shape "
                                         r"\(3, 4\) need integer labels of shape \(3,\)"):
        F.cross_entropy(x, np.array([[0], [1], [2]]))  # the notes' column of labels
    with pytest.raises(ValueError, match=r"the target has shape \(3, 5\)"):
        F.cross_entropy(x, np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\).*\(2, 3, 4\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3, 4))), np.array([0, 1]))


# ---- against PyTorch, when it is installed -------------------------------------------------------


def test_losses_match_pytorch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    p = rng.uniform(0.01, 0.99, (6, 4))
    p[0, 0], p[1, 1] = 0.0, 1.0  # the clamped logs
    t = rng.integers(0, 2, (6, 4)).astype(float)
    pairs = [
        (F.cross_entropy, torch.nn.functional.cross_entropy, x, labels),
        (F.cross_entropy, torch.nn.functional.cross_entropy, x, np.eye(4)[labels]),
        (F.mse_loss, torch.nn.functional.mse_loss, x, t),
        (F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy, p, t),
    ]
    for ours, theirs, prediction, target in pairs:
        a = leaf(prediction)
        loss = ours(a, target)
        loss.backward()
        b = torch.tensor(prediction, requires_grad=True)
        expected = theirs(b, torch.tensor(target))
        expected.backward()
        assert loss.item() == pytest.approx(expected.item(), rel=1e-10), ours.__name__
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-12,
                                   err_msg=ours.__name__)


# ---- the losses' one dtype rule, and the layers' --------------------------------------------


def test_a_loss_target_takes_the_prediction_dtype_on_every_road():
    p = Tensor(np.array([0.9, 0.2, 0.6], np.float32), requires_grad=True)
    t64 = np.array([1.0, 0.0, 1.0])  # float64 data, as np.eye or np.zeros make it
    through_f, through_method = F.binary_cross_entropy(p, t64), p.binary_cross_entropy(t64)
    assert through_f.dtype == through_method.dtype == np.float32
    assert through_f.item() == through_method.item()
    assert F.mse_loss(p, Tensor(t64)).dtype == np.float32
    assert F.cross_entropy(p.reshape(1, 3), np.eye(3)[[0]]).dtype == np.float32


def test_a_loss_formula_by_hand_follows_the_ops_rule_instead():
    # (y - t) between float32 and float64 promotes as NumPy does; F.mse_loss casts the data
    # target first (docs/api.md, "Losses"): the same value, in the prediction's dtype
    y = Tensor(np.array([1.0, 2.0], np.float32))
    t = np.array([1.5, 2.0])
    by_hand = ((y - t) * (y - t)).mean()
    assert by_hand.dtype == np.float64 and F.mse_loss(y, t).dtype == np.float32
    assert np.isclose(by_hand.item(), F.mse_loss(y, t).item())


def test_a_target_that_requires_grad_keeps_its_dtype():
    p = Tensor(np.array([0.3, 0.7]), requires_grad=True)
    t = Tensor(np.array([0.5, 0.5], np.float32), requires_grad=True)
    F.binary_cross_entropy(p, t).backward()
    assert t.grad.dtype == np.float32 and p.grad.dtype == np.float64


def test_the_binary_cross_entropy_method_checks_like_f():
    p = Tensor(np.array([1.5, 0.2]))
    for loss in (F.binary_cross_entropy, Tensor.binary_cross_entropy):
        with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*\.sigmoid\(\)"):
            loss(p, np.array([1, 0]))
        with pytest.raises(ValueError, match=r"shape \(2,\) but the target has shape \(2, 1\)"):
            loss(Tensor(np.array([0.5, 0.2])), np.zeros((2, 1)))


@pytest.mark.parametrize("layer, shape", [
    (lambda: tg.nn.Linear(3, 2), (4, 3)),
    (lambda: tg.nn.Conv2d(1, 2, 3), (2, 1, 5, 5)),
])
def test_a_layer_computes_in_its_weights_dtype(layer, shape):
    model = layer()  # float32 weights
    for dtype in (np.float64, np.float32, np.uint8):
        assert model(np.ones(shape, dtype)).dtype == np.float32
    x = Tensor(np.ones(shape), requires_grad=True)  # float64, differentiated
    out = model(x)
    assert out.dtype == np.float32 and out._ctx is not None
    out.sum().backward()
    assert x.grad.dtype == np.float64 and model.weight.grad.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), model(np.ones(shape, np.float32)).numpy())
