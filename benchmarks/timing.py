"""Timing helpers shared by the benchmarks: interleaved rounds, best round counted.

Twins (tinygrad_edu and its hand-written NumPy counterpart) run in the same process, one
round each in turn, so that a slow moment of the machine hits both; the best round of each
is the figure (the least disturbed one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass


def interleaved_best(candidates: dict, rounds: int = 7, number: int = 1) -> dict:
    """{name: fn} -> {name: best seconds per call}, rounds interleaved across candidates."""
    best = {name: float("inf") for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return best


@dataclass
class Row:
    """One line of the benchmark table."""

    figure: str
    value: float
    unit: str
    target: str
    ratio: float | None = None  # value / baseline, where the target is a ratio
    ok: bool | None = None

    def cells(self) -> list[str]:
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}x"
        verdict = {True: "ok", False: "MISSED", None: ""}[self.ok]
        return [self.figure, f"{self.value:.3g} {self.unit}", ratio, self.target, verdict]


def print_table(rows: list[Row]) -> None:
    header = ["figure", "measured", "ratio", "target", ""]
    table = [header] + [row.cells() for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for i, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * width for width in widths))
