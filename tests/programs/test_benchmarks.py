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
    assert [row.target for row in ratios] == ["<= 1.15x", "<= 1.3x"]
    assert all(row.ratio > 0 for row in ratios)
    steady = rows[-1]
    assert steady.unit == "MB" and steady.ok is not None


def test_op_overhead_and_scaling_report_their_targets():
    rows = op_overhead.measure(rounds=1)
    assert {"<= 3.0 us", "<= 4.0 us"} <= {row.target for row in rows}
    rows, runs = scaling.measure(sizes=(100, 400), rounds=1)
    assert set(runs) == {"chain", "wide"} and [n for n, _ in runs["chain"]] == [100, 400]
    assert sum(row.ok is not None for row in rows) == 2


def test_the_table_prints_every_row(capsys):
    print_table([Row("a figure", 1.5, "ms", "(baseline)"),
                 Row("another", 2.0, "ms", "<= 1.15x", ratio=1.33, ok=False)])
    out = capsys.readouterr().out
    assert "1.33x" in out and "MISSED" in out and "a figure" in out


@pytest.mark.parametrize("module", ["mnist_time", "plot_scaling", "run"])
def test_every_benchmark_script_imports_and_has_its_entry_point(module):
    imported = __import__(module)
    assert callable(getattr(imported, "main", None) or getattr(imported, "measure", None))
