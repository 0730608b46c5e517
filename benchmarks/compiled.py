"""Benchmark compiled graphs: the micrograd demo step and a 20-step run, and how a compiled step
scales with the size of the graph.

1. The demo step (MLP 2→16→16→1, ReLU, 100 two-moons points, hinge + L2, SGD update) in one
   process, garbage collector on: compiled from tinygrad_lite.nn (each dot product one node),
   compiled op by op (every * and + a node), the dynamic engine, micrograd 0.1.0 if installed,
   and the same arithmetic by hand on floats.  Then 20 training steps each, recording and
   compiling included.
2. Scaling: op-by-op MLP steps of about 1k, 10k, 100k and 1M nodes: compile time, step time
   (run + backward), nodes per second, and the memory per node of the compiled form
   (tracemalloc: what compiling allocated and the CompiledGraph still holds once the recorded
   graph is dropped; the leaves, which it keeps, are not counted).

Run:    python benchmarks/compiled.py            quick: scaling at 1k and 10k nodes (about 20 s)
        python benchmarks/compiled.py --full     scaling up to 1M nodes: about 15 minutes and
                                                 2.5 GB of memory on this project's machine
        [--rounds 7] [--sizes 1000,10000,...] [--json]
Progress goes to stderr as it runs; the tables (or the JSON) to stdout at the end.
"""

import argparse
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from engine import (ALPHA, LEARNING_RATE, FloatMLP, LayerMLP, ValueMLP,  # noqa: E402
                    initial_weights)
from tinygrad_lite import Value  # noqa: E402
from tinygrad_lite.compiled import compile, placeholder  # noqa: E402
from tinygrad_lite.data import make_moons  # noqa: E402


class CompiledMLP:
    """A ValueMLP or LayerMLP whose loss graph is recorded once with placeholders and rerun."""

    def __init__(self, mlp, X, y, mode="auto"):
        self.mlp = mlp
        points = [[placeholder(f"x{k}_{i}", v) for i, v in enumerate(x)] for k, x in enumerate(X)]
        labels = [placeholder(f"y{k}", v) for k, v in enumerate(y)]
        scores = [mlp(x) for x in points]
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
        total = sum(losses) * (1.0 / len(losses)) + ALPHA * sum((p * p for p in mlp.params))
        self.graph = compile(total, inputs=[p for row in points for p in row] + labels, mode=mode)
        self.feed = [v for x in X for v in x] + list(y)

    def step(self, X, y):
        loss = self.graph.run(self.feed)
        for p in self.mlp.params:
            p.grad = 0
        self.graph.backward()
        for p in self.mlp.params:
            p.data -= LEARNING_RATE * p.grad
        return loss


def progress(message):
    """One line on stderr, so a long run shows where it is (stdout keeps the tables)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def demo(rounds, seed=0):
    X, y = make_moons(100, noise=0.1, seed=seed)
    W, B = initial_weights(seed)
    makers = {
        "compiled nn": lambda: CompiledMLP(LayerMLP(W, B), X, y),
        "compiled nn, code": lambda: CompiledMLP(LayerMLP(W, B), X, y, mode="code"),
        "compiled op by op": lambda: CompiledMLP(ValueMLP(Value, W, B), X, y),
        "dynamic op by op": lambda: ValueMLP(Value, W, B),
        "floats": lambda: FloatMLP(W, B),
    }
    try:
        from micrograd.engine import Value as MicrogradValue
        makers["micrograd"] = lambda: ValueMLP(MicrogradValue, W, B)
    except ImportError:
        pass
    step_times, run_times, losses = {}, {}, {}
    for name, make in makers.items():
        progress(f"demo step: {name}")
        gc.collect()
        start = time.perf_counter()
        model = make()
        runs = [model.step(X, y) for _ in range(20)]      # the 20-step training run
        run_times[name] = time.perf_counter() - start
        losses[name] = runs
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            model.step(X, y)
            times.append(time.perf_counter() - start)
        step_times[name] = statistics.median(times)
        del model
    reference = losses["floats"]
    for name, run in losses.items():
        if any(abs(a - b) > 1e-9 * max(1.0, abs(b)) for a, b in zip(run, reference)):
            raise SystemExit(f"benchmark: {name} trained differently from the floats")
    if losses["compiled op by op"] != losses["dynamic op by op"]:
        raise SystemExit("benchmark: the compiled graph is not bit-identical to the dynamic one")
    return step_times, run_times


def op_mlp_loss(width, depth, points):
    """An op-by-op MLP loss (ReLU, hinge + L2) of roughly points·depth·width² nodes."""
    import random
    rng = random.Random(0)
    sizes = [2] + [width] * depth + [1]
    W = [[[rng.uniform(-1, 1) for _ in range(sizes[l])] for _ in range(sizes[l + 1])]
         for l in range(len(sizes) - 1)]
    B = [[0.0] * sizes[l + 1] for l in range(len(sizes) - 1)]
    mlp = ValueMLP(Value, W, B)
    X, y = make_moons(points, noise=0.1, seed=0)
    inputs = [[placeholder(f"x{k}_{i}", v) for i, v in enumerate(x)] for k, x in enumerate(X)]
    losses = [(1 + -yi * mlp(x)).relu() for yi, x in zip(y, inputs)]
    total = sum(losses) * (1.0 / len(losses)) + ALPHA * sum((p * p for p in mlp.params))
    return total, [p for row in inputs for p in row], [v for x in X for v in x]


SHAPES = {1000: (8, 1, 14), 10000: (16, 1, 80), 100000: (16, 2, 152), 1000000: (32, 2, 427)}


def compiled_memory(shape):
    """Bytes the compiled form holds, per node: traced while compiling, after the recorded
    graph is dropped (a separate pass, since tracing slows everything down)."""
    total, inputs, _ = op_mlp_loss(*shape)
    gc.collect()
    tracemalloc.start()
    graph = compile(total, inputs=inputs)
    del total
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return held / len(graph)


def scaling(sizes, rounds):
    rows = []
    for target in sizes:
        progress(f"scaling: about {target:,} nodes (compile, {rounds} steps, memory)")
        shape = SHAPES[target]
        gc.collect()
        total, inputs, feed = op_mlp_loss(*shape)
        start = time.perf_counter()
        graph = compile(total, inputs=inputs)
        compile_seconds = time.perf_counter() - start
        del total
        gc.collect()
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            graph.run(feed)
            graph.backward()
            times.append(time.perf_counter() - start)
        step = statistics.median(times)
        rows.append({"nodes": len(graph), "compile_seconds": compile_seconds,
                     "step_seconds": step, "nodes_per_second": len(graph) / step,
                     "bytes_per_node": None})
        del graph
        rows[-1]["bytes_per_node"] = compiled_memory(shape)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sizes", default=None,
                        help="graph sizes for the scaling table, of 1000,10000,100000,1000000 "
                             "(default 1000,10000)")
    parser.add_argument("--full", action="store_true",
                        help="every size up to 1M nodes (about 15 minutes, 2.5 GB)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    chosen = args.sizes or ("1000,10000,100000,1000000" if args.full else "1000,10000")
    sizes = [int(s) for s in chosen.split(",") if s]
    if any(s not in SHAPES for s in sizes):
        parser.error(f"--sizes: choose among {', '.join(map(str, SHAPES))}")
    step_times, run_times = demo(args.rounds)
    rows = scaling(sizes, max(3, args.rounds // 2))
    if args.json:
        print(json.dumps({"step_seconds": step_times, "twenty_steps_seconds": run_times,
                          "scaling": rows}, indent=2))
        return
    floats = step_times["floats"]
    micro = step_times.get("micrograd")
    print("The micrograd demo step (median of {} steps) and a 20-step run (recording and "
          "compiling included)".format(args.rounds))
    print(f"{'implementation':<20}{'s/step':>9}{'vs floats':>11}{'vs micrograd':>14}"
          f"{'20 steps, s':>13}")
    for name, t in step_times.items():
        versus_micrograd = f"{micro / t:.0f}x faster" if micro and name != "micrograd" else "-"
        print(f"{name:<20}{t:>9.4f}{t / floats:>10.1f}x{versus_micrograd:>14}"
              f"{run_times[name]:>13.2f}")
    if micro is None:
        print("(micrograd is not installed: pip install -e '.[bench]')")
    print("('compiled nn' is compile()'s default for that graph, mode='interpret'; 'code' "
          "generates code for it)")
    if not rows:
        return
    print()
    print("Scaling of a compiled op-by-op step (run + backward)")
    print(f"{'nodes':>10}{'compile, s':>12}{'step, s':>10}{'nodes/s':>12}{'bytes/node':>12}")
    for r in rows:
        print(f"{r['nodes']:>10,}{r['compile_seconds']:>12.2f}{r['step_seconds']:>10.4f}"
              f"{r['nodes_per_second']:>12,.0f}{r['bytes_per_node']:>12.0f}")


if __name__ == "__main__":
    main()
