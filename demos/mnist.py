"""Train an MLP on MNIST (or Fashion-MNIST) with the engine, one progress bar per epoch.

The books' TwoLayerNet, written as an nn.Module and trained with an optimizer from optim:
784 pixels -> hidden units -> 10 classes, softmax cross-entropy. With the default settings
it reaches a test accuracy of at least 0.97 in a few epochs.

    python demos/mnist.py [--dataset mnist|fashion] [--data-dir DIR] [--hidden 256]
                          [--activation relu|sigmoid] [--epochs 5] [--batch-size 100]
                          [--lr 0.001] [--optimizer adam|sgd] [--seed 0]
                          [--save weights.npz] [--plot curves.png] [--limit N]

After each epoch: `epoch N: loss L, train acc A, test acc B`. A NaN or infinite loss stops
the run and names the step. Ctrl-C stops cleanly: the weights saved after the last finished
epoch (with --save) stay as they were.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

from tqdm import tqdm

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader

TARGET_ACCURACY = 0.97


class MLP(nn.Module):
    """784 -> hidden -> 10: the books' two-layer net, as a Module."""

    def __init__(self, hidden=256, activation="relu"):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc2 = nn.Linear(hidden, 10)
        init = nn.init.he_ if activation == "relu" else nn.init.xavier_  # the books' choices
        init(self.fc1.weight)
        self.activation = activation

    def forward(self, x):
        hidden = self.fc1(x)
        hidden = hidden.relu() if self.activation == "relu" else hidden.sigmoid()
        return self.fc2(hidden)  # logits; cross_entropy applies the softmax


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite: training cannot go on."""


def accuracy(model, x, labels, chunk=10_000) -> float:
    correct = 0
    with tg.no_grad():
        for start in range(0, len(x), chunk):
            logits = model(x[start:start + chunk]).numpy()
            correct += int((logits.argmax(axis=1) == labels[start:start + chunk]).sum())
    return correct / len(x)


def make_optimizer(name, parameters, lr):
    if name == "adam":
        return optim.Adam(parameters, lr=lr)
    return optim.SGD(parameters, lr=lr, momentum=0.9)


def print_epoch(record) -> None:
    print(f"epoch {record['epoch']}: loss {record['loss']:.4f}, train acc "
          f"{record['train_acc']:.4f}, test acc {record['test_acc']:.4f}", flush=True)


def train(args, on_epoch=print_epoch):
    """Train as `args` say; returns the model and the history of each epoch.

    `on_epoch(record)` runs after each epoch; if it returns True, training stops there.
    """
    (x_train, t_train), (x_test, t_test) = tg.datasets.load_mnist(
        root=args.data_dir, kind=args.dataset
    )
    if args.limit:
        x_train, t_train = x_train[: args.limit], t_train[: args.limit]
    tg.manual_seed(args.seed)
    model = MLP(args.hidden, args.activation)
    lr = args.lr if args.lr is not None else (1e-3 if args.optimizer == "adam" else 0.05)
    optimizer = make_optimizer(args.optimizer, model.parameters(), lr)
    loader = DataLoader((x_train, t_train), batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    history = []
    step = 0
    for epoch in range(1, args.epochs + 1):
        total, count = 0.0, 0
        # disable=None: tqdm draws the bar only on a terminal; into a file or a pipe its
        # redraws would pile up into one line of several KB per epoch.
        bar = tqdm(loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch", leave=False,
                   disable=True if args.quiet else None)
        for x, t in bar:
            step += 1
            loss = F.cross_entropy(model(x), t)
            value = loss.item()
            if not math.isfinite(value):
                raise NonFiniteLoss(
                    f"the loss became {value} at step {step} (epoch {epoch}); training "
                    f"stopped. Try a smaller --lr (now {lr}). To see which op made the first "
                    f"nan or inf, and on which line, run again with --detect-anomaly (that is "
                    f"`with tg.detect_anomaly():` around the training loop)."
                )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += value * len(t)
            count += len(t)
            if step % 50 == 0:
                bar.set_postfix(loss=f"{value:.4f}")
        bar.close()
        record = {
            "epoch": epoch,
            "loss": total / count,
            "train_acc": accuracy(model, x_train, t_train),
            "test_acc": accuracy(model, x_test, t_test),
        }
        history.append(record)
        if args.save:
            model.save(args.save)  # written atomically: an interrupted save keeps the old file
        if on_epoch(record):
            break
    return model, history


def plot(history, path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plot: matplotlib is not installed (pip install matplotlib, or make demo)")
        return
    epochs = [h["epoch"] for h in history]
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    left.plot(epochs, [h["loss"] for h in history], "o-")
    left.set(xlabel="epoch", ylabel="training loss")
    right.plot(epochs, [h["train_acc"] for h in history], "o-", label="train")
    right.plot(epochs, [h["test_acc"] for h in history], "s--", label="test")
    right.set(xlabel="epoch", ylabel="accuracy")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"learning curves: {path}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["mnist", "fashion"], default="mnist")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding mnist/ or fashion-mnist/ (default: see "
                             "tg.datasets.data_root)")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--activation", choices=["relu", "sigmoid"], default="relu")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate (default 0.001 for adam, 0.05 for sgd)")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", help="write the weights to this .npz after every epoch")
    parser.add_argument("--plot", help="save learning curves to this PNG (needs matplotlib)")
    parser.add_argument("--limit", type=int, default=0,
                        help="train on the first N images only (a quick run)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--detect-anomaly", action="store_true",
                        help="stop at the first op that makes nan or inf (slower)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        if args.detect_anomaly:
            with tg.detect_anomaly():
                model, history = train(args)
        else:
            model, history = train(args)
    except NonFiniteLoss as error:
        print(error, file=sys.stderr)
        return 1
    except RuntimeError as error:  # from tg.detect_anomaly: the op and the line
        if not args.detect_anomaly:
            raise
        print(error, file=sys.stderr)
        return 1
    except tg.datasets.DatasetError as error:  # missing or corrupt files: say what to do
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        saved = args.save and os.path.exists(args.save)
        kept = f"; the weights of the last finished epoch are in {args.save}" if saved else ""
        print(f"\ninterrupted after {time.perf_counter() - start:.1f} s{kept}", file=sys.stderr)
        return 130
    seconds = time.perf_counter() - start
    final = history[-1]["test_acc"]
    verdict = "reached" if final >= TARGET_ACCURACY else "below"
    print(f"trained in {seconds:.1f} s: test accuracy {final:.4f} ({verdict} the "
          f"{TARGET_ACCURACY} target)")
    if args.plot:
        plot(history, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
