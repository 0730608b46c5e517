"""The tutorial's optimizers side by side: six of them, one problem, one starting point.

Problem: fit y = sin(2·x1) + x2² with an MLP 2 → 8 (tanh) → 1, mean squared error, mini-batches
of 8 drawn without replacement (the same seeded order for everyone), 20 epochs.  Each optimizer
starts from the same weights with PyTorch's default learning rate for it, except plain SGD
(and its momentum variants), which PyTorch leaves to the user: 0.1 here.

Prints the mean training loss after each epoch; with matplotlib (pip install -e '.[plot]')
also writes a PNG of the curves.

Run:  python examples/optimizers.py [--epochs 20] [--png optimizers.png]
"""

import argparse
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tinygrad_lite import manual_seed, nn, optim  # noqa: E402
from tinygrad_lite.data import DataLoader  # noqa: E402
from tinygrad_lite.losses import mse_loss  # noqa: E402
from tinygrad_lite.plotting import figure  # noqa: E402
from tinygrad_lite.training import fit  # noqa: E402

OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1),
    "Momentum": lambda p: optim.Momentum(p, lr=0.1),
    "Nesterov": lambda p: optim.Nesterov(p, lr=0.1),
    "AdaGrad": lambda p: optim.AdaGrad(p, lr=0.01),
    "RMSProp": lambda p: optim.RMSProp(p, lr=0.01),
    "Adam": lambda p: optim.Adam(p, lr=0.001),
}


def dataset(n=96, seed=0):
    rng = random.Random(seed)
    points = [[rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)] for _ in range(n)]
    return [(x, math.sin(2 * x[0]) + x[1] ** 2) for x in points]


def squared_error(outputs, targets):
    return mse_loss([o[0] for o in outputs], targets)


def compare(epochs=20, seed=0):
    """{optimizer name: [mean loss of each epoch]} — everyone from the same start."""
    data = dataset(seed=seed)
    manual_seed(seed)
    start = nn.Sequential(nn.Dense(2, 8, activation="tanh"), nn.Dense(8, 1)).state_dict()
    curves = {}
    for name, make in OPTIMIZERS.items():
        model = nn.Sequential(nn.Dense(2, 8, activation="tanh"), nn.Dense(8, 1))
        model.load_state_dict(start)
        loader = DataLoader(data, batch_size=8, seed=seed)
        curves[name] = fit(model, squared_error, make(model.parameters()), loader,
                           epochs=epochs, progress=False)
    return curves


def table(curves):
    names = list(curves)
    lines = ["epoch " + "".join(f"{name:>10}" for name in names)]
    for epoch in range(len(curves[names[0]])):
        lines.append(f"{epoch + 1:>5} " + "".join(f"{curves[n][epoch]:>10.4f}" for n in names))
    return "\n".join(lines)


def write_png(curves, path):
    def draw(ax):
        for name, losses in curves.items():
            ax.plot(range(1, len(losses) + 1), losses, label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean training loss (MSE)")
        ax.set_yscale("log")
        ax.legend()
    return figure(path, draw, size=(6.5, 4))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Six optimizers on one problem.")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--png", default="optimizers.png")
    args = parser.parse_args(argv)
    curves = compare(args.epochs)
    return "\n".join([table(curves), "", write_png(curves, args.png)]), curves


if __name__ == "__main__":
    print(main()[0])
