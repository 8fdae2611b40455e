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
and a half minutes on two CPU cores; `--dataset fashion` trains on Fashion-MNIST (about
0.91). Afterwards it saves the weights (.npz), draws the network's graph (SVG) and the
learned first-layer filters (PNG, needs matplotlib), all in demos/output/ unless told
otherwise.

    python demos/cnn_mnist.py [--dataset mnist|fashion] [--data-dir DIR] [--epochs 5]
                              [--batch-size 50] [--lr 0.002] [--seed 0] [--save PATH]
                              [--plot PATH] [--graph PATH] [--filters PATH] [--limit N]
                              [--quick] [--quiet] [--detect-anomaly]

The flags both MNIST demos take, their epoch loop and their exit codes are in
demos/common.py.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import common

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


def train(args, on_epoch=common.print_epoch):
    """Train as `args` say; returns the model, the history of each epoch and the last batch."""
    (x_train, t_train), (x_test, t_test) = tg.datasets.load_mnist(
        root=args.data_dir, kind=args.dataset, flatten=False)  # (N, 1, 28, 28) float32
    if args.limit:
        x_train, t_train = x_train[:args.limit], t_train[:args.limit]
        x_test, t_test = x_test[:max(args.limit // 5, 500)], t_test[:max(args.limit // 5, 500)]
    tg.manual_seed(args.seed)
    model = ConvNet()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader((x_train, t_train), batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)

    def cosine(step, total_steps):  # from --lr down to 0 along a half cosine
        return common.cosine(args.lr, step, total_steps)

    def evaluate(model):
        return {"test_acc": common.accuracy(model, x_test, t_test)}

    history = common.train_epochs(args, model, optimizer, loader, evaluate, on_epoch,
                                  schedule=cosine, postfix_every=20)
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
    parser = common.parser(__doc__.splitlines()[0], epochs=5, batch_size=50, lr=2e-3,
                           lr_help="the first learning rate; it falls to 0 along a half cosine",
                           save=str(OUTPUT / "cnn_mnist.npz"))
    parser.add_argument("--graph", default=str(OUTPUT / "cnn_graph.svg"),
                        help="draw the network's graph into this SVG file")
    parser.add_argument("--filters", default=str(OUTPUT / "cnn_filters.png"),
                        help="draw the first-layer filters into this PNG (needs matplotlib)")
    return common.parse(parser, argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    for path in (args.save, args.graph, args.filters, args.plot):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    code, result, seconds = common.run(args, train)
    if code != common.EXIT_TRAINED:
        return code
    model, history, images = result
    common.report(history, seconds, TARGETS[args.dataset])
    if args.save:
        print(f"weights: {args.save}")
    draw_network(model, images, args.graph)
    draw_filters(model, args.filters)
    if args.plot:
        common.plot_curves(history, args.plot)
    return code


if __name__ == "__main__":
    sys.exit(main())
