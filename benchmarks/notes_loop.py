"""The notes' own loop (note 002), three times: `demos/learning_rates.py` on tinygrad_edu, the
same loop by hand in NumPy, and PyTorch on the CPU with one thread.

XOR, a 3-4-1 sigmoid network, the batch of all 4 rows, squared error, plain SGD (the update
inside no_grad), float64 as in the notes: a loop of tiny arrays, where every op's Python
overhead shows. All three start from the note's seed and compute the same errors
(tests/test_benchmarks.py checks it).

    python benchmarks/notes_loop.py            # time per step, interleaved rounds
    python benchmarks/notes_loop.py --sweep    # the demo's whole sweep (7 alphas x 60,000)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "demos"))

from learning_rates import ALPHAS, X, Y  # noqa: E402
from learning_rates import train as engine_train  # noqa: E402
from timing import Row, interleaved_best, load_torch, print_table, ratio_row  # noqa: E402

HAND_TARGET = 3.0  # at most 3x the loop by hand (docs/performance.md; 2x is the aim)
TORCH_TARGET = 1.0  # faster than PyTorch
ALPHA, HIDDEN, REPORT_EVERY = 1.0, 4, 10_000


def hand_train(alpha, iterations, hidden=HIDDEN, report_every=REPORT_EVERY):
    """The note's loop in NumPy: forward, the two deltas by hand, the update."""
    np.random.seed(1)  # the note's seed and order of draws
    synapse_0 = 2 * np.random.random((3, hidden)) - 1
    synapse_1 = 2 * np.random.random((hidden, 1)) - 1
    errors = []
    for j in range(iterations):
        layer_1 = 1 / (1 + np.exp(-(X @ synapse_0)))
        layer_2 = 1 / (1 + np.exp(-(layer_1 @ synapse_1)))
        if j % report_every == 0:
            errors.append(float(np.mean(np.abs(layer_2 - Y))))
        layer_2_delta = (layer_2 - Y) * layer_2 * (1 - layer_2)  # dE/d(layer_2 input)
        layer_1_delta = (layer_2_delta @ synapse_1.T) * layer_1 * (1 - layer_1)
        synapse_1 -= alpha * (layer_1.T @ layer_2_delta)
        synapse_0 -= alpha * (X.T @ layer_1_delta)
    return errors, synapse_0, synapse_1


def torch_train(torch, alpha, iterations, hidden=HIDDEN, report_every=REPORT_EVERY):
    """The demo's loop, line for line, in PyTorch."""
    np.random.seed(1)
    synapse_0 = torch.tensor(2 * np.random.random((3, hidden)) - 1, requires_grad=True)
    synapse_1 = torch.tensor(2 * np.random.random((hidden, 1)) - 1, requires_grad=True)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    errors = []
    for j in range(iterations):
        layer_2 = torch.sigmoid(torch.sigmoid(x @ synapse_0) @ synapse_1)
        if j % report_every == 0:
            errors.append(float((layer_2.detach() - y).abs().mean()))
        (0.5 * ((layer_2 - y) ** 2).sum()).backward()
        with torch.no_grad():
            for synapse in (synapse_0, synapse_1):
                synapse -= alpha * synapse.grad
                synapse.grad = None
    return errors, synapse_0.detach().numpy(), synapse_1.detach().numpy()


def step_times(rounds=7, steps=2_000, torch=None):
    """Seconds per step of each twin: {"hand": .., "engine": .., "torch": ..}."""
    candidates = {"hand": lambda: hand_train(ALPHA, steps),
                  "engine": lambda: engine_train(ALPHA, steps, HIDDEN)}
    if torch is not None:
        candidates["torch"] = lambda: torch_train(torch, ALPHA, steps)
    for run in candidates.values():
        run()  # warm up
    best = interleaved_best(candidates, rounds=rounds, clock=time.process_time)  # one thread each
    return {name: seconds / steps for name, seconds in best.items()}


def measure(rounds=7, steps=2_000) -> list[Row]:
    torch = load_torch(threads=1)
    times = step_times(rounds, steps, torch)
    name = "note-002 loop (XOR 3-4-1 sigmoid, batch 4, float64, SGD)"
    rows = [Row(f"{name}: NumPy by hand", times["hand"] * 1e6, "us", "(baseline)"),
            ratio_row(f"{name}: tinygrad_edu", times["engine"], times["hand"], HAND_TARGET,
                      unit="us", note=" (aim 2x)")]
    if torch is not None:
        rows += [Row(f"{name}: PyTorch CPU, 1 thread", times["torch"] * 1e6, "us",
                     "(baseline)"),
                 ratio_row("note-002 loop: tinygrad_edu vs PyTorch", times["engine"],
                           times["torch"], TORCH_TARGET, unit="us")]
    return rows


def sweep(iterations=60_000):
    """The demo's whole sweep, by hand and on the engine: CPU seconds each (this process's,
    so that other jobs on the machine do not count)."""
    seconds = {}
    for name, train in (("hand", hand_train), ("engine", engine_train)):
        start = time.process_time()
        for alpha in ALPHAS:
            train(alpha, iterations, HIDDEN)
        seconds[name] = time.process_time() - start
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="time the demo's whole sweep")
    args = parser.parse_args(argv)
    if args.sweep:
        seconds = sweep()
        print(f"learning_rates.py sweep (7 alphas x 60,000 steps), CPU time: tinygrad_edu "
              f"{seconds['engine']:.1f} s, NumPy by hand {seconds['hand']:.1f} s "
              f"({seconds['engine'] / seconds['hand']:.1f}x)")
    else:
        print_table(measure())


if __name__ == "__main__":
    main()
