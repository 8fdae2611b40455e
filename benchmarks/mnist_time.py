"""MNIST: seconds until the test accuracy reaches 0.97, with demos/mnist.py's default settings.

    python benchmarks/mnist_time.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "demos"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import mnist  # noqa: E402  (demos/mnist.py)
from timing import Row, print_table  # noqa: E402


def measure() -> list[Row]:
    args = mnist.parse_args(["--quiet"])
    start = time.perf_counter()
    reached = {}

    def on_epoch(record):
        if record["test_acc"] >= mnist.TARGET_ACCURACY and not reached:
            reached.update(record, seconds=time.perf_counter() - start)
            return True
        return False

    _, history = mnist.train(args, on_epoch=on_epoch)
    if not reached:
        return [Row(f"MNIST: test accuracy after {len(history)} epochs (defaults)",
                    history[-1]["test_acc"], "", f">= {mnist.TARGET_ACCURACY}", ok=False)]
    return [Row(f"MNIST to {mnist.TARGET_ACCURACY} test acc, demo defaults (epoch "
                f"{reached['epoch']}: {reached['test_acc']:.4f})", reached["seconds"], "s",
                f"reaches {mnist.TARGET_ACCURACY}", ok=True)]


if __name__ == "__main__":
    print_table(measure())
