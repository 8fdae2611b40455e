"""Train a small convolutional network on MNIST (or Fashion-MNIST) to 99% test accuracy.

Chapter 7 of the books in the engine: two rounds of convolution, ReLU and 2x2 max pooling,
then two affine layers, softmax cross-entropy and Adam (a small version of the books'
SimpleConvNet and DeepConvNet):

    (N, 1, 28, 28) -> Conv2d(1, 8, 5, padding=2) -> ReLU -> MaxPool2d(2)  -> (N, 8, 14, 14)
                   -> Conv2d(8, 16, 5, padding=2) -> ReLU -> MaxPool2d(2) -> (N, 16, 7, 7)
                   -> Flatten -> Linear(784, 128) -> ReLU -> Linear(128, 10)

The learning rate starts at --lr and falls to 0 along a half cosine over the run (cosine
annealing, Loshchilov & Hutter 2017): large steps first, fine ones at the end. The default
run (5 epochs, batches of 50) reaches a test accuracy of at least 0.99 (0.9916) in about two
and a half minutes on two CPU cores; `--fashion` trains on Fashion-MNIST (about 0.91).
Afterwards it saves the weights (.npz), draws the network's graph (SVG) and the learned
first-layer filters (PNG, needs matplotlib), all in demos/output/ unless told otherwise.

    python demos/cnn_mnist.py [--fashion] [--data-dir DIR] [--epochs 5] [--batch-size 50]
                              [--lr 0.002] [--seed 0] [--save PATH] [--graph PATH]
                              [--filters PATH] [--limit N] [--quick] [--quiet]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from tqdm import tqdm

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader

OUTPUT = Path(__file__).resolve().parent / "output"
TARGETS = {"mnist": 0.99, "fashion": 0.90}


class ConvNet(nn.Module):
    """conv-relu-pool twice, then two affine layers to the class scores."""

    def __init__(self, channels=(8, 16), hidden=128, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels[0], 5, padding=2)
        self.conv2 = nn.Conv2d(channels[0], channels[1], 5, padding=2)
        self.pool = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(channels[1] * 7 * 7, hidden)
        self.fc2 = nn.Linear(hidden, classes)
        nn.init.he_(self.fc1.weight)  # the books' choice for ReLU layers, as Conv2d's default

    def forward(self, x):
        x = self.pool(self.conv1(x).relu())  # (N, 8, 14, 14)
        x = self.pool(self.conv2(x).relu())  # (N, 16, 7, 7)
        x = self.fc1(self.flatten(x)).relu()
        return self.fc2(x)  # logits; cross_entropy applies the softmax


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite: training cannot go on."""


def accuracy(model, x, labels, chunk=1000) -> float:
    correct = 0
    with tg.no_grad():
        for start in range(0, len(x), chunk):
            logits = model(x[start:start + chunk]).numpy()
            correct += int((logits.argmax(axis=1) == labels[start:start + chunk]).sum())
    return correct / len(x)


def train(args):
    """Train as `args` say; returns the model, the history of each epoch and the last batch."""
    kind = "fashion" if args.fashion else "mnist"
    (x_train, t_train), (x_test, t_test) = tg.datasets.load_mnist(
        root=args.data_dir, kind=kind, flatten=False)  # (N, 1, 28, 28) float32
    if args.limit:
        x_train, t_train = x_train[:args.limit], t_train[:args.limit]
        x_test, t_test = x_test[:max(args.limit // 5, 500)], t_test[:max(args.limit // 5, 500)]
    tg.manual_seed(args.seed)
    model = ConvNet()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader((x_train, t_train), batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    history, step = [], 0
    total_steps = args.epochs * len(loader)
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, count = 0.0, 0
        # disable=None: tqdm draws the bar only on a terminal, never into a pipe or a log file
        bar = tqdm(loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch", leave=False,
                   disable=True if args.quiet else None)
        for x, t in bar:
            optimizer.lr = args.lr * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))
            step += 1
            loss = F.cross_entropy(model(x), t)
            value = loss.item()
            if not math.isfinite(value):
                raise NonFiniteLoss(f"the loss became {value} at step {step} (epoch {epoch}); "
                                    f"training stopped. Try a smaller --lr (now {args.lr}).")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += value * len(t)
            count += len(t)
            if step % 20 == 0:
                bar.set_postfix(loss=f"{value:.4f}")
        bar.close()
        model.eval()
        record = {"epoch": epoch, "loss": total / count,
                  "test_acc": accuracy(model, x_test, t_test)}
        history.append(record)
        print(f"epoch {epoch}: loss {record['loss']:.4f}, test acc {record['test_acc']:.4f}",
              flush=True)
        if args.save:
            model.save(args.save)  # written atomically: an interrupted save keeps the old file
    return model, history, x_test[:2]


def draw_filters(model, path) -> None:
    """The first layer's filters as small grey images (they learn strokes and edges)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no filter picture: matplotlib is not installed (pip install matplotlib, or "
              "make demo)")
        return
    filters = model.conv1.weight.numpy()[:, 0]  # (8, 5, 5)
    columns = min(len(filters), 8)
    rows = math.ceil(len(filters) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.2 * columns, 1.2 * rows + 0.5),
                                squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(filters):
            ax.imshow(filters[index], cmap="gray", interpolation="nearest")
    figure.suptitle("first-layer filters (5x5): dark negative, light positive", fontsize=9)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"first-layer filters: {path}")


def draw_network(model, images, path) -> None:
    """The graph of one forward pass (two images) with its loss, parameters named."""
    loss = F.cross_entropy(model(images), [0, 1])
    written = tg.viz.save_graph(loss, path, model=model)
    print(f"network graph: {written}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fashion", action="store_true", help="train on Fashion-MNIST")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding mnist/ or fashion-mnist/ (default: see "
                             "tg.datasets.data_root)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--lr", type=float, default=2e-3,
                        help="the first learning rate; it falls to 0 along a half cosine")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=str(OUTPUT / "cnn_mnist.npz"),
                        help="write the weights to this .npz after every epoch")
    parser.add_argument("--graph", default=str(OUTPUT / "cnn_graph.svg"),
                        help="draw the network's graph into this SVG file")
    parser.add_argument("--filters", default=str(OUTPUT / "cnn_filters.png"),
                        help="draw the first-layer filters into this PNG (needs matplotlib)")
    parser.add_argument("--limit", type=int, default=0,
                        help="train on the first N images only (a quick run)")
    parser.add_argument("--quick", action="store_true",
                        help="a run of seconds for the tests: --limit 2000 --epochs 1")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit, args.epochs = args.limit or 2000, 1
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    for path in (args.save, args.graph, args.filters):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        model, history, images = train(args)
    except NonFiniteLoss as error:
        print(error, file=sys.stderr)
        return 1
    except tg.datasets.DatasetError as error:  # missing or corrupt files: say what to do
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted after {time.perf_counter() - start:.1f} s", file=sys.stderr)
        return 130
    seconds = time.perf_counter() - start
    target = TARGETS["fashion" if args.fashion else "mnist"]
    final = history[-1]["test_acc"]
    verdict = "reached" if final >= target else "below"
    print(f"trained in {seconds:.1f} s: test accuracy {final:.4f} ({verdict} the {target} "
          f"target)")
    print(f"weights: {args.save}")
    draw_network(model, images, args.graph)
    draw_filters(model, args.filters)
    return 0


if __name__ == "__main__":
    sys.exit(main())
