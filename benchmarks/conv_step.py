"""Convolution speed and memory (conv_twins.py): tinygrad_edu against NumPy by hand and PyTorch.

Time: rounds interleaved (hand, engine, torch, hand, ...), the best round of each counted.
PyTorch runs on the CPU with as many threads as NumPy's BLAS uses (OPENBLAS_NUM_THREADS or
OMP_NUM_THREADS when set, else one per available core, OpenBLAS's default), so that both
multiply matrices with the same cores. Without PyTorch those rows are left out.
Peak: the most memory NumPy and Python hold during one SimpleConvNet step (tracemalloc),
above what the weights, the optimizer and the data take.

    python benchmarks/conv_step.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import conv_twins as twins  # noqa: E402
import timing  # noqa: E402
from timing import Row, interleaved_best, print_table, ratio_row, step_peak  # noqa: E402

TORCH_TARGET = 1.5  # both figures, against PyTorch
HAND_TARGET = 1.2  # the layer, against the hand twin
PEAK_TARGET = 1.5


def blas_threads() -> int:
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def load_torch():
    return timing.load_torch(blas_threads())


def layer_times(rounds=10, torch=None):
    """Seconds per forward + backward of the layer, for each twin (torch when installed)."""
    weights = twins.initial_weights()
    images, _ = twins.make_data(batches=1)
    x = images[0]
    dout = twins.np.random.default_rng(1).standard_normal((twins.BATCH, twins.FILTERS, 12, 12))
    dout = dout.astype(twins.np.float32)
    hand, fast = twins.HandConvLayer(weights), twins.HandFastConvLayer(weights)
    engine = twins.EngineConvLayer(weights)

    def by_hand(layer):
        def run():
            layer.forward(x)
            layer.backward(dout)
        return run

    candidates = {"hand": by_hand(hand), "hand, same algorithm": by_hand(fast),
                  "engine": lambda: engine.run(x, dout)}
    if torch is not None:
        layer = twins.TorchConvLayer(weights)
        tx, tdout = torch.from_numpy(x), torch.from_numpy(dout)
        candidates["torch"] = lambda: layer.run(tx, tdout)
    for run in candidates.values():
        run()  # warm up
    return interleaved_best(candidates, rounds=rounds)


def step_times(rounds=10, steps_per_round=4, torch=None):
    """Seconds per SimpleConvNet training step: {"hand": .., "engine": .., "torch": ..}."""
    weights = twins.initial_weights()
    images, labels = twins.make_data(batches=steps_per_round)
    candidates = {"hand": twins.HandSimpleConvNet(weights).steps(images, labels),
                  "engine": twins.EngineSimpleConvNet(weights).steps(images, labels)}
    if torch is not None:
        candidates["torch"] = twins.TorchSimpleConvNet(weights).steps(
            torch.from_numpy(images), torch.from_numpy(labels))
    for steps in candidates.values():
        steps()  # warm up: optimizer state, first touches of every buffer
    best = interleaved_best(candidates, rounds=rounds)
    return {name: seconds / steps_per_round for name, seconds in best.items()}


def _peak(model_class) -> int:
    return step_peak(lambda: model_class(twins.initial_weights()), twins.make_data)


def measure(rounds=10, steps_per_round=4) -> list[Row]:
    torch = load_torch()
    layer = layer_times(rounds, torch)
    step = step_times(rounds, steps_per_round, torch=torch)
    rows = [Row("conv 1->30 5x5 + relu + pool 2, fwd+bwd, batch 100: NumPy by hand, "
                "the books' algorithm", layer["hand"] * 1e3, "ms", "(baseline)"),
            Row("conv layer: tinygrad_edu vs the books' algorithm by hand",
                layer["engine"] * 1e3, "ms", "", ratio=layer["engine"] / layer["hand"]),
            Row("conv layer: NumPy by hand, the engine's algorithm",
                layer["hand, same algorithm"] * 1e3, "ms", "(baseline)"),
            ratio_row("conv layer: tinygrad_edu vs the same algorithm by hand",
                       layer["engine"], layer["hand, same algorithm"], HAND_TARGET)]
    if torch is not None:
        rows += [Row(f"conv layer: PyTorch CPU, {torch.get_num_threads()} thread(s)",
                     layer["torch"] * 1e3, "ms", "(baseline)"),
                 ratio_row("conv layer: tinygrad_edu vs PyTorch", layer["engine"],
                            layer["torch"], TORCH_TARGET)]
    rows.append(Row("SimpleConvNet Adam step, batch 100: NumPy by hand", step["hand"] * 1e3,
                    "ms", "(baseline)"))
    rows.append(Row("SimpleConvNet step: tinygrad_edu", step["engine"] * 1e3, "ms", "",
                    ratio=step["engine"] / step["hand"]))
    if torch is not None:
        rows += [Row("SimpleConvNet step: PyTorch CPU", step["torch"] * 1e3, "ms",
                     "(baseline)"),
                 ratio_row("SimpleConvNet step: tinygrad_edu vs PyTorch", step["engine"],
                            step["torch"], TORCH_TARGET)]
    hand_peak = _peak(twins.HandSimpleConvNet)
    engine_peak = _peak(twins.EngineSimpleConvNet)
    ratio = engine_peak / hand_peak
    rows += [Row("SimpleConvNet step's peak memory: NumPy by hand", hand_peak / 2**20, "MB",
                 "(baseline)"),
             Row("SimpleConvNet step's peak memory: tinygrad_edu", engine_peak / 2**20, "MB",
                 f"<= {PEAK_TARGET}x", ratio=ratio, ok=ratio <= PEAK_TARGET)]
    return rows


if __name__ == "__main__":
    print_table(measure())
