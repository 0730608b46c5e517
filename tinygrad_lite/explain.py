"""Explain a gradient: the chain rule made visible, as a sum over paths of named nodes.

    explain(output, wrt)      -> Explanation
    local_derivatives(output) the named graph: every ∂v/∂u between named nodes, as formulas
    Explanation               the paths, their factors and products, the total, the formula

∂output/∂wrt is the sum, over every path wrt → … → output through the *named* Values, of
the product of the local derivatives along the path.  Unnamed intermediate nodes (the
temporary sums and products inside p11 = θ11·X11 + θ12·X21 + θ13·X31 + b1) are folded into
the local derivative between the named nodes around them: each local derivative is computed
by running the engine's own local-derivative rules on symbols (tinygrad_lite.symbolic), so it
comes out as a formula in the named quantities, e.g. ∂q11/∂p11 = δ11, ∂L/∂q11 = -(y1 - q11).

Works on any graph of named Values; unnamed leaves are constants and print as numbers.
"""

from .autograd import grad, _reverse_topological
from .engine import ADD, SUB, MUL, DIV, POW, NEG, LINEAR, Value
from .symbolic import Sym

__all__ = ["explain", "local_derivatives", "Explanation", "Path"]

_BINARY = {ADD: lambda a, b: a + b, SUB: lambda a, b: a - b, MUL: lambda a, b: a * b,
           DIV: lambda a, b: a / b, POW: lambda a, b: a ** b}


def _symbolic_forward(node, args):
    """The node's value as an expression in its operands' expressions."""
    op = node.op
    if op in _BINARY:
        return _BINARY[op](*args)
    if op is LINEAR:
        return op.forward(tuple(args))
    if op is NEG:
        return -args[0]
    if op.name.startswith("**"):
        return args[0] ** op.param
    return Sym.function(op.name, args, node.data)


def _local(op, args, out):
    """The op's local derivative rule run on symbols: a tuple, one entry per operand."""
    return op.derivatives(args, out)


def _label(node, fallback):
    return node.name if node.name is not None else fallback


def local_derivatives(output, keep=()):
    """The named graph of ``output``: {id(v): (v, {id(u): (u, Sym ∂v/∂u)})} for each named
    interior node v (and ``output``), where u ranges over the named nodes and leaves that v
    is computed from directly, through unnamed intermediates only.  Nodes in ``keep`` count
    as named even without a name."""
    named = {id(output)} | {id(k) for k in keep}
    labels = {id(k): _label(k, "x") for k in keep}
    labels[id(output)] = _label(output, "output")
    order = _reverse_topological(output)
    for node in order:
        if node.name is not None:
            named.add(id(node))
            labels.setdefault(id(node), node.name)

    def atom_of(node):
        if id(node) in named:
            return Sym.atom(labels[id(node)], node.data)
        return Sym.number(node.data)   # an unnamed leaf: a constant

    graph = {}
    for v in order:
        if id(v) not in named or v.is_leaf:
            continue
        # the unnamed region that computes v from named nodes and leaves
        region, stack, seen = [], [v], {id(v)}
        while stack:
            node = stack.pop()
            region.append(node)
            for child in node.operands:
                if id(child) not in seen and id(child) not in named and not child.is_leaf:
                    seen.add(id(child))
                    stack.append(child)
        region_ids = {id(node) for node in region}
        region = [node for node in order if id(node) in region_ids]   # consumers first
        # forward: each region node's expression (v itself appears as its own name)
        expression = {}
        for node in reversed(region):
            args = [expression[id(c)] if id(c) in expression else atom_of(c)
                    for c in node.operands]
            expression[id(node)] = _symbolic_forward(node, args)
        expression[id(v)] = atom_of(v)
        # backward through the region, on symbols
        upstream = {id(v): Sym.number(1.0)}
        edges = {}
        for node in region:
            g = upstream.pop(id(node), None)
            if g is None:
                continue
            args = [expression[id(c)] if id(c) in expression else atom_of(c)
                    for c in node.operands]
            for child, d in zip(node.operands, _local(node.op, args, expression[id(node)])):
                contribution = g * d          # outside-in, as the chain rule reads
                if id(child) in region_ids:
                    upstream[id(child)] = upstream[id(child)] + contribution \
                        if id(child) in upstream else contribution
                elif id(child) in named:       # unnamed leaves are constants: no edge
                    key = id(child)
                    previous = edges[key][1] if key in edges else None
                    edges[key] = (child, contribution if previous is None
                                  else previous + contribution)
        graph[id(v)] = (v, edges)
    return graph, labels


class Path:
    """One path wrt → … → output: the node labels, each step's (formula, value), the product."""

    def __init__(self, labels, factors):
        self.labels = labels        # [wrt, ..., output]
        self.factors = factors      # [(∂next/∂this as Sym), ...] from wrt upward

    @property
    def product(self):
        value = 1.0
        for f in self.factors:
            value *= f.data
        return value

    def formula(self):
        """The product as one expression, written outside-in as the chain rule reads."""
        return Sym.multiply(*reversed(self.factors))


class Explanation:
    """∂output/∂wrt as a sum over paths; ``str()`` prints it step by step."""

    def __init__(self, output_label, wrt_label, paths, path_count, total, gradient, formula):
        self.output_label, self.wrt_label = output_label, wrt_label
        self.paths = paths              # the first max_paths paths
        self.path_count = path_count    # how many paths there are in all
        self.total = total              # Σ over all paths of the products
        self.gradient = gradient        # the same derivative by reverse mode (autograd.grad)
        self.formula = formula          # the correct formula as a Sym (None if too many paths)

    @property
    def agrees(self):
        scale = max(1.0, abs(self.gradient))
        return abs(self.total - self.gradient) <= 1e-9 * scale

    def __str__(self):
        top, wrt = self.output_label, self.wrt_label
        lines = [f"∂{top}/∂{wrt} = sum over {self.path_count} path"
                 f"{'' if self.path_count == 1 else 's'} from {wrt} to {top} of the product "
                 "of the local derivatives along each"]
        for number, path in enumerate(self.paths, 1):
            lines.append(f"  path {number}: {' → '.join(path.labels)}")
            steps = [(f"∂{path.labels[i + 1]}/∂{path.labels[i]}", str(f), f.data)
                     for i, f in enumerate(path.factors)]
            width = max([len(s[0]) + len(s[1]) for s in steps] + [10])
            for name, text, value in steps:
                lines.append(f"      {name} = {text:<{width - len(name)}} = {value:.6g}")
            lines.append(f"      {'product':<{width + 3}} = {path.product:.6g}")
        if len(self.paths) < self.path_count:
            lines.append(f"  ... and {self.path_count - len(self.paths)} more paths")
        mark = "agrees" if self.agrees else "DISAGREES"
        lines.append(f"  total = {self.total:.10g}; reverse mode gives {self.gradient:.10g} "
                     f"({mark})")
        if self.formula is not None:
            lines.append(f"  as a formula: ∂{top}/∂{wrt} = {self.formula}")
        return "\n".join(lines)


def explain(output, wrt, max_paths=64):
    """Explain ∂output/∂wrt as the sum over paths of named nodes (see the module docstring).

    >>> from tinygrad_lite import Value
    >>> x, w = Value(2.0, "x"), Value(-3.0, "w")
    >>> h = (w * x).tanh(); h.name = "h"
    >>> y = h * h; y.name = "y"
    >>> print(explain(y, w).formula)
    2·h·(1 - h^2)·x
    """
    if not isinstance(output, Value) or not isinstance(wrt, Value):
        raise TypeError("explain(output, wrt): both must be Values")
    graph, labels = local_derivatives(output, keep=[wrt])
    consumers = {}                    # id(u) -> [(v, ∂v/∂u)]
    for v, edges in graph.values():
        for u, d in edges.values():
            consumers.setdefault(id(u), []).append((v, d))

    # the named nodes that lie on some path from wrt (forward reachability)
    reach, stack = {id(wrt)}, [wrt]
    while stack:
        for v, _ in consumers.get(id(stack.pop()), []):
            if id(v) not in reach:
                reach.add(id(v))
                stack.append(v)

    # count paths and add up their products, output first (reverse topological order)
    order = [n for n in _reverse_topological(output) if id(n) in reach]
    to_output = {id(output): (1, 1.0)}     # id -> (paths to output, Σ products)
    for node in order:
        if node is output:
            continue
        count, total = 0, 0.0
        for v, d in consumers.get(id(node), []):
            if id(v) in to_output:
                c, t = to_output[id(v)]
                count += c
                total += d.data * t
        if count:
            to_output[id(node)] = (count, total)
    path_count, total = to_output.get(id(wrt), (0, 0.0))
    if wrt is output:
        path_count, total = 1, 1.0

    # the first max_paths paths, depth first, in the graph's order
    paths, stack = [], [([wrt], [])]
    while stack and len(paths) < max_paths:
        nodes, factors = stack.pop()
        last = nodes[-1]
        if last is output:
            paths.append(Path([labels.get(id(n), _label(n, "?")) for n in nodes], factors))
            continue
        for v, d in reversed(consumers.get(id(last), [])):
            if id(v) in to_output:
                stack.append((nodes + [v], factors + [d]))

    formula = None
    if path_count <= max_paths:
        formula = Sym.add(*[p.formula() for p in paths]) if paths else Sym.number(0.0)
    (gradient,) = grad(output, [wrt])
    return Explanation(labels[id(output)], labels.get(id(wrt), "x"), paths, path_count,
                       total, gradient, formula)
