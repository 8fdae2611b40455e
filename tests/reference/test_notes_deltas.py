"""The notes' hand-derived deltas, replayed with autodiff from the same start.

Each test runs the notes' own NumPy loop (the hand-written delta) and the same training with
`backward()` instead, and asserts the same weights in float64. Where a note printed numbers,
the autodiff run must print them too.
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
D_AND_LIKE = np.array([[0], [0], [1], [1]], dtype=np.float64)
D_XOR = np.array([[0], [1], [1], [0]], dtype=np.float64)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def leaf(array):
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def sgd_step(*weights, lr):
    with tg.no_grad():
        for w in weights:
            w -= lr * w.grad
            w.grad = None


# ---- note 000: the delta rule, one sample at a time ------------------------------------------


def delta_rule_by_hand(W, epochs, alpha=0.9, D=D_AND_LIKE):
    W = W.copy()
    for _ in range(epochs):
        for k in range(4):
            x, d = X[k, :].T, D[k]
            y = sigmoid(np.matmul(W, x))
            delta = y * (1 - y) * (d - y)  # the note's calc_error
            W = W + alpha * delta * x
    return W


def delta_rule_by_autodiff(W0, epochs, alpha=0.9, D=D_AND_LIKE):
    W = leaf(W0)
    for _ in range(epochs):
        for k in range(4):
            y = (W @ X[k]).sigmoid()
            loss = 0.5 * ((D[k] - y) ** 2).sum()  # its gradient is exactly -delta * x
            loss.backward()
            sgd_step(W, lr=alpha)
    return W.numpy()


def test_delta_rule_matches_the_hand_derived_update():
    W0 = 2 * np.random.default_rng(0).random((1, 3)) - 1
    by_hand = delta_rule_by_hand(W0, epochs=200)
    assert np.allclose(delta_rule_by_autodiff(W0, epochs=200), by_hand, rtol=0, atol=1e-12)
    y = sigmoid(X @ by_hand.T).ravel()
    assert (y[:2] < 0.5).all() and (y[2:] > 0.5).all()  # learns D = [0, 0, 1, 1]


def test_delta_rule_cannot_learn_xor():
    W0 = 2 * np.random.default_rng(1).random((1, 3)) - 1
    W = delta_rule_by_autodiff(W0, epochs=300, D=D_XOR)
    assert np.allclose(W, delta_rule_by_hand(W0, epochs=300, D=D_XOR), atol=1e-12)
    predictions = (sigmoid(X @ W.T).ravel() > 0.5).astype(int)
    assert predictions.tolist() != [0, 1, 1, 0]  # a single layer cannot separate XOR


# ---- note 001: XOR with backpropagation, both losses -----------------------------------------


def backprop_by_hand(W1, W2, epochs, cross_entropy, alpha=0.9):
    W1, W2 = W1.copy(), W2.copy()
    for _ in range(epochs):
        for k in range(4):
            x, d = X[k, :].T, D_XOR[k]
            y1 = sigmoid(np.matmul(W1, x))
            y = sigmoid(np.matmul(W2, y1))
            e = d - y
            delta = e if cross_entropy else y * (1 - y) * e  # calcDelta_ce / calc_delta
            delta1 = y1 * (1 - y1) * np.matmul(W2.T, delta)  # the hidden layer's delta
            W1 = W1 + (alpha * delta1).reshape(4, 1) * x.reshape(1, 3)
            W2 = W2 + alpha * delta * y1
    return W1, W2


def backprop_by_autodiff(W1_0, W2_0, epochs, cross_entropy, alpha=0.9):
    W1, W2 = leaf(W1_0), leaf(W2_0)
    for _ in range(epochs):
        for k in range(4):
            d = D_XOR[k]
            y = (W2 @ (W1 @ X[k]).sigmoid()).sigmoid()
            if cross_entropy:
                loss = -(d * y.log() + (1 - d) * (1 - y).log()).sum()
            else:
                loss = 0.5 * ((d - y) ** 2).sum()
            loss.backward()
            sgd_step(W1, W2, lr=alpha)
    return W1.numpy(), W2.numpy()


@pytest.mark.parametrize("cross_entropy", [False, True], ids=["squared error", "cross-entropy"])
def test_xor_backprop_matches_the_hand_derived_deltas(cross_entropy):
    rng = np.random.default_rng(2)
    W1_0, W2_0 = 2 * rng.random((4, 3)) - 1, 2 * rng.random((1, 4)) - 1
    by_hand = backprop_by_hand(W1_0, W2_0, 150, cross_entropy)
    by_autodiff = backprop_by_autodiff(W1_0, W2_0, 150, cross_entropy)
    for hand, auto in zip(by_hand, by_autodiff):
        assert np.allclose(auto, hand, rtol=0, atol=1e-12)


# ---- note 002: the two-layer network, whole batch at once ------------------------------------


def two_layer_loop(alpha, iterations, hidden=4, use_autodiff=True):
    """The note's loop (seed 1, layer_2_error = layer_2 - y); returns the printed errors."""
    np.random.seed(1)
    synapse_0 = 2 * np.random.random((3, hidden)) - 1
    synapse_1 = 2 * np.random.random((hidden, 1)) - 1
    s0, s1 = leaf(synapse_0), leaf(synapse_1)
    errors = []
    for j in range(iterations):
        if use_autodiff:
            layer_2 = ((X @ s0).sigmoid() @ s1).sigmoid()
            if j % 10000 == 0:
                errors.append(float(np.mean(np.abs(layer_2.numpy() - D_XOR))))
            (0.5 * ((layer_2 - D_XOR) ** 2).sum()).backward()
            sgd_step(s0, s1, lr=alpha)
        else:
            layer_1 = sigmoid(np.dot(X, synapse_0))
            layer_2 = sigmoid(np.dot(layer_1, synapse_1))
            layer_2_error = layer_2 - D_XOR
            if j % 10000 == 0:
                errors.append(float(np.mean(np.abs(layer_2_error))))
            layer_2_delta = layer_2_error * (layer_2 * (1 - layer_2))
            layer_1_delta = layer_2_delta.dot(synapse_1.T) * (layer_1 * (1 - layer_1))
            synapse_1 -= alpha * layer_1.T.dot(layer_2_delta)
            synapse_0 -= alpha * X.T.dot(layer_1_delta)
    weights = (s0.numpy(), s1.numpy()) if use_autodiff else (synapse_0, synapse_1)
    return errors, weights


@pytest.mark.parametrize(
    "alpha, hidden, printed",
    [
        (0.1, 4, [0.49641003190272537, 0.042888017000115755]),
        (1, 4, [0.49641003190272537, 0.008584525653247159]),
        (1, 32, [0.49643992250078794, 0.00736052234249372]),
    ],
)
def test_two_layer_batch_update_prints_what_the_note_printed(alpha, hidden, printed):
    errors, weights = two_layer_loop(alpha, 10_001, hidden)
    assert np.allclose(errors, printed, rtol=1e-9, atol=0)
    _, by_hand = two_layer_loop(alpha, 10_001, hidden, use_autodiff=False)
    for auto, hand in zip(weights, by_hand):
        assert np.allclose(auto, hand, rtol=1e-9, atol=1e-12)


def test_single_layer_prints_the_notes_output():
    # note 002's first example: X = [[0,1],[0,1],[1,0],[1,0]], y = [0,0,1,1], 10,000 steps
    X2 = np.array([[0, 1], [0, 1], [1, 0], [1, 0]], dtype=np.float64)
    y = np.array([[0, 0, 1, 1]], dtype=np.float64).T
    np.random.seed(1)
    synapse_0 = leaf(2 * np.random.random((2, 1)) - 1)
    for _ in range(10_000):
        layer_1 = (X2 @ synapse_0).sigmoid()
        (0.5 * ((layer_1 - y) ** 2).sum()).backward()
        sgd_step(synapse_0, lr=1.0)
    printed = [[0.00505119], [0.00505119], [0.99494905], [0.99494905]]
    assert np.allclose(layer_1.numpy(), printed, atol=5e-9)


# ---- note 003/004: softmax with cross-entropy, and the book's SimpleNet ----------------------


def test_softmax_cross_entropy_gradient_is_y_minus_t_over_batch():
    rng = np.random.default_rng(3)
    logits = leaf(rng.standard_normal((5, 4)))
    t = np.eye(4)[rng.integers(0, 4, 5)]
    loss = -(t * logits.log_softmax()).sum() / 5
    loss.backward()
    z = logits.numpy()
    y = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.allclose(logits.grad.numpy(), (y - t) / 5, rtol=0, atol=1e-15)


def test_the_notes_softmax_and_cross_entropy_error_run_on_tensors():
    def softmax(a):  # the notes' functions, unchanged
        c = np.max(a)
        exp_a = np.exp(a - c)
        return exp_a / np.sum(exp_a)

    def cross_entropy_error(y, t):
        delta = 1e-7
        return -np.sum(t * np.log(y + delta))

    # SimpleNet from note 004: its W, x and t, and the gradient it printed (numerical)
    W = leaf([[-0.16465003, 1.37271586, 0.81078875], [-0.59474692, -0.74124992, 2.08852494]])
    x, t = np.array([0.6, 0.9]), np.array([0, 0, 1])
    p = np.dot(x, W)
    assert np.allclose(p.numpy(), [-0.63406224, 0.15650459, 2.36614569], atol=1e-8)
    loss = cross_entropy_error(softmax(p), t)
    assert np.isclose(loss.item(), 0.14800320227507802, atol=1e-7)
    loss.backward()
    printed = [[0.02575731, 0.05678573, -0.08254304], [0.03863596, 0.0851786, -0.12381456]]
    assert np.allclose(W.grad.numpy(), printed, atol=1e-7)

    def loss_of(W):
        return cross_entropy_error(softmax(np.dot(x, W)), t)

    assert np.allclose(W.grad.numpy(), tg.numerical_gradient(loss_of, W), atol=1e-8)


# ---- note 004: gradient descent on x0^2 + x1^2 from (-3, 4) ----------------------------------


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def descend(lr, numerical):
    x = np.array([-3.0, 4.0])
    for _ in range(100):
        if numerical:
            grad = tg.numerical_gradient(function_2, x)
        else:
            (grad,) = tg.grad(function_2(t := Tensor(x, requires_grad=True)), t)
            grad = grad.numpy()
        x -= lr * grad
    return x


def test_gradient_descent_results_from_the_note():
    assert np.allclose(descend(0.1, numerical=False), [-6.11110793e-10, 8.14814391e-10])
    assert np.allclose(descend(1e-10, numerical=False), [-2.99999994, 3.99999992])
    # lr = 10: the note printed [-2.58983747e+13, -1.29524862e+12]. That number comes from
    # the numerical gradient breaking down (x + h == x once |x| is huge); the exact gradient
    # keeps multiplying x by -19 each step.
    assert np.allclose(descend(10.0, numerical=True), [-2.58983747e13, -1.29524862e12])
    exact = descend(10.0, numerical=False)
    assert np.allclose(exact, np.array([-3.0, 4.0]) * 19.0**100)
