"""Recurrent speed and memory: an LSTM language model's training step, tinygrad_edu against
PyTorch on the CPU with one thread (the target: at most 1.5x), and the memory it holds over
500 steps (flat: truncated BPTT keeps no graph from one step to the next).

The step: Embedding(1000, 128) -> LSTM(128, 128) -> Linear(128, 1000) on a batch of 32
sequences of 35 token ids, cross-entropy, backward, gradient clipping, SGD; the state is
carried to the next step detached, as the books' truncated BPTT does. Three twins start from
the same weights and read the same data: tinygrad_edu, PyTorch, and the step written by hand
in NumPy (the books' way, batched as well as NumPy allows: the floor for an engine on NumPy).
Rounds are interleaved, the best one counted, in CPU time (this process's): every twin runs
on one thread, NumPy's BLAS included (this script
sets OPENBLAS_NUM_THREADS=1 unless it is set, before NumPy loads; a BLAS that spreads a small
product over the cores of a busy machine spins and multiplies the time).

    python benchmarks/lstm_step.py
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
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


class HandLM(Twin):
    """The same step by hand in NumPy, as the second book writes it (TimeEmbedding, TimeLSTM,
    TimeAffine, SoftmaxWithLoss, each backward derived by hand) and as fast as NumPy makes
    it: the input projections and the weight gradients of all time steps in one matrix
    product each. The floor for any engine built on NumPy."""

    def __init__(self, weights: dict):
        w = {name: np.array(value) for name, value in weights.items()}
        self.embed = w["embed.weight"]
        self.w_ih, self.w_hh = w["lstm.weight_ih_l0"], w["lstm.weight_hh_l0"]
        self.b_ih, self.b_hh = w["lstm.bias_ih_l0"], w["lstm.bias_hh_l0"]
        self.w_out, self.b_out = w["out.weight"], w["out.bias"]  # PyTorch's (out, in)
        self.state = None

    def step(self, ids, targets) -> float:
        n, hidden = HIDDEN, HIDDEN
        x = self.embed[ids]  # (time, batch, hidden)
        projected = x.reshape(-1, hidden) @ self.w_ih.T
        projected += self.b_ih + self.b_hh  # in place, as the engine's Affine
        projected = projected.reshape(STEPS, BATCH, 4 * n)
        h, c = self.state or (np.zeros((BATCH, n), x.dtype), np.zeros((BATCH, n), x.dtype))
        hs = np.empty((STEPS, BATCH, n), x.dtype)
        previous = np.empty((STEPS, BATCH, n), x.dtype)
        cache = []
        w_hh_t = np.ascontiguousarray(self.w_hh.T)  # C-ordered: OpenBLAS's faster layout here
        for t in range(STEPS):
            previous[t] = h
            a = projected[t] + h @ w_hh_t
            i, f, o = (0.5 + 0.5 * np.tanh(0.5 * a[:, k * n:(k + 1) * n]) for k in (0, 1, 3))
            g = np.tanh(a[:, 2 * n:3 * n])
            c_next = f * c + i * g
            tanh_c = np.tanh(c_next)
            h = o * tanh_c
            cache.append((i, f, g, o, c, tanh_c))
            c = c_next
            hs[t] = h
        self.state = (h, c)
        logits = hs.reshape(-1, n) @ self.w_out.T
        logits += self.b_out  # in place: one (1120, 1000) array, not two (as the engine's Affine)
        rows = np.arange(len(targets))
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = float((np.log(total[:, 0]) - shifted[rows, targets]).mean())
        d_logits = np.divide(exp, total, out=exp)  # SoftmaxWithLoss: (softmax - onehot) / N
        d_logits[rows, targets] -= 1.0
        d_logits /= len(targets)
        d_w_out = d_logits.T @ hs.reshape(-1, n)
        d_b_out = d_logits.sum(axis=0)
        d_hs = (d_logits @ self.w_out).reshape(STEPS, BATCH, n)
        d_a = np.empty_like(projected)
        dh, dc = np.zeros_like(h), np.zeros_like(c)
        for t in reversed(range(STEPS)):  # backpropagation through time, by hand
            i, f, g, o, c_prev, tanh_c = cache[t]
            dh = dh + d_hs[t]
            dc = dc + dh * o * (1.0 - tanh_c * tanh_c)
            d_a[t, :, :n] = dc * g * i * (1.0 - i)
            d_a[t, :, n:2 * n] = dc * c_prev * f * (1.0 - f)
            d_a[t, :, 2 * n:3 * n] = dc * i * (1.0 - g * g)
            d_a[t, :, 3 * n:] = dh * tanh_c * o * (1.0 - o)
            dc = dc * f
            dh = d_a[t] @ self.w_hh
        d_a = d_a.reshape(-1, 4 * n)
        d_w_ih = d_a.T @ x.reshape(-1, hidden)
        d_w_hh = d_a.T @ previous.reshape(-1, n)
        d_b = d_a.sum(axis=0)
        d_embed = np.zeros_like(self.embed)  # add.at on the flat array: several times faster
        flat = ids.reshape(-1, 1) * hidden + np.arange(hidden)
        np.add.at(d_embed.reshape(-1), flat.reshape(-1), (d_a @ self.w_ih).reshape(-1))
        grads = (d_embed, d_w_ih, d_w_hh, d_b, d_b, d_w_out, d_b_out)
        params = (self.embed, self.w_ih, self.w_hh, self.b_ih, self.b_hh, self.w_out, self.b_out)
        norm = np.sqrt(sum(float((g * g).sum()) for g in grads))
        scale = LR * min(1.0, MAX_NORM / (norm + 1e-6))  # clip_grad_norm_'s rule
        for param, grad in zip(params, grads):
            param -= scale * grad
        return loss

    def weights(self) -> tuple:
        return (self.embed, self.w_ih, self.w_hh, self.b_ih, self.b_hh, self.w_out, self.b_out)


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
    """{"hand": HandLM, "engine": EngineLM, "torch": TorchLM (when PyTorch is given)}, all
    from the same weights."""
    engine = EngineLM()
    models = {"hand": HandLM(engine.named_weights()), "engine": engine}
    if torch is not None:
        models["torch"] = TorchLM(torch, engine.named_weights())
    return models


def step_times(rounds=10, steps_per_round=4, torch=None) -> dict:
    """CPU seconds per training step: {"hand": .., "engine": .., "torch": ..} (torch when
    given)."""
    ids, targets = make_data(steps_per_round)
    data = {"hand": (ids, targets), "engine": (ids, targets)}
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
    ids, targets = make_data(4)
    return EngineLM().held_memory(ids, targets, steps, early or max(1, steps // 5))


def measure(rounds=10, steady_steps=500) -> list[Row]:
    torch = load_torch(threads=1)
    times = step_times(rounds, torch=torch)
    label = f"LSTM LM step (batch {BATCH}, seq {STEPS}, hidden {HIDDEN}, vocab {VOCABULARY})"
    rows = [Row(f"{label}: NumPy by hand (CPU time)", times["hand"] * 1e3, "ms", "(floor)"),
            Row("LSTM LM step: tinygrad_edu vs NumPy by hand", times["engine"] * 1e3, "ms", "",
                ratio=times["engine"] / times["hand"])]
    if torch is not None:
        rows += [Row(f"{label}: PyTorch CPU, 1 thread (CPU time)", times["torch"] * 1e3, "ms",
                     "(baseline)"),
                 ratio_row("LSTM LM step: tinygrad_edu vs PyTorch", times["engine"],
                           times["torch"], TORCH_TARGET),
                 Row("LSTM LM step: NumPy by hand vs PyTorch", times["hand"] * 1e3, "ms", "",
                     ratio=times["hand"] / times["torch"])]
    early, late = steady_memory(steady_steps)
    growth = (late - early) / 2**20
    rows.append(Row(f"LSTM LM: memory held, step {steady_steps // 5} -> {steady_steps}",
                    growth, "MB", "flat (< 1 MB)", ok=abs(growth) < 1.0))
    return rows


def measure_in_child(rounds=10, steady_steps=500, batch=BATCH) -> list[Row]:
    """measure() in a new Python process with one BLAS thread, for a caller that loaded NumPy
    before this module could ask for one (benchmarks/run.py): OpenBLAS reads its thread count
    once, as NumPy loads, and with two threads each product's helper thread adds its spinning
    to the twins' CPU time (in run.py's process the hand twin measured 43 ms a step against
    30 ms here, the engine 52.7 against 35)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [sys.executable, __file__, "--json", "--rounds", str(rounds),
               "--steady-steps", str(steady_steps), "--batch", str(batch)]
    child = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return [Row(**fields) for fields in json.loads(child.stdout)]


def main(argv=None):
    global BATCH
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--steady-steps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--json", action="store_true", help="the rows as JSON (for run.py)")
    args = parser.parse_args(argv)
    BATCH = args.batch
    rows = measure(args.rounds, args.steady_steps)
    if args.json:
        print(json.dumps([dataclasses.asdict(row) for row in rows]))
    else:
        print_table(rows)


if __name__ == "__main__":
    main()
