"""The LSTM benchmark measures what it claims: the engine's and PyTorch's language models start
from the same weights and take the same steps, and the benchmark reports its figures against
their targets. (No timing is asserted: speed is measured by benchmarks/run.py.)"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import lstm_step  # noqa: E402


def test_the_pytorch_twin_takes_the_same_steps():
    torch = pytest.importorskip("torch")
    models = lstm_step.twins(torch)
    ours, theirs = models["engine"], models["torch"]
    for mine, its in zip(ours.weights(), theirs.weights()):
        np.testing.assert_array_equal(mine, its)
    ids, targets = lstm_step.make_data(3)
    for x, t in zip(ids, targets):  # the third step starts from the carried, detached state
        assert np.isclose(ours.step(x, t), theirs.step(torch.from_numpy(x), torch.from_numpy(t)),
                          rtol=1e-5)
    for mine, its in zip(ours.weights(), theirs.weights()):
        np.testing.assert_allclose(mine, its, atol=1e-5)


def test_the_numpy_twin_by_hand_takes_the_same_steps():
    models = lstm_step.twins()
    ours, hand = models["engine"], models["hand"]
    ids, targets = lstm_step.make_data(3)
    for x, t in zip(ids, targets):  # the third step starts from the carried state
        assert np.isclose(ours.step(x, t), hand.step(x, t), rtol=1e-5)
    for mine, its in zip(ours.weights(), hand.weights()):
        np.testing.assert_allclose(mine, its, atol=1e-5)


def test_the_lstm_benchmark_reports_its_targets(monkeypatch):
    monkeypatch.setattr(lstm_step, "load_torch", lambda threads: None)  # rows without PyTorch
    monkeypatch.setattr(lstm_step, "BATCH", 4)
    rows = lstm_step.measure(rounds=1, steady_steps=6)
    assert [row.unit for row in rows] == ["ms", "ms", "MB"]
    assert rows[-1].target == "flat (< 1 MB)" and rows[-1].ok is not None


def test_run_py_gets_the_lstm_rows_from_a_child_with_one_blas_thread():
    # run.py loads NumPy (and its BLAS threads) before lstm_step could ask for one thread
    rows = lstm_step.measure_in_child(rounds=1, steady_steps=6, batch=4)
    figures = [row.figure for row in rows]
    assert figures[0].startswith("LSTM LM step (batch 4, seq 35")
    assert figures[1] == "LSTM LM step: tinygrad_edu vs NumPy by hand"
    assert rows[1].ratio > 0 and rows[-1].unit == "MB" and rows[-1].ok is not None
