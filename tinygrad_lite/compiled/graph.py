"""A compiled graph: the recording (capture.py), scheduled (schedule.py) and, when it pays,
written as code (codegen.py), run again and again; see tinygrad_lite.compiled.

    CompiledGraph.run(feed)    recompute every value (returns the output's)
    CompiledGraph.backward()   recompute every gradient; leaves' .grad accumulate
    compile(output, inputs=None, params=None, mode="auto") -> CompiledGraph
"""

import time

from ..engine import Value, _to_float
from .capture import GraphError, Placeholder, Recording
from .codegen import generate
from .schedule import EAGER_CODE, code_cost, plan

__all__ = ["CompiledGraph", "compile"]


class CompiledGraph:
    """A recorded graph that reruns forward and backward without building Values."""

    def __init__(self, output, inputs=None, params=None, mode="auto"):
        if mode not in ("auto", "code", "interpret"):
            raise ValueError(f"compile: mode must be 'auto', 'code' or 'interpret', got {mode!r}")
        rec = self._recording = Recording(output, inputs, params)
        self.names, self.leaves, self.inputs = rec.names, rec.leaves, rec.inputs
        self.unused_inputs, self.output_index, self.size = rec.unused_inputs, \
            rec.output_index, rec.size
        # "auto": generate code at once if that is quick (a small graph, or one made of a few
        # repeated subgraphs); otherwise start interpreted and turn to code once the runs have
        # taken as long as generating code would (so no workload pays more than about twice
        # what the better mode would have cost)
        self._spent, self._budget, forward_cut = 0.0, None, None
        if mode == "auto":
            cost, forward_cut = code_cost(rec)
            mode = "code" if cost <= EAGER_CODE else "interpret"
            if mode == "interpret":
                self._budget = cost
                rec.kinds = None                  # (worked out again if it switches)
        self.mode = mode
        if mode == "code":
            self._use(generate(rec, forward_cut))
        else:
            self._forward, self._backward = plan(rec)
            self.source_lines = 0
        self.values = rec.values
        self.grads = [0.0] * rec.size
        # gradients start at -0.0, the additive identity, as engine.backward starts them:
        # -0.0 + share is the share to the bit, so the first share is kept as it is
        self._zeros = [-0.0] * rec.size
        self.ran = False

    def _use(self, code):
        self._forward, self._backward, self.source_lines = code.forward, code.backward, \
            code.source_lines

    # ---- running ---------------------------------------------------------------------------

    def _check_fresh(self):
        module, snapshot = self._recording.module, self._recording.params_snapshot
        if module is not None:
            current = module.parameters()
            if len(current) != len(snapshot) or any(a is not b for a, b in zip(current, snapshot)):
                raise GraphError("compiled graph is stale: the model's parameters were replaced "
                                 "since compile(); compile the graph again")

    def _load_feed(self, feed):
        values = self.values
        if feed is None:
            feed = {}
        if isinstance(feed, dict):
            by_name = {}
            for key, value in feed.items():
                name = key.name if isinstance(key, Placeholder) else key
                if not isinstance(name, str):
                    raise GraphError(f"feed: keys are placeholder names or Placeholders, got "
                                     f"{key!r}")
                by_name[name] = value
            unknown = sorted(set(by_name) - {p.name for p in self.inputs})
            if unknown:
                raise GraphError(f"feed: {unknown[0]!r} is not a placeholder of this graph; "
                                 f"they are {', '.join(p.name for p in self.inputs) or 'none'}")
            items = []
            for p in self.inputs:
                if p.name not in by_name:
                    raise GraphError(f"feed: no value for placeholder {p.name!r}")
                items.append(by_name[p.name])
        else:
            items = list(feed)
            if len(items) != len(self.inputs):
                raise GraphError(f"feed: {len(items)} values for {len(self.inputs)} placeholders "
                                 f"({', '.join(p.name for p in self.inputs)})")
        numbers = []
        for p, value in zip(self.inputs, items):
            try:
                numbers.append(_to_float(value, f"feed[{p.name!r}]"))
            except TypeError as error:
                raise GraphError(str(error)) from None
        previous = [p.data for p in self.inputs]
        for p, slot, number in zip(self.inputs, self._recording.input_slots, numbers):
            p.data = number
            if slot is not None:
                values[slot] = number
        return previous

    def run(self, feed=None):
        """Recompute every value for the fed placeholders and the leaves' current data;
        returns the output's value.  ``feed``: {name or Placeholder: number}, or a list in the
        order of ``inputs``."""
        self._check_fresh()
        previous = self._load_feed(feed)
        self.ran = False           # until this run succeeds, backward() has nothing to use
        values = self.values
        for i, leaf in self.leaves:
            values[i] = leaf.data
        start = time.perf_counter()
        try:
            for piece in self._forward:
                piece(values, None)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            for p, data in zip(self.inputs, previous):
                p.data = data      # placeholders keep the last successful feed
            raise type(error)(self._locate(error)) from None
        self.ran = True
        output = values[self.output_index]
        self._count(time.perf_counter() - start)
        return output

    def _count(self, seconds):
        """In "auto" mode: once the interpreted runs have cost what generating code costs,
        generate it (the same bits either way, so the switch is invisible but for speed)."""
        if self._budget is not None:
            self._spent += seconds
            if self._spent >= self._budget:
                self._budget = None
                self._use(generate(self._recording))
                self.mode = "code"

    def _locate(self, error):
        """Which node failed (found by replaying the forward one node at a time)."""
        values = self.values
        names = {i: name for name, i in self.names.items()}
        rec = self._recording
        for i, (op, args) in enumerate(zip(rec.ops, rec.operands)):
            if not args:
                continue
            datas = [values[j] for j in args]
            try:
                values[i] = op.forward(tuple(datas)) if i in rec.nary else op.forward(*datas)
            except (ValueError, ZeroDivisionError, OverflowError):
                label = f" ({names[i]!r})" if i in names else ""
                return f"compiled graph, node {i}{label}, op {op.name}: {error}"
        return f"compiled graph: {error}"

    def backward(self, gradient=1.0):
        """Recompute every gradient of the output at the last run.  Leaves' ``.grad``
        accumulate, exactly as engine.backward() does; every node's gradient is in
        ``.grads`` (and ``grad(name)``)."""
        if not self.ran:
            raise GraphError("backward(): no successful run to differentiate; call run(feed) "
                             "first (after a failed run, run it again with a feed that works)")
        grads = self.grads
        grads[:] = self._zeros
        # a leaf whose .grad is None (no gradient yet, as torch has it) starts from -0.0,
        # IEEE's additive identity: its shares then sum exactly as engine.backward() sums them
        for i, leaf in self.leaves:
            grads[i] = -0.0 if leaf.grad is None else leaf.grad
        for p, slot in zip(self.inputs, self._recording.input_slots):
            if slot is not None:
                grads[slot] = -0.0 if p.grad is None else p.grad
        seed = _to_float(gradient, "backward(gradient)")
        out = self.output_index
        if self._recording.output_is_leaf:
            grads[out] += seed
        else:
            grads[out] = seed
        start = time.perf_counter()
        for piece in self._backward:
            piece(self.values, grads)
        self._count(time.perf_counter() - start)
        for i, leaf in self.leaves:
            leaf.grad = grads[i]
        for p, slot in zip(self.inputs, self._recording.input_slots):
            if slot is not None:
                p.grad = grads[slot]

    def _slot(self, x):
        if isinstance(x, Value):
            if id(x) not in self._recording.ids:
                raise GraphError("that Value is not a leaf or a named node of this graph")
            return self._recording.ids[id(x)]
        if x not in self.names:
            raise GraphError(f"no node named {x!r} in this graph")
        return self.names[x]

    def value(self, x):
        """The value at the last run of a node (a Value of the graph, or its name)."""
        return self.values[self._slot(x)]

    def grad(self, x):
        """The gradient at the last backward of a node (a Value of the graph, or its name)."""
        return self.grads[self._slot(x)]

    def __len__(self):
        return self.size

    def __repr__(self):
        return (f"CompiledGraph({self.size:,} nodes, inputs "
                f"{[p.name for p in self.inputs]}, {len(self.leaves)} other leaves)")


def compile(output, inputs=None, params=None, mode="auto"):   # noqa: A001 (as torch.compile)
    """Record ``output``'s graph once for rerunning (see the module docstring).

    ``inputs``: the placeholders fed at each run (default: every placeholder in the graph).
    ``params``: a Module (then each run checks that its parameters were not replaced) or a
    list of Values that must be in the graph; every leaf is read afresh at each run anyway.
    ``mode``: "code" generates straight-line code (fastest per node; slow to build, ~20 µs a
    node written, but a repeated subgraph is written once), "interpret" walks a plan of the
    nodes (built in a blink, slower per node), "auto" generates code at once when that takes
    up to EAGER_CODE seconds and otherwise interprets until the runs have cost what
    generating code would, then generates it (``.mode`` says which is in use).  All give the
    same bits.

    >>> from tinygrad_lite import Value
    >>> from tinygrad_lite.compiled import placeholder, compile
    >>> x, w = placeholder("x"), Value(3.0, name="w")
    >>> graph = compile((w * x).tanh() + w, inputs=[x])
    >>> graph.run({"x": 0.5}) == ((w * 0.5).tanh() + w).data
    True
    >>> graph.backward()
    >>> import math; abs(w.grad - (0.5 * (1 - math.tanh(1.5) ** 2) + 1)) < 1e-15
    True
    """
    return CompiledGraph(output, inputs, params, mode)
