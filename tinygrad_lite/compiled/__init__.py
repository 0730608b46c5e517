"""Placeholders and compiled graphs: build the graph once, feed it many times, near float speed.

The pieces, each readable in one sitting: capture.py (number the graph once: ops, operands,
backward's order, names, leaves, placeholders), schedule.py (the pieces a run is cut into, what
code would cost, the interpreted form), codegen.py (the code, derived from the ops' own rules),
graph.py (CompiledGraph: choose a mode, run, backward, read values and gradients).


    placeholder(name, value=0.0)             a named input whose value is fed at each run
    compile(output, inputs=None, params=None) -> CompiledGraph
    CompiledGraph.run(feed)                  recompute every value (returns the output's)
    CompiledGraph.backward()                 recompute every gradient; leaves' .grad accumulate
    CompiledGraph.value(x), .grad(x)         any node's value or gradient, by name or node
    GraphError                               a feed or a graph that does not fit, and why

Like a trace, a compiled graph records the one path through Python control flow that the
example run took: an ``if v.data > 0`` taken while building it is taken at every run (ops with
kinks, like relu, still follow their inputs: it is Python ``if``\\s that are frozen, and random
draws such as dropout masks).  Parameters and other leaves are read from their Values at every
run, so an optimizer's updates are seen; placeholders are read from the feed.

How it is fast: the recorded graph is turned into straight-line Python code, one line per node
forward (``v[12] = (v[3] * v[7])``) and one per operand backward, so a run creates no Value
and dispatches no op.  The code is *derived from the ops' own rules*: each forward and each
local-derivative rule is run once per op on code-building stand-ins, which write out the same
arithmetic the rule does on floats; a rule that branches on a comparison (relu's ``x > 0``) is
run once per way through it and becomes a conditional expression; a rule that must look at a
number otherwise (a domain check) is called as a function at run time instead.  Values and
gradients of unnamed inner nodes that no later piece reads live in local variables.  A
subgraph repeated many times (the network applied to each data point of a batch) is written
once, as the body of a loop over its copies, so compiling costs one copy, not all.  So
results equal the dynamic engine's to the last bit: the same operations in the same order,
gradients accumulated in the order ``backward()`` would use.  The generated source contains only generated identifiers and
numbers — never a name or any other text a user typed.
"""

from .capture import GraphError, Placeholder, placeholder
from .graph import CompiledGraph, compile

__all__ = ["placeholder", "Placeholder", "compile", "CompiledGraph", "GraphError"]
