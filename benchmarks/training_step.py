"""Training step of the MLP twins (mlp_twins.py): time, one step's peak memory, and memory
over 2,000 steps.

Time: rounds interleaved (hand, engine, hand, engine, ...), the best round of each counted.
Peak: the most memory NumPy and Python hold during one step (tracemalloc), above what the
weights and the data take (the same for both twins). Steady: the memory held after step 200
and after step 2,000: no graph may stay alive from one step to the next.

    python benchmarks/training_step.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlp_twins import EngineMLP, HandWrittenMLP, initial_weights, make_data, twins  # noqa: E402
from timing import Row, interleaved_best, print_table, ratio_row, step_peak  # noqa: E402

TIME_TARGET = 1.05
PEAK_TARGET = 1.3
STEADY_STEPS = 2000


def time_ratio(rounds=15, steps_per_round=8):
    hand, engine = twins()
    images, labels = make_data(batches=steps_per_round)
    candidates = {"hand": hand.steps(images, labels), "engine": engine.steps(images, labels)}
    for steps in candidates.values():
        steps()  # warm up: first touches of every buffer
    best = interleaved_best(candidates, rounds=rounds)
    return best["hand"] / steps_per_round, best["engine"] / steps_per_round


def steady_memory(model, steps=STEADY_STEPS, early=200):
    """Bytes held (traced) after `early` steps and after `steps` steps."""
    images, labels = make_data(batches=4)
    return model.held_memory(images, labels, steps, early)


def measure(rounds=15, steady_steps=STEADY_STEPS) -> list[Row]:
    hand_time, engine_time = time_ratio(rounds)
    hand_peak = step_peak(lambda: HandWrittenMLP(initial_weights()), make_data)
    engine_peak = step_peak(lambda: EngineMLP(initial_weights()), make_data)
    hand, engine = twins()
    hand_early, hand_late = steady_memory(hand, steady_steps)
    engine_early, engine_late = steady_memory(engine, steady_steps)
    growth_mb = (engine_late - engine_early) / 2**20
    peak_ratio = engine_peak / hand_peak
    return [
        Row("MLP step 784-1000-10, batch 100, float32: NumPy by hand", hand_time * 1e3, "ms",
            "(baseline)"),
        ratio_row("MLP step: tinygrad_edu", engine_time, hand_time, TIME_TARGET),
        Row("one step's peak memory: NumPy by hand", hand_peak / 2**20, "MB", "(baseline)"),
        Row("one step's peak memory: tinygrad_edu", engine_peak / 2**20, "MB",
            f"<= {PEAK_TARGET}x", ratio=peak_ratio, ok=peak_ratio <= PEAK_TARGET),
        Row(f"memory held, step 200 -> {steady_steps}: NumPy by hand",
            (hand_late - hand_early) / 2**20, "MB", "(baseline)"),
        Row(f"memory held, step 200 -> {steady_steps}: tinygrad_edu", growth_mb, "MB",
            "flat (< 1 MB)", ok=abs(growth_mb) < 1.0),
    ]


if __name__ == "__main__":
    print_table(measure())
