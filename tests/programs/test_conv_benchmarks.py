"""The convolution benchmarks measure what they claim: the hand twin, the engine and PyTorch
compute the same layer and the same training step, and the benchmark reports every figure
against its target. (No timing is asserted: speed is measured by benchmarks/run.py.)"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import conv_step  # noqa: E402
import conv_twins  # noqa: E402


def test_the_conv_layer_twins_compute_the_same_output_and_gradients():
    weights = conv_twins.initial_weights()
    images, _ = conv_twins.make_data(batches=1)
    dout = np.random.default_rng(2).random((100, 30, 12, 12), dtype=np.float32)
    hand, engine = conv_twins.HandConvLayer(weights), conv_twins.EngineConvLayer(weights)
    out = hand.forward(images[0])
    hand.backward(dout)
    np.testing.assert_allclose(engine.run(images[0], dout).numpy(), out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(engine.w.grad.numpy(), hand.dw, rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(engine.b.grad.numpy(), hand.db, rtol=1e-4, atol=1e-2)
    assert engine.w.grad.dtype == np.float32
    fast = conv_twins.HandFastConvLayer(weights)
    np.testing.assert_allclose(fast.forward(images[0]), out, rtol=1e-5, atol=1e-6)
    fast.backward(dout)
    np.testing.assert_allclose(fast.dw, hand.dw, rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(fast.db, hand.db, rtol=1e-4, atol=1e-2)


def test_the_simple_conv_net_twins_compute_the_same_losses_and_updates():
    weights = conv_twins.initial_weights()
    hand, engine = conv_twins.HandSimpleConvNet(weights), conv_twins.EngineSimpleConvNet(weights)
    images, labels = conv_twins.make_data(batches=2)
    for x, t in zip(images, labels):
        assert np.isclose(hand.step(x, t), engine.step(x, t), rtol=1e-5)
    for a, b in zip(hand.weights(), engine.weights()):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_the_pytorch_twin_agrees():
    torch = pytest.importorskip("torch")
    weights = conv_twins.initial_weights()
    ours, theirs = conv_twins.EngineSimpleConvNet(weights), conv_twins.TorchSimpleConvNet(weights)
    images, labels = conv_twins.make_data(batches=2)
    for x, t in zip(images, labels):
        assert np.isclose(ours.step(x, t), theirs.step(torch.from_numpy(x), torch.from_numpy(t)),
                          rtol=1e-5)
    for a, b in zip(ours.weights(), theirs.weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_the_conv_benchmark_reports_its_targets(monkeypatch):
    monkeypatch.setattr(conv_step, "load_torch", lambda: None)  # the rows without PyTorch
    rows = conv_step.measure(rounds=1, steps_per_round=1)
    assert [row.target for row in rows if row.ok is not None] == ["<= 1.2x", "<= 1.5x"]
    assert all(row.value > 0 for row in rows)
