"""Loop rolling: the copies of a subgraph repeated many times, in a graph numbered as lists.

A graph built by a loop (a network applied to each of 100 data points) is the same subgraph
many times over.  Its code is written once, as the body of a Python loop over the copies
("loop rolling"): compiling it costs one copy, not a hundred.  A copy is a run of L nodes,
in the order the code runs them, with the same ops and the same layout as the first, shifted
by a constant in the node numbering; each operand reference is then either shifted with it
(inside the copy, or the copy before: "relative"), the same node in every copy (a shared
weight: "absolute"), or a node that varies otherwise (a shared constant ±1 picked by the
label: read from the copy's own tuple).  The operations and their order are unchanged.

    kinds(ops, operands_of)                   each node's kind (its op and its near operands)
                                              and shape (its op and number of operands)
    repeats(seq, kind, longest, shape=None)   the repeated runs of a sequence of nodes
    classes(seq, region, operands_of)         how each copy's operands relate to the first's

Both work on integers only (engine.numbered), so they are linear in the graph and know
nothing of code; tinygrad_lite.compiled writes the loops.
"""

from array import array
from operator import sub

__all__ = ["kinds", "repeats", "classes", "REL", "ABS", "VAR"]

WINDOW = 24        # nodes whose kinds, hashed together, propose where a copy starts again
TRIES = 8          # proposals tried at each place
NEAR = 64          # an inner operand this close is told apart by its distance in the signature
WORK = 32          # slice elements compared per node of the graph, at most
REL, ABS, VAR = 0, 1, 2


def kinds(ops, operands_of):
    """Per node (ops[i] its op, operands_of[i] its operands' numbers) two small integers, as
    two lists (kind, shape).  The kind is the same for nodes with the same op whose inner
    operands are as far back (when near; leaves all alike): two copies of a subgraph have the
    same kinds in the same order.  (Kinds only propose where a copy starts again, so of a node
    with many operands, a dot product's, the first, the middle and the last stand for all.)
    The shape is the same for nodes with the same op and number of operands: what copies must
    have in common to be written as one loop (classes() tells how each operand relates to the
    first copy's, whatever it is)."""
    seen, kind, shape_of, shapes = {}, [], [], {}
    for i, args in enumerate(operands_of):
        if len(args) == 2:          # (written out for two operands: twice as fast)
            a, b = args
            key = (ops[i], 2, (i - a if i - a < NEAR else -1) if operands_of[a] else None,
                   (i - b if i - b < NEAR else -1) if operands_of[b] else None)
        else:
            n = len(args)
            key = (ops[i], n, *[(i - j if i - j < NEAR else -1) if operands_of[j] else None
                                for j in (args if n <= 3 else (args[0], args[n // 2], args[-1]))])
        k = seen.get(key)           # (the key holds the operand count: a kind has one shape)
        if k is None:               # a new kind: its shape, once
            k = seen[key] = len(seen)
            shape_of.append(shapes.setdefault((ops[i], len(args)), len(shapes)))
        kind.append(k)
    return kind, [shape_of[k] for k in kind]


def repeats(seq, kind, longest, shape=None):
    """The repeated runs in ``seq`` (node numbers in the order the code runs them; kind and
    shape from kinds(), the shape the kind itself if not given): a list of (start, length,
    copies) with copies >= 2 and length <= ``longest``, not overlapping, in order.  The
    kinds propose where a copy starts again; copies must match in shape and layout (so the
    first copy of a sum over copies, which adds a constant where the rest add the sum so far,
    is one of them).  Linear time: the copies are compared as list slices (in C), at most
    TRIES proposals per place, and all the comparing together is capped at WORK elements per
    node (beyond it the rest stays plain)."""
    n = len(seq)
    packed = array("q", [kind[i] for i in seq]).tobytes()  # hashing bytes slices: the fastest
    shape = kind if shape is None else shape
    signature = [shape[i] for i in seq]
    step = list(map(sub, seq[1:], seq))
    window = [hash(packed[p:p + 8 * WINDOW]) for p in range(0, 8 * max(n - WINDOW + 1, 0), 8)]
    later, last = [None] * len(window), {}
    for p in range(len(window) - 1, -1, -1):
        h = window[p]
        later[p] = last.get(h)
        last[h] = p
    # dead[length]: the last start known to fail at that distance.  A comparison from p that
    # fails at p + t fails from every start up to p + t too (each would compare that node),
    # so a first copy unlike the rest (where shared leaves are first met) costs one
    # comparison per difference, not one per node.
    regions, p, budget, dead = [], 0, WORK * n + 4096, {}
    while p < len(window) and budget > 0:
        best, q, tries = None, later[p], 0
        while q is not None and tries < TRIES:
            tries += 1
            length, copies = q - p, 1
            while budget > 0 and length <= longest and p + (copies + 1) * length <= n and \
                    dead.get(length, -1) < p:
                budget -= length
                t = difference(signature, step, p, p + copies * length, length)
                if t is not None:
                    if copies == 1:
                        dead[length] = p + t
                    break
                copies += 1
            if copies >= 2 and (best is None or copies * length > best[1] * best[2]):
                best = (p, length, copies)
            q = later[q]
        if best is not None:
            regions.append(best)
            p += best[1] * best[2]
        else:
            p += 1
    return regions


def difference(signature, step, p, a, length):
    """None if the runs of ``length`` nodes at p and at a have the same kinds and layout,
    else the offset of their first difference."""
    if signature[p:p + length] == signature[a:a + length] and \
            step[p:p + length - 1] == step[a:a + length - 1]:
        return None
    for t in range(length):
        if signature[p + t] != signature[a + t] or (t < length - 1 and step[p + t] != step[a + t]):
            return t
    return length - 1


def classes(seq, region, operands_of):
    """For a repeated run: per node of the first copy and operand the reference's class (REL,
    ABS or VAR) and, for VAR, its column; each copy's shift; and the VAR columns (each
    copy's node numbers for that operand; one column for the same numbers read twice, a
    copy's own input read by every neuron)."""
    start, length, copies = region
    end = start + length * copies
    shifts = [i - seq[start] for i in seq[start:end:length]]
    classes, varying, column_of = [], [], {}
    for t in range(length):
        same = seq[start + t:end:length]               # this node in every copy
        row = []
        # per operand position, the operand in every copy
        for taken in zip(*map(operands_of.__getitem__, same)):
            j0 = taken[0]
            if taken.count(j0) == copies:           # (tested first: a shared weight, most often)
                row.append((ABS, None))
            elif list(map(sub, taken, shifts)).count(j0) == copies:
                row.append((REL, None))
            else:
                m = column_of.get(taken)
                if m is None:
                    m = column_of[taken] = len(varying)
                    varying.append(taken)
                row.append((VAR, m))
        classes.append(row)
    return classes, shifts, varying
