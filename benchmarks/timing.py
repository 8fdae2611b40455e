"""What every benchmark shares: twins, interleaved timing, peak memory, the table.

A twin is one way of running the same work (by hand in NumPy, with tinygrad_edu, with
PyTorch). Twins run in the same process, one round each in turn, so that a slow moment of
the machine hits them all; the best round of each is the figure (the least disturbed one).
Each round starts from a collected heap (`interleaved_best`), so that no twin pays for
another's garbage.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from dataclasses import dataclass


class Twin:
    """One way of running a training step. A subclass starts from the weights it is given and
    defines `step(x, labels) -> loss` and `weights()` (the arrays, to compare twins)."""

    def step(self, x, labels) -> float:
        raise NotImplementedError

    def weights(self) -> tuple:
        raise NotImplementedError

    def steps(self, images, labels):
        """A function that runs one step per batch: what one timing round runs."""
        def run():
            for x, t in zip(images, labels):
                self.step(x, t)
        return run

    def held_memory(self, images, labels, steps: int, early: int) -> tuple[int, int]:
        """Bytes held (traced) after `early` and after `steps` training steps, cycling through
        the batches: memory that grows from one to the other is kept by every step."""
        held = {}
        tracemalloc.start()
        try:
            for step in range(1, steps + 1):
                batch = step % len(images)
                self.step(images[batch], labels[batch])
                if step in (early, steps):
                    held[step] = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        return held[early], held[steps]


def interleaved_best(candidates: dict, rounds: int = 7, number: int = 1,
                     clock=time.perf_counter) -> dict:
    """{name: fn} -> {name: best seconds per call}, rounds interleaved across candidates.

    The clock is the wall clock; single-threaded Python-bound twins pass
    `clock=time.process_time` (this process's CPU time), which leaves out the moments other
    processes held the CPU: on a shared machine, far steadier.
    """
    best = {name: float("inf") for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            # Every round starts from a collected heap. Without this a twin's round pays for
            # what the twin before it left: micrograd's graphs are reference cycles (each
            # Value's _backward closure holds the Value), freed only by the cyclic collector,
            # which then runs inside the next twin's round; and the collector's generation
            # counts carry over. Measured on the 20,000-add chain: tinygrad_edu 5.1 us/op
            # after a collection, 9.3 right after micrograd's round; micrograd 4.0 and 7.7
            # right after ours (docs/performance.md). The collection itself is not timed.
            gc.collect()
            start = clock()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (clock() - start) / number)
    return best


def step_peak(make_twin, make_data) -> int:
    """Peak bytes held during one training step, above what the twin held before its first.

    tracemalloc (which sees NumPy's buffers) runs from before the twin is built, so memory a
    twin keeps from one step to the next (the engine's .grad arrays until zero_grad) counts
    against it. `make_twin()` builds the twin, `make_data(batches=2)` gives (images, labels).
    """
    tracemalloc.start()
    try:
        twin = make_twin()
        images, labels = make_data(batches=2)
        before = tracemalloc.get_traced_memory()[0]  # weights, optimizer, data
        twin.step(images[0], labels[0])  # warm up: optimizer state, leftover gradients
        tracemalloc.reset_peak()
        twin.step(images[1], labels[1])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - before


def load_torch(threads: int):
    """PyTorch with `threads` CPU threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


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


_SCALE = {"s": 1.0, "ms": 1e3, "us": 1e6}


def ratio_row(figure: str, seconds: float, baseline: float, target: float, unit: str = "ms",
              note: str = "") -> Row:
    """A timed figure against its baseline, with a target `ratio <= target`."""
    ratio = seconds / baseline
    return Row(figure, seconds * _SCALE[unit], unit, f"<= {target}x{note}", ratio=ratio,
               ok=ratio <= target)


def print_table(rows: list[Row]) -> None:
    header = ["figure", "measured", "ratio", "target", ""]
    table = [header] + [row.cells() for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for i, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * width for width in widths))
