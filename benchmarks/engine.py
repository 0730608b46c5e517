"""Benchmark the Value engine on micrograd's demo step, against micrograd and plain floats.

The workload is one training step of micrograd's demo (demo.ipynb): an MLP 2 -> 16 -> 16 -> 1
with ReLU, on 100 two-moons points, hinge loss plus L2 regularisation (alpha = 1e-4), written
exactly as micrograd writes it (every multiply and add a node), then backward() and an SGD
update.  Three implementations run in one process, with the garbage collector on as users
run it, in interleaved rounds so that machine noise hits all of them alike:

    tinygrad_lite   Values from this package, the step written as micrograd writes it
    tinygrad_lite nn   the same MLP from tinygrad_lite.nn (a dot product is one node)
    tinygrad_lite lazy_gc   the op-by-op step inside tinygrad_lite.lazy_gc() (an opt-in: fewer
                    collector pauses; a second figure, never the default)
    micrograd       micrograd==0.1.0 from PyPI, if installed (pip install -e '.[bench]')
    floats          the same forward and backward written by hand on plain floats

Also, each in a fresh process: a 1,000,000-op chain x = x·1.000001 + 0.000001, forward and
backward (the time; the same with the collector off; and the floor under it: as many bare
five-slot objects built inline, GC on), and the memory per op node of a 100,000-op chain
y = y·1.5 + 0.25 (tracemalloc: held after the forward, and the peak through backward).
Step times are medians of interleaved rounds, GC on as users run it and, as a second figure,
GC off; each ratio is also worked out round by round, and its range printed.  The report ends
with each of issue #30's targets, the figure and whether it is met.

Run:    python benchmarks/engine.py            (a table; a few minutes)
        python benchmarks/engine.py --json     (full precision)
        python benchmarks/engine.py --chain 0  (without the fresh processes)
        python benchmarks/engine.py --against 9433acd   (also: the nn and op-by-op steps
                                                against the package at that commit)
"""

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tinygrad_lite import Value, lazy_gc, nn  # noqa: E402
from tinygrad_lite.data import make_moons  # noqa: E402

SIZES = [2, 16, 16, 1]
ALPHA = 1e-4
LEARNING_RATE = 0.01


def initial_weights(seed):
    """Weights W[l][j][k] and biases B[l][j] drawn once, shared by every implementation."""
    rng = random.Random(seed)
    W = [[[rng.uniform(-1, 1) for _ in range(SIZES[l])] for _ in range(SIZES[l + 1])]
         for l in range(len(SIZES) - 1)]
    B = [[0.0] * SIZES[l + 1] for l in range(len(SIZES) - 1)]
    return W, B


# ---- the step on an autograd Value class (tinygrad_lite or micrograd) ------------------------

class ValueMLP:
    """micrograd's MLP, written once for any Value class with + * relu backward."""

    def __init__(self, value_class, W, B):
        self.Value = value_class
        self.layers = [[([value_class(w) for w in row], value_class(b)) for row, b in zip(Wl, Bl)]
                       for Wl, Bl in zip(W, B)]
        self.params = [p for layer in self.layers for w, b in layer for p in w + [b]]

    def __call__(self, x):
        last = len(self.layers) - 1
        for l, layer in enumerate(self.layers):
            out = []
            for w, b in layer:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                out.append(act.relu() if l < last else act)
            x = out
        return x[0]

    def loss(self, X, y):
        inputs = [list(map(self.Value, row)) for row in X]
        scores = list(map(self, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum((p * p for p in self.params))
        return data_loss + reg_loss

    def step(self, X, y):
        total = self.loss(X, y)
        for p in self.params:
            p.grad = 0
        total.backward()
        for p in self.params:
            p.data -= LEARNING_RATE * p.grad
        return total.data


class LayerMLP(ValueMLP):
    """The same MLP from tinygrad_lite.nn: each neuron's dot product is one ``linear`` node.
    (``package``: another copy of the package, for --against.)"""

    def __init__(self, W, B, package=None):
        self.Value = Value if package is None else package.Value
        nn_ = nn if package is None else package.nn
        last = len(W) - 1
        self.model = nn_.Sequential(*[nn_.Dense(len(Wl[0]), len(Wl),
                                                activation="relu" if l < last else None)
                                      for l, Wl in enumerate(W)])
        self.model.load_state_dict({f"{l}.{key}": value for l, (Wl, Bl) in enumerate(zip(W, B))
                                    for key, value in (("weight", Wl), ("bias", Bl))})
        self.params = self.model.parameters()

    def __call__(self, x):
        return self.model(x)[0]


class LazyGC:
    """The op-by-op step run inside lazy_gc() (the opt-in), otherwise the same."""

    def __init__(self, model):
        self.model = model

    def step(self, X, y):
        with lazy_gc():
            return self.model.step(X, y)


# ---- the same step by hand on plain floats (the CPython floor) -------------------------------

class FloatMLP:
    def __init__(self, W, B):
        self.W = [[list(row) for row in Wl] for Wl in W]
        self.B = [list(Bl) for Bl in B]

    def step(self, X, y):
        W, B = self.W, self.B
        n = len(X)
        gW = [[[0.0] * len(row) for row in Wl] for Wl in W]
        gB = [[0.0] * len(Bl) for Bl in B]
        last = len(W) - 1
        data_loss = 0.0
        for x, label in zip(X, y):
            acts, pres = [x], []
            for l in range(last + 1):
                z = [sum(w * a for w, a in zip(row, acts[-1])) + b for row, b in zip(W[l], B[l])]
                pres.append(z)
                acts.append([v if v > 0 else 0.0 for v in z] if l < last else z)
            margin = 1 - label * acts[-1][0]
            if margin > 0:
                data_loss += margin / n
                delta = [-label / n]
            else:
                delta = [0.0]
            for l in range(last, -1, -1):
                if l < last:
                    delta = [d if z > 0 else 0.0 for d, z in zip(delta, pres[l])]
                a = acts[l]
                for j, d in enumerate(delta):
                    gB[l][j] += d
                    grow = gW[l][j]
                    for k, ak in enumerate(a):
                        grow[k] += d * ak
                delta = [sum(W[l][j][k] * delta[j] for j in range(len(delta)))
                         for k in range(len(a))]
        reg = 0.0
        for l in range(last + 1):
            for j, row in enumerate(W[l]):
                for k, w in enumerate(row):
                    reg += w * w
                    gW[l][j][k] += 2 * ALPHA * w
                reg += B[l][j] * B[l][j]
                gB[l][j] += 2 * ALPHA * B[l][j]
        for l in range(last + 1):
            for j, row in enumerate(W[l]):
                for k in range(len(row)):
                    row[k] -= LEARNING_RATE * gW[l][j][k]
                B[l][j] -= LEARNING_RATE * gB[l][j]
        return data_loss + ALPHA * reg


# ---- measuring -------------------------------------------------------------------------------

def count_nodes(root, children):
    seen, stack = {id(root)}, [root]
    while stack:
        for child in children(stack.pop()):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def graph_memory(model, X, y, children):
    """Bytes allocated while building one loss graph, per node of that graph (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    total = model.loss(X, y)
    allocated, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes = count_nodes(total, children)
    return nodes, allocated / nodes


def run(rounds, block, seed):
    X, y = make_moons(100, noise=0.1, seed=seed)
    W, B = initial_weights(seed)
    contestants = {"tinygrad_lite": ValueMLP(Value, W, B), "floats": FloatMLP(W, B),
                   "tinygrad_lite nn": LayerMLP(W, B),
                   "tinygrad_lite lazy_gc": LazyGC(ValueMLP(Value, W, B))}
    try:
        from micrograd.engine import Value as MicrogradValue
        contestants["micrograd"] = ValueMLP(MicrogradValue, W, B)
    except ImportError:
        MicrogradValue = None

    # the three must compute the same loss before any timing counts
    losses = {name: model.step(X, y) for name, model in contestants.items()}
    reference = losses["floats"]
    for name, loss in losses.items():
        if abs(loss - reference) > 1e-9 * max(1.0, abs(reference)):
            raise SystemExit(f"benchmark: {name} computed loss {loss!r}, floats {reference!r}")

    times = {name: [] for name in contestants}
    times_gc_off = {name: [] for name in contestants}
    for _ in range(rounds):
        for gc_on, table in ((True, times), (False, times_gc_off)):
            for name, model in contestants.items():
                gc.collect()   # start each block clean: no one pays for another's garbage
                if not gc_on:
                    gc.disable()
                try:
                    for _ in range(block):
                        start = time.perf_counter()
                        model.step(X, y)
                        table[name].append(time.perf_counter() - start)
                finally:
                    gc.enable()

    def ratios(table, name, over):
        """``name``'s time over ``over``'s, round by round (the medians of their blocks in
        the same round): median and range."""
        per_round = [statistics.median(table[name][k:k + block]) /
                     statistics.median(table[over][k:k + block])
                     for k in range(0, len(table[name]), block)]
        return {"median": statistics.median(per_round), "low": min(per_round),
                "high": max(per_round)}

    result = {"workload": "micrograd demo step: MLP 2-16-16-1 ReLU, 100 moons, hinge + L2, "
                          "forward + backward + SGD update",
              "rounds": rounds, "steps_per_block": block, "python": sys.version.split()[0],
              "seconds_per_step": {name: statistics.median(t) for name, t in times.items()},
              "seconds_per_step_gc_off": {name: statistics.median(t)
                                          for name, t in times_gc_off.items()},
              "range": {name: [min(t), max(t)] for name, t in times.items()},
              "all_seconds": times}
    nodes, per_node = graph_memory(contestants["tinygrad_lite"], X, y, lambda v: v.operands)
    result["graph_nodes"] = nodes
    result["bytes_per_node"] = {"tinygrad_lite": per_node}
    if MicrogradValue is not None:
        _, per_node = graph_memory(contestants["micrograd"], X, y, lambda v: v._prev)
        result["bytes_per_node"]["micrograd"] = per_node
    result["per_round"] = {
        "tinygrad_lite_vs_floats": ratios(times, "tinygrad_lite", "floats"),
        "nn_vs_floats": ratios(times, "tinygrad_lite nn", "floats"),
        "lazy_gc_vs_floats": ratios(times, "tinygrad_lite lazy_gc", "floats"),
        "tinygrad_lite_vs_floats_gc_off": ratios(times_gc_off, "tinygrad_lite", "floats")}
    if MicrogradValue is not None:
        for name in ("tinygrad_lite", "tinygrad_lite nn", "tinygrad_lite lazy_gc"):
            result["per_round"][f"micrograd_over_{name}"] = ratios(times, "micrograd", name)
    median = result["seconds_per_step"]
    result["tinygrad_lite_vs_floats"] = median["tinygrad_lite"] / median["floats"]
    result["nn_vs_floats"] = median["tinygrad_lite nn"] / median["floats"]
    result["lazy_gc_vs_floats"] = median["tinygrad_lite lazy_gc"] / median["floats"]
    off = result["seconds_per_step_gc_off"]
    result["tinygrad_lite_vs_floats_gc_off"] = off["tinygrad_lite"] / off["floats"]
    if "micrograd" in median:
        result["speedup_vs_micrograd"] = median["micrograd"] / median["tinygrad_lite"]
    return result


CHAIN = """
import gc, sys, time, tracemalloc
sys.path.insert(0, {root!r})
from tinygrad_lite import Value
n = {n}
if not {collector}:
    gc.disable()
if {memory}:
    tracemalloc.start()
start = time.perf_counter()
x = Value(1.0)
y = x
for _ in range(n):
    y = y * {times} + {plus}
held = tracemalloc.get_traced_memory()[0] if {memory} else 0
built = time.perf_counter()
y.backward()
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if {memory} else 0
print(seconds, peak / (2 * n), held / (2 * n), built - start)
"""

# The floor under the chain on this machine: the same 2n objects of five slots (a node's
# size), each with a new float, built inline with no method, no arithmetic and no backward,
# GC on, in a fresh process.  What is left is allocation, first-touched memory and the cyclic
# collector walking the growing graph: what any pure-Python node of this size pays.
FLOOR = """
import sys, time
class Node:
    __slots__ = ("data", "grad", "_op", "_a", "_b")
new, op, constant = object.__new__, object(), object()
start = time.perf_counter()
y = new(Node)
y.data, y.grad, y._op, y._a, y._b = 1.0, 0.0, None, None, None
for _ in range(2 * {n}):
    node = new(Node)
    node.data = y.data * 1.000001
    node.grad = 0.0
    node._op, node._a, node._b = op, y, constant
    y = node
print(time.perf_counter() - start)
"""


def fresh(code):
    """What ``code`` prints, run in a fresh Python process."""
    import subprocess
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return [float(word) for word in done.stdout.split()]


def chain(n, memory=False, collector=True, times="1.000001", plus="0.000001"):
    """(seconds, peak bytes per op node, bytes per op node held after the forward, seconds of
    the forward) of y = y·times + plus done n times, forward and backward, in a fresh process
    (as a user's script runs it: GC on, nothing warmed up).  The peak includes the gradients
    backward() stores; what the forward holds is the graph itself."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    return fresh(CHAIN.format(root=root, n=n, memory=memory, collector=collector,
                              times=times, plus=plus))


def floor(n):
    """Seconds to build the chain's 2n objects bare (FLOOR), in a fresh process."""
    return fresh(FLOOR.format(n=n))[0]


def spread(values):
    return {"median": statistics.median(values), "low": min(values), "high": max(values),
            "runs": len(values)}


def against(commit, rounds, seed):
    """The op-by-op and nn demo steps of this package against the package as it was at
    ``commit`` (git archive, imported under another name), alternating step by step in this
    process so that the machine's drift hits both alike: medians and the ratio now/then."""
    import importlib
    import io
    import subprocess
    import tarfile
    import tempfile
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    archive = subprocess.run(["git", "-C", root, "archive", commit, "tinygrad_lite"],
                             capture_output=True)
    if archive.returncode:
        raise SystemExit(f"--against {commit}: git archive failed: "
                         f"{archive.stderr.decode(errors='replace').strip()}")
    folder = tempfile.mkdtemp(prefix="tinygrad_then_")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        try:
            tar.extractall(folder, filter="data")
        except TypeError:                       # a Python without extraction filters
            tar.extractall(folder)
    os.rename(os.path.join(folder, "tinygrad_lite"), os.path.join(folder, "tinygrad_then"))
    sys.path.insert(0, folder)
    then = importlib.import_module("tinygrad_then")
    X, y = make_moons(100, noise=0.1, seed=seed)
    W, B = initial_weights(seed)
    pairs = {"op by op": (ValueMLP(Value, W, B), ValueMLP(then.Value, W, B)),
             "nn": (LayerMLP(W, B), LayerMLP(W, B, package=then))}
    result = {"commit": commit}
    for name, (now, before) in pairs.items():
        if now.step(X, y) != before.step(X, y):
            raise SystemExit(f"--against {commit}: the {name} steps differ")
        times = {"now": [], "then": []}
        for r in range(rounds * 6):
            for which, model in (("now", now), ("then", before))[::1 if r % 2 else -1]:
                gc.collect()
                start = time.perf_counter()
                model.step(X, y)
                times[which].append(time.perf_counter() - start)
        pairs_ = sorted(a / b for a, b in zip(times["now"], times["then"]))
        quarter = len(pairs_) // 4
        result[name] = {"now": statistics.median(times["now"]),
                        "then": statistics.median(times["then"]),
                        "ratio": statistics.median(pairs_), "low": pairs_[quarter],
                        "high": pairs_[-1 - quarter], "steps": len(pairs_)}
    return result


def _range(r, digits=1, unit="x"):
    return f"{r['median']:.{digits}f}{unit} ({r['low']:.{digits}f}–{r['high']:.{digits}f})"


def report(result):
    median = result["seconds_per_step"]
    lines = [f"Workload: {result['workload']}",
             f"Graph: {result['graph_nodes']:,} nodes per step; median over {result['rounds']} rounds "
             f"of {result['steps_per_block']} steps each, Python {result['python']}, GC on", "",
             f"  {'implementation':<22}{'s/step':>10}{'bytes/node':>12}"]
    for name in ("tinygrad_lite", "tinygrad_lite nn", "tinygrad_lite lazy_gc", "micrograd",
                 "floats"):
        if name in median:
            memory = result["bytes_per_node"].get(name)
            lines.append(f"  {name:<22}{median[name]:>10.4f}"
                         f"{(f'{memory:.0f}' if memory is not None else '-'):>12}")
    per_round = result["per_round"]
    lines += ["", "Ratios round by round (median, range over the rounds), and the targets:"]
    rows = [("op-by-op step / floats, GC on", _range(per_round["tinygrad_lite_vs_floats"]),
             "<= 7x", per_round["tinygrad_lite_vs_floats"]["median"] <= 7),
            ("  the same, GC off", _range(per_round["tinygrad_lite_vs_floats_gc_off"]), "", None),
            ("  inside lazy_gc() (opt-in)", _range(per_round["lazy_gc_vs_floats"]), "<= 5.5x",
             per_round["lazy_gc_vs_floats"]["median"] <= 5.5),
            ("nn step / floats", _range(per_round["nn_vs_floats"]), "", None)]
    if "micrograd_over_tinygrad_lite" in per_round:
        mg = per_round["micrograd_over_tinygrad_lite"]
        rows += [("micrograd / op-by-op step", _range(mg), ">= 14x", mg["median"] >= 14),
                 ("micrograd / nn step", _range(per_round["micrograd_over_tinygrad_lite nn"]),
                  "", None)]
    else:
        rows.append(("micrograd", "not installed: pip install -e '.[bench]'", ">= 14x", None))
    if "chain" in result:
        c = result["chain"]
        rows += [("1M-op chain, fresh process", _range(c["seconds"], 2, " s"), "< 1.7 s",
                  c["seconds"]["median"] < 1.7),
                 ("  of which the forward", _range(c["forward_seconds"], 2, " s"), "", None),
                 ("  the same with GC off", _range(c["seconds_gc_off"], 2, " s"), "", None),
                 ("  floor: 2M bare nodes built, GC on", _range(c["floor_seconds"], 2, " s"), "",
                  None),
                 (f"bytes/node held, y*1.5 + 0.25 ({c['memory_n']:,} ops)",
                  _range(c["held_bytes_per_node"], 0, " B"), "<= 96 B",
                  c["held_bytes_per_node"]["median"] <= 96),
                 ("  peak through backward", _range(c["peak_bytes_per_node"], 0, " B"),
                  "<= 110 B", c["peak_bytes_per_node"]["median"] <= 110)]
    if "against" in result:
        a = result["against"]
        for name in ("op by op", "nn"):
            r = a[name]
            rows.append((f"{name} step now / at {a['commit']} (step pairs)",
                         f"{r['ratio']:.3f} (middle half {r['low']:.3f}–{r['high']:.3f}; "
                         f"{r['now']:.4f} vs {r['then']:.4f} s)",
                         "<= 1.02" if name == "nn" else "",
                         r["ratio"] <= 1.02 if name == "nn" else None))
    width = max(len(r[0]) for r in rows) + 2
    figures = max(len(r[1]) for r in rows) + 2
    for label, figure, target, met in rows:
        verdict = "" if met is None else ("met" if met else "NOT met")
        lines.append(f"  {label:<{width}}{figure:<{figures}}{target:<10}{verdict}".rstrip())
    if "against" in result:
        lines.append("  (no slower: within 2%, the spread of one step pair's ratio on this "
                     "machine)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of blocks (default 5)")
    parser.add_argument("--block", type=int, default=4, help="timed steps per block (default 4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chain", type=int, default=3, metavar="RUNS",
                        help="fresh-process runs of the 1,000,000-op chain (default 3; 0 skips)")
    parser.add_argument("--against", metavar="COMMIT",
                        help="also time the nn and op-by-op steps against this package as it "
                             "was at COMMIT (git archive), interleaved in this process")
    parser.add_argument("--json", action="store_true", help="print full-precision JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.block < 1:
        parser.error("--rounds and --block must be at least 1")
    result = run(args.rounds, args.block, args.seed)
    if args.chain:
        runs = [chain(1_000_000) for _ in range(args.chain)]
        off = [chain(1_000_000, collector=False)[0] for _ in range(args.chain)]
        bare = [floor(1_000_000) for _ in range(args.chain)]
        memory = [chain(100_000, memory=True, times="1.5", plus="0.25")
                  for _ in range(args.chain)]
        result["chain"] = {"seconds": spread([r[0] for r in runs]),
                           "forward_seconds": spread([r[3] for r in runs]),
                           "seconds_gc_off": spread(off), "floor_seconds": spread(bare),
                           "held_bytes_per_node": spread([m[2] for m in memory]),
                           "peak_bytes_per_node": spread([m[1] for m in memory]),
                           "memory_n": 100_000}
    if args.against:
        result["against"] = against(args.against, args.rounds, args.seed)
    print(json.dumps(result, indent=2) if args.json else report(result))


if __name__ == "__main__":
    main()
