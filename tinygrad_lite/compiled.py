"""Placeholders and compiled graphs: build the graph once, feed it many times, near float speed.

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

import builtins
import math
import re
import time
from operator import itemgetter

from .engine import ADD, MUL, Value, _NARY, _to_float, backward_positions, numbered
from . import rolling
from .rolling import ABS, REL, VAR

__all__ = ["placeholder", "Placeholder", "compile", "CompiledGraph", "GraphError"]

CHUNK = 2000   # nodes per generated function: keeps each code object small


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


# ---- code-building stand-ins -------------------------------------------------------------------

class _NeedsValue(Exception):
    """A rule looked at a number (a branch or a check): call it at run time instead."""


class _Code:
    """Stands in for a float while a rule runs at compile time; collects the arithmetic.
    An expression nested deeper than MAX_DEPTH is spilled into a temporary (``t3 = …``), so a
    long dot product never meets the parser's limit on nested parentheses."""

    __slots__ = ("text", "depth")
    MAX_DEPTH = 40
    spilled = []          # statements to emit before the line that uses them

    def __init__(self, text, depth=0):
        self.text = text
        self.depth = depth

    @property
    def data(self):
        return self             # a rule's _number(x): the stand-in itself

    def __bool__(self):
        raise _NeedsValue

    def _comparison(symbol):
        def compare(self, other):
            return _Condition(f"({self.text} {symbol} {_text(other)})")
        return compare

    __eq__, __ne__ = _comparison("=="), _comparison("!=")
    __lt__, __le__ = _comparison("<"), _comparison("<=")
    __gt__, __ge__ = _comparison(">"), _comparison(">=")
    __hash__ = None

    def __add__(self, o):
        return _combine(f"({self.text} + {_text(o)})", self, o)

    def __radd__(self, o):
        return _combine(f"({_text(o)} + {self.text})", self, o)

    def __sub__(self, o):
        return _combine(f"({self.text} - {_text(o)})", self, o)

    def __rsub__(self, o):
        return _combine(f"({_text(o)} - {self.text})", self, o)

    def __mul__(self, o):
        return _combine(f"({self.text} * {_text(o)})", self, o)

    def __rmul__(self, o):
        return _combine(f"({_text(o)} * {self.text})", self, o)

    def __truediv__(self, o):
        return _combine(f"({self.text} / {_text(o)})", self, o)

    def __rtruediv__(self, o):
        return _combine(f"({_text(o)} / {self.text})", self, o)

    def __neg__(self):
        return _combine(f"(-{self.text})", self, None)

    def __pow__(self, o):
        raise _NeedsValue       # Python's float ** has cases (negative bases): keep the call

    __rpow__ = __pow__

    def exp(self):
        return _Code(f"_exp({self.text})")

    def log(self):
        return _Code(f"_log({self.text})")

    def sin(self):
        return _Code(f"_sin({self.text})")

    def cos(self):
        return _Code(f"_cos({self.text})")


class _Condition:
    """A comparison of stand-ins (relu's ``x > 0``): a rule that branches on it is run once
    for each way the branch can go, and the results become a conditional expression."""

    __slots__ = ("text",)
    decisions = None     # the branches to take in this run, then the ones taken

    def __init__(self, text):
        self.text = text

    def __bool__(self):
        taken, planned = _Condition.decisions
        if len(taken) == MAX_BRANCHES:
            raise _NeedsValue
        go = planned[len(taken)] if len(taken) < len(planned) else True
        taken.append((self.text, go))
        return go


MAX_BRANCHES = 3     # comparisons one rule may branch on (at most 2**3 runs); beyond: a call


def _combine(text, a, b):
    depth = 1 + max(a.depth, b.depth if isinstance(b, _Code) else 0)
    if depth <= _Code.MAX_DEPTH:
        return _Code(text, depth)
    name = f"t{len(_Code.spilled)}"
    _Code.spilled.append(f"{name} = {text}")
    return _Code(name, 0)


def _text(x):
    if isinstance(x, _Code):
        return x.text
    if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
        return repr(float(x))
    raise _NeedsValue


def _derive(rule, *args):
    """The rule run on stand-ins: its result as code texts, or None if it needs the numbers.
    Statements for spilled temporaries are left in _Code.spilled for the caller to emit.
    A rule that branches on comparisons is run once per way through them, and each result
    becomes ``(a if condition else b)``: the same comparison, the same arithmetic."""
    runs, pending = [], [[]]
    while pending:
        planned = pending.pop()
        _Code.spilled, _Condition.decisions = [], ([], planned)
        try:
            result = rule(*args)
            texts = [_text(r) for r in result] if isinstance(result, tuple) else _text(result)
        except (_NeedsValue, TypeError, AttributeError, ValueError, ArithmeticError):
            return None                          # it needs the numbers (or checks a domain)
        finally:
            taken, _ = _Condition.decisions
            _Condition.decisions = None
        if taken and _Code.spilled:
            return None                          # temporaries of several runs would clash
        runs.append((taken, texts))
        pending += [[go for _, go in taken[:depth]] + [False]
                    for depth in range(len(planned), len(taken))]
        if len(runs) > 2 ** MAX_BRANCHES:
            return None
    if len(runs) == 1:
        return runs[0][1]
    if isinstance(runs[0][1], list):
        return [_branches([(taken, texts[n]) for taken, texts in runs], 0)
                for n in range(len(runs[0][1]))]
    return _branches(runs, 0)


def _branches(runs, depth):
    """The conditional expression choosing among ``runs`` [(decisions, text)] from ``depth``."""
    if len(runs) == 1:
        return runs[0][1]
    condition = runs[0][0][depth][0]
    yes = [run for run in runs if run[0][depth][1]]
    no = [run for run in runs if not run[0][depth][1]]
    return f"({_branches(yes, depth + 1)} if {condition} else {_branches(no, depth + 1)})"


# ---- compiling ---------------------------------------------------------------------------------

MANY = 6    # operands from which a node's code is written as a loop rather than line by line
MARK = re.compile(r"@(\d+|o)@")     # an operand's (or the result's) place in a worked-out rule
CODE_COST = 70e-6    # seconds a node written out costs to generate and compile (60-70 µs)
EAGER_CODE = 0.1     # seconds of generating code that "auto" spends at once


class _Rule:
    """An op's rule worked out once on marked stand-ins, as ``str.format`` patterns: ``{0}``,
    ``{1}``, … stand for the operands and ``{o}`` for the result.  ``texts`` holds the
    result (one pattern, or one per operand for a local derivative), or is None when the rule
    must be called at run time; ``spilled`` the temporaries to write first; ``reads`` the
    operand positions the patterns use, and ``reads_out`` whether they use the result."""

    __slots__ = ("texts", "spilled", "reads", "reads_out")

    def __init__(self, rule, arity, many, with_out):
        marks = [_Code(f"@{n}@") for n in range(arity)]
        extra = (_Code("@o@"),) if with_out else ()
        found = _derive(rule, tuple(marks), *extra) if many else _derive(rule, *marks, *extra)
        spilled = list(_Code.spilled) if found is not None else []
        texts = [found] if isinstance(found, str) else found
        marks = {m for text in (texts or []) + spilled for m in MARK.findall(text)}
        self.reads = tuple(sorted(int(m) for m in marks if m != "o"))
        self.reads_out = "o" in marks
        self.spilled = [_pattern(line) for line in spilled]
        self.texts = None if found is None else [_pattern(text) for text in texts]


def _pattern(text):
    """A worked-out text with @n@ marks as a str.format pattern."""
    return MARK.sub(r"{\1}", text.replace("{", "{{").replace("}", "}}"))


def _value_mark(pattern):
    """n if the pattern is exactly operand n's value (a dot product's derivative), else None."""
    if pattern.startswith("{") and pattern.endswith("}") and pattern[1:-1].isdigit():
        return int(pattern[1:-1])
    return None


def _runs(derivatives):
    """The operands in order, grouped as the backward code adds their shares: a run of more
    than MANY derivatives that are operand values (a dot product's) is one loop over
    (operand, value) index pairs; every other operand is one line.  Yields ("loop", pairs of
    operand positions) or ("line", operand position, derivative pattern)."""
    run = []
    for pos, d in enumerate(derivatives):
        n = _value_mark(d)
        if n is not None:
            run.append((pos, n, d))
            continue
        yield from _flush(run)
        run = []
        yield ("line", pos, d)
    yield from _flush(run)


def _flush(run):
    if len(run) > MANY:
        yield ("loop", tuple((pos, n) for pos, n, _ in run))
    else:
        for pos, _, d in run:
            yield ("line", pos, d)


MIN_ROLLED = 64    # nodes a repeated run must cover to be written as a loop


def _segments(seq, kind):
    """``seq`` cut into the pieces of code that run it: ("plain", nodes) of at most CHUNK
    nodes, and ("rolled", (start, length, copies)) for each repeated run; and, per node
    number, the piece it belongs to (each copy of a run is a piece of its own; -1: none)."""
    segments, piece_of, pieces, p = [], [-1] * len(kind), 0, 0
    regions = [r for r in rolling.repeats(seq, kind, CHUNK) if r[1] * r[2] >= MIN_ROLLED]
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


class CompiledGraph:
    """A recorded graph that reruns forward and backward without building Values."""

    def __init__(self, output, inputs=None, params=None, mode="auto"):
        if mode not in ("auto", "code", "interpret"):
            raise ValueError(f"compile: mode must be 'auto', 'code' or 'interpret', got {mode!r}")
        if not isinstance(output, Value):
            raise TypeError(f"compile: output must be a Value, got {type(output).__name__}")
        nodes, operands_of, index = numbered(output)
        self.nodes = nodes
        self.output_index = index[id(output)]
        # one pass over the nodes: names, placeholders, other leaves, ops, n-ary nodes
        self.names, self._ids, self._named, self._nary = {}, {}, set(), set()
        self._ops, found, self.leaves = [], [], []
        for i, node in enumerate(nodes):
            name = node.name
            if name is not None:
                self.names.setdefault(name, i)
                self._named.add(i)
                self._ids[id(node)] = i
            if node._a is None:
                self._ids[id(node)] = i
                if isinstance(node, Placeholder):
                    found.append(node)
                else:
                    self.leaves.append((i, node))
            elif node._b is _NARY:
                self._nary.add(i)
            self._ops.append(node._op)

        if inputs is None:
            inputs = found
        inputs = list(inputs)
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
        unused = [p.name for p in inputs if id(p) not in index]
        given = {id(p) for p in inputs}
        missing = [p.name for p in found if id(p) not in given]
        if missing:
            raise GraphError(f"compile: the graph uses placeholder {missing[0]!r}, which is not "
                             "among the inputs")
        self.inputs = inputs
        self.unused_inputs = unused
        self._input_slots = [index.get(id(p)) for p in inputs]
        self._module = params if hasattr(params, "parameters") else None
        self._params_snapshot = list(params.parameters()) if self._module is not None else None
        if params is not None and self._module is None:
            params = list(params)
            stray = [p for p in params if id(p) not in index]
            if stray:
                raise GraphError(f"compile: parameter {stray[0]!r} is not in the graph")

        # the order engine.backward processes the nodes (same counts, same stack), so that
        # gradients are accumulated in the same order and come out bit for bit equal
        order = backward_positions(self.output_index, operands_of, self._nary)
        self._operands = operands_of
        self._order = order
        # "auto": generate code at once if that is quick (a small graph, or one made of a few
        # repeated subgraphs); otherwise start interpreted and turn to code once the runs have
        # taken as long as generating code would (so no workload pays more than about twice
        # what the better mode would have cost)
        self._spent, self._budget, self._kind, forward_cut = 0.0, None, None, None
        if mode == "auto":
            cost, forward_cut = self._code_cost()
            mode = "code" if cost <= EAGER_CODE else "interpret"
            if mode == "interpret":
                self._budget, self._kind = cost, None     # (worked out again if it switches)
        self.mode = mode
        if mode == "code":
            self._build(forward_cut)
        else:
            self._plan()
        self.values = [node.data for node in nodes]
        self.grads = [0.0] * len(nodes)
        # gradients start at -0.0, the additive identity, as engine.backward starts them:
        # -0.0 + share is the share to the bit, so the first share is kept as it is
        self._zeros = [-0.0] * len(nodes)
        self.size = len(nodes)
        self.ran = False
        # keep the leaves (their data is read at each run), drop the other recorded Values
        self._output_is_leaf = not operands_of[self.output_index]
        del self.nodes

    # ---- code generation ------------------------------------------------------------------

    def _kinds(self):
        """Each node's kind for finding repeated subgraphs (rolling.kinds), worked out once."""
        if self._kind is None:
            self._kind = rolling.kinds(self._ops, self._operands)
        return self._kind

    def _code_cost(self):
        """The seconds generating code would take, about: CODE_COST per node written out,
        where a repeated subgraph is written once (counted on the forward; the backward
        repeats alike); and the forward's cut into segments, for _build to reuse."""
        computed = [i for i, args in enumerate(self._operands) if args]
        cut = _segments(computed, self._kinds())
        written = sum(len(s[1]) if s[0] == "plain" else s[1][1] for s in cut[0])
        return written * CODE_COST, cut

    def _build(self, forward_cut=None):
        """Generate the forward and backward code (see the module docstring).  A node with
        many operands (a dot product) is written compactly: its forward gathers the operands
        with one itemgetter and calls the op's own forward, and a run of derivatives that are
        plain operand values becomes a loop over (operand, value) index pairs — the same
        operations in the same order, in a few lines instead of one per operand.  Values and
        gradients nobody reads later (unnamed inner nodes) live in local variables, x12 and
        h12, not in the lists v and g.  A repeated subgraph is written once, as the body of a
        loop over its copies (see tinygrad_lite.rolling).

        Each op's rules are worked out once (_Rule) and filled in per node with str.format,
        in two passes: the first finds what must live in the lists, the second writes and
        compiles the code a function at a time."""
        ops, operands_of, order, nary = self._ops, self._operands, self._order, self._nary
        self._functions, self._locals, self._tables = [], [], []
        rules, function_index = {}, {}

        def rule(function, arity, many, with_out):
            key = (id(function), arity, many)
            if key not in rules:
                rules[key] = _Rule(function, arity, many, with_out)
            return rules[key]

        def slot(table, item):
            key = (id(table), id(item))
            if key not in function_index:
                function_index[key] = len(table)
                table.append(item)
            return function_index[key]

        def table(item):
            self._tables.append(item)
            return len(self._tables) - 1

        # ---- pass 1: each node's rules, the repeated runs, and what must live in the lists:
        # leaves (fed and read back), named nodes and the output (value() and grad()), what a
        # table reads, every value the backward uses, and whatever one piece of code (a
        # function, or one copy of a repeated run) hands to another.
        computed = [i for i, args in enumerate(operands_of) if args]
        listed, read_back = set(), set()
        forward_rules, backward_rules = {}, {}
        for i in computed:
            args = operands_of[i]
            if i in nary and len(args) > MANY:
                listed.update(args)                 # gathered by an itemgetter
            else:
                forward_rules[i] = rule(ops[i].forward, len(args), i in nary, False)
        for i in order:
            args = operands_of[i]
            found = backward_rules[i] = rule(ops[i].local, len(args), i in nary, True)
            if found.texts is None:
                read_back.update(args)
                read_back.add(i)
                if i in nary:
                    listed.update(args)
                continue
            for m in found.reads:
                read_back.add(args[m])
            if found.reads_out:
                read_back.add(i)
            if len(args) > MANY:                    # only then can shares become a loop
                for piece in _runs(found.texts):
                    if piece[0] == "loop":
                        listed.update(args[k] for pair in piece[1] for k in pair)
        values = {i for i, args in enumerate(operands_of) if not args} | self._named
        values |= {self.output_index} | listed
        grads = set(values)
        values |= read_back
        passes = []
        for seq, listing, cut in ((computed, values, forward_cut), (order, grads, None)):
            segments, piece_of = cut or _segments(seq, self._kinds())
            for i in seq:
                here = piece_of[i]
                for j in operands_of[i]:
                    if piece_of[j] != here and piece_of[j] != -1:
                        listing.add(j)
            for segment in segments:
                if segment[0] == "rolled":
                    segment += rolling.classes(seq, segment[1], operands_of)
                    _, (start, _, _), classes, _, varying = segment
                    for t, row in enumerate(classes):
                        for pos, (kind, m) in enumerate(row):
                            if kind == ABS:
                                listing.add(operands_of[seq[start + t]][pos])
                            elif kind == VAR:
                                listing.update(varying[m])
            passes.append((seq, segments, listing))
        for seq, segments, listing in passes:
            for segment in segments:
                if segment[0] == "rolled":   # a node lives in a list in every copy or in none
                    start, length, copies = segment[1]
                    end = start + length * copies
                    for t in range(length):
                        same = seq[start + t:end:length]
                        if not listing.isdisjoint(same):
                            listing.update(same)

        # ---- pass 2: the code
        # names: the operands' values; tables(make): where the table make(operands) is read
        def forward_lines(i, names, target, tables, lines):
            found = forward_rules.get(i)
            if found is None:
                k = slot(self._functions, ops[i].forward)
                lines.append(f"{target} = F[{k}]({tables(_gather)}(v))")
            elif found.texts is None:
                k = slot(self._functions, ops[i].forward)
                call = "(" + ", ".join(names) + ",)" if i in nary else ", ".join(names)
                lines.append(f"{target} = F[{k}]({call})")
            else:
                lines.extend(line.format(*names) for line in found.spilled)
                lines.append(f"{target} = {found.texts[0].format(*names)}")

        started = set()         # local gradients given their first share

        def backward_lines(i, names, out, refs, own, tables, lines):
            """Node i's shares.  out: its own value, refs: its operands' gradients and own:
            its gradient, each as (text, is a local variable)."""
            args = operands_of[i]
            found = backward_rules[i]
            if found.texts is None:
                k = slot(self._locals, ops[i].local)
                if i in nary:
                    lines.append(f"d = L[{k}]({tables(_gather)}(v), {out})")
                    derivatives = [f"d[{n}]" for n in range(len(args))]
                elif len(args) == 2:
                    lines.append(f"d0, d1 = L[{k}]({names[0]}, {names[1]}, {out})")
                    derivatives = ["d0", "d1"]
                else:
                    lines.append(f"d0 = L[{k}]({names[0]}, {out})")
                    derivatives = ["d0"]
            else:
                lines.extend(line.format(*names, o=out) for line in found.spilled)
                derivatives = found.texts
            pieces = list(_runs(derivatives))
            # the node's gradient: its local, else the list entry itself for a single line,
            # else read once into gi
            if own[1] or (len(pieces) == 1 and pieces[0][0] == "line"):
                gi = own[0]
            else:
                lines.append(f"gi = {own[0]}")
                gi = "gi"
            for piece in pieces:
                if piece[0] == "loop":
                    pairs = piece[1]
                    where = tables(lambda a: tuple((a[p], a[n]) for p, n in pairs))
                    lines.append(f"for a_, b_ in {where}:")
                    lines.append(f"    g[a_] = g[a_] + (v[b_] * {gi})")
                    continue
                _, pos, d = piece
                d = d.format(*names, o=out)
                sign, term = ("-", gi) if d == "-1.0" else \
                    ("+", gi if d == "1.0" else f"({d} * {gi})")
                target, local = refs[pos]
                if not local or target in started:
                    lines.append(f"{target} = {target} {sign} {term}")
                else:           # -0.0 + share is the share, -0.0 - share its negation
                    started.add(target)
                    lines.append(f"{target} = {term}" if sign == "+" else f"{target} = -{term}")

        def plain(what, i, lines):
            args = operands_of[i]

            def tables(make):
                return f"T[{table(make(args))}]"
            if what == "forward":
                forward_lines(i, [f"v[{j}]" if j in values else f"x{j}" for j in args],
                              f"v[{i}]" if i in values else f"x{i}", tables, lines)
            else:
                backward_lines(i, [f"v[{j}]" for j in args], f"v[{i}]",
                               [(f"g[{j}]", False) if j in grads else (f"h{j}", True)
                                for j in args],
                               (f"g[{i}]", False) if i in grads else (f"h{i}", True), tables,
                               lines)

        def copy(what, i, row, same, columns, lines):
            """Node i of a repeated run's first copy, written for every copy: s_ is the copy's
            shift in the node numbering and c_ its tuple of varying operands and tables
            (``columns``: per column, each copy's entry; ``same``: node i in every copy)."""
            def tables(make):                 # a table per copy, its number in the columns
                columns.append([table(make(operands_of[node])) for node in same])
                return f"T[c_[{len(columns) - 1}]]"

            def ref(j, kind, m, listing, array, local):
                if kind == ABS:
                    return f"{array}[{j}]", False
                if kind == VAR:
                    return f"{array}[c_[{m}]]", False
                if j in listing:
                    return f"{array}[s_ + {j}]", False
                return f"{local}{j}", True
            args = operands_of[i]
            names = [ref(j, kind, m, values, "v", "x")[0] for (kind, m), j in zip(row, args)]
            if what == "forward":
                forward_lines(i, names, ref(i, REL, None, values, "v", "x")[0], tables, lines)
            else:
                backward_lines(i, names, f"v[s_ + {i}]",
                               [ref(j, kind, m, grads, "g", "h") for (kind, m), j in zip(row, args)],
                               ref(i, REL, None, grads, "g", "h"), tables, lines)

        self.source_lines = 0
        self._forward, self._backward = [], []
        for what, (seq, segments, _) in zip(("forward", "backward"), passes):
            pieces = self._forward if what == "forward" else self._backward
            for segment in segments:
                lines = []
                if segment[0] == "plain":
                    for i in segment[1]:
                        plain(what, i, lines)
                else:
                    _, (start, length, copies), classes, shifts, varying = segment
                    end = start + length * copies
                    body, columns = [], list(varying)
                    for t in range(length):
                        copy(what, seq[start + t], classes[t], seq[start + t:end:length],
                             columns, body)
                    per_copy = [(shifts[k], tuple(column[k] for column in columns))
                                for k in range(copies)]
                    lines.append(f"for s_, c_ in T[{table(per_copy)}]:")
                    lines.extend("    " + line for line in body)
                pieces.append(self._function(what, len(pieces), lines))
        self._kind = None                   # only needed to find the copies

    def _plan(self):
        """The interpreted form: per node its forward (or local rule) and operand indices.
        The same operations in the same order as the generated code, without generating any:
        fast to build, a little slower per node, as fast per operand."""
        ops, operands_of, nary = self._ops, self._operands, self._nary

        def kind(i):
            if i in nary:
                return 3
            return {ADD: ADD_KIND, MUL: MUL_KIND}.get(ops[i], len(operands_of[i]))
        forward, backward = [], []
        for i, op in enumerate(ops):
            args = operands_of[i]
            if args:
                forward.append((kind(i), i, op.forward, args[0], args[-1], _gather(args)))
        for i in self._order:
            args = operands_of[i]
            backward.append((kind(i), i, ops[i].local, args[0], args[-1], _gather(args), args))
        self.source_lines = 0
        self._forward = [_Interpreted(forward, _run_forward)]
        self._backward = [_Interpreted(backward, _run_backward)]

    def _function(self, what, start, lines):
        """One generated function, piece(v, g), from its lines."""
        self.source_lines += len(lines)
        namespace = {"F": self._functions, "L": self._locals, "T": self._tables,
                     "_exp": math.exp, "_log": math.log, "_sin": math.sin, "_cos": math.cos}
        source = f"def {what}_{start}(v, g):\n    d = d0 = d1 = gi = a_ = b_ = None\n    " + \
            "\n    ".join(lines or ["pass"]) + "\n"
        code = builtins.compile(source, f"<tinygrad_lite compiled {what}>", "exec")
        exec(code, namespace)   # our own generated source: indices, numbers, F/L/T tables
        return namespace[f"{what}_{start}"]

    # ---- running ---------------------------------------------------------------------------

    def _check_fresh(self):
        if self._module is not None:
            current = self._module.parameters()
            if len(current) != len(self._params_snapshot) or any(
                    a is not b for a, b in zip(current, self._params_snapshot)):
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
        for p, slot, number in zip(self.inputs, self._input_slots, numbers):
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
                self._build()
                self.mode = "code"

    def _locate(self, error):
        """Which node failed (found by replaying the forward one node at a time)."""
        values = self.values
        names = {i: name for name, i in self.names.items()}
        for i, (op, args) in enumerate(zip(self._ops, self._operands)):
            if not args:
                continue
            datas = [values[j] for j in args]
            try:
                values[i] = op.forward(tuple(datas)) if i in self._nary else op.forward(*datas)
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
        for i, leaf in self.leaves:
            grads[i] = leaf.grad
        for p, slot in zip(self.inputs, self._input_slots):
            if slot is not None:
                grads[slot] = p.grad
        seed = _to_float(gradient, "backward(gradient)")
        out = self.output_index
        if self._output_is_leaf:
            grads[out] += seed
        else:
            grads[out] = seed
        start = time.perf_counter()
        for piece in self._backward:
            piece(self.values, grads)
        self._count(time.perf_counter() - start)
        for i, leaf in self.leaves:
            leaf.grad = grads[i]
        for p, slot in zip(self.inputs, self._input_slots):
            if slot is not None:
                p.grad = grads[slot]

    def _slot(self, x):
        if isinstance(x, Value):
            if id(x) not in self._ids:
                raise GraphError("that Value is not a leaf or a named node of this graph")
            return self._ids[id(x)]
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
    ``mode``: "code" generates straight-line code (fastest per node; slow to build, ~70 µs a
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
