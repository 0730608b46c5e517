"""Benchmark the nn layers: an MLP training step, a small Conv2d, an RNN over 20 steps.

Each workload runs twice in the same process: with the layers' dot products as single
``linear`` nodes (what tinygrad_lite does) and as chains of * and + nodes (what it did before,
and what micrograd does), so the gain of the fused form is measured, not assumed.  Both give
the same numbers to the last bit (checked here before timing).

    MLP      Dense 2→16 relu → 16 relu → 1 on 100 two-moons points, hinge + L2, SGD step
    Conv2d   Conv2d(1→4, 3×3) → MaxPool2d(2) → Flatten → Dense(36→1), 4 images of 14×14, step
    RNN      RNN(4→8) over a sequence of 20 vectors, loss = Σ h_20, backward

Run:    python benchmarks/nn.py [--rounds 5] [--json]
"""

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tinygrad_lite import manual_seed, nn, optim  # noqa: E402
from tinygrad_lite import functional  # noqa: E402
from tinygrad_lite.data import make_moons  # noqa: E402
from tinygrad_lite.nn import conv, recurrent, attention  # noqa: E402


def chain_dot(weights, inputs, start=None):
    """The dot product as a chain of nodes: start + w1·x1 + w2·x2 + …"""
    total = start
    for w, x in zip(weights, inputs):
        term = w * x
        total = term if total is None else total + term
    return total


MODULES_USING_DOT = [functional, nn.dense, conv, recurrent, attention]


class dot_as(object):
    """Context: the layers use ``dot`` (fused) or ``chain_dot`` inside it."""

    def __init__(self, implementation):
        self.implementation = implementation

    def __enter__(self):
        self.saved = [(m, m.dot) for m in MODULES_USING_DOT if hasattr(m, "dot")]
        for m, _ in self.saved:
            m.dot = self.implementation

    def __exit__(self, *exc):
        for m, original in self.saved:
            m.dot = original


def count_nodes(root):
    seen, stack = {id(root)}, [root]
    while stack:
        for child in stack.pop().operands:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


# ---- the workloads: each returns (setup, step); step() returns the loss Value ----------------

def mlp_workload():
    X, y = make_moons(100, noise=0.1, seed=0)
    manual_seed(0)
    model = nn.Sequential(nn.Dense(2, 16, activation="relu"), nn.Dense(16, 16, activation="relu"),
                          nn.Dense(16, 1))
    params = model.parameters()
    opt = optim.SGD(params, lr=0.01)

    def step():
        scores = [model(x)[0] for x in X]
        losses = [(1 + -label * s).relu() for label, s in zip(y, scores)]
        loss = sum(losses[1:], losses[0]) * (1.0 / len(losses)) + \
            1e-4 * sum((p * p for p in params[1:]), params[0] * params[0])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def conv_workload():
    rng = random.Random(0)
    images = [[[[rng.uniform(0, 1) for _ in range(14)] for _ in range(14)]] for _ in range(4)]
    labels = [1.0, -1.0, 1.0, -1.0]
    manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Dense(144, 1))
    opt = optim.SGD(model.parameters(), lr=0.01)

    def step():
        scores = [model(image)[0] for image in images]
        loss = sum(((s - t) ** 2 for s, t in zip(scores[1:], labels[1:])),
                   (scores[0] - labels[0]) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def rnn_workload():
    rng = random.Random(0)
    sequence = [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(20)]
    manual_seed(0)
    rnn = nn.RNN(4, 8)

    def step():
        _, (h,) = rnn(sequence)                       # h_n: one vector for one layer
        loss = sum(h[1:], h[0])
        rnn.zero_grad()
        loss.backward()
        return loss
    return step


WORKLOADS = {"MLP step (2-16-16-1, 100 points)": mlp_workload,
             "Conv2d step (1→4, 3×3, 4 images 14×14)": conv_workload,
             "RNN 4→8 over 20 steps": rnn_workload}


def measure(make, rounds):
    """{"fused"/"chain": (median seconds, nodes per step)} with identical results checked."""
    results, losses = {}, {}
    for label, implementation in (("fused", functional.dot), ("chain", chain_dot)):
        with dot_as(implementation):
            step = make()
            loss = step()
            losses[label] = loss.data
            nodes = count_nodes(loss)
            del loss
            times = []
            for _ in range(rounds):
                gc.collect()
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
        results[label] = (statistics.median(times), nodes)
    if losses["fused"] != losses["chain"]:
        raise SystemExit(f"benchmark: fused and chain losses differ: {losses}")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = {}
    for name, make in WORKLOADS.items():
        r = measure(make, args.rounds)
        report[name] = {label: {"seconds_per_step": t, "nodes_per_step": n,
                                "nodes_per_second": n / t} for label, (t, n) in r.items()}
        report[name]["speedup"] = r["chain"][0] / r["fused"][0]
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"median of {args.rounds} steps each; 'chain' = dot products as * and + nodes "
          "(before), 'fused' = one linear node each (now)")
    print(f"{'workload':<40}{'form':>7}{'s/step':>10}{'nodes':>9}{'nodes/s':>12}")
    for name, row in report.items():
        for label in ("chain", "fused"):
            m = row[label]
            print(f"{name:<40}{label:>7}{m['seconds_per_step']:>10.4f}"
                  f"{m['nodes_per_step']:>9,}{m['nodes_per_second']:>12,.0f}")
        print(f"{'':<40}{'':>7}  fused is {row['speedup']:.1f}× faster")


if __name__ == "__main__":
    main()
