"""The tutorial's optimizers side by side: six of them, one problem, one starting point.

Problem: fit y = sin(2·x1) + x2² with an MLP 2 → 8 (tanh) → 1, mean squared error, mini-batches
of 8 drawn without replacement (the same seeded order for everyone), 20 epochs.  Each optimizer
starts from the same weights with PyTorch's default learning rate for it, except plain SGD
(and its momentum variants), which PyTorch leaves to the user: 0.1 here.

Prints the mean training loss after each epoch; with matplotlib (pip install -e '.[plot]')
also writes optimizers.png, the curves, into the output folder (examples/output/ unless --out
says otherwise).

Run:  python examples/optimizers.py [--epochs 20] [--out DIR]
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
from tinygrad_lite.plotting import (EXAMPLES_OUT, figure, integer_ticks, legend_beside,  # noqa: E402
                                    output_path)
from tinygrad_lite.training import fit  # noqa: E402

# name -> (learning rate, optimizer class): PyTorch's default rates, 0.1 for plain SGD
OPTIMIZERS = {
    "SGD": (0.1, optim.SGD),
    "Momentum": (0.1, optim.Momentum),
    "Nesterov": (0.1, optim.Nesterov),
    "AdaGrad": (0.01, optim.AdaGrad),
    "RMSProp": (0.01, optim.RMSProp),
    "Adam": (0.001, optim.Adam),
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
    for name, (lr, make) in OPTIMIZERS.items():
        model = nn.Sequential(nn.Dense(2, 8, activation="tanh"), nn.Dense(8, 1))
        model.load_state_dict(start)
        loader = DataLoader(data, batch_size=8, seed=seed)
        curves[name] = fit(model, squared_error, make(model.parameters(), lr=lr), loader,
                           epochs=epochs, progress=False)
    return curves


def table(curves, lang="en"):
    names = list(curves)
    lines = [("epoch " if lang == "en" else "에폭  ") + "".join(f"{name:>10}" for name in names)]
    for epoch in range(len(curves[names[0]])):
        lines.append(f"{epoch + 1:>5} " + "".join(f"{curves[n][epoch]:>10.4f}" for n in names))
    return "\n".join(lines)


def write_png(curves, path):
    def draw(ax):
        for name, losses in curves.items():
            ax.plot(range(1, len(losses) + 1), losses, label=f"{name} (lr {OPTIMIZERS[name][0]:g})")
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean training loss (MSE, log scale)")
        ax.set_yscale("log")
        ax.set_title("Six optimizers from one start: MLP 2-8-1 (tanh), batches of 8")
        integer_ticks(ax.xaxis)
        legend_beside(ax, title="optimizer (learning rate)")
    return figure(path, draw, size=(8, 4))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Six optimizers on one problem.")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default=EXAMPLES_OUT,
                        help="the folder for optimizers.png (default: examples/output/)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="the table's language (ko: Korean)")
    args = parser.parse_args(argv)
    curves = compare(args.epochs)
    png = write_png(curves, output_path(args.out, "optimizers.png"))
    return "\n".join([table(curves, args.lang), "", png]), curves


if __name__ == "__main__":
    print(main()[0])
