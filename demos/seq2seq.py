"""Sequence to sequence with and without attention: the second book's chapters 7 and 8.

An encoder LSTM reads a question ("16+75", reversed, as the book does), a decoder LSTM
writes the answer one character at a time after the start symbol "_". A sum is written from
its last digit, as one adds by hand ("_19" for 91: each digit then needs only the two
digits above it and the carry just made); the printout turns it around. Without attention
the decoder sees the question only through the encoder's last state; with attention
(`--attention`, the default) it looks back at every encoder state at each step
(nn.MultiheadAttention with one head, whose weights show where it looked). The problems
are made by our own seeded code (tinygrad_edu.sequences), 50,000 of them, the last 10%
held out.

    python demos/seq2seq.py                       # addition with attention
    python demos/seq2seq.py --no-attention        # the plain seq2seq, for comparison
    python demos/seq2seq.py --task date           # "Sep 21, 2014" -> "2014-09-21"
    python demos/seq2seq.py [--epochs N] [--batch-size 128] [--hidden 128] [--lr 0.005]
                            [--seed 0] [--plot PATH] [--heatmap PATH] [--quick] [--quiet]

Every epoch prints the held-out exact-match accuracy (greedy decoding: the whole answer
right or it counts as wrong); the end writes the accuracy curve and a heat map of the
attention weights of a few held-out questions (PNG, needs matplotlib) to demos/output/.

Exit codes, as the other demos' (demos/common.py's `run`): 0 trained, 1 the loss became nan
or inf, 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import common
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader
from tinygrad_edu.sequences import addition_problems, date_problems, split

OUTPUT = Path(__file__).resolve().parent / "output"


class Seq2seq(nn.Module):
    """Encoder LSTM -> decoder LSTM (started from the encoder's last state) -> scores.

    With attention, each decoder state h_t queries the encoder states hs:
    context_t = sum_s softmax(h_t . hs_s) hs_s, and the scores come from [context_t, h_t].
    """

    def __init__(self, vocabulary_size, embedding=16, hidden=128, attention=True):
        super().__init__()
        self.embed = nn.Embedding(vocabulary_size, embedding)
        self.encoder = nn.LSTM(embedding, hidden, batch_first=True)
        self.decoder = nn.LSTM(embedding, hidden, batch_first=True)
        self.attention = nn.MultiheadAttention(hidden, 1, batch_first=True) if attention \
            else None
        self.out = nn.Linear(2 * hidden if attention else hidden, vocabulary_size)

    def encode(self, questions):
        return self.encoder(self.embed(questions))  # hs (N, S, H), (h, c)

    def decode(self, answers_in, hs, state):
        """Scores (N, T, V) for the next characters, the decoder state, attention weights."""
        ys, state = self.decoder(self.embed(answers_in), state)
        weights = None
        if self.attention is not None:
            context, weights = self.attention(ys, hs, hs)
            ys = tg.concatenate([context, ys], axis=-1)
        return self.out(ys), state, weights

    def forward(self, questions, answers_in):
        hs, state = self.encode(questions)
        return self.decode(answers_in, hs, state)[0]

    @tg.no_grad()
    def generate(self, questions, start, length):
        """Greedy decoding: the most likely character at each step, fed back in."""
        hs, state = self.encode(questions)
        token = np.full((len(questions), 1), start)
        chars, weights = [], []
        for _ in range(length):
            scores, state, w = self.decode(token, hs, state)
            token = scores.numpy().argmax(axis=-1)
            chars.append(token[:, 0])
            if w is not None:
                weights.append(w.numpy()[:, 0])
        return np.stack(chars, axis=1), (np.stack(weights, axis=1) if weights else None)


def exact_match(model, x, t, chunk=1000) -> float:
    """The share of questions whose whole answer is right (greedy decoding)."""
    correct = 0
    for start in range(0, len(x), chunk):
        guess, _ = model.generate(x[start:start + chunk], t[0, 0], t.shape[1] - 1)
        correct += int((guess == t[start:start + chunk, 1:]).all(axis=1).sum())
    return correct / len(x)


def load(task, count, seed):
    questions, answers = (addition_problems if task == "addition" else date_problems)(count, seed)
    if task == "addition":  # the sum from its last digit, as one adds by hand (see above)
        answers = ["_" + a[1:].strip()[::-1].ljust(len(a) - 1) for a in answers]
    (x_train, t_train), (x_test, t_test), vocabulary = split(questions, answers)
    # Reversed questions (Sutskever et al. 2014, the book's improvement): the first answer
    # characters then sit close to the question characters they depend on.
    return (x_train[:, ::-1].copy(), t_train), (x_test[:, ::-1].copy(), t_test), vocabulary


def readable(vocabulary, ids, task) -> str:
    """An answer as a person writes it (a sum was written from its last digit)."""
    text = vocabulary.decode(ids).strip()
    return text[::-1] if task == "addition" else text


def train(args):
    (x_train, t_train), (x_test, t_test), vocabulary = load(args.task, args.count, args.seed)
    tg.manual_seed(args.seed)
    model = Seq2seq(len(vocabulary), hidden=args.hidden, attention=args.attention)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader((x_train, t_train), batch_size=args.batch_size, shuffle=True,
                        seed=args.seed, tensors=False)
    history, step, total_steps = [], 0, args.epochs * len(loader)
    with common.progress_bar(args.quiet, "batch") as bar:
        for epoch in range(1, args.epochs + 1):
            bar.reset(total=len(loader))
            bar.set_description(f"epoch {epoch}/{args.epochs}")
            total = 0.0
            for x, t in loader:
                optimizer.lr = common.cosine(args.lr, step, total_steps)
                step += 1
                scores = model(x, t[:, :-1])  # teacher forcing: the right previous character
                loss = common.clipped_step(model, optimizer, scores, t[:, 1:], step, max_norm=5.0)
                total += loss
                bar.update()
                if step % 20 == 0:
                    bar.set_postfix(loss=f"{loss:.4f}")
            bar.clear()
            accuracy = exact_match(model, x_test, t_test)
            history.append({"epoch": epoch, "loss": total / len(loader), "accuracy": accuracy})
            print(f"epoch {epoch}: loss {total / len(loader):.4f}, held-out exact match "
                  f"{accuracy:.4f}", flush=True)
    return model, history, (x_test, t_test), vocabulary


def show_examples(model, x_test, t_test, vocabulary, task, count=5):
    guess, weights = model.generate(x_test[:count], t_test[0, 0], t_test.shape[1] - 1)
    for question, answer, right in zip(x_test[:count], guess, t_test[:count, 1:]):
        mark = "ok" if (answer == right).all() else "WRONG"
        print(f"  {vocabulary.decode(question[::-1]).strip():>28} = "
              f"{readable(vocabulary, answer, task):<10} {mark}")
    return guess, weights


def draw(history, model, x_test, t_test, vocabulary, args) -> None:
    plt = common.pyplot()
    if plt is None:
        return
    figure, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([h["epoch"] for h in history], [h["accuracy"] for h in history], marker="o")
    ax.set(xlabel="epoch", ylabel="held-out exact match", ylim=(0, 1.01),
           title=f"{args.task}, {'with' if args.attention else 'without'} attention")
    figure.tight_layout()
    figure.savefig(args.plot, dpi=100)
    plt.close(figure)
    print(f"accuracy curve: {args.plot}")
    if not args.attention:
        return
    guess, weights = model.generate(x_test[:3], t_test[0, 0], t_test.shape[1] - 1)
    figure, axes = plt.subplots(1, 3, figsize=(12, 4) if args.task == "date" else (9, 3.5))
    for ax, question, answer, w in zip(axes, x_test[:3], guess, weights):
        ax.imshow(w, cmap="gray", vmin=0, vmax=1)
        ax.set_xticks(range(len(question)), list(vocabulary.decode(question)), fontsize=7)
        ax.set_yticks(range(len(answer)), list(vocabulary.decode(answer)))
    axes[1].set_xlabel("question, reversed as the encoder read it")
    axes[0].set_ylabel("answer, in the order written" +
                       (" (last digit first)" if args.task == "addition" else ""))
    figure.suptitle("attention weights: where the decoder looked (white = 1)")
    figure.tight_layout()
    figure.savefig(args.heatmap, dpi=100)
    plt.close(figure)
    print(f"attention heat map: {args.heatmap}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["addition", "date"], default="addition")
    parser.add_argument("--attention", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--epochs", type=int, default=None,
                        help="default: 20 for addition, 3 for dates")
    parser.add_argument("--count", type=int, default=50_000, help="problems made (10%% held out)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--lr", type=float, default=5e-3,
                        help="the first learning rate of Adam; it falls to 0 along a half cosine")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None, help="accuracy curve PNG (needs matplotlib)")
    parser.add_argument("--heatmap", default=None, help="attention weights PNG")
    parser.add_argument("--quick", action="store_true", help="seconds, for the tests")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 20 if args.task == "addition" else 3
    if args.quick:
        args.count, args.epochs, args.hidden = 2000, 1, 32
    name = f"seq2seq_{args.task}_{'attention' if args.attention else 'plain'}"
    args.plot = args.plot or str(OUTPUT / f"{name}.png")
    args.heatmap = args.heatmap or str(OUTPUT / f"{name}_weights.png")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    for path in (args.plot, args.heatmap):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    code, result, seconds = common.run(args, train)  # Ctrl-C: 130, a nan loss: 1
    if code != common.EXIT_TRAINED:
        return code
    model, history, (x_test, t_test), vocabulary = result
    print(f"trained in {seconds:.1f} s; held-out exact match "
          f"{history[-1]['accuracy']:.4f}; a few held-out questions:")
    show_examples(model, x_test, t_test, vocabulary, args.task)
    draw(history, model, x_test, t_test, vocabulary, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
