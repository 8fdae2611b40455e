"""A character-level language model (an LSTM) learns to write like the King James Genesis.

The second book's chapters 5 and 6 on the engine: Embedding -> LSTM -> Linear predicts the
next character; training is truncated backpropagation through time (the text is cut into
`--batch-size` parallel streams, read `--bptt` characters at a time, the LSTM state carried
from one piece to the next with `.detach()`), with gradient clipping (nn.utils.clip_grad_norm_).
The text (data/text/genesis_kjv.txt, public domain; see data/text/README.md) is shipped; the
last 10% of it is held out.

Each epoch prints the perplexity (e to the mean cross-entropy per character: how many
characters the model hesitates between) on the training and the held-out text, and a sample
written by the model; the end writes the perplexity curves (PNG, needs matplotlib).

    python demos/char_lm.py [--epochs 8] [--batch-size 32] [--bptt 64] [--hidden 256]
                            [--lr 0.004] [--seed 0] [--plot PATH] [--quick] [--quiet]

Exit codes, as the other demos' (demos/common.py's `run`): 0 trained, 1 the loss became nan
or inf, 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import common
import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim
from tinygrad_edu.sequences import Vocabulary, load_text

OUTPUT = Path(__file__).resolve().parent / "output"


class CharLM(nn.Module):
    def __init__(self, vocabulary_size, embedding=32, hidden=256):
        super().__init__()
        self.embed = nn.Embedding(vocabulary_size, embedding)
        self.lstm = nn.LSTM(embedding, hidden)
        self.out = nn.Linear(hidden, vocabulary_size)

    def forward(self, ids, state=None):
        """ids (time, batch) -> scores (time, batch, vocabulary), the LSTM's last state."""
        ys, state = self.lstm(self.embed(ids), state)
        return self.out(ys), state


def streams(ids, batch_size):
    """The text as `batch_size` parallel streams: (length, batch_size), stream b in column b
    (the books' offsets: each row of the batch reads its own part of the text)."""
    length = len(ids) // batch_size
    return ids[:length * batch_size].reshape(batch_size, length).T


def perplexity(model, data, bptt) -> float:
    """e^(mean cross-entropy) over `data` (length, batch), read with the state carried."""
    total, count, state = 0.0, 0, None
    with tg.no_grad():
        for start in range(0, len(data) - 1, bptt):
            x, t = data[start:start + bptt], data[start + 1:start + bptt + 1]
            x = x[:len(t)]
            scores, state = model(x, state)
            loss = F.cross_entropy(scores.reshape(-1, scores.shape[-1]), t.reshape(-1))
            total += loss.item() * t.size
            count += t.size
    return math.exp(total / count)


@tg.no_grad()
def sample(model, vocabulary, start="And God said", length=200, temperature=0.7, seed=0):
    """Text written by the model, one character at a time, drawn from its softmax."""
    rng = np.random.default_rng(seed)
    ids = list(vocabulary.encode([start])[0])
    scores, state = model(np.array(ids).reshape(-1, 1))
    for _ in range(length):
        logits = scores.numpy()[-1, 0] / temperature
        p = np.exp(logits - logits.max())
        ids.append(int(rng.choice(len(p), p=p / p.sum())))
        scores, state = model(np.array([[ids[-1]]]), state)
    return vocabulary.decode(ids)


def train(args):
    text = load_text()
    if args.limit:
        text = text[:args.limit]
    vocabulary = Vocabulary([text])
    ids = vocabulary.encode([text])[0]
    cut = len(ids) - len(ids) // 10
    train_data, test_data = streams(ids[:cut], args.batch_size), streams(ids[cut:], 8)
    tg.manual_seed(args.seed)
    model = CharLM(len(vocabulary), hidden=args.hidden)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    pieces = range(0, len(train_data) - 1, args.bptt)
    history, step, total_steps = [], 0, args.epochs * len(pieces)
    with common.progress_bar(args.quiet, "piece") as bar:
        for epoch in range(1, args.epochs + 1):
            state, total, count = None, 0.0, 0
            bar.reset(total=len(pieces))
            bar.set_description(f"epoch {epoch}/{args.epochs}")
            for start in pieces:
                optimizer.lr = common.cosine(args.lr, step, total_steps)
                step += 1
                x = train_data[start:start + args.bptt]
                t = train_data[start + 1:start + args.bptt + 1]
                x = x[:len(t)]
                scores, state = model(x, state)
                loss = common.clipped_step(model, optimizer, scores, t, step, max_norm=1.0)
                state = tuple(s.detach() for s in state)  # truncated BPTT: keep the values only
                total += loss * t.size
                count += t.size
                bar.update()
                bar.set_postfix(perplexity=f"{math.exp(loss):.2f}")
            bar.clear()
            record = {"epoch": epoch, "train": math.exp(total / count),
                      "test": perplexity(model, test_data, args.bptt)}
            history.append(record)
            print(f"epoch {epoch}: perplexity {record['train']:.2f} (training text), "
                  f"{record['test']:.2f} (held-out text)", flush=True)
            print("   " + sample(model, vocabulary, length=120, seed=epoch).replace("\n", "\n   "),
                  flush=True)
    return model, history, vocabulary


def draw(history, path) -> None:
    plt = common.pyplot()
    if plt is None:
        return
    figure, ax = plt.subplots(figsize=(5, 3.5))
    epochs = [h["epoch"] for h in history]
    ax.plot(epochs, [h["train"] for h in history], marker="o", label="training text")
    ax.plot(epochs, [h["test"] for h in history], marker="o", label="held-out text")
    ax.set(xlabel="epoch", ylabel="perplexity per character", title="character-level LSTM")
    ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"perplexity curves: {path}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--bptt", type=int, default=64, help="time steps per backward pass")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=4e-3,
                        help="the first learning rate of Adam; it falls to 0 along a half cosine")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="use the first N characters only")
    parser.add_argument("--plot", default=str(OUTPUT / "char_lm.png"))
    parser.add_argument("--quick", action="store_true", help="seconds, for the tests")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit, args.epochs, args.hidden, args.bptt = args.limit or 20_000, 2, 32, 16
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
    code, result, seconds = common.run(args, train)  # Ctrl-C: 130, a nan loss: 1
    if code != common.EXIT_TRAINED:
        return code
    model, history, vocabulary = result
    print(f"trained in {seconds:.1f} s: perplexity "
          f"{history[0]['test']:.2f} -> {history[-1]['test']:.2f} on the held-out text")
    draw(history, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
