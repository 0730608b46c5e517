"""Generating a recorded graph's code: straight-line Python, one line per node forward and one
per operand backward, derived from the ops' own rules.

    generate(recording, forward_cut=None)   -> Code: .forward and .backward pieces, each called
                                              as piece(v, g), and .source_lines

Each op's rules are worked out once (rules.py) and filled in per node.  Values and gradients of unnamed inner nodes that no later piece
reads live in local variables; a repeated subgraph is written once, as the body of a loop over
its copies (tinygrad_lite.rolling).  The generated source contains only generated identifiers
and numbers — never a name or any other text a user typed.
"""

import builtins
import math
from operator import itemgetter

from .. import rolling
from ..rolling import ABS, REL, VAR
from . import schedule
from .rules import Rule, value_mark
from .schedule import _gather

__all__ = ["generate", "Code", "MANY"]

MANY = 6    # operands from which a node's code is written as a loop rather than line by line

def _runs(derivatives):
    """The operands in order, grouped as the backward code adds their shares: a run of more
    than MANY derivatives that are operand values (a dot product's) is one loop over
    (operand, value) index pairs; every other operand is one line.  Yields ("loop", a function
    of a node's operand numbers giving those pairs) or ("line", operand position, derivative
    pattern)."""
    run = []
    for pos, d in enumerate(derivatives):
        n = value_mark(d)
        if n is not None:
            run.append((pos, n, d))
            continue
        yield from _flush(run)
        run = []
        yield ("line", pos, d)
    yield from _flush(run)


def _flush(run):
    if len(run) > MANY:
        # the operands and the values their shares are taken from, each read in one C call
        operands, values = itemgetter(*[pos for pos, _, _ in run]), \
            itemgetter(*[n for _, n, _ in run])
        yield ("loop", lambda args: tuple(zip(operands(args), values(args))))
    else:
        for pos, _, d in run:
            yield ("line", pos, d)



class Code:
    """The generated pieces, and the tables their code reads: F (forward functions called at
    run time), L (local rules called at run time), T (index tables)."""

    def __init__(self, functions, local_rules, tables):
        self.functions, self.locals, self.tables = functions, local_rules, tables
        self.forward, self.backward = [], []
        self.source_lines = 0

    def function(self, what, start, lines):
        """One generated function, piece(v, g), from its lines."""
        self.source_lines += len(lines)
        namespace = {"F": self.functions, "L": self.locals, "T": self.tables,
                     "_exp": math.exp, "_log": math.log, "_sin": math.sin, "_cos": math.cos}
        source = f"def {what}_{start}(v, g):\n    d = d0 = d1 = gi = a_ = b_ = None\n    " + \
            "\n    ".join(lines or ["pass"]) + "\n"
        code = builtins.compile(source, f"<tinygrad_lite compiled {what}>", "exec")
        exec(code, namespace)   # our own generated source: indices, numbers, F/L/T tables
        return namespace[f"{what}_{start}"]


def generate(recording, forward_cut=None):
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
    ops, operands_of, order, nary = recording.ops, recording.operands, recording.order, \
        recording.nary
    functions, local_rules, tables_ = [], [], []
    rules, function_index = {}, {}

    def rule(function, arity, many, with_out):
        key = (id(function), arity, many)
        if key not in rules:
            rules[key] = Rule(function, arity, many, with_out)
        return rules[key]

    def slot(table, item):
        key = (id(table), id(item))
        if key not in function_index:
            function_index[key] = len(table)
            table.append(item)
        return function_index[key]

    def table(item):
        tables_.append(item)
        return len(tables_) - 1

    runs_of = {}

    def runs(derivatives):
        """_runs(derivatives) as a list, worked out once per list of patterns: every node of
        one op and arity shares its rule's list (a layer's dot products, thousands of them)."""
        key = id(derivatives)
        found = runs_of.get(key)
        if found is None:
            found = runs_of[key] = (derivatives, list(_runs(derivatives)))
        return found[1]

    # ---- pass 1: each node's rules, the repeated runs, and what must live in the lists:
    # leaves (fed and read back), named nodes and the output (value() and grad()), what a
    # table reads, every value the backward uses, and whatever one piece of code (a
    # function, or one copy of a repeated run) hands to another.
    computed = [i for i, args in enumerate(operands_of) if args]
    listed, read_back = set(), set()
    forward_rules, backward_rules = {}, {}
    # an op's rules, looked up by the op (an n-ary node's by the op and its operand count)
    forward_of, backward_of = {}, {}
    for i in computed:
        args = operands_of[i]
        key = ops[i]
        if i in nary:
            if len(args) > MANY:
                listed.update(args)             # gathered by an itemgetter
                continue
            key = (key, len(args))
        found = forward_of.get(key)
        if found is None:
            found = forward_of[key] = rule(ops[i].forward, len(args), i in nary, False)
        forward_rules[i] = found
    for i in order:
        args = operands_of[i]
        key = (ops[i], len(args)) if i in nary else ops[i]
        found = backward_of.get(key)
        if found is None:
            found = backward_of[key] = rule(ops[i].local, len(args), i in nary, True)
        backward_rules[i] = found
        if found.texts is None:
            read_back.update(args)
            read_back.add(i)
            if i in nary:
                listed.update(args)
            continue
        if found.reads_out:
            read_back.add(i)
        if len(args) > MANY:    # (only an n-ary node has more than two operands)
            continue            # every operand is listed already (see above)
        for m in found.reads:
            read_back.add(args[m])
    values = {i for i, args in enumerate(operands_of) if not args} | recording.named
    values |= {recording.output_index} | listed
    grads = set(values)
    values |= read_back
    passes = []
    for seq, listing, cut in ((computed, values, forward_cut), (order, grads, None)):
        segments, piece_of = cut or schedule.segments(seq, schedule.kinds(recording))
        for i in seq:
            args = operands_of[i]
            if len(args) > MANY:
                continue        # an n-ary node: every operand is listed already
            here = piece_of[i]
            for j in args:
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
            k = slot(functions, ops[i].forward)
            lines.append(f"{target} = F[{k}]({tables(_gather)}(v))")
        elif found.texts is None:
            k = slot(functions, ops[i].forward)
            call = "(" + ", ".join(names) + ",)" if i in nary else ", ".join(names)
            lines.append(f"{target} = F[{k}]({call})")
        else:
            lines.extend(line.format(*names) for line in found.spilled)
            lines.append(f"{target} = {found.texts[0].format(*names)}")

    started = set()         # local gradients given their first share
    # a local gradient whose first share is another's gradient as it is (x + y hands its own
    # on to both) is not written out but read as that one, which is final by then: the
    # local's name stands for it until a second share gives it a line of its own
    alias = {}

    def backward_lines(i, names, out, refs, own, tables, lines):
        """Node i's shares.  out: its own value, refs: its operands' gradients and own:
        its gradient, each as (text, is a local variable)."""
        args = operands_of[i]
        found = backward_rules[i]
        if found.texts is None:
            k = slot(local_rules, ops[i].local)
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
        pieces = runs(derivatives) if derivatives is found.texts else list(_runs(derivatives))
        # the node's gradient: its local, else the list entry itself for a single line,
        # else read once into gi
        if own[1]:
            gi = alias.get(own[0], own[0])
        elif len(pieces) == 1 and pieces[0][0] == "line":
            gi = own[0]
        else:
            lines.append(f"gi = {own[0]}")
            gi = "gi"
        for piece in pieces:
            if piece[0] == "loop":
                where = tables(piece[1])
                lines.append(f"for a_, b_ in {where}:")
                lines.append(f"    g[a_] += v[b_] * {gi}")
                continue
            _, pos, d = piece
            d = d.format(*names, o=out)
            sign, term = ("-", gi) if d == "-1.0" else \
                ("+", gi if d == "1.0" else f"({d} * {gi})")
            target, local = refs[pos]
            if not local:
                lines.append(f"{target} {sign}= {term}")
            elif target in started:
                was = alias.pop(target, None)
                lines.append(f"{target} {sign}= {term}" if was is None else
                             f"{target} = {was} {sign} {term}")
            else:           # -0.0 + share is the share; a share of -1.0 * g is that product
                started.add(target)          # (not -g, which would flip a NaN's sign)
                if sign == "+" and term is gi and own[1]:
                    alias[target] = gi
                else:
                    lines.append(f"{target} = {term}" if sign == "+" else
                                 f"{target} = -1.0 * {term}")

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
            first = len(tables_)
            tables_.extend(map(make, map(operands_of.__getitem__, same)))
            columns.append(range(first, len(tables_)))
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

    code = Code(functions, local_rules, tables_)
    for what, (seq, segments, _) in zip(("forward", "backward"), passes):
        pieces = code.forward if what == "forward" else code.backward
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
                # per copy: its shift and its entry of every column
                per_copy = list(zip(shifts, zip(*columns))) if columns else \
                    [(shift, ()) for shift in shifts]
                lines.append(f"for s_, c_ in T[{table(per_copy)}]:")
                lines.extend("    " + line for line in body)
            pieces.append(code.function(what, len(pieces), lines))
    recording.kinds = None                  # only needed to find the copies
    return code
