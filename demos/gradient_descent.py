"""Gradient descent on f(x0, x1) = x0^2 + x1^2 from (-3, 4), as in note 004.

The note uses a numerical gradient and three learning rates: 0.1 reaches the minimum (0, 0),
1e-10 hardly moves, and 10 "blows up". Here each run is done twice, with the exact gradient
from backward() and with the note's central differences, side by side.

The lr = 10 run shows something the note could not see: each exact step multiplies x by
(1 - 2 * 10) = -19, so after 100 steps |x| is about 1e128. The note printed about -2.6e13
because at that size x + h == x in floating point, the numerical gradient turns to noise
and the run stalls: an artifact of the numerical gradient, not of gradient descent.

    python demos/gradient_descent.py [--steps 100] [--plot path.png]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor

START = (-3.0, 4.0)


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def exact_gradient(x: np.ndarray) -> np.ndarray:
    point = Tensor(x, requires_grad=True)
    (grad,) = tg.grad(function_2(point), point)
    return grad.numpy()


def descend(lr, steps, gradient):
    """The note's gradient_descent, returning the final point and the path."""
    x = np.array(START)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * gradient(x)
        path.append(x.copy())
    return x, np.array(path)


def numerical(x):
    return tg.numerical_gradient(function_2, x.copy())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--plot", help="save the lr = 0.1 path as a PNG (needs matplotlib)")
    args = parser.parse_args(argv)
    np.set_printoptions(precision=8)
    for lr in [0.1, 10.0, 1e-10]:
        exact, path = descend(lr, args.steps, exact_gradient)
        approx, _ = descend(lr, args.steps, numerical)
        print(f"lr = {lr:g}:")
        print(f"  exact gradient (backward):        {exact}")
        print(f"  numerical gradient (the note's):  {approx}")
        if lr == 0.1 and args.plot:
            save_plot(path, args.plot)
    print("lr = 10: the exact run multiplies x by -19 each step; the numerical one stalls "
          "once x + h == x (floating point), which is the number the note printed.")


def save_plot(path: np.ndarray, filename: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (no plot: matplotlib is not installed; pip install matplotlib)")
        return
    figure, axes = plt.subplots(figsize=(4, 4))
    axes.plot([-5, 5], [0, 0], "--b", [0, 0], [-5, 5], "--b", linewidth=0.8)
    axes.plot(path[:20, 0], path[:20, 1], "o")
    axes.set(xlim=(-3.5, 3.5), ylim=(-4.5, 4.5), xlabel="x0", ylabel="x1")
    figure.savefig(filename, dpi=100, bbox_inches="tight")
    print(f"  path plotted in {filename}")


if __name__ == "__main__":
    main()
