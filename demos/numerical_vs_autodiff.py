"""TwoLayerNet's gradients two ways: the book's numerical_gradient and one backward().

The notes trained the chapter-4 TwoLayerNet (784-50-10) on MNIST with numerical gradients,
two forward passes for each of its 39,760 weights at every step, and timed the run at
54 min 46 s. This demo computes the gradient of one batch both ways, shows how close they
are, and how many times faster autodiff is. A full numerical gradient takes minutes, so by
default it is measured on a random sample of each parameter's weights and extrapolated
(`--full` computes all of it).

    python demos/numerical_vs_autodiff.py [--batch 100] [--sample 200] [--full]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tinygrad_edu.book import PARAMETER_NAMES, TwoLayerNet, load_mnist


def numerical_on_sample(network, x, t, per_parameter, rng, eps=1e-4):
    """Central differences for up to `per_parameter` random weights of each parameter."""
    result = {}
    for name in PARAMETER_NAMES:
        weights = network.params[name]
        picks = rng.choice(weights.size, size=min(per_parameter, weights.size), replace=False)
        result[name] = []
        for flat in picks:
            index = np.unravel_index(flat, weights.shape)
            original = weights[index]
            weights[index] = original + eps
            above = network.loss(x, t)
            weights[index] = original - eps
            below = network.loss(x, t)
            weights[index] = original
            result[name].append((index, (above - below) / (2 * eps)))
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--sample", type=int, default=200,
                        help="weights per parameter to differentiate numerically")
    parser.add_argument("--full", action="store_true", help="the whole numerical gradient (slow)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    np.random.seed(args.seed)
    rng = np.random.default_rng(args.seed)
    (x_train, t_train), _ = load_mnist(normalize=True, one_hot_label=True)
    batch = rng.choice(len(x_train), args.batch, replace=False)
    x, t = x_train[batch], t_train[batch]
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)

    start = time.perf_counter()
    repeats = 20
    for _ in range(repeats):
        autodiff = network.gradient(x, t)
    autodiff_seconds = (time.perf_counter() - start) / repeats

    start = time.perf_counter()
    if args.full:
        numeric = network.numerical_gradient(x, t)
        numerical_seconds = time.perf_counter() - start
        pairs = [(autodiff[k].ravel(), numeric[k].ravel()) for k in PARAMETER_NAMES]
        checked = sum(a.size for a, _ in pairs)
    else:
        sampled = numerical_on_sample(network, x, t, args.sample, rng)
        checked = sum(len(v) for v in sampled.values())
        total = sum(network.params[k].size for k in PARAMETER_NAMES)
        numerical_seconds = (time.perf_counter() - start) / checked * total
        pairs = [(np.array([autodiff[k][i] for i, _ in sampled[k]]),
                  np.array([value for _, value in sampled[k]])) for k in PARAMETER_NAMES]

    print(f"gradient of the loss on a batch of {args.batch} MNIST images, 784-50-10 network")
    for name, (a, n) in zip(PARAMETER_NAMES, pairs):
        if a.size:
            print(f"  {name}: {a.size:5d} weights compared, largest difference "
                  f"{np.abs(a - n).max():.2e} (largest gradient {np.abs(a).max():.2e})")
    speedup = numerical_seconds / autodiff_seconds
    how = "measured" if args.full else f"extrapolated from {checked} weights"
    print(f"numerical gradient: {numerical_seconds:.2f} s per batch ({how})")
    print(f"autodiff gradient:  {autodiff_seconds * 1e3:.2f} ms per batch")
    print(f"autodiff is {speedup:,.0f} times faster")
    hours = numerical_seconds * 1e4 / 3600
    print(f"10,000 iterations of gradients: numerical about {hours:.1f} h here, autodiff "
          f"{autodiff_seconds * 1e4:.0f} s (the notes' numerical run: 54 min 46.8 s)")


if __name__ == "__main__":
    main()
