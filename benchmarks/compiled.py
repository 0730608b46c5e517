"""Benchmark compiled graphs: the micrograd demo step and a 20-step run, and how a compiled step
scales with the size of the graph.

1. The demo step (MLP 2→16→16→1, ReLU, 100 two-moons points, hinge + L2, forward + backward
   + SGD update, the same work everywhere): compiled from tinygrad_lite.nn (each dot product
   one node; compile()'s default, and each mode), compiled op by op (every * and + a node;
   the default), the dynamic engine op by op and from nn, micrograd 0.1.0 if installed, and
   the same arithmetic by hand on floats.  First each one's 20-step run (recording and
   compiling included), then interleaved rounds of one step each in one process (the order
   rotating), garbage collector on and then off: the median step and the median and range of
   the per-round ratio to the floats.
2. compile() in its default mode on the demo step's two graphs and the scaling graphs (up to
   100k nodes), several times each: µs per node, median and range; then each of issue #30's
   targets for compiled graphs with its figure and whether it is met.
3. Scaling: op-by-op MLP steps of about 1k, 10k, 100k and 1M nodes, in each mode: the time to
   compile, µs per node, the step (run + backward), and generated code's memory per node
   (tracemalloc: the peak while compiling, and what the CompiledGraph still holds once the
   recorded graph is dropped; the leaves, which it keeps, are not counted).

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
        total, inputs = demo_graph(mlp, X, y)
        self.graph = compile(total, inputs=inputs, mode=mode)
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
    """Each implementation's 20-step run (recording and compiling included), then ``rounds``
    interleaved rounds of one step each (every implementation once per round, the order
    rotating), first with the garbage collector on, then off.  Returns, per implementation,
    the median step time and the median and range of its per-round ratio to the floats."""
    X, y = make_moons(100, noise=0.1, seed=seed)
    W, B = initial_weights(seed)
    makers = {
        "compiled nn (auto)": lambda: CompiledMLP(LayerMLP(W, B), X, y),
        "compiled nn, interpret": lambda: CompiledMLP(LayerMLP(W, B), X, y, mode="interpret"),
        "compiled nn, code": lambda: CompiledMLP(LayerMLP(W, B), X, y, mode="code"),
        "compiled op by op (auto)": lambda: CompiledMLP(ValueMLP(Value, W, B), X, y),
        "dynamic op by op": lambda: ValueMLP(Value, W, B),
        "dynamic nn": lambda: LayerMLP(W, B),
        "floats": lambda: FloatMLP(W, B),
    }
    try:
        from micrograd.engine import Value as MicrogradValue
        makers["micrograd"] = lambda: ValueMLP(MicrogradValue, W, B)
    except ImportError:
        pass
    models, run_times, losses, modes = {}, {}, {}, {}
    for name, make in makers.items():
        progress(f"demo: 20 steps of {name}")
        gc.collect()
        start = time.perf_counter()
        model = make()
        losses[name] = [model.step(X, y) for _ in range(20)]      # the 20-step training run
        run_times[name] = time.perf_counter() - start
        models[name] = model
        if isinstance(model, CompiledMLP):
            modes[name] = model.graph.mode
    reference = losses["floats"]
    for name, run in losses.items():
        if any(abs(a - b) > 1e-9 * max(1.0, abs(b)) for a, b in zip(run, reference)):
            raise SystemExit(f"benchmark: {name} trained differently from the floats")
    for compiled_, dynamic in (("compiled op by op (auto)", "dynamic op by op"),
                               ("compiled nn (auto)", "dynamic nn"),
                               ("compiled nn, interpret", "dynamic nn"),
                               ("compiled nn, code", "dynamic nn")):
        if losses[compiled_] != losses[dynamic]:
            raise SystemExit(f"benchmark: {compiled_} is not bit-identical to {dynamic}")
    results = {}
    names = list(models)
    for collector in ("on", "off"):
        progress(f"demo: {rounds} interleaved rounds, garbage collector {collector}")
        gc.collect()
        (gc.enable if collector == "on" else gc.disable)()
        times = {name: [] for name in names}
        try:
            for r in range(rounds):
                for name in names[r % len(names):] + names[:r % len(names)]:
                    model = models[name]
                    start = time.perf_counter()
                    model.step(X, y)
                    times[name].append(time.perf_counter() - start)
        finally:
            gc.enable()
        for name in names:
            ratios = [t / f for t, f in zip(times[name], times["floats"])]
            results.setdefault(name, {})[collector] = {
                "seconds": statistics.median(times[name]),
                "ratio": statistics.median(ratios), "low": min(ratios), "high": max(ratios)}
    return results, run_times, modes


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
    """Bytes per node of generating code: the peak while compiling and what the compiled form
    holds once the recorded graph is dropped (traced in a separate pass: tracing is slow).
    The recorded graph itself, allocated before tracing starts, is not counted."""
    total, inputs, _ = op_mlp_loss(*shape)
    gc.collect()
    tracemalloc.start()
    graph = compile(total, inputs=inputs, mode="code")
    _, peak = tracemalloc.get_traced_memory()
    del total
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return held / len(graph), peak / len(graph)


def scaling(sizes, rounds):
    """Op-by-op MLP losses of about each size: per mode, the time to compile and a step."""
    rows = []
    for target in sizes:
        progress(f"scaling: about {target:,} nodes (compile, {rounds} steps, memory)")
        shape = SHAPES[target]
        row = {}
        for mode in ("code", "interpret"):
            gc.collect()
            total, inputs, feed = op_mlp_loss(*shape)
            start = time.perf_counter()
            graph = compile(total, inputs=inputs, mode=mode)
            row[f"{mode}_compile_seconds"] = time.perf_counter() - start
            del total
            gc.collect()
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                graph.run(feed)
                graph.backward()
                times.append(time.perf_counter() - start)
            row[f"{mode}_step_seconds"] = statistics.median(times)
            row["nodes"] = len(graph)
            del graph
        row["bytes_per_node"], row["peak_bytes_per_node"] = compiled_memory(shape)
        rows.append(row)
    return rows


def demo_graph(mlp, X, y):
    """The demo step's loss graph on ``mlp``, with placeholders for the points and labels."""
    points = [[placeholder(f"x{k}_{i}", v) for i, v in enumerate(x)] for k, x in enumerate(X)]
    labels = [placeholder(f"y{k}", v) for k, v in enumerate(y)]
    losses = [(1 + -yi * mlp(x)).relu() for yi, x in zip(labels, points)]
    total = sum(losses) * (1.0 / len(losses)) + ALPHA * sum((p * p for p in mlp.params))
    return total, [p for row in points for p in row] + labels


def compile_times(sizes, rounds, seed=0):
    """compile() in its default mode, ``rounds`` times per graph (the demo step's two graphs
    and the scaling graphs): µs per node, median and range, and the mode it chose."""
    X, y = make_moons(100, noise=0.1, seed=seed)
    W, B = initial_weights(seed)
    graphs = {"demo step, nn": lambda: demo_graph(LayerMLP(W, B), X, y),
              "demo step, op by op": lambda: demo_graph(ValueMLP(Value, W, B), X, y)}
    for target in sizes:
        graphs[f"op-by-op MLP, ~{target:,} nodes"] = \
            lambda shape=SHAPES[target]: op_mlp_loss(*shape)[:2]
    rows = {}
    for name, make in graphs.items():
        progress(f"compile(): {name}, {rounds} times")
        total, inputs = make()
        seconds = []
        for _ in range(rounds):
            gc.collect()
            start = time.perf_counter()
            graph = compile(total, inputs=inputs)
            seconds.append(time.perf_counter() - start)
        per_node = [t / len(graph) * 1e6 for t in seconds]
        edges = sum(len(operands) for operands in graph._recording.operands)
        rows[name] = {"nodes": len(graph), "edges": edges, "mode": graph.mode,
                      "us_per_node": statistics.median(per_node), "low": min(per_node),
                      "high": max(per_node)}
        del graph, total
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
    results, run_times, modes = demo(args.rounds)
    rows = scaling(sizes, max(3, args.rounds // 2))
    compiling = compile_times([s for s in sizes if s <= 100000], args.rounds)
    if args.json:
        print(json.dumps({"demo": results, "twenty_steps_seconds": run_times, "modes": modes,
                          "scaling": rows, "compile": compiling}, indent=2))
        return
    micro = results.get("micrograd")
    print(f"The micrograd demo step: medians of {args.rounds} interleaved rounds (ratio to the "
          "floats in the same round: median, range), and a 20-step run")
    print(f"{'implementation':<26}{'s/step':>8}{'vs floats, GC on':>24}{'GC off':>8}"
          f"{'vs micrograd':>14}{'20 steps, s':>13}")
    for name, r in results.items():
        on, off = r["on"], r["off"]
        versus = f"{micro['on']['seconds'] / on['seconds']:.0f}x faster" \
            if micro and name != "micrograd" else "-"
        spread = f"{on['ratio']:.2f}x ({on['low']:.2f}-{on['high']:.2f})"
        print(f"{name:<26}{on['seconds']:>8.4f}{spread:>24}{off['ratio']:>7.2f}x"
              f"{versus:>14}{run_times[name]:>13.2f}")
    if micro is None:
        print("(micrograd is not installed: pip install -e '.[bench]')")
    print("(after the 20-step run, compile()'s default 'auto' was using: " +
          ", ".join(f"{name}: {mode}" for name, mode in modes.items()) + ")")
    print()
    print(f"compile() in its default mode, {args.rounds} times per graph "
          "(µs per node: median, range)")
    print(f"{'graph':<32}{'nodes':>8}{'edges':>8}{'mode':>11}{'µs/node':>20}")
    for name, r in compiling.items():
        print(f"{name:<32}{r['nodes']:>8,}{r['edges']:>8,}{r['mode']:>11}"
              f"{r['us_per_node']:>9.1f} ({r['low']:.1f}–{r['high']:.1f})")
    print()
    print("Targets (issue #30):")
    nn_, op_ = results["compiled nn (auto)"]["on"], results["compiled op by op (auto)"]["on"]
    targets = [("compiled nn step / floats", f"{nn_['ratio']:.2f}x ({nn_['low']:.2f}–"
                f"{nn_['high']:.2f})", "<= 1.1x", nn_["ratio"] <= 1.1),
               ("compiled op-by-op step / floats", f"{op_['ratio']:.2f}x ({op_['low']:.2f}–"
                f"{op_['high']:.2f})", "<= 1.0x", op_["ratio"] <= 1.0),
               ("bit-identical to the dynamic engine", "every loss of 20 steps", "",
                True)]        # (checked above: the run stops if not)
    for name, r in compiling.items():
        targets.append((f"compile(), {name}", f"{r['us_per_node']:.1f} µs/node "
                        f"({r['low']:.1f}–{r['high']:.1f})", "<= 5", r["us_per_node"] <= 5))
    width = max(len(t[0]) for t in targets) + 2
    for label, figure, target, met in targets:
        print(f"  {label:<{width}}{figure:<26}{target:<10}{'met' if met else 'NOT met'}")
    if not rows:
        return
    print()
    print("Scaling of a compiled op-by-op step (run + backward), generated code and interpreted")
    print(f"{'nodes':>10}{'code: compile':>15}{'µs/node':>9}{'step, s':>9}{'B/node held':>13}"
          f"{'peak':>7}{'interpret: build':>18}{'step, s':>9}")
    for r in rows:
        n = r["nodes"]
        print(f"{n:>10,}{r['code_compile_seconds']:>14.2f}s"
              f"{r['code_compile_seconds'] / n * 1e6:>9.0f}{r['code_step_seconds']:>9.4f}"
              f"{r['bytes_per_node']:>13.0f}{r['peak_bytes_per_node']:>7.0f}"
              f"{r['interpret_compile_seconds']:>17.2f}s{r['interpret_step_seconds']:>9.4f}")


if __name__ == "__main__":
    main()
