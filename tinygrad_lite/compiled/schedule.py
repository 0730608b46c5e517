"""Scheduling a recorded graph: the pieces its forward and backward run in, what writing them
as code would cost, and the interpreted form that needs no code at all.

    segments(seq, kinds)    ("plain", nodes) of at most CHUNK nodes and ("rolled", …) for each
                            subgraph repeated often enough to be written once as a loop
    kinds(recording)        each node's kind and shape for finding repeated subgraphs (rolling)
    code_cost(recording)    about how long generating code would take, and the forward's cut
    plan(recording)         the interpreted forward and backward: per node its rule and operands
"""

from operator import itemgetter

from ..engine import ADD, MUL
from .. import rolling

__all__ = ["segments", "kinds", "code_cost", "plan", "CHUNK", "MIN_ROLLED", "CODE_COST",
           "EAGER_CODE"]

CHUNK = 2000   # nodes per generated function: keeps each code object small
CODE_COST = 25e-6    # seconds a node written out costs to generate and compile (about 20 µs
                     # with nothing repeated, on the project's machine, 2026-12)
EAGER_CODE = 0.1     # seconds of generating code that "auto" spends at once
MIN_ROLLED = 64    # nodes a repeated run must cover to be written as a loop


def segments(seq, kinds):
    """``seq`` cut into the pieces of code that run it: ("plain", nodes) of at most CHUNK
    nodes, and ("rolled", (start, length, copies)) for each repeated run; and, per node
    number, the piece it belongs to (each copy of a run is a piece of its own; -1: none).
    ``kinds``: the nodes' kinds and shapes (kinds(recording))."""
    kind, shape = kinds
    segments, piece_of, pieces, p = [], [-1] * len(kind), 0, 0
    regions = [r for r in rolling.repeats(seq, kind, CHUNK, shape)
               if r[1] * r[2] >= MIN_ROLLED]
    for start, length, copies in regions + [(len(seq), 0, 0)]:
        for chunk in range(p, start, CHUNK):
            nodes = seq[chunk:min(chunk + CHUNK, start)]
            for i in nodes:
                piece_of[i] = pieces
            pieces += 1
            segments.append(("plain", nodes))
        for k in range(copies):
            for i in seq[start + k * length:start + (k + 1) * length]:
                piece_of[i] = pieces
            pieces += 1
        if copies:
            segments.append(["rolled", (start, length, copies)])
        p = start + length * copies
    if not segments:
        segments.append(("plain", []))
    return segments, piece_of



def kinds(recording):
    """Each node's kind and shape for finding repeated subgraphs (rolling.kinds), worked
    out once."""
    if getattr(recording, "kinds", None) is None:
        recording.kinds = rolling.kinds(recording.ops, recording.operands)
    return recording.kinds


def code_cost(recording):
    """The seconds generating code would take, about: CODE_COST per node written out, where a
    repeated subgraph is written once (counted on the forward; the backward repeats alike);
    and the forward's cut into segments, for the code generator to reuse."""
    computed = [i for i, args in enumerate(recording.operands) if args]
    cut = segments(computed, kinds(recording))
    written = sum(len(s[1]) if s[0] == "plain" else s[1][1] for s in cut[0])
    return written * CODE_COST, cut


def _gather(args):
    """A function v -> (v[args[0]], v[args[1]], …), a tuple even for one index."""
    if len(args) == 1:
        (a,) = args
        return lambda v: (v[a],)
    return itemgetter(*args)


class _Interpreted:
    """A plan and the loop that runs it, called like a generated piece: piece(v, g)."""

    __slots__ = ("plan", "loop")

    def __init__(self, plan, loop):
        self.plan, self.loop = plan, loop

    def __call__(self, v, g):
        self.loop(self.plan, v, g)


ADD_KIND, MUL_KIND = 4, 5     # + and *, most of every graph: written out in the loops below


def _run_forward(plan, v, g):
    for kind, i, forward, a, b, get in plan:
        if kind == ADD_KIND:
            v[i] = v[a] + v[b]
        elif kind == MUL_KIND:
            v[i] = v[a] * v[b]
        elif kind == 2:
            v[i] = forward(v[a], v[b])
        elif kind == 1:
            v[i] = forward(v[a])
        else:
            v[i] = forward(get(v))


def _run_backward(plan, v, g):
    """As engine._propagate: local derivatives times the node's gradient, added operand by
    operand in operand order (+ and * written out, as the engine writes them: the same bits)."""
    for kind, i, local, a, b, get, args in plan:
        gi = g[i]
        if kind == ADD_KIND:
            g[a] = g[a] + gi
            g[b] = g[b] + gi
        elif kind == MUL_KIND:
            g[a] = g[a] + v[b] * gi
            g[b] = g[b] + v[a] * gi
        elif kind == 2:
            da, db = local(v[a], v[b], v[i])
            g[a] = g[a] + da * gi
            g[b] = g[b] + db * gi
        elif kind == 1:
            g[a] = g[a] + local(v[a], v[i]) * gi
        else:
            for j, d in zip(args, local(get(v), v[i])):
                g[j] = g[j] + d * gi


def plan(recording):
    """The interpreted form: per node its forward (or local rule) and operand indices.  The
    same operations in the same order as the generated code, without generating any: fast to
    build, a little slower per node, as fast per operand.  Returns (forward, backward) pieces,
    each called as piece(v, g)."""
    ops, operands_of, nary = recording.ops, recording.operands, recording.nary

    def kind(i):
        if i in nary:
            return 3
        return {ADD: ADD_KIND, MUL: MUL_KIND}.get(ops[i], len(operands_of[i]))
    forward, backward = [], []
    for i, op in enumerate(ops):
        args = operands_of[i]
        if args:
            forward.append((kind(i), i, op.forward, args[0], args[-1], _gather(args)))
    for i in recording.order:
        args = operands_of[i]
        backward.append((kind(i), i, ops[i].local, args[0], args[-1], _gather(args), args))
    return [_Interpreted(forward, _run_forward)], [_Interpreted(backward, _run_backward)]
