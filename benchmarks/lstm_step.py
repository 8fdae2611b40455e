"""Recurrent speed and memory: an LSTM language model's training step, tinygrad_edu against
PyTorch on the CPU with one thread (the target: at most 1.5x), and the memory it holds over
500 steps (flat: truncated BPTT keeps no graph from one step to the next).

The step: Embedding(1000, 128) -> LSTM(128, 128) -> Linear(128, 1000) on a batch of 32
sequences of 35 token ids, cross-entropy, backward, gradient clipping, SGD; the state is
carried to the next step detached, as the books' truncated BPTT does. Both twins start from
the same weights and read the same data. Rounds are interleaved, the best one counted.

    python benchmarks/lstm_step.py
"""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Row, interleaved_best, print_table  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402

BATCH, STEPS, HIDDEN, VOCABULARY = 32, 35, 128, 1000
TORCH_TARGET = 1.5


class EngineLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCABULARY, HIDDEN)
        self.lstm = nn.LSTM(HIDDEN, HIDDEN)
        self.out = nn.Linear(HIDDEN, VOCABULARY)
        self.optimizer = optim.SGD(self.parameters(), lr=0.1)
        self.state = None

    def step(self, ids, targets) -> float:
        ys, state = self.lstm(self.embed(ids), self.state)
        loss = F.cross_entropy(self.out(ys.reshape(-1, HIDDEN)), targets)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.parameters(), 5.0)
        self.optimizer.step()
        self.state = tuple(s.detach() for s in state)
        return loss.item()


def torch_twin(torch, engine):
    """The same network in PyTorch, with the engine's weights (Linear's transposed)."""

    class TorchLM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(VOCABULARY, HIDDEN)
            self.lstm = torch.nn.LSTM(HIDDEN, HIDDEN)
            self.out = torch.nn.Linear(HIDDEN, VOCABULARY)
            self.optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
            self.state = None

        def step(self, ids, targets) -> float:
            ys, state = self.lstm(self.embed(ids), self.state)
            loss = torch.nn.functional.cross_entropy(self.out(ys.reshape(-1, HIDDEN)), targets)
            self.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.parameters(), 5.0)
            self.optimizer.step()
            self.state = tuple(s.detach() for s in state)
            return loss.item()

    twin = TorchLM()
    weights = {name: p.numpy() for name, p in engine.named_parameters()}
    weights["out.weight"] = weights["out.weight"].T.copy()  # ours is (in, out)
    twin.load_state_dict({name: torch.from_numpy(np.ascontiguousarray(w))
                          for name, w in weights.items()})
    return twin


def make_data(batches=4, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, VOCABULARY, (batches, STEPS, BATCH))
    targets = rng.integers(0, VOCABULARY, (batches, STEPS * BATCH))
    return ids, targets


def load_torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def step_times(rounds=10, steps_per_round=4, torch=None):
    """Seconds per training step: {"engine": .., "torch": ..} (torch when installed)."""
    tg.manual_seed(0)
    engine = EngineLM()
    ids, targets = make_data(steps_per_round)
    models = {"engine": (engine, ids, targets)}
    if torch is not None:
        models["torch"] = (torch_twin(torch, engine), torch.from_numpy(ids),
                           torch.from_numpy(targets))

    def run(model, xs, ts):
        def steps():
            for x, t in zip(xs, ts):
                model.step(x, t)
        return steps

    candidates = {name: run(*entry) for name, entry in models.items()}
    for steps in candidates.values():
        steps()  # warm up
    best = interleaved_best(candidates, rounds=rounds)
    return {name: seconds / steps_per_round for name, seconds in best.items()}


def steady_memory(steps=500, early=None):
    """Bytes held (traced) after `early` (default: a fifth of `steps`) and after `steps`
    training steps."""
    early = early or max(1, steps // 5)
    tg.manual_seed(0)
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
    torch = load_torch()
    times = step_times(rounds, torch=torch)
    label = f"LSTM LM step (batch {BATCH}, seq {STEPS}, hidden {HIDDEN}, vocab {VOCABULARY})"
    rows = [Row(f"{label}: tinygrad_edu", times["engine"] * 1e3, "ms", "")]
    if torch is not None:
        ratio = times["engine"] / times["torch"]
        rows = [Row(f"{label}: PyTorch CPU, 1 thread", times["torch"] * 1e3, "ms", "(baseline)"),
                Row("LSTM LM step: tinygrad_edu vs PyTorch", times["engine"] * 1e3, "ms",
                    f"<= {TORCH_TARGET}x", ratio=ratio, ok=ratio <= TORCH_TARGET)]
    early, late = steady_memory(steady_steps)
    growth = (late - early) / 2**20
    rows.append(Row(f"LSTM LM: memory held, step {steady_steps // 5} -> {steady_steps}",
                    growth, "MB", "flat (< 1 MB)", ok=abs(growth) < 1.0))
    return rows


if __name__ == "__main__":
    print_table(measure())
