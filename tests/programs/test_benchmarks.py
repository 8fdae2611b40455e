"""The benchmarks measure what they claim: the twins compute the same thing, and each
benchmark runs and reports its figure against its target. (No timing is asserted here:
speed is measured by `python benchmarks/run.py`, never in tests.)"""

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import mlp_twins  # noqa: E402
import notes_loop  # noqa: E402
import op_overhead  # noqa: E402
import scaling  # noqa: E402
import training_step  # noqa: E402
from timing import Row, print_table  # noqa: E402


def test_the_twins_compute_the_same_losses_and_updates():
    hand, engine = mlp_twins.twins()
    images, labels = mlp_twins.make_data(batches=3)
    for x, t in zip(images, labels):
        assert np.isclose(hand.step(x, t), engine.step(x, t), rtol=1e-5)
    for a, b in zip(hand.weights(), engine.weights()):
        assert a.dtype == b.dtype == np.float32
        assert np.allclose(a, b, atol=1e-6)


def test_training_step_reports_time_peak_and_steady_memory():
    rows = training_step.measure(rounds=1, steady_steps=210)
    ratios = [row for row in rows if row.ratio is not None]
    assert [row.target for row in ratios] == ["<= 1.05x", "<= 1.3x"]
    assert all(row.ratio > 0 for row in ratios)
    steady = rows[-1]
    assert steady.unit == "MB" and steady.ok is not None


def test_the_notes_loop_twins_compute_the_same_errors_and_weights():
    hand = notes_loop.hand_train(1.0, 301, report_every=100)
    engine = notes_loop.engine_train(1.0, 301, 4, report_every=100)
    assert len(hand[0]) == 4 and hand[0][-1] < hand[0][0]  # it learns
    np.testing.assert_allclose(engine[0], hand[0], rtol=1e-12)
    for ours, theirs in zip(engine[1:], hand[1:]):
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-12)
        assert ours.dtype == np.float64


def test_the_notes_loop_pytorch_twin_agrees():
    torch = pytest.importorskip("torch")
    engine = notes_loop.engine_train(10.0, 201, 4, report_every=100)
    theirs = notes_loop.torch_train(torch, 10.0, 201, report_every=100)
    np.testing.assert_allclose(engine[0], theirs[0], rtol=1e-12)
    for ours, weights in zip(engine[1:], theirs[1:]):
        np.testing.assert_allclose(ours.numpy(), weights, rtol=1e-12)


def test_the_notes_loop_reports_its_targets(monkeypatch):
    monkeypatch.setattr(notes_loop, "load_torch", lambda threads: None)  # rows without torch
    rows = notes_loop.measure(rounds=1, steps=20)
    assert [row.target for row in rows if row.ok is not None] == ["<= 3.0x (aim 2x)"]
    assert all(row.value > 0 for row in rows)


def test_op_overhead_reports_its_targets_against_micrograd_and_dezero(monkeypatch, tmp_path):
    # a stand-in for the third book's checkout: a `dezero` package with a Variable that adds
    package = tmp_path / "dezero"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import tinygrad_edu as tg\n"
        "def Variable(value):\n"
        "    return tg.Tensor(value, requires_grad=True)\n")
    monkeypatch.setattr(op_overhead, "load_micrograd", lambda: None)
    rows = op_overhead.measure(rounds=1, chain_length=50)
    assert [row.ok for row in rows] == [None, None, None]  # no micrograd: figures, no targets
    rows = op_overhead.measure(rounds=1, chain_length=50, dezero_path=str(tmp_path))
    assert [row.target for row in rows if row.ok is not None] == [">= 2.5x"]
    sys.modules.pop("dezero", None)


def test_op_overhead_against_micrograd():
    pytest.importorskip("micrograd")
    rows = op_overhead.measure(rounds=1, chain_length=50)
    assert [row.target for row in rows if row.ok is not None] == ["<= 1.4x", "<= 1.0x"]


def test_scaling_reports_its_targets():
    rows, runs = scaling.measure(sizes=(100, 400), rounds=1)
    assert set(runs) == {"chain", "wide"} and [n for n, _ in runs["chain"]] == [100, 400]
    assert sum(row.ok is not None for row in rows) == 2


def test_the_table_prints_every_row(capsys):
    print_table([Row("a figure", 1.5, "ms", "(baseline)"),
                 Row("another", 2.0, "ms", "<= 1.15x", ratio=1.33, ok=False)])
    out = capsys.readouterr().out
    assert "1.33x" in out and "MISSED" in out and "a figure" in out


@pytest.mark.parametrize("module", ["mnist_time", "plot_scaling", "run", "notes_loop",
                                    "op_overhead"])
def test_every_benchmark_script_imports_and_has_its_entry_point(module):
    imported = __import__(module)
    assert callable(getattr(imported, "main", None) or getattr(imported, "measure", None))
