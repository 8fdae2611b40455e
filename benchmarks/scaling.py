"""Backward time against graph size: long chains and wide graphs, 1,000 to 100,000 nodes.

Chain: y = x, then y = y + c, n times (each op waits for the one before it). Wide: n
branches x * c_i of one input, stacked and summed (one op with n inputs, and n gradients
that add up in x). Backward should cost the same per node at every size: linear time.

    python benchmarks/scaling.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Row, print_table  # noqa: E402

import tinygrad_edu as tg  # noqa: E402

SIZES = (1_000, 3_000, 10_000, 30_000, 100_000)
LINEAR_TARGET = 1.5  # per-node time at 100,000 nodes over per-node time at 1,000


def chain(n):
    x = tg.Tensor(np.array(1.0), requires_grad=True)
    step = tg.Tensor(np.array(0.5))
    y = x
    for _ in range(n):
        y = y + step
    return y


def wide(n):
    x = tg.Tensor(np.array(1.0), requires_grad=True)
    return tg.stack([x * float(i % 7) for i in range(n)]).sum()


def backward_seconds(build, n, rounds=3) -> float:
    best = float("inf")
    for _ in range(rounds):
        output = build(n)
        start = time.perf_counter()
        output.backward()
        best = min(best, time.perf_counter() - start)
    return best


def measure(sizes=SIZES, rounds=3) -> tuple[list[Row], dict]:
    """The table rows, and {"chain": [(n, seconds)], "wide": [...]} for the plot."""
    runs = {name: [(n, backward_seconds(build, n, rounds)) for n in sizes]
            for name, build in (("chain", chain), ("wide", wide))}
    rows = []
    for name, points in runs.items():
        for n, seconds in points:
            rows.append(Row(f"backward, {name} of {n:,} ops", seconds * 1e6 / n, "us/op", ""))
        (n0, t0), (n1, t1) = points[0], points[-1]
        growth = (t1 / n1) / (t0 / n0)
        rows.append(Row(f"{name}: time per op at {n1:,} / at {n0:,}", growth, "",
                        f"linear (<= {LINEAR_TARGET})", ok=growth <= LINEAR_TARGET))
    return rows, runs


if __name__ == "__main__":
    print_table(measure()[0])
