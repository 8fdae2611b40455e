"""Per-op overhead on 0-d tensors: what the graph costs on top of NumPy's own arithmetic.

Forward: `a + b` on two 0-d tensors that require grad (so the op is recorded) against
NumPy's `a + b` on the same 0-d arrays. Backward: a chain of additions, backward time per op.
micrograd (scalar autograd, pure Python) is measured beside it when it is installed.

    python benchmarks/op_overhead.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Row, interleaved_best, print_table  # noqa: E402

import tinygrad_edu as tg  # noqa: E402

FORWARD_TARGET_US = 3.0
BACKWARD_TARGET_US = 4.0


def _chain(make_leaf, length):
    x = make_leaf(1.0)
    step = make_leaf(0.5)
    y = x
    for _ in range(length):
        y = y + step
    return y


def _backward_per_op(make_leaf, length=5000, rounds=5) -> float:
    best = float("inf")
    for _ in range(rounds):
        y = _chain(make_leaf, length)
        start = time.perf_counter()
        y.backward()
        best = min(best, (time.perf_counter() - start) / length)
    return best


def measure(rounds: int = 7) -> list[Row]:
    a, b = np.array(1.5), np.array(2.5)
    ta = tg.Tensor(a, requires_grad=True)
    tb = tg.Tensor(b, requires_grad=True)
    candidates = {"numpy": lambda: a + b, "tinygrad_edu": lambda: ta + tb}
    try:
        from micrograd.engine import Value
    except ImportError:
        Value = None
    if Value is not None:
        va, vb = Value(1.5), Value(2.5)
        candidates["micrograd"] = lambda: va + vb
    forward = interleaved_best(candidates, rounds=rounds, number=20_000)
    overhead_us = (forward["tinygrad_edu"] - forward["numpy"]) * 1e6
    backward_us = _backward_per_op(
        lambda v: tg.Tensor(np.array(v), requires_grad=True)) * 1e6
    rows = [
        Row("forward a + b, 0-d, NumPy itself", forward["numpy"] * 1e6, "us", "(baseline)"),
        Row("forward a + b, 0-d, tinygrad_edu", forward["tinygrad_edu"] * 1e6, "us", "",
            ratio=forward["tinygrad_edu"] / forward["numpy"]),
        Row("forward overhead above NumPy", overhead_us, "us", f"<= {FORWARD_TARGET_US} us",
            ok=overhead_us <= FORWARD_TARGET_US),
        Row("backward per op (chain of 5,000 adds)", backward_us, "us",
            f"<= {BACKWARD_TARGET_US} us", ok=backward_us <= BACKWARD_TARGET_US),
    ]
    if Value is not None:
        micro_forward = forward["micrograd"] * 1e6
        micro_backward = _backward_per_op(Value, length=900) * 1e6  # its backward recurses
        rows += [
            Row("forward a + b, micrograd", micro_forward, "us", "(for reference)",
                ratio=forward["tinygrad_edu"] / forward["micrograd"]),
            Row("backward per op, micrograd", micro_backward, "us", "(for reference)",
                ratio=backward_us / micro_backward),
        ]
    return rows


if __name__ == "__main__":
    print_table(measure())
