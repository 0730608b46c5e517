"""micrograd's classic demo with tinygrad_lite: an MLP 2→16→16→1 learns the two moons.

Two moons (generated and seeded: no download), labels -1/+1; model
nn.Sequential(Dense(2, 16, relu), Dense(16, 16, relu), Dense(16, 1)); the loss is micrograd's:
mean hinge loss max(0, 1 - y·score) plus 1e-4·Σ w²; full-batch SGD with the learning rate
falling from 1.0 to 0.1.  Prints a table of the loss and accuracy every 10 steps and the
decision boundary as ASCII art; with matplotlib installed (pip install -e '.[plot]') also
writes moons.png, the boundary, into the output folder (examples/output/ unless --out says
otherwise).

Run:  python examples/moons.py [--steps 150] [--out DIR] [--compiled]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import time  # noqa: E402

from tinygrad_lite import manual_seed, nn, no_grad, optim  # noqa: E402
from tinygrad_lite.compiled import compile, placeholder  # noqa: E402
from tinygrad_lite.data import make_moons  # noqa: E402
from tinygrad_lite.plotting import EXAMPLES_OUT, figure, legend_beside, output_path  # noqa: E402

ALPHA = 1e-4


def build_model(seed=1337):
    manual_seed(seed)
    return nn.Sequential(nn.Dense(2, 16, activation="relu"),
                         nn.Dense(16, 16, activation="relu"),
                         nn.Dense(16, 1))


def loss_and_scores(model, X, y):
    """The loss (hinge + L2) and the score Values of every point."""
    scores = [model(x)[0] for x in X]
    losses = [(1 + -label * score).relu() for label, score in zip(y, scores)]
    data_loss = sum(losses[1:], losses[0]) * (1.0 / len(losses))
    params = model.parameters()
    reg_loss = ALPHA * sum((p * p for p in params[1:]), params[0] * params[0])
    return data_loss + reg_loss, scores


def accuracy_of(scores, y):
    return sum((label > 0) == (score > 0) for label, score in zip(y, scores)) / len(y)


def loss_and_accuracy(model, X, y):
    loss, scores = loss_and_scores(model, X, y)
    return loss, accuracy_of([s.data for s in scores], y)


def train(steps=150, seed=1337, compiled=False):
    """Returns (model, X, y, [(step, loss, accuracy), ...]).  With ``compiled`` the step is
    recorded once, with the points as placeholders, and rerun (tinygrad_lite.compiled)."""
    X, y = make_moons(100, noise=0.1, seed=seed)
    model = build_model(seed)
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    if compiled:
        return model, X, y, _train_compiled(model, optimizer, X, y, steps)
    def step(k):
        # in a function, so that each step's graph is freed when it returns: keeping the old
        # graph alive while the next is built doubles the garbage collector's work
        loss, accuracy = loss_and_accuracy(model, X, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / steps
        optimizer.step()
        return k, loss.data, accuracy

    history = [step(k) for k in range(steps)]
    with no_grad():
        loss, accuracy = loss_and_accuracy(model, X, y)
    history.append((steps, loss.data, accuracy))
    return model, X, y, history


def _train_compiled(model, optimizer, X, y, steps):
    points = [[placeholder(f"x{k}_{i}", v) for i, v in enumerate(x)] for k, x in enumerate(X)]
    loss, scores = loss_and_scores(model, points, y)
    for k, score in enumerate(scores):
        score.name = f"score{k}"
    graph = compile(loss, inputs=[p for row in points for p in row], params=model)
    feed = [v for x in X for v in x]
    history = []
    for k in range(steps):
        value = graph.run(feed)
        optimizer.zero_grad()
        graph.backward()
        optimizer.lr = 1.0 - 0.9 * k / steps
        optimizer.step()
        history.append((k, value, accuracy_of([graph.value(f"score{i}")
                                               for i in range(len(X))], y)))
    value = graph.run(feed)
    history.append((steps, value, accuracy_of([graph.value(f"score{i}")
                                               for i in range(len(X))], y)))
    return history


def ascii_boundary(model, X, y, width=64, height=24):
    """The plane as characters: '.' where the model says -1, '#' where +1; data 'o' / 'x'."""
    x_lo, x_hi, y_lo, y_hi = -1.5, 2.5, -1.0, 1.5
    grid = []
    with no_grad():
        for row in range(height):
            v = y_hi - (y_hi - y_lo) * row / (height - 1)
            grid.append(["#" if model([x_lo + (x_hi - x_lo) * col / (width - 1), v])[0].data > 0
                         else "." for col in range(width)])
    for (a, b), label in zip(X, y):
        col = round((a - x_lo) / (x_hi - x_lo) * (width - 1))
        row = round((y_hi - b) / (y_hi - y_lo) * (height - 1))
        if 0 <= row < height and 0 <= col < width:
            grid[row][col] = "x" if label > 0 else "o"
    return "\n".join("".join(line) for line in grid)


def write_png(model, X, y, path):
    """A PNG of the decision boundary, or a message saying why not."""
    def draw(ax):
        n = 80
        xs = [-1.5 + 4.0 * i / (n - 1) for i in range(n)]
        ys = [-1.0 + 2.5 * j / (n - 1) for j in range(n)]
        with no_grad():
            z = [[1 if model([a, b])[0].data > 0 else -1 for a in xs] for b in ys]
        ax.contourf(xs, ys, z, levels=[-2, 0, 2], colors=["#cfe2f3", "#f4cccc"])
        for label, color, marker in ((1, "#c00", "x"), (-1, "#03c", "o")):
            points = [p for p, t in zip(X, y) if (t > 0) == (label > 0)]
            ax.scatter([p[0] for p in points], [p[1] for p in points], c=color, s=18,
                       marker=marker, label=f"class {label:+d} (shaded where predicted)")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_title("tinygrad_lite: MLP 2-16-16-1 on two moons, decision boundary")
        legend_beside(ax, title="data")
    return figure(path, draw, size=(8.5, 4.5))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train an MLP on two moons (micrograd's demo).")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--out", default=EXAMPLES_OUT,
                        help="the folder for moons.png (default: examples/output/)")
    parser.add_argument("--compiled", action="store_true",
                        help="train on a compiled graph, and compare its time with the dynamic one")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model, X, y, history = train(args.steps)
    timing = [f"dynamic graph: {time.perf_counter() - start:.2f} s for {args.steps} steps"]
    if args.compiled:
        start = time.perf_counter()
        _, _, _, compiled_history = train(args.steps, compiled=True)
        timing.append(f"compiled graph: {time.perf_counter() - start:.2f} s (recording and "
                      "compiling included); the same losses to the last bit: "
                      f"{compiled_history == history}")
    lines = ["step   loss      accuracy"]
    for step, loss, accuracy in history:
        if step % 10 == 0 or step == args.steps:
            lines.append(f"{step:>4}   {loss:.4f}    {accuracy:.0%}")
    lines += ["", ascii_boundary(model, X, y), "", write_png(model, X, y, output_path(args.out, "moons.png")), ""] + timing
    return "\n".join(lines), history


if __name__ == "__main__":
    print(main()[0])
