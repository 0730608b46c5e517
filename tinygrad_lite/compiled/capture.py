"""Capturing a graph: number its nodes once, find its placeholders, leaves and names, and
work out the order backward() processes it in; the rest of compiled/ works on these lists.

    placeholder(name, value=0.0)   a named input whose value is fed at each run
    Placeholder, GraphError
    Recording(output, inputs, params)   the numbered graph: ops, operands, order, names, leaves
"""

from ..engine import Value, _Alias, _NamedOp, _NARY, backward_positions, nodes_are_keys, \
    numbered

__all__ = ["placeholder", "Placeholder", "GraphError", "Recording"]


class GraphError(ValueError):
    """A feed that does not fit the compiled graph, or a graph that went stale."""


class Placeholder(Value):
    """A named input whose value is supplied at each run of a compiled graph (a feed).
    Everywhere else it is an ordinary leaf Value holding its last value."""

    __slots__ = ()

    def __repr__(self):
        return f"Placeholder({self.name!r}, data={self.data!r})"


def placeholder(name, value=0.0):
    """A Placeholder called ``name`` (a str), starting at ``value``."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"placeholder(name): a non-empty str, got {name!r}")
    return Placeholder(value, name=name)


class Recording:
    """``output``'s graph numbered once (operands before the nodes that use them): each node's
    op and operand numbers, the order engine.backward processes them in (the same counts and
    stack, so gradients accumulate in the same order, bit for bit), the names, the leaves read
    at every run and the placeholders fed."""

    def __init__(self, output, inputs=None, params=None):
        if not isinstance(output, Value):
            raise TypeError(f"compile: output must be a Value, got {type(output).__name__}")
        nodes, operands_of, number_of, post_order = leaves_first(output)
        self.output_index = number_of(output)
        # one pass over the nodes: names, placeholders, other leaves, ops, n-ary nodes
        self.names, self.ids, self.named, self.nary = {}, {}, set(), set()
        self.ops, found, self.leaves, twice = [], [], [], set()
        # (the fields read directly, as Value.name and Value.op read them: a tenth of the time)
        for i, node in enumerate(nodes):
            op = node._op
            if node._a is None:          # a leaf: its name is in _b
                name = node._b
                self.ids[id(node)] = i
                if isinstance(node, Placeholder):
                    found.append(node)
                else:
                    self.leaves.append((i, node))
            else:
                name = None
                if node._b is _NARY:
                    self.nary.add(i)
                if isinstance(op, _Alias):
                    if type(op) is _NamedOp:
                        name = op.node_name
                    op = op.base
            if name is not None:
                if name in self.names:
                    twice.add(name)
                else:
                    self.names[name] = i
                self.named.add(i)
                self.ids[id(node)] = i
            self.ops.append(op)
        # a name on several nodes stands for the first in engine.numbered's order, as ever
        for node in post_order if twice else ():
            name = node.name
            if name in twice:
                self.names[name] = number_of(node)
                twice.discard(name)
                if not twice:
                    break
        self.inputs, self.unused_inputs, self.input_slots = _inputs(inputs, found, number_of)
        self.module = params if hasattr(params, "parameters") else None
        self.params_snapshot = list(params.parameters()) if self.module is not None else None
        if params is not None and self.module is None:
            stray = [p for p in list(params) if number_of(p) is None]
            if stray:
                raise GraphError(f"compile: parameter {stray[0]!r} is not in the graph")
        self.operands = operands_of
        self.order = backward_positions(self.output_index, operands_of, self.nary)
        self.values = [node.data for node in nodes]      # the leaves' data is read at each run
        self.size = len(nodes)
        self.output_is_leaf = not operands_of[self.output_index]


def leaves_first(root):
    """engine.numbered(root) with the leaves numbered first: (nodes, operands_of, number_of,
    post_order), the leaves in the order they are first met, then the interior nodes in
    engine.numbered's order (operands before results; backward() processes them in the same
    order either way); number_of(v) the number of a Value v in the graph, or None; and
    post_order the nodes in engine.numbered's order.  The interior nodes are
    then numbered without gaps, so the copies of a subgraph built in a loop lie at one shift
    from each other, the first copy too (where a network's shared weights are first met): all
    of them can be written as one loop (tinygrad_lite.rolling)."""
    if not nodes_are_keys():             # a Value class has its own == or hash(): by id()
        return _leaves_moved_first(*numbered(root))
    # The nodes themselves are the keys (hashed by identity, twice as fast as id()).
    # state[node]: False once its operands are pushed, True once it is in ``order``.  A node
    # whose operands are pushed but not done is below the top of the stack, so it is never an
    # operand of the node on top (that would be a cycle): "not in state" is "not done".
    order, state, stack = [], {}, [root]
    push, pop, finish = stack.append, stack.pop, order.append
    while True:                          # the iterative depth-first walk of engine.numbered
        if not stack:                    # (while True: specialised within the first call)
            break
        node = stack[-1]
        done = state.get(node)
        if done is not None:
            pop()
            if not done:                 # its operands are done: it is, now
                state[node] = True
                finish(node)
            continue
        a = node._a
        if a is None:                    # a leaf
            pop()
            state[node] = True
            finish(node)
            continue
        state[node] = False
        b = node._b
        if b is _NARY:
            for child in reversed(a):
                if child not in state:
                    push(child)
        else:
            if b is not None and b not in state:
                push(b)
            if a not in state:
                push(a)
    nodes = [node for node in order if node._a is None]
    operands_of = [()] * len(nodes)
    nodes += [node for node in order if node._a is not None]
    index = {node: i for i, node in enumerate(nodes)}
    for node in nodes[len(operands_of):]:
        a, b = node._a, node._b
        if b is None:
            operands_of.append((index[a],))
        elif b is _NARY:
            operands_of.append(tuple([index[child] for child in a]))
        else:
            operands_of.append((index[a], index[b]))
    return nodes, operands_of, lambda v: index.get(v) if isinstance(v, Value) else None, order


def _leaves_moved_first(nodes, operands_of, index):
    """numbered()'s numbering with the leaves moved to the front, keyed by id()."""
    leaves = [i for i, operands in enumerate(operands_of) if not operands]
    moved = leaves + [i for i, operands in enumerate(operands_of) if operands]
    new = [0] * len(nodes)
    for k, i in enumerate(moved):
        new[i] = k
    return [nodes[i] for i in moved], \
        [tuple([new[j] for j in operands_of[i]]) for i in moved], \
        lambda v: None if index.get(id(v)) is None else new[index[id(v)]], nodes


def _inputs(inputs, found, number_of):
    """(the placeholders fed, the names of those the graph does not use, their slots)."""
    inputs = list(found if inputs is None else inputs)
    for k, p in enumerate(inputs):
        if not isinstance(p, Placeholder):
            raise TypeError(f"compile: inputs[{k}] is {type(p).__name__}, not a Placeholder "
                            "(make inputs with placeholder(name))")
    seen_names, duplicates = set(), []
    for p in inputs:
        if p.name in seen_names:
            duplicates.append(p.name)
        seen_names.add(p.name)
    if duplicates:
        raise GraphError(f"compile: two placeholders share the name {duplicates[0]!r}")
    given = {id(p) for p in inputs}
    missing = [p.name for p in found if id(p) not in given]
    if missing:
        raise GraphError(f"compile: the graph uses placeholder {missing[0]!r}, which is not "
                         "among the inputs")
    slots = [number_of(p) for p in inputs]
    return inputs, [p.name for p, slot in zip(inputs, slots) if slot is None], slots
