"""What the two MNIST demos (mnist.py, cnn_mnist.py) share: their flags, the epoch loop, and
the exit codes; `run` (the exit codes) serves the second book's demos too (char_lm.py,
seq2seq.py), which have no --save or --detect-anomaly.

The flags both take, spelled the same way in both:

    --dataset mnist|fashion  --data-dir DIR  --epochs N  --batch-size N  --lr LR  --seed N
    --save PATH  --plot PATH  --limit N  --quick  --quiet  --detect-anomaly

Exit codes (what `main()` returns):

    0    trained
    1    the loss became nan or inf (with --detect-anomaly: the op that made the first one)
    2    the data files are missing or corrupt; the message says what to do
    130  interrupted by Ctrl-C; the weights saved after the last finished epoch stay as they were
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time

from tqdm import tqdm

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

EXIT_TRAINED, EXIT_NONFINITE, EXIT_DATA, EXIT_INTERRUPTED = 0, 1, 2, 130
QUICK_LIMIT = 2000  # --quick: this many training images, one epoch (a run of seconds)


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite: training cannot go on."""


def parser(description: str, *, epochs: int, batch_size: int, lr: float | None, lr_help: str,
           save: str | None = None) -> argparse.ArgumentParser:
    """An argument parser with the shared flags; a demo adds its own flags to it."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--dataset", choices=["mnist", "fashion"], default="mnist",
                   help="MNIST digits, or Fashion-MNIST (10 kinds of clothes)")
    p.add_argument("--data-dir", default=None,
                   help="folder holding mnist/ or fashion-mnist/ (default: see "
                        "tg.datasets.data_root)")
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--lr", type=float, default=lr, help=lr_help)
    p.add_argument("--seed", type=int, default=0, help="seeds the weights and the shuffling")
    p.add_argument("--save", default=save, help="write the weights to this .npz after every epoch")
    p.add_argument("--plot", help="save the learning curves to this PNG (needs matplotlib)")
    p.add_argument("--limit", type=int, default=0,
                   help="train on the first N images only (a quick run)")
    p.add_argument("--quick", action="store_true",
                   help=f"a run of seconds: --limit {QUICK_LIMIT} (unless given) --epochs 1")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--detect-anomaly", action="store_true",
                   help="stop at the first op that makes nan or inf, naming it (slower)")
    return p


def parse(p: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    args = p.parse_args(argv)
    if args.quick:
        args.limit, args.epochs = args.limit or QUICK_LIMIT, 1
    return args


def accuracy(model, x, labels, chunk=1000) -> float:
    """The share of `labels` that the model's highest score picks, without recording."""
    correct = 0
    with tg.no_grad():
        for start in range(0, len(x), chunk):
            logits = model(x[start:start + chunk]).numpy()
            correct += int((logits.argmax(axis=1) == labels[start:start + chunk]).sum())
    return correct / len(x)


def print_epoch(record) -> None:
    """`epoch N: loss L, train acc A, test acc B` (the accuracies the record holds)."""
    scores = "".join(f", {key.replace('_', ' ')} {value:.4f}" for key, value in record.items()
                     if key.endswith("_acc"))
    print(f"epoch {record['epoch']}: loss {record['loss']:.4f}{scores}", flush=True)


def progress_bar(quiet: bool, unit: str):
    """One tqdm bar for a whole run: `bar.reset(total)` starts an epoch, `bar.update()` counts
    a step, `bar.clear()` makes room for the epoch's line. Use it as `with progress_bar(...)`.

    One bar, not one per epoch: a replaced bar's `__del__` runs Python code, and Python drops a
    Ctrl-C that lands inside a finalizer (it prints "Exception ignored in ..." and a traceback)
    so training went on. disable=None: tqdm draws only on a terminal; into a file or a pipe its
    redraws would pile up into one line of several KB per epoch.
    """
    return tqdm(unit=unit, leave=False, disable=True if quiet else None)


def cosine(lr: float, step: int, total_steps: int) -> float:
    """The learning rate at `step` of `total_steps`: from `lr` down to 0 along a half cosine."""
    return lr * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))


def clipped_step(model, optimizer, scores, targets, step: int, max_norm: float) -> float:
    """One training step of the sequence demos: cross-entropy of `scores` (..., classes)
    against `targets` (...), backward, gradient norm clipped to `max_norm`, the optimizer's
    step. Returns the loss; stops with NonFiniteLoss on nan or inf."""
    loss = F.cross_entropy(scores.reshape(-1, scores.shape[-1]), targets.reshape(-1))
    value = loss.item()
    if not math.isfinite(value):
        raise NonFiniteLoss(f"the loss became {value} at step {step}")
    optimizer.zero_grad()
    loss.backward()
    tg.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return value


def train_epochs(args, model, optimizer, loader, evaluate, on_epoch=print_epoch,
                 schedule=None, postfix_every=50) -> list[dict]:
    """The epoch loop both demos run: forward, loss, zero_grad, backward, step.

    `evaluate(model)` gives the accuracies after each epoch (a dict); `on_epoch(record)` runs
    after each epoch, and training stops there if it returns True. `schedule(step, total)`,
    if given, sets the learning rate before each step.
    """
    history, step = [], 0
    total_steps = args.epochs * len(loader)
    with progress_bar(args.quiet, "batch") as bar:
        for epoch in range(1, args.epochs + 1):
            model.train()
            total, count = 0.0, 0
            bar.reset(total=len(loader))
            bar.set_description(f"epoch {epoch}/{args.epochs}")
            for x, t in loader:
                if schedule is not None:
                    optimizer.lr = schedule(step, total_steps)
                step += 1
                loss = F.cross_entropy(model(x), t)
                value = loss.item()
                if not math.isfinite(value):
                    raise NonFiniteLoss(
                        f"the loss became {value} at step {step} (epoch {epoch}); training "
                        f"stopped. Try a smaller --lr (now {args.lr}). To see which op made the "
                        f"first nan or inf, and on which line, run again with --detect-anomaly "
                        f"(that is `with tg.detect_anomaly():` around the training loop)."
                    )
                optimizer.zero_grad()  # backward() adds into .grad: start each step from zero
                loss.backward()
                optimizer.step()
                total += value * len(t)
                count += len(t)
                bar.update()
                if step % postfix_every == 0:
                    bar.set_postfix(loss=f"{value:.4f}")
            bar.clear()
            model.eval()
            record = {"epoch": epoch, "loss": total / count, **evaluate(model)}
            history.append(record)
            if args.save:
                model.save(args.save)  # written atomically: an interrupted save keeps the old file
            if on_epoch(record):
                break
    return history


def run(args, train):
    """`train(args)` with the exit ladder: (exit code, what train returned or None, seconds).

    The messages of a failed run go to stderr, without a traceback. `args.save` and
    `args.detect_anomaly` are optional (a demo without those flags has neither).
    """
    start = time.perf_counter()
    save = getattr(args, "save", None)
    detect = getattr(args, "detect_anomaly", False)
    anomaly = tg.detect_anomaly() if detect else contextlib.nullcontext()
    try:
        with anomaly:
            result = train(args)
    except NonFiniteLoss as error:
        print(error, file=sys.stderr)
        return EXIT_NONFINITE, None, time.perf_counter() - start
    except tg.datasets.DatasetError as error:  # missing or corrupt files: say what to do
        print(error, file=sys.stderr)
        return EXIT_DATA, None, time.perf_counter() - start
    except RuntimeError as error:  # from tg.detect_anomaly: the op and the line
        if not detect:
            raise
        print(error, file=sys.stderr)
        return EXIT_NONFINITE, None, time.perf_counter() - start
    except KeyboardInterrupt:
        seconds = time.perf_counter() - start
        saved = save and os.path.exists(save)
        kept = f"; the weights of the last finished epoch are in {save}" if saved else ""
        print(f"\ninterrupted after {seconds:.1f} s{kept}", file=sys.stderr)
        return EXIT_INTERRUPTED, None, seconds
    return EXIT_TRAINED, result, time.perf_counter() - start


def report(history, seconds, target) -> None:
    final = history[-1]["test_acc"]
    verdict = "reached" if final >= target else "below"
    print(f"trained in {seconds:.1f} s: test accuracy {final:.4f} ({verdict} the {target} "
          f"target)")


def pyplot():
    """matplotlib.pyplot drawing into files (Agg), or None, with a note, when the optional
    matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plot: matplotlib is not installed (pip install matplotlib, or make demo)")
        return None
    return plt


def plot_curves(history, path) -> None:
    """Training loss and accuracies per epoch, side by side, into a PNG."""
    plt = pyplot()
    if plt is None:
        return
    epochs = [h["epoch"] for h in history]
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    left.plot(epochs, [h["loss"] for h in history], "o-")
    left.set(xlabel="epoch", ylabel="training loss")
    for key, style in (("train_acc", "o-"), ("test_acc", "s--")):
        if key in history[0]:
            right.plot(epochs, [h[key] for h in history], style, label=key.split("_")[0])
    right.set(xlabel="epoch", ylabel="accuracy")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"learning curves: {path}")
