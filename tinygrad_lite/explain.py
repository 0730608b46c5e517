"""Explain a gradient: the chain rule made visible, as a sum over paths of named nodes.

    explain(output, wrt, max_paths=5, ...)  -> Explanation
    NamedGraph(output, keep=())              the graph of named nodes, each edge a local derivative
    local_derivatives(output, keep=())       every ∂v/∂u between named nodes, as formulas
    Explanation                              the largest paths, the rest summed, the total

∂output/∂wrt is the sum, over every path wrt → … → output through the *named* Values, of
the product of the local derivatives along the path.  Unnamed intermediate nodes (the
temporary sums and products inside p11 = θ11·X11 + θ12·X21 + θ13·X31 + b1) are folded into
one edge between the named nodes around them; its local derivative is the sum over the
unnamed routes, computed by the engine's own local-derivative rules: on floats for its number
(always), and on symbols for its formula while that formula stays short (tinygrad_lite.symbolic),
e.g. ∂q11/∂p11 = δ11, ∂L/∂q11 = -(y1 - q11).  A longer formula is shown as the symbol
(∂v/∂u) with its number.

Everything runs in time linear in the size of the graph, without recursion:
- each unnamed node is folded into exactly one edge group: an unnamed node whose consumers
  lie in two groups becomes a *junction* (printed as ``tanh#3``: its op and a number), so no
  node is folded twice;
- paths are counted and their products summed by dynamic programming over the named graph
  (reverse-mode accumulation is exactly that), never by listing them;
- the few paths shown are the largest by |product|, found best-first with the exact best
  completion of every node as the guide, so each one costs a walk of its own length.

Works on any graph of named Values; unnamed leaves are constants and print as numbers.
"""

import heapq
import math

from .console import ljust
from .engine import ADD, SUB, MUL, DIV, POW, NEG, LINEAR, Value, _NARY
from .messages import say
from .symbolic import Sym, atom_text

__all__ = ["explain", "local_derivatives", "NamedGraph", "Explanation", "Path"]

DEFAULT_MAX_PATHS = 5       # paths shown by default, the largest first
MAX_STEPS = 24              # steps of one path shown: the first and the last half of these
FORMULA_SIZE = 40           # symbols in one local derivative's formula before it collapses
REGION_SIZE = 200           # unnamed nodes folded symbolically into one group of edges
FORMULA_FACTORS = 400       # factors in the whole sum-over-paths formula
COUNT_CAP = 10 ** 30        # path counts saturate here ("more than 10^30")

_BINARY = {ADD: lambda a, b: a + b, SUB: lambda a, b: a - b, MUL: lambda a, b: a * b,
           DIV: lambda a, b: a / b, POW: lambda a, b: a ** b}


class _TooLong(Exception):
    """A formula outgrew FORMULA_SIZE: its edges are shown by number only."""


def _count_uses(output, labels):
    """{id(node): how often it is an operand} (unnamed leaves, constants, are left out), and
    label the named nodes met on the way."""
    uses = {}
    stack = [output]
    while stack:
        node = stack.pop()
        a = node._a
        if a is None:
            continue
        b = node._b
        operands = (a,) if b is None else (a, b) if b is not _NARY else a
        for child in operands:
            key = id(child)
            if child._a is None and key not in labels:
                name = child.name
                if name is None:
                    continue
                labels[key] = name
            count = uses.get(key)
            if count is None:
                if key not in labels:
                    name = child.name
                    if name is not None:
                        labels[key] = name
                stack.append(child)
                uses[key] = 1
            else:
                uses[key] = count + 1
    return uses


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


def _short(e, limit):
    if isinstance(e, Sym) and e.size > limit:
        raise _TooLong
    return e


# ================================================================================================
# The named graph
# ================================================================================================

class NamedGraph:
    """The graph of ``output`` seen through its named nodes.

    ``heads``: the named nodes (and ``output``, the ``keep`` nodes and the junctions), each
    after all of its consumers.  ``edges[id(v)]``: {id(u): [u, ∂v/∂u as a float]} for the
    heads u that v is computed from directly or through unnamed nodes.  ``label(v)`` is how
    a head is printed; ``formula(v, u)`` the edge's formula (a Sym, or None if too long).
    """

    def __init__(self, output, keep=(), max_formula=FORMULA_SIZE, labels=None):
        self.output = output
        self.max_formula = max_formula
        given = labels or {}
        labels = {id(k): given.get(id(k), k.name if k.name is not None else "x") for k in keep}
        labels[id(output)] = given.get(id(output), output.name if output.name is not None
                                       else "output")
        self.heads = []   # consumers first
        self.labels = labels
        self.edges = {}   # id(head) -> {id(u): (u, ∂head/∂u)}
        self._group = {}  # id(unnamed interior node) -> id(the head it is folded into)
        self._formulas = {}
        self._adjoint = {id(output): 1.0}   # plain reverse mode over every node, to cross-check
        # The walk counts each node's uses, as backward() does, in a dict of its own.
        self._walk(output, _count_uses(output, labels))

    def _walk(self, output, uses):
        """One pass, consumers before operands (Kahn's order on the counts): a node's
        consumers have all handed it their share by the time it comes up, so it knows which
        groups use it.  (Written for speed: operands are read from the node's slots, and
        unnamed leaves, which are constants, are never visited.)"""
        labels, heads, edges = self.labels, self.heads, self.edges
        group_of, adjoint = self._group, self._adjoint
        # what a node's consumers handed it: from one group (nearly always) two flat dicts,
        # its group and the sum; from several, {group: sum} in ``mixed``.  Floats and ints
        # are not tracked by the garbage collector, so the common case allocates nothing.
        inflow_group, inflow_sum, mixed = {}, {}, {}
        junctions = 0
        ready = [output]
        push, pop = ready.append, ready.pop
        group_get, adjoint_get = inflow_group.get, adjoint.get
        while ready:
            node = pop()
            key = id(node)
            a = node._a
            group = inflow_group.pop(key, None)
            g = inflow_sum.pop(key, 0.0)
            if key in labels or key in mixed:
                if key not in labels:        # used by two groups: a junction, its own head
                    junctions += 1
                    labels[key] = f"{node.op.name}#{junctions}"
                heads.append(node)
                flows = mixed.pop(key, None) or ({group: g} if group is not None else {})
                for consumer, total in flows.items():
                    edges[consumer][key] = (node, total)
                if a is None:
                    continue
                group, g = key, 1.0
                edges[key] = {}
            else:
                group_of[key] = group
            b = node._b
            if b is None:
                operands, local = (a,), (node._op.local(a.data, node.data),)
            elif b is _NARY:
                operands = a
                local = node._op.local(tuple([c.data for c in a]), node.data)
            else:
                operands = (a, b)
                local = node._op.local(a.data, b.data, node.data)
            adj = adjoint_get(key, 0.0)
            # the last operand first, so that the first operand is the next node popped
            for child, d in zip(reversed(operands), reversed(local)):
                ckey = id(child)
                if child._a is None and ckey not in labels:
                    continue
                previous = group_get(ckey)
                if previous is None and ckey not in mixed:
                    inflow_group[ckey] = group
                    inflow_sum[ckey] = g * d
                elif previous == group:
                    inflow_sum[ckey] += g * d
                else:
                    shares = mixed.get(ckey)
                    if shares is None:
                        shares = mixed[ckey] = {inflow_group.pop(ckey): inflow_sum.pop(ckey)}
                    shares[group] = shares.get(group, 0.0) + g * d
                adjoint[ckey] = adjoint_get(ckey, 0.0) + adj * d
                left = uses[ckey] - 1
                uses[ckey] = left
                if left == 0:
                    push(child)

    def _region(self, head):
        """The head and the unnamed nodes folded into it, consumers first; None if there are
        more than REGION_SIZE (their formulas would not be shown anyway)."""
        key, group_of = id(head), self._group
        found, stack, seen = [head], [head], {key}
        while stack:
            for child in stack.pop().operands:
                if group_of.get(id(child)) == key and id(child) not in seen:
                    if len(found) > REGION_SIZE:
                        return None
                    seen.add(id(child))
                    found.append(child)
                    stack.append(child)
        uses = dict.fromkeys(seen, 0)
        for node in found:
            for child in node.operands:
                if id(child) in uses:
                    uses[id(child)] += 1
        order, ready = [], [head]
        while ready:
            node = ready.pop()
            order.append(node)
            for child in reversed(node.operands):
                if id(child) in uses:
                    uses[id(child)] -= 1
                    if uses[id(child)] == 0:
                        ready.append(child)
        return order

    def label(self, node):
        return self.labels[id(node)]

    def reverse_mode(self, wrt):
        """∂output/∂wrt by plain reverse mode over every node (not over the named graph)."""
        return self._adjoint.get(id(wrt), 0.0)

    def formula(self, v, u):
        """∂v/∂u as a Sym in the named quantities, or None where it would be too long."""
        key = id(v)
        if key not in self._formulas:
            self._formulas[key] = self._symbolic(v)
        formulas = self._formulas[key]
        return None if formulas is None else formulas.get(id(u))

    def _symbolic(self, head):
        """The reverse pass of _walk over one head's group, on symbols (None if a formula outgrows the limit)."""
        key, limit = id(head), self.max_formula
        members = self._region(head)
        if members is None:
            return None

        def atom(node):
            if id(node) in self.labels:
                return Sym.atom(self.labels[id(node)], node.data)
            return Sym.number(node.data)            # an unnamed leaf: a constant

        try:
            expression = {}
            for node in reversed(members[1:]):       # operands first
                args = [expression.get(id(c)) or atom(c) for c in node.operands]
                expression[id(node)] = _short(_symbolic_forward(node, args), limit)
            expression[key] = atom(head)
            upstream, edges = {key: Sym.number(1.0)}, {}
            for node in members:
                g = upstream.pop(id(node))
                args = [expression.get(id(c)) or atom(c) for c in node.operands]
                for child, d in zip(node.operands, node.op.derivatives(args, expression[id(node)])):
                    contribution = _short(g * d, limit)      # outside-in, as the chain rule reads
                    ckey = id(child)
                    if self._group.get(ckey) == key:
                        upstream[ckey] = _short(upstream[ckey] + contribution, limit) \
                            if ckey in upstream else contribution
                    elif ckey in self.labels:
                        edges[ckey] = _short(edges[ckey] + contribution, limit) \
                            if ckey in edges else contribution
        except _TooLong:
            return None
        return edges


def local_derivatives(output, keep=()):
    """The named graph of ``output`` as {id(v): (v, {id(u): (u, ∂v/∂u)})} for each named
    interior node v, with each ∂v/∂u a Sym: its formula, or the symbol (∂v/∂u) carrying its
    number where the formula would be too long; and the labels {id: name}."""
    graph = NamedGraph(output, keep)
    result = {}
    for v in graph.heads:
        if not v.is_leaf:
            result[id(v)] = (v, {key: (u, _factor(graph, v, u, d))
                                 for key, (u, d) in graph.edges[id(v)].items()})
    return result, graph.labels


def _factor(graph, v, u, value):
    """The local derivative ∂v/∂u as a Sym: its formula, or the symbol (∂v/∂u) if too long."""
    formula = graph.formula(v, u)
    if formula is None:
        return Sym.atom(f"(∂{graph.label(v)}/∂{graph.label(u)})", value)
    return formula


# ================================================================================================
# Paths
# ================================================================================================

class Path:
    """One path wrt → … → output: the node labels, each step's local derivative, the product.

    The numbers are known at once; a step's formula (a Sym) is worked out when asked for, so
    a path of 100,000 steps costs only the steps that are shown."""

    def __init__(self, labels, values, factor=None):
        self.labels = labels        # [wrt, ..., output]
        self.values = values        # [∂next/∂this as a float, ...] from wrt upward
        self._factor = factor       # i -> the Sym of step i
        self._factors = {}

    def factor(self, i):
        """Step i's local derivative as a Sym: its formula, or the symbol (∂v/∂u)."""
        if i not in self._factors:
            self._factors[i] = self._factor(i) if self._factor else Sym.number(self.values[i])
        return self._factors[i]

    @property
    def factors(self):
        return [self.factor(i) for i in range(len(self.values))]

    @property
    def product(self):
        value = 1.0
        for d in self.values:
            value *= d
        return value

    def formula(self):
        """The product as one expression, written outside-in as the chain rule reads."""
        return Sym.multiply(*reversed(self.factors))

    def to_json(self, max_steps=None):
        steps = range(len(self.values)) if max_steps is None or len(self.values) <= max_steps \
            else list(range(max_steps // 2)) + list(range(len(self.values) - max_steps // 2,
                                                          len(self.values)))
        return {"nodes": self.labels, "product": _finite(self.product),
                "steps": [{"step": i, "of": self.labels[i + 1], "wrt": self.labels[i],
                           "formula": str(self.factor(i)), "value": _finite(self.values[i])}
                          for i in steps]}


class Group:
    """The paths through one named node: how many, and the sum of their products."""

    def __init__(self, label, layer, count, total):
        self.label, self.layer, self.count, self.total = label, layer, count, total

    def to_json(self):
        return {"node": self.label, "layer": self.layer, "paths": self.count,
                "sum": _finite(self.total)}


class Explanation:
    """∂output/∂wrt as a sum over paths; ``str()`` prints it step by step.

    ``paths``: the largest paths shown (by |product|); ``path_count``: all of them
    (saturating at 10^30); ``rest_count``/``rest_sum``: the paths not shown and the sum of
    their products; ``total``: the sum over all paths; ``gradient``: the same derivative by
    reverse mode; ``formula``: the whole sum as a Sym (None when not every path is shown or
    it would be too long); ``groups``: with ``group=True``, the paths through each named
    node, by layer (its distance from wrt).
    """

    def __init__(self, output_label, wrt_label, paths, path_count, total, gradient, formula,
                 groups=None, max_steps=MAX_STEPS):
        self.output_label, self.wrt_label = output_label, wrt_label
        self.paths = paths
        self.path_count = path_count
        self.total = total
        self.gradient = gradient
        self.formula = formula
        self.groups = groups
        self.max_steps = max_steps
        self.rest_count = path_count - len(paths)
        self.rest_sum = total - math.fsum(p.product for p in paths)

    @property
    def agrees(self):
        """The sum over paths equals reverse mode (to 1e-9 relative; never for NaN or inf)."""
        if not (math.isfinite(self.total) and math.isfinite(self.gradient)):
            return False
        scale = max(1.0, abs(self.gradient))
        return abs(self.total - self.gradient) <= 1e-9 * scale

    def to_json(self):
        """A dict for ``--json``: every number full precision (null where not finite)."""
        document = {"output": self.output_label, "wrt": self.wrt_label,
                    "path_count": self.path_count, "saturated": self.path_count >= COUNT_CAP,
                    "paths": [p.to_json(self.max_steps) for p in self.paths],
                    "others": {"paths": self.rest_count, "sum": _finite(self.rest_sum)},
                    "total": _finite(self.total), "gradient": _finite(self.gradient),
                    "agrees": self.agrees,
                    "formula": None if self.formula is None else str(self.formula)}
        if self.groups is not None:
            document["groups"] = [g.to_json() for g in self.groups]
        return document

    def __str__(self):
        return self.text()

    def text(self, lang="en"):
        """The explanation in words, in English or in Korean (lang="ko"); numbers as in English."""
        def words(key, **values):
            return say("explain." + key, lang, **values)

        def paths(n):
            return say("word.path" if n == 1 else "word.paths", lang)

        top, wrt = self.output_label, self.wrt_label
        lines = [words("head", top=top, wrt=wrt, count=_count_text(self.path_count, lang),
                       paths=paths(self.path_count))]
        if len(self.paths) > 1:
            lines.append(words("largest_first"))
        for number, path in enumerate(self.paths, 1):
            lines += self._path_lines(number, path, words)
        if self.rest_count:
            lines.append(words("rest", count=_count_text(self.rest_count, lang),
                               paths=paths(self.rest_count), sum=_number(self.rest_sum)))
        if self.groups is not None:
            lines += self._group_lines(words, paths, lang)
        lines.append(words("total", total=f"{self.total:.10g}", gradient=f"{self.gradient:.10g}",
                           mark=words("agrees" if self.agrees else "disagrees")))
        if self.formula is not None:
            lines.append(words("formula", top=top, wrt=wrt, formula=self.formula))
        return "\n".join(lines)

    def _path_lines(self, number, path, words):
        labels = path.labels
        shown = labels if len(labels) <= self.max_steps + 1 else \
            labels[:self.max_steps // 2 + 1] + ["…"] + labels[-(self.max_steps // 2):]
        lines = [words("path", number=number, route=" → ".join(shown))]
        steps = list(range(len(path.values)))
        hidden = 0
        if len(steps) > self.max_steps:
            half = self.max_steps // 2
            hidden = len(steps) - 2 * half
            steps = steps[:half] + [None] + steps[-half:]
        rows = []
        for step in steps:
            if step is None:
                rows.append(None)
                continue
            i = step
            rows.append((f"∂{atom_text(labels[i + 1])}/∂{atom_text(labels[i])}",
                         str(path.factor(i)), path.values[i]))
        width = max([len(r[0]) + len(r[1]) for r in rows if r] + [10])
        for row in rows:
            if row is None:
                lines.append(words("more_steps", hidden=f"{hidden:,}"))
                continue
            name, text, value = row
            if text.startswith("(∂"):       # a folded derivative whose formula is too long
                lines.append(f"      {name} = {_number(value):<{width - len(name)}}"
                             + words("too_long"))
            else:
                lines.append(f"      {name} = {text:<{width - len(name)}} = {_number(value)}")
        lines.append(f"      {ljust(words('product'), width + 3)} = {_number(path.product)}")
        return lines

    def _group_lines(self, words, paths, lang):
        lines = [words("groups", wrt=self.wrt_label)]
        layers = {}
        for g in self.groups:
            layers.setdefault(g.layer, []).append(g)
        for layer in sorted(layers):
            members = sorted(layers[layer], key=lambda g: -abs(g.total))
            cells = [words("cell", label=g.label, count=_count_text(g.count, lang),
                           paths=paths(g.count), total=_number(g.total))
                     for g in members[:DEFAULT_MAX_PATHS]]
            more = len(members) - DEFAULT_MAX_PATHS
            lines.append(words("layer", layer=layer, cells="; ".join(cells))
                         + (words("more_nodes", more=more) if more > 0 else ""))
        return lines


def explain(output, wrt, max_paths=DEFAULT_MAX_PATHS, group=False, max_steps=MAX_STEPS,
            max_formula=FORMULA_SIZE, keep=(), labels=None, max_factors=FORMULA_FACTORS):
    """Explain ∂output/∂wrt as the sum over paths of named nodes (see the module docstring).

    ``max_paths``: how many paths to show, the largest |product| first (None: all of them);
    ``group``: also add up the paths through each named node, layer by layer;
    ``max_steps``: the steps of one path shown before the middle ones are elided;
    ``max_formula``: the symbols one local derivative's formula may have before it is shown
    as the symbol (∂v/∂u) with its number;
    ``max_factors``: the factors (over all paths) the whole sum's formula may have before
    it is left out;
    ``keep``: more nodes to treat as named (not folded), and ``labels`` ({id(node): text}) what
    to call unnamed ones (the interactive page keeps every node it draws, by its label there).

    >>> from tinygrad_lite import Value
    >>> x, w = Value(2.0, "x"), Value(-3.0, "w")
    >>> h = (w * x).tanh(); h.name = "h"
    >>> y = h * h; y.name = "y"
    >>> print(explain(y, w).formula)
    2·h·(1 - h^2)·x
    """
    if not isinstance(output, Value) or not isinstance(wrt, Value):
        raise TypeError("explain(output, wrt): both must be Values")
    _check_limit("max_paths", max_paths, allow_none=True)
    _check_limit("max_steps", max_steps)
    _check_limit("max_formula", max_formula)
    _check_limit("max_factors", max_factors)
    graph = NamedGraph(output, keep=[wrt, *keep], max_formula=max_formula, labels=labels)
    # Paths from wrt, operands before consumers: for each head, how many paths reach it from
    # wrt, the sum of their products, and the largest |product| (and through which operand).
    from_wrt = {id(wrt): (1, 1.0, 1.0)}          # id -> (count, Σ products, max |product|)
    best_previous = {}
    edges = graph.edges
    for node in reversed(graph.heads):
        incoming = edges.get(id(node))
        if not incoming or node is wrt:
            continue
        count, total, best = 0, 0.0, -1.0
        for key, (u, d) in incoming.items():
            reached = from_wrt.get(key)
            if reached is not None:
                c, t, b = reached
                count += c
                total += t * d
                if abs(d) * b > best:
                    best, best_previous[id(node)] = abs(d) * b, key
        if count:
            from_wrt[id(node)] = (min(count, COUNT_CAP), total, best)
    path_count, total, _ = from_wrt.get(id(output), (0, 0.0, 0.0))

    limit = path_count if max_paths is None else min(max_paths, path_count)
    found = _largest_paths(wrt, output, edges, from_wrt, best_previous, limit)
    paths = [Path([graph.label(n) for n in nodes], values,
                  lambda i, nodes=nodes, values=values: _factor(graph, nodes[i + 1], nodes[i],
                                                                values[i]))
             for nodes, values in found]
    formula = None
    if len(paths) == path_count and sum(len(p.values) for p in paths) <= max_factors:
        # the terms in the graph's order (data point 1 before 2), not by size
        position = {id(n): i for i, n in enumerate(graph.heads)}
        ranked = sorted(zip(found, paths), key=lambda pair: [position[id(n)]
                                                             for n in pair[0][0][1:]])
        terms = [path.formula() for _, path in ranked]
        formula = Sym.add(*terms) if terms else Sym.number(0.0)
    groups = _groups(graph, wrt, output, from_wrt) if group else None
    gradient = graph.reverse_mode(wrt)
    return Explanation(graph.label(output), graph.label(wrt), paths, path_count, total,
                       gradient, formula, groups, max_steps)


def _largest_paths(wrt, output, edges, from_wrt, best_previous, limit):
    """The ``limit`` paths wrt → output with the largest |product|, largest first.

    Best-first search from the output back towards wrt, where a partial path's priority is
    |its product so far| times the largest |product| by which wrt reaches its first node
    (exact, from the DP), so the first complete path popped is the largest, and so on.  The
    best continuation inherits its parent's priority exactly and ties go to the newest entry,
    so each path is walked straight through: the work is the length of the paths shown times
    the fan-in."""
    if limit <= 0:
        return []
    if wrt is output:
        return [([wrt], [])]
    heap, tick, found = [], 0, []
    # entries: (-priority, -tick, node, |product so far|, link); link = (node, factor, link)
    # links the rest of the path up to the output
    heapq.heappush(heap, (-from_wrt[id(output)][2], 0, output, 1.0, None))
    while heap and len(found) < limit:
        negative, _, node, suffix, link = heapq.heappop(heap)
        incoming = edges.get(id(node))
        while node is not wrt and len(incoming) == 1:   # one way on: no choice to queue
            ((_, (u, d)),) = incoming.items()
            node, suffix, link = u, suffix * abs(d), (node, d, link)
            incoming = edges.get(id(u))
        if node is wrt:
            nodes, values = [wrt], []
            while link is not None:
                next_node, d, link = link
                nodes.append(next_node)
                values.append(d)
            found.append((nodes, values))
            continue
        best = best_previous.get(id(node))
        for key, (u, d) in reversed(list(incoming.items())):
            if key not in from_wrt:
                continue
            tick += 1
            reached = suffix * abs(d)
            priority = -negative if key == best else reached * from_wrt[key][2]
            heapq.heappush(heap, (-priority, -tick, u, reached, (node, d, link)))
    return found


def _groups(graph, wrt, output, from_wrt):
    """For each head on a path: its layer (longest distance from wrt), the paths through it
    and the sum of their products (paths wrt → it times paths it → output)."""
    to_output = {id(output): (1, 1.0)}           # id -> (count, Σ products), consumers first
    for node in graph.heads:
        reached = to_output.get(id(node))
        if reached is None or node is wrt or id(node) not in graph.edges:
            continue
        c, t = reached
        for key, (u, d) in graph.edges[id(node)].items():
            if key in from_wrt:
                c2, t2 = to_output.get(key, (0, 0.0))
                to_output[key] = (min(c2 + c, COUNT_CAP), t2 + d * t)
    layer = {id(wrt): 0}
    groups = []
    for node in reversed(graph.heads):           # operands first
        key = id(node)
        if key not in from_wrt or key not in to_output:
            continue
        if node is not wrt:
            layer[key] = 1 + max(layer[u] for u in graph.edges[key] if u in layer)
            if node is output:
                continue
            c, t, _ = from_wrt[key]
            c_out, t_out = to_output[key]
            groups.append(Group(graph.label(node), layer[key], min(c * c_out, COUNT_CAP),
                                t * t_out))
    return groups


def _check_limit(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"explain({name}=...): a whole number >= 0{' or None' * allow_none}, "
                         f"got {value!r}")


def _count_text(n, lang="en"):
    if n >= COUNT_CAP:
        return say("explain.count_cap", lang, cap=f"{COUNT_CAP:.0e}".replace("e+", "e"))
    return f"{n:,}"


def _number(x):
    return "0" if x == 0 else f"{x:.6g}"


def _finite(x):
    """A float for JSON: itself if finite, else None (strict JSON has no NaN or Infinity)."""
    return x if math.isfinite(x) else None
