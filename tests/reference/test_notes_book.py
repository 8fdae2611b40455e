"""tinygrad_edu.book: the notes' TwoLayerNet and loop run on the engine, with the books' results."""

import re
import sys
from pathlib import Path

import numpy as np
from conftest import BackgroundRun

from tinygrad_edu.book import PARAMETER_NAMES, TwoLayerNet, load_mnist

HERE = Path(__file__).resolve().parent
# minutes of training: started as soon as the suite is collected (conftest.BackgroundRun)
NOTES_LOOP = BackgroundRun(sys.executable, str(HERE / "notes_ch4_training_loop.py"))


def test_gradient_by_autodiff_equals_the_numerical_gradient():
    np.random.seed(0)
    net = TwoLayerNet(input_size=6, hidden_size=5, output_size=3, weight_init_std=0.5)
    x = np.random.rand(4, 6)
    t = np.eye(3)[[0, 2, 1, 2]]
    autodiff, numerical = net.gradient(x, t), net.numerical_gradient(x, t)
    for key in PARAMETER_NAMES:
        assert autodiff[key].shape == net.params[key].shape
        assert np.allclose(autodiff[key], numerical[key], rtol=1e-5, atol=1e-9), key


def test_gradient_with_labels_equals_gradient_with_one_hot_rows():
    np.random.seed(1)
    net = TwoLayerNet(4, 3, 2)
    x, labels = np.random.rand(5, 4), np.array([0, 1, 1, 0, 1])
    by_label, by_row = net.gradient(x, labels), net.gradient(x, np.eye(2)[labels])
    assert all(np.allclose(by_label[k], by_row[k]) for k in PARAMETER_NAMES)
    assert np.isclose(net.loss(x, labels), net.loss(x, np.eye(2)[labels]))


def test_params_are_the_books_plain_arrays():
    np.random.seed(2)
    net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (784, 50), "b1": (50,), "W2": (50, 10), "b2": (10,)}
    assert all(isinstance(v, np.ndarray) for v in net.params.values())
    assert abs(net.params["W1"].std() - 0.01) < 0.001 and not net.params["b1"].any()
    (x, t), _ = load_mnist(normalize=True, one_hot_label=True)
    before = net.loss(x[:100], t[:100])
    for _ in range(20):  # the notes' update, in place on the dict's arrays
        grad = net.gradient(x[:100], t[:100])
        for key in PARAMETER_NAMES:
            net.params[key] -= 0.5 * grad[key]
    assert net.loss(x[:100], t[:100]) < before
    assert net.predict(x[:3]).shape == (3, 10)
    assert np.allclose(net.predict(x[:3]).sum(axis=1), 1.0)


def test_load_mnist_has_the_books_signature():
    (x, t), (x_test, t_test) = load_mnist(normalize=False, flatten=False, one_hot_label=True)
    assert x.shape == (60000, 1, 28, 28) and x.dtype == np.uint8
    assert t.shape == (60000, 10) and x_test.shape == (10000, 1, 28, 28)
    (x, t), _ = load_mnist()
    assert x.shape == (60000, 784) and x.max() <= 1.0 and t[:3].tolist() == [5, 0, 4]


def test_the_notes_training_loop_reaches_the_books_accuracy():
    # The loop exactly as the notes write it, imports changed: the book reports 0.9465.
    returncode, stdout, stderr = NOTES_LOOP.result(timeout=600)
    assert returncode == 0, stderr
    lines = re.findall(r"train acc, test acc \| ([0-9.]+), ([0-9.]+)", stdout)
    assert len(lines) == 17  # one line per epoch of 600 iterations
    train_acc, test_acc = map(float, lines[-1])
    assert test_acc >= 0.94 and train_acc >= 0.94
    assert float(lines[0][1]) < 0.3  # it started from chance


test_the_notes_training_loop_reaches_the_books_accuracy.runs_beside_the_suite = NOTES_LOOP
