"""Plot backward time against graph size (benchmarks/scaling.py) into docs/images/scaling.png.

    python benchmarks/plot_scaling.py [output.png]      # needs matplotlib (pip install .[demo])
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import scaling  # noqa: E402

DEFAULT_OUTPUT = HERE.parent / "docs" / "images" / "scaling.png"


def main(output=DEFAULT_OUTPUT) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, runs = scaling.measure()
    figure, (total, per_op) = plt.subplots(1, 2, figsize=(9, 3.4))
    for (name, points), marker in zip(runs.items(), "os"):
        sizes = [n for n, _ in points]
        seconds = [s for _, s in points]
        total.loglog(sizes, seconds, marker + "-", label=name)
        per_op.semilogx(sizes, [s / n * 1e6 for n, s in points], marker + "-", label=name)
    total.set(xlabel="ops in the graph", ylabel="backward time (s)",
              title="backward time: a straight line of slope 1")
    per_op.set(xlabel="ops in the graph", ylabel="microseconds per op", ylim=(0, None),
               title="time per op stays flat")
    for axes in (total, per_op):
        axes.grid(True, which="both", alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(output, dpi=110)
    print(f"wrote {output}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT)
