"""Train an MLP on MNIST (or Fashion-MNIST) with the engine, one progress bar per epoch.

The books' TwoLayerNet, written as an nn.Module and trained with an optimizer from optim:
784 pixels -> hidden units -> 10 classes, softmax cross-entropy. With the default settings
it reaches a test accuracy of at least 0.97 in a few epochs.

    python demos/mnist.py [--dataset mnist|fashion] [--data-dir DIR] [--hidden 256]
                          [--activation relu|sigmoid] [--epochs 5] [--batch-size 100]
                          [--lr 0.001] [--optimizer adam|sgd] [--seed 0]
                          [--save weights.npz] [--plot curves.png] [--limit N] [--quick]
                          [--quiet] [--detect-anomaly]

After each epoch: `epoch N: loss L, train acc A, test acc B`. The flags, the epoch loop and
the exit codes are the ones demos/common.py gives both MNIST demos: a NaN or infinite loss
stops the run and names the step (exit 1), missing data files say what to do (exit 2), and
Ctrl-C stops cleanly (exit 130): the weights saved after the last finished epoch (with
--save) stay as they were.
"""

from __future__ import annotations

import sys

import common

import tinygrad_edu as tg
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


def make_optimizer(name, parameters, lr):
    if name == "adam":
        return optim.Adam(parameters, lr=lr)
    return optim.SGD(parameters, lr=lr, momentum=0.9)


def train(args, on_epoch=common.print_epoch):
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
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    loader = DataLoader((x_train, t_train), batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)

    def evaluate(model):
        return {"train_acc": common.accuracy(model, x_train, t_train, chunk=10_000),
                "test_acc": common.accuracy(model, x_test, t_test, chunk=10_000)}

    history = common.train_epochs(args, model, optimizer, loader, evaluate, on_epoch)
    return model, history


def parse_args(argv=None):
    parser = common.parser(__doc__.splitlines()[0], epochs=5, batch_size=100, lr=None,
                           lr_help="learning rate (default 0.001 for adam, 0.05 for sgd)")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--activation", choices=["relu", "sigmoid"], default="relu")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    args = common.parse(parser, argv)
    if args.lr is None:
        args.lr = 1e-3 if args.optimizer == "adam" else 0.05
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    code, result, seconds = common.run(args, train)
    if code != common.EXIT_TRAINED:
        return code
    _, history = result
    common.report(history, seconds, TARGET_ACCURACY)
    if args.plot:
        common.plot_curves(history, args.plot)
    return code


if __name__ == "__main__":
    sys.exit(main())
