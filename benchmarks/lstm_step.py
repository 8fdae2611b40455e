"""Recurrent speed and memory: an LSTM language model's training step, tinygrad_edu against
PyTorch on the CPU with one thread (the target: at most 1.5x), and the memory it holds over
500 steps (flat: truncated BPTT keeps no graph from one step to the next).

The step: Embedding(1000, 128) -> LSTM(128, 128) -> Linear(128, 1000) on a batch of 32
sequences of 35 token ids, cross-entropy, backward, gradient clipping, SGD; the state is
carried to the next step detached, as the books' truncated BPTT does. Both twins start from
the same weights and read the same data. Rounds are interleaved, the best one counted, in
CPU time (this process's): both twins run on one thread, NumPy's BLAS included (this script
sets OPENBLAS_NUM_THREADS=1 unless it is set, before NumPy loads; a BLAS that spreads a small
product over the cores of a busy machine spins and multiplies the time).

    python benchmarks/lstm_step.py
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):  # one thread, as PyTorch's twin
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Row, Twin, interleaved_best, load_torch, print_table, ratio_row  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402

BATCH, STEPS, HIDDEN, VOCABULARY = 32, 35, 128, 1000
LR, MAX_NORM = 0.1, 5.0
TORCH_TARGET = 1.5


class EngineLM(Twin):
    """The language model as a user of tinygrad_edu writes it."""

    def __init__(self, seed=0):
        tg.manual_seed(seed)
        self.embed = nn.Embedding(VOCABULARY, HIDDEN)
        self.lstm = nn.LSTM(HIDDEN, HIDDEN)
        self.out = nn.Linear(HIDDEN, VOCABULARY)
        self.parameters = [p for layer in (self.embed, self.lstm, self.out)
                           for p in layer.parameters()]
        self.optimizer = optim.SGD(self.parameters, lr=LR)
        self.state = None

    def step(self, ids, targets) -> float:
        ys, state = self.lstm(self.embed(ids), self.state)
        loss = F.cross_entropy(self.out(ys.reshape(-1, HIDDEN)), targets)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.parameters, MAX_NORM)
        self.optimizer.step()
        self.state = tuple(s.detach() for s in state)
        return loss.item()

    def named_weights(self) -> dict:
        """{PyTorch's name: array}, in PyTorch's layout (Linear's weight transposed)."""
        named = {f"{prefix}.{name}": p.numpy() for prefix, layer in
                 (("embed", self.embed), ("lstm", self.lstm), ("out", self.out))
                 for name, p in layer.named_parameters()}
        named["out.weight"] = named["out.weight"].T  # ours is (in, out)
        return named

    def weights(self) -> tuple:
        return tuple(self.named_weights().values())


class TorchLM(Twin):
    """The same network in PyTorch, from the engine twin's weights."""

    def __init__(self, torch, weights: dict):
        self.torch = torch
        self.model = torch.nn.ModuleDict({
            "embed": torch.nn.Embedding(VOCABULARY, HIDDEN),
            "lstm": torch.nn.LSTM(HIDDEN, HIDDEN),
            "out": torch.nn.Linear(HIDDEN, VOCABULARY)})
        self.model.load_state_dict({name: torch.from_numpy(np.ascontiguousarray(w))
                                    for name, w in weights.items()})
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.state = None

    def step(self, ids, targets) -> float:
        model, torch = self.model, self.torch
        ys, state = model["lstm"](model["embed"](ids), self.state)
        loss = torch.nn.functional.cross_entropy(model["out"](ys.reshape(-1, HIDDEN)), targets)
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
        self.optimizer.step()
        self.state = tuple(s.detach() for s in state)
        return loss.item()

    def weights(self) -> tuple:
        return tuple(p.detach().numpy() for p in self.model.parameters())


def make_data(batches=4, seed=0):
    """`batches` batches of token ids (STEPS, BATCH) and their targets (STEPS * BATCH,)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, VOCABULARY, (batches, STEPS, BATCH))
    targets = rng.integers(0, VOCABULARY, (batches, STEPS * BATCH))
    return ids, targets


def twins(torch=None) -> dict:
    """{"engine": EngineLM, "torch": TorchLM (when PyTorch is given)}, the same weights."""
    engine = EngineLM()
    models = {"engine": engine}
    if torch is not None:
        models["torch"] = TorchLM(torch, engine.named_weights())
    return models


def step_times(rounds=10, steps_per_round=4, torch=None) -> dict:
    """CPU seconds per training step: {"engine": .., "torch": ..} (torch when given)."""
    ids, targets = make_data(steps_per_round)
    data = {"engine": (ids, targets)}
    if torch is not None:
        data["torch"] = (torch.from_numpy(ids), torch.from_numpy(targets))
    candidates = {name: twin.steps(*data[name]) for name, twin in twins(torch).items()}
    for steps in candidates.values():
        steps()  # warm up
    best = interleaved_best(candidates, rounds=rounds, clock=time.process_time)  # one thread
    return {name: seconds / steps_per_round for name, seconds in best.items()}


def steady_memory(steps=500, early=None):
    """Bytes held (traced) after `early` (default: a fifth of `steps`) and after `steps`
    training steps of the engine twin."""
    early = early or max(1, steps // 5)
    model = EngineLM()
    ids, targets = make_data(4)
    held = {}
    tracemalloc.start()
    try:
        for step in range(1, steps + 1):
            model.step(ids[step % 4], targets[step % 4])
            if step in (early, steps):
                held[step] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return held[early], held[steps]


def measure(rounds=10, steady_steps=500) -> list[Row]:
    torch = load_torch(threads=1)
    times = step_times(rounds, torch=torch)
    label = f"LSTM LM step (batch {BATCH}, seq {STEPS}, hidden {HIDDEN}, vocab {VOCABULARY})"
    if torch is None:
        rows = [Row(f"{label}: tinygrad_edu (CPU time)", times["engine"] * 1e3, "ms", "")]
    else:
        rows = [Row(f"{label}: PyTorch CPU, 1 thread (CPU time)", times["torch"] * 1e3, "ms",
                    "(baseline)"),
                ratio_row("LSTM LM step: tinygrad_edu vs PyTorch", times["engine"],
                          times["torch"], TORCH_TARGET)]
    early, late = steady_memory(steady_steps)
    growth = (late - early) / 2**20
    rows.append(Row(f"LSTM LM: memory held, step {steady_steps // 5} -> {steady_steps}",
                    growth, "MB", "flat (< 1 MB)", ok=abs(growth) < 1.0))
    return rows


if __name__ == "__main__":
    print_table(measure())
