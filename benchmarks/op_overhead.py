"""Per-op overhead on 0-d tensors, where NumPy's own arithmetic is smallest: tinygrad_edu
against micrograd (scalar autograd in pure Python) and DeZero (the third book's engine).

Forward: `a + b` on two 0-d tensors that require grad (so the op is recorded), against
micrograd's `Value` add (and NumPy's own `a + b`, for scale). Chain: 20,000 additions
`y = y + s`, forward and then backward, time per op. DeZero runs when a checkout of
deep-learning-from-scratch-3 is given (its folder that holds `dezero/`), never vendored:

    python benchmarks/op_overhead.py [--dezero PATH]      # or DEZERO_PATH=PATH
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Row, interleaved_best, print_table, ratio_row  # noqa: E402

import tinygrad_edu as tg  # noqa: E402

FORWARD_TARGET = 1.4  # tinygrad_edu's a + b against micrograd's
CHAIN_TARGET = 1.0  # per op against micrograd: faster
DEZERO_TARGET = 2.5  # times faster than DeZero per op
CHAIN = 20_000


def load_micrograd():
    try:
        return importlib.import_module("micrograd.engine").Value
    except ImportError:
        return None


def load_dezero(path=None):
    """DeZero's Variable from a checkout (`path` or DEZERO_PATH), or None."""
    path = path or os.environ.get("DEZERO_PATH")
    if not path:
        return None
    sys.path.insert(0, str(Path(path).resolve()))
    try:
        return importlib.import_module("dezero").Variable
    finally:
        sys.path.pop(0)


def _leaf(value):
    return tg.Tensor(np.array(value), requires_grad=True)  # 0-d float64


def chain(make_leaf, length=CHAIN):
    """One round: `length` additions forward, then backward from the last."""
    def run():
        x, step = make_leaf(1.0), make_leaf(0.5)
        y = x
        for _ in range(length):
            y = y + step
        y.backward()
    return run


def measure(rounds: int = 7, chain_length: int = CHAIN, dezero_path=None) -> list[Row]:
    a, b = np.array(1.5), np.array(2.5)
    ta, tb = _leaf(1.5), _leaf(2.5)
    forward = {"numpy": lambda: a + b, "tinygrad_edu": lambda: ta + tb}
    chains = {"tinygrad_edu": chain(_leaf, chain_length)}
    Value, Variable = load_micrograd(), load_dezero(dezero_path)
    if Value is not None:
        va, vb = Value(1.5), Value(2.5)
        forward["micrograd"] = lambda: va + vb
        chains["micrograd"] = chain(Value, chain_length)
    if Variable is not None:
        chains["dezero"] = chain(lambda v: Variable(np.array(v)), chain_length)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 2 * chain_length + 1000))  # micrograd's backward recurses
    try:
        fwd = interleaved_best(forward, rounds=rounds, number=20_000, clock=time.process_time)
        per_op = {name: seconds / chain_length for name, seconds in interleaved_best(
            chains, rounds=max(1, rounds // 2), clock=time.process_time).items()}
    finally:
        sys.setrecursionlimit(limit)
    ours = "tinygrad_edu"
    rows = [Row("forward a + b, 0-d: NumPy's own a + b", fwd["numpy"] * 1e6, "us", "(scale)")]
    if Value is None:
        rows += [Row("forward a + b, 0-d: tinygrad_edu (micrograd not installed)",
                     fwd[ours] * 1e6, "us", ""),
                 Row(f"chain of {chain_length:,} adds, fwd+bwd per op: tinygrad_edu",
                     per_op[ours] * 1e6, "us", "")]
    else:
        rows += [Row("forward a + b, 0-d: micrograd's Value", fwd["micrograd"] * 1e6, "us",
                     "(baseline)"),
                 ratio_row("forward a + b, 0-d: tinygrad_edu", fwd[ours], fwd["micrograd"],
                           FORWARD_TARGET, unit="us"),
                 Row(f"chain of {chain_length:,} adds, fwd+bwd per op: micrograd",
                     per_op["micrograd"] * 1e6, "us", "(baseline)"),
                 ratio_row(f"chain of {chain_length:,} adds, fwd+bwd per op: tinygrad_edu",
                           per_op[ours], per_op["micrograd"], CHAIN_TARGET, unit="us")]
    if Variable is not None:
        faster = per_op["dezero"] / per_op[ours]
        rows += [Row(f"chain of {chain_length:,} adds, fwd+bwd per op: DeZero",
                     per_op["dezero"] * 1e6, "us", "(baseline)"),
                 Row("chain: tinygrad_edu faster than DeZero by", faster, "x",
                     f">= {DEZERO_TARGET}x", ratio=faster, ok=faster >= DEZERO_TARGET)]
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dezero", help="a deep-learning-from-scratch-3 checkout")
    args = parser.parse_args(argv)
    print_table(measure(dezero_path=args.dezero))


if __name__ == "__main__":
    main()
