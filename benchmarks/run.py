"""Every performance figure of docs/performance.md in one table: the figure, its target, the ratio.

Each twin runs in this process beside the engine, rounds interleaved, the best round
counted (benchmarks/timing.py). Figures vary with the machine; the ratios are what the
targets are about.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # fewer rounds and steps, for a quick look
    python benchmarks/run.py --dezero PATH   # with DeZero's rows (a deep-learning-from-scratch-3
                                             # checkout; or DEZERO_PATH=PATH)

micrograd (`pip install micrograd`) and PyTorch, when installed, give their rows too.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import conv_step  # noqa: E402
import lstm_step  # noqa: E402
import mnist_time  # noqa: E402
import notes_loop  # noqa: E402
import op_overhead  # noqa: E402
import scaling  # noqa: E402
import training_step  # noqa: E402
from timing import print_table  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-mnist", action="store_true", help="leave out the MNIST run")
    parser.add_argument("--dezero", help="a deep-learning-from-scratch-3 checkout, for DeZero")
    args = parser.parse_args(argv)
    rounds = 5 if args.quick else 15
    rows = training_step.measure(rounds=rounds, steady_steps=500 if args.quick else 2000)
    rows += notes_loop.measure(rounds=3 if args.quick else 7)
    rows += op_overhead.measure(rounds=3 if args.quick else 7, dezero_path=args.dezero)
    sizes = (1_000, 10_000, 100_000) if args.quick else scaling.SIZES
    rows += scaling.measure(sizes, rounds=1 if args.quick else 3)[0]
    rows += conv_step.measure(rounds=3 if args.quick else 10)
    # (in a child process: NumPy is loaded here already, with its default BLAS threads)
    rows += lstm_step.measure_in_child(rounds=3 if args.quick else 10,
                                       steady_steps=200 if args.quick else 500)
    if not args.skip_mnist:
        rows += mnist_time.measure()
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()} {platform.system()}")
    print_table(rows)
    missed = [row.figure for row in rows if row.ok is False]
    if missed:
        print("\nmissed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
