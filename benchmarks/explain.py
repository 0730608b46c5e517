"""Benchmark explain(): the graphs that once took minutes, each against its target.

    MLP weight     2-16-16-16-1 tanh MLP from nn.Dense, ∂out/∂(a first-layer weight)  < 0.5 s
    MLP input      the same MLP, ∂out/∂x1                                             < 0.5 s
    diamonds       y = x; 30 times y = (y·y + y)·0.5, only x and y named               < 0.5 s
    named chain    100,000 named nodes h_k = tanh(h_(k-1)·1.0001)                      < 2 s
    practice       practice --explain θ12 --check "…" with 1,000 data points          < 2 s

Each workload is timed end to end (building the graph is not counted, explaining and
printing are), as the median of a few runs in one process; the practice case runs the
command in a fresh process, as a user would.

Run:    python benchmarks/explain.py [--rounds 3] [--json]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from tinygrad_lite import Value, manual_seed, nn  # noqa: E402
from tinygrad_lite.explain import explain  # noqa: E402


def mlp_graph():
    manual_seed(0)
    model = nn.Sequential(nn.Dense(2, 16, activation="tanh"), nn.Dense(16, 16, activation="tanh"),
                          nn.Dense(16, 16, activation="tanh"), nn.Dense(16, 1))
    x1, x2 = Value(0.5, "x1"), Value(-1.0, "x2")
    out = model([x1, x2])[0]
    out.name = "out"
    return out, model.parameters()[0], x1


def diamonds(n):
    x = Value(0.5, "x")
    y = x
    for _ in range(n):
        y = (y * y + y) * 0.5
    y.name = "y"
    return y, x


def named_chain(n):
    x = Value(0.5, "h0")
    h = x
    for k in range(1, n + 1):
        h = (h * 1.0001).tanh()
        h.name = f"h{k}"
    return h, x


def timed(function, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def practice_command(n):
    rng = random.Random(0)
    config = {"X": [[rng.uniform(-1, 1) for _ in range(n)] for _ in range(3)],
              "y": [rng.uniform(-1, 1) for _ in range(n)]}
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "config.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(config, file)
    argv = [sys.executable, "-m", "tinygrad_lite", "practice", "--config", path,
            "--explain", "θ12", "--check", "∂L/∂d1 = q11 - y1"]

    def run():
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        if done.returncode not in (0, 1):
            raise SystemExit(f"practice failed: {done.stderr}")
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each workload (default 3)")
    parser.add_argument("--json", action="store_true", help="print full-precision JSON")
    args = parser.parse_args(argv)

    out, weight, x1 = mlp_graph()
    y, x = diamonds(30)
    chain, h0 = named_chain(100_000)
    workloads = [
        ("MLP 2-16-16-16-1 tanh, ∂out/∂(first-layer weight)", 0.5,
         lambda: str(explain(out, weight))),
        ("MLP 2-16-16-16-1 tanh, ∂out/∂x1", 0.5, lambda: str(explain(out, x1))),
        ("folded diamonds n = 30, ∂y/∂x", 0.5, lambda: str(explain(y, x))),
        ("named chain of 100,000 nodes, ∂h100000/∂h0", 2.0, lambda: str(explain(chain, h0))),
        ("practice --explain θ12 --check … (1,000 data points)", 2.0, practice_command(1000)),
    ]
    results = []
    for name, target, work in workloads:
        median, low, high = timed(work, args.rounds)
        results.append({"workload": name, "median_s": median, "min_s": low, "max_s": high,
                        "target_s": target, "meets_target": median < target})
        if not args.json:
            print(f"  {name:<54} {median:7.3f} s  (range {low:.3f}–{high:.3f}; target "
                  f"< {target:g} s: {'yes' if median < target else 'NO'})", flush=True)
    if args.json:
        print(json.dumps({"python": sys.version.split()[0], "rounds": args.rounds,
                          "results": results}, indent=2))


if __name__ == "__main__":
    main()
