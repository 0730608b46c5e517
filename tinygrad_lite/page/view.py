"""What the page shows, as plain data: the drawn graph, and one state per step of a run.

    graph_view(output, ...)   {"nodes", "edges", "states", "program", …}: everything the page
                              draws, numbers in full precision (None where not finite)

A *state* is one step of a run: the parameters at its start, the data points it used, every
drawn node's value and gradient, backward()'s steps in the engine's order, the update (each
parameter's θ − η·g = new value) and the loss after it.  The page draws every number from one
current state (tinygrad_lite/page/page.js), so no number on screen can come from another.

Layout, as a teacher draws it: left to right in layers (each operation one column after its
latest operand, each leaf one column before its first use), rows ordered by a few sweeps of
the barycentre heuristic; constants lifted from plain numbers (the ½ of the tutorial's loss)
are written into their operation's label.  An unnamed node is labelled with the formula it
computes from its operands' names (y1 − q11, (y1 − q11)²), never an internal number.  Beyond
MAX_NODES drawn nodes the graph is collapsed to its named nodes (explain's folding), and
beyond that to the MAX_NODES nearest the output; the page says which.  Every walk is
iterative and linear in the graph.
"""

import math
import time

from ..engine import Value, _constants, backward_order
from ..explain import NamedGraph, explain
from ..messages import LANGUAGES, placeholders, say
from .evaluator import program

__all__ = ["graph_view", "MAX_NODES", "MAX_STATES", "MAX_NUMBERS"]

MAX_NODES = 300           # nodes drawn before the graph is collapsed
MAX_STATES = 60           # steps of a run on the slider; a longer run is sampled evenly
MAX_NUMBERS = 400_000     # numbers the states may carry in all (nodes × states × ~3)
EXPLAIN_BUDGET = 1_000_000  # node visits spent on path sums (explain costs a walk per node)
EXPLAIN_SECONDS = 3.0       # and at most this long: the nodes nearest the output come first
EXPLAIN_CHARACTERS = 300_000  # path sums' text in all states: some steps get none
LABEL_LENGTH = 18         # a formula longer than this is shown as its op, in full on click

OP_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "**": "^", "neg": "−"}
SUPERSCRIPT = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


def _is_constant(node):
    """A plain number lifted to a leaf by an operation (the engine's shared constants)."""
    return node._op is None and node.name is None and _constants.get(node.data) is node


def _number(x):
    """A number for people: 6 significant digits."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    return "0" if x == 0 else f"{x:.6g}"


def _finite(x):
    return x if isinstance(x, float) and math.isfinite(x) else None


# ---- which nodes ---------------------------------------------------------------------------------

def _reachable(output):
    """Every non-constant node of output's graph, output first, nearest first (breadth first)."""
    seen, order = {id(output)}, [output]
    i = 0
    while i < len(order):
        for child in order[i].operands:
            if id(child) not in seen and not _is_constant(child):
                seen.add(id(child))
                order.append(child)
        i += 1
    return order


# ---- names a student knows -----------------------------------------------------------------------

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}


def _formulas(nodes):
    """(formula, precedence) per node, operands first: a name for a named node, else what it
    computes from its operands (y1 − q11, (y1 − q11)², tanh(z1_11)); a formula longer than
    LABEL_LENGTH is kept whole for the panel and its consumers see it as "…"."""
    formulas = {}
    for node in reversed(nodes):                     # output first: operands come later
        if node.name is not None:
            formulas[id(node)] = (node.name, 9)
            continue
        if node._op is None:
            formulas[id(node)] = (_number(node.data), 9)
            continue
        formulas[id(node)] = _formula(node, formulas)
    return formulas


def _formula(node, formulas):
    def part(u, at_least):
        text, p = formulas.get(id(u), (_number(u.data), 9))
        if len(text) > LABEL_LENGTH:
            text, p = "…", 9
        return text if p >= at_least else f"({text})"
    name, operands = node._op.name, node.operands
    if name.startswith("**") and name != "**":
        c = node._op.param
        power = _number(float(c)).translate(SUPERSCRIPT) if c == int(c) else f"^{_number(c)}"
        return part(operands[0], 5) + power, 4
    if name in ("+", "-", "*", "/", "**") and len(operands) == 2:
        p = PRECEDENCE[name]
        symbol = {"*": "·", "-": " − ", "+": " + ", "/": "/", "**": "^"}[name]
        right = p + (0 if name in "+*" else 1)
        return part(operands[0], p) + symbol + part(operands[1], right), p
    if name == "neg":
        return "−" + part(operands[0], 3), 3
    if name == "linear":
        n = len(operands) // 2
        terms = [part(w, 3) + "·" + part(x, 3) for w, x in zip(operands[:n], operands[n:2 * n])]
        if len(operands) % 2:
            terms.append(part(operands[-1], 2))
        return " + ".join(terms), 1
    return f"{name}(" + ", ".join(part(u, 0) for u in operands) + ")", 9


def _labels(nodes, output, formulas):
    """What each box is called: its name, its formula while short, else its op's symbol."""
    labels = {}
    for node in nodes:
        text = formulas[id(node)][0]
        if node.name is None and len(text) > LABEL_LENGTH:
            text = OP_SYMBOLS.get(node._op.name, node._op.name) if node._op else "·"
        labels[id(node)] = text
    if output.name is None and output._op is not None and len(formulas[id(output)][0]) > \
            LABEL_LENGTH:
        labels[id(output)] = "f"
    return labels


def _op_text(node):
    """What a node computes, with its constant operands written in: ``× 0.5``, ``^ 2``."""
    if node._op is None:
        return ""
    name = node._op.name
    if name.startswith("**") and name != "**":      # x ** c with c fixed: the op is "**c"
        return "^ " + name[2:]
    symbol = OP_SYMBOLS.get(name, name)
    constants = [_number(c.data) for c in node.operands if _is_constant(c)]
    if isinstance(node._op.param, (int, float)) and name != "**":
        constants.append(_number(float(node._op.param)))
    return f"{symbol} {', '.join(constants)}" if constants else symbol


def _kind(node, inputs):
    if node._op is not None:
        return "op"
    return "input" if id(node) in inputs else "leaf"


# ---- layout ---------------------------------------------------------------------------------------

def _layout(nodes, edges, fixed=None, band=None):
    """Columns (layers) and rows for ``nodes`` (output first, operands after their consumers
    somewhere) given ``edges`` [(operand index, consumer index)]; ``fixed`` {index: column}
    places chosen leaves (the data in column 0, each layer's parameters in its own column).
    Returns (column, row) per node."""
    fixed, band = fixed or {}, band or {}
    n = len(nodes)
    operands = [[] for _ in range(n)]
    consumers = [[] for _ in range(n)]
    for u, v in edges:
        operands[v].append(u)
        consumers[u].append(v)
    # topological order, operands first (Kahn on the consumer counts, from the output)
    remaining = [len(c) for c in consumers]
    order, ready = [], [i for i in range(n) if remaining[i] == 0]
    while ready:
        v = ready.pop()
        order.append(v)
        for u in operands[v]:
            remaining[u] -= 1
            if remaining[u] == 0:
                ready.append(u)
    order.reverse()                                   # operands before consumers
    column = [0] * n
    for v in order:
        if operands[v]:
            column[v] = 1 + max(column[u] for u in operands[v])
        elif v in fixed:
            column[v] = fixed[v]
    for v in reversed(order):                         # leaves: one column before first use
        if not operands[v] and consumers[v] and v not in fixed:
            column[v] = min(column[c] for c in consumers[v]) - 1
    low = min(column) if column else 0
    column = [c - low for c in column]
    layers = {}
    for v in range(n):                                # first seen (breadth first) first
        layers.setdefault(column[v], []).append(v)
    position = {}
    for members in layers.values():
        for r, v in enumerate(members):
            position[v] = r
    columns = sorted(layers)
    for sweep in range(4):                            # barycentre sweeps, right-left then left-right
        sequence = reversed(columns) if sweep % 2 == 0 else columns
        for c in sequence:
            neighbours = consumers if sweep % 2 == 0 else operands

            def key(v):
                near = neighbours[v]
                centre = (sum(position[u] for u in near) / len(near)) if near else position[v]
                return band.get(v, -1), centre
            layers[c].sort(key=key)
            for r, v in enumerate(layers[c]):
                position[v] = r
    height = max(len(m) for m in layers.values()) if layers else 1
    rows = [0.0] * n
    for members in layers.values():
        offset = (height - len(members)) / 2         # centre short columns
        for r, v in enumerate(members):
            rows[v] = offset + r
    return column, rows


# ---- the page's data ------------------------------------------------------------------------------

def graph_view(output, lang="en", run=None, title=None, subtitle=(), max_nodes=MAX_NODES,
               columns=None, bands=None, inputs=()):
    """Everything the page shows, as plain data.

    ``output``: the Value drawn (run backward() first to see gradients).  ``run``: the steps
    of a training run, each {"epoch", "points", "output" (that step's graph, backward done),
    "lr", "after" ({parameter name: value after the update}), "loss_after"}; without it the
    page has one state, ``output`` itself.  ``columns`` {id(leaf): column} and ``bands``
    {id(node): k} place chosen nodes (the practice page: data, then layer by layer, data point
    1 above data point 2); ``inputs``: the leaves that are data (X, y), editable like the
    parameters.  ``title`` and ``subtitle`` (lines) say what the page is."""
    if not isinstance(output, Value):
        raise TypeError(f"to_html: expected a Value, got {type(output).__name__}")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 2:
        raise ValueError(f"to_html: max_nodes must be a whole number >= 2, got {max_nodes!r}")
    everything = _reachable(output)
    note = None
    if len(everything) <= max_nodes:
        shown, folded = everything, False
    else:
        named = NamedGraph(output)
        heads = [output] + [h for h in named.heads if h is not output]
        folded = True
        if len(heads) <= max_nodes:
            shown = heads
            note = say("page.collapsed", lang, total=f"{len(everything):,}", shown=len(shown))
        else:
            shown = heads[:max_nodes]
            note = say("page.capped", lang, total=f"{len(everything):,}", shown=max_nodes)
    index = {id(v): i for i, v in enumerate(shown)}
    formulas = _formulas(shown) if not folded else \
        {id(v): (named.labels.get(id(v), v.name or "·"), 9) for v in shown}
    labels = _labels(shown, output, formulas)
    if folded:                                      # explain's folded edges between named nodes
        pairs = [(index[k], index[id(v)]) for v in shown
                 for k in named.edges.get(id(v), {}) if k in index]
    else:
        pairs = [(index[id(u)], index[id(v)]) for v in shown if v._op is not None
                 for u in v.operands if id(u) in index]
    edges = list(dict.fromkeys(pairs))              # a * a: one edge
    fixed = {index[key]: c for key, c in (columns or {}).items() if key in index}
    band = {index[key]: k for key, k in (bands or {}).items() if key in index}
    column, rows = _layout(shown, edges, fixed, band)
    data_ids = {id(v) for v in inputs}
    nodes = [{"id": i, "label": labels[id(v)], "name": v.name, "formula": formulas[id(v)][0],
              "op": _op_text(v), "kind": _kind(v, data_ids), "leaf": v._op is None,
              "value": _finite(v.data), "grad": _finite(v.grad), "value_text": _number(v.data),
              "grad_text": _number(v.grad), "column": column[i], "row": rows[i]}
             for i, v in enumerate(shown)]
    states = _states(output, shown, index, edges, folded, run, named if folded else None,
                     [labels[id(v)] for v in shown], lang)
    code = None if folded else program(shown, index)
    view = {"title": title or say("page.title", lang, output=labels[id(output)]),
            "subtitle": list(subtitle), "lang": lang, "output": 0, "nodes": nodes,
            "edges": [{"from": u, "to": v} for u, v in edges], "states": states,
            "program": code, "note": note, "total_nodes": len(everything),
            "editable": code is not None and all(s.get("full", True) for s in states),
            "words": {key[len("page."):]: _word(key, lang) for key in _WORDS}}
    view["words"]["select"] = say("page.select", lang, output=labels[id(output)])
    return view


def _word(key, lang):
    """A word of the page; a template ({what}, {count}) is kept for page.js to fill in."""
    text = LANGUAGES.get(lang, LANGUAGES["en"]).get(key, LANGUAGES["en"][key])
    return text if placeholders(text) else say(key, lang)


_WORDS = ["page.value", "page.grad", "page.local", "page.inputs", "page.used_by", "page.paths",
          "page.no_paths", "page.step", "page.previous", "page.next", "page.reset",
          "page.epoch", "page.loss", "page.legend", "page.keys", "page.leaf",
          "page.none", "page.backward", "page.loss_curve", "page.not_yet", "page.forward",
          "page.gradients", "page.update", "page.update_rule", "page.loss_after", "page.fit",
          "page.zoom_in", "page.zoom_out", "page.points", "page.not_in_batch", "page.edit",
          "page.edited", "page.edit_off", "page.formula", "page.phase", "page.of",
          "page.reset_edits", "page.lr", "page.new_value", "page.state", "page.not_number",
          "page.how", "page.backward_phase", "page.overflow", "page.original_run",
          "page.path_sum", "page.largest_path", "page.product"]


# ---- states: one per step of the run ---------------------------------------------------------------

def _keys(nodes, formulas):
    """A key per node that names it the same way in another step's graph: its name, or its
    formula (with a count where two unnamed nodes compute the same-looking thing)."""
    keys, seen = [], {}
    for node in nodes:
        key = node.name if node.name is not None else "=" + formulas[id(node)][0]
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def _states(output, shown, index, edges, folded, run, named, labels, lang):
    """The states of the run (at most MAX_STATES, evenly spaced, the first and last kept)."""
    if not run or folded:
        return [_state(output, index, edges, folded, named, shown, labels, lang, None)]
    per_state = 3 * len(shown) + 2 * len(edges)
    limit = max(2, min(MAX_STATES, MAX_NUMBERS // max(per_state, 1)))
    if len(run) > limit:
        stride = (len(run) - 1) / (limit - 1)
        run = [run[round(k * stride)] for k in range(limit)]
    drawn_keys = _keys(shown, _formulas(shown))
    states, graphs = [], []
    for entry in run:
        graph = entry["output"]
        if graph is output:
            mapping = index
        else:
            nodes = _reachable(graph)
            if len(nodes) == len(shown) and all(
                    (a.name, a._op and a._op.name) == (b.name, b._op and b._op.name)
                    for a, b in zip(nodes, shown)):
                mapping = {id(v): i for i, v in enumerate(nodes)}      # the same graph anew
            else:                                   # a mini-batch: the same names, fewer nodes
                position = {key: i for i, key in enumerate(drawn_keys)}
                mapping = {id(v): position[key] for v, key in
                           zip(nodes, _keys(nodes, _formulas(nodes))) if key in position}
        states.append(_state(graph, mapping, edges, False, None, shown, labels, lang, entry,
                             explain=False))
        graphs.append((graph, mapping))
    # path sums for the first and the last step, then others evenly, while the budget lasts
    budget = [EXPLAIN_BUDGET, time.perf_counter() + EXPLAIN_SECONDS]
    spent = 0
    for k in _priority(len(states)):
        graph, mapping = graphs[k]
        nodes = [None] * len(shown)
        for v in _reachable(graph):
            if id(v) in mapping:
                nodes[mapping[id(v)]] = v
        texts = _explanations(graph, nodes, labels, False, lang, budget)
        spent += sum(len(t) for t in texts.values())
        if spent > EXPLAIN_CHARACTERS:
            break
        states[k]["explanations"] = texts
    return states


def _priority(count):
    """0, the last, then the middle of the widest gap, and so on: the states that get path
    sums first when not all of them can."""
    order, seen, gaps = [], set(), [(0, count - 1)]
    for k in (0, count - 1):
        if k not in seen:
            order.append(k)
            seen.add(k)
    while gaps:
        gaps.sort(key=lambda g: g[1] - g[0])
        low, high = gaps.pop()
        middle = (low + high) // 2
        if middle in seen:
            continue
        order.append(middle)
        seen.add(middle)
        gaps += [(low, middle), (middle, high)]
    return order


def _state(graph, mapping, edges, folded, named, shown, labels, lang, entry, explain=True):
    entry = dict(entry, lang=lang) if entry is not None else None
    """One state: the values, gradients and local derivatives of the drawn nodes in ``graph``
    (mapped by ``mapping``: id(node) -> drawn id), backward's steps, the update."""
    size = len(shown)
    values, grads = [None] * size, [None] * size
    nodes = [None] * size
    for v in _reachable(graph) if graph is not None else ():
        i = mapping.get(id(v))
        if i is not None:
            nodes[i] = v
            values[i], grads[i] = _finite(v.data), _finite(v.grad)
    locals_ = [None] * len(edges)
    if folded:
        for k, (u, v) in enumerate(edges):
            d = named.edges.get(id(shown[v]), {}).get(id(shown[u]))
            locals_[k] = _finite(d[1]) if d else None
    else:
        position = {pair: k for k, pair in enumerate(edges)}
        for v in (n for n in nodes if n is not None and n._op is not None):
            operands = v.operands
            d = v._op.derivatives([u.data for u in operands], v.data)
            summed = {}
            for u, local in zip(operands, d):
                k = position.get((mapping.get(id(u)), mapping[id(v)]))
                if k is not None:
                    summed[k] = summed.get(k, 0.0) + local      # a * a: the shares summed
            for k, local in summed.items():
                locals_[k] = _finite(local)
    ops = {i: _op_text(v) for i, v in enumerate(nodes)
           if v is not None and v is not shown[i] and _op_text(v) != _op_text(shown[i])}
    state = {"values": values, "grads": grads, "locals": locals_, "ops": ops,
             "steps": _backward_steps(graph, mapping),
             "missing": [i for i in range(size) if nodes[i] is None],
             "loss": _finite(graph.data), "explanations": {}}
    if entry is not None:
        state.update({"epoch": entry["epoch"], "points": entry.get("points"),
                      "full": entry.get("full", True), "loss_after": _finite(entry.get(
                          "loss_after", math.nan)), "update": _update(entry, nodes)})
    if explain:
        state["explanations"] = _explanations(graph, nodes, labels, folded, lang)
    return state


def _update(entry, nodes):
    """Each drawn parameter's update: [node, before, gradient, after]."""
    after = entry.get("after")
    if after is None:
        return None
    rows = []
    for i, v in enumerate(nodes):
        if v is not None and v.name in after:
            rows.append([i, _finite(v.data), _finite(v.grad), _finite(after[v.name])])
    rule = entry.get("rule", "sgd")
    return {"lr": entry.get("lr"), "rule": rule, "rows": rows,
            "text": None if rule == "sgd" else say(
                "page.update_other", entry["lang"],
                optimizer=say("report.optimizer." + rule, entry["lang"])
                if "report.optimizer." + rule in LANGUAGES["en"] else rule)}


def _backward_steps(output, mapping):
    """backward()'s steps over the drawn nodes: each processed node with its (final) gradient,
    and the drawn operands' gradients accumulated so far, replayed on floats in the engine's
    order and arithmetic (a leaf's earlier gradient is not counted: this backward's share)."""
    order = backward_order(output)
    accumulated = {id(output): output.grad}
    steps = []
    for node in order:
        g = accumulated.get(id(node), 0.0)
        operands = node.operands
        changes = {}
        for u, d in zip(operands, node._op.derivatives([w.data for w in operands], node.data)):
            accumulated[id(u)] = accumulated.get(id(u), 0.0) + d * g
            if id(u) in mapping:
                changes[mapping[id(u)]] = _finite(accumulated[id(u)])
        if id(node) in mapping:
            steps.append({"node": mapping[id(node)], "grad": _finite(g),
                          "changes": [[k, changes[k]] for k in sorted(changes)]})
        elif changes and steps:                   # an undrawn node fed drawn ones
            merged = dict(steps[-1]["changes"])
            merged.update(changes)
            steps[-1]["changes"] = [[k, merged[k]] for k in sorted(merged)]
    return steps


def _explanations(output, nodes, labels, folded, lang, budget=None):
    """explain()'s path sum, as text, for each drawn node of this state (as many as the budget
    allows).  Paths run through the named nodes, as ``--explain`` prints them; in a graph with
    no named interior node, through every drawn node, by its label on the page."""
    present = [v for v in nodes if v is not None]
    total = len(_reachable(output))
    budget = budget or [EXPLAIN_BUDGET, time.perf_counter() + EXPLAIN_SECONDS]
    named_inside = any(v.name is not None and v._op is not None for v in present
                       if v is not output)
    keep = [] if folded or named_inside else present
    shown_labels = {id(v): labels[i] for i, v in enumerate(nodes) if v is not None}
    texts = {}
    for i, node in enumerate(nodes):
        if node is None or node is output:
            continue
        if budget[0] < total or time.perf_counter() > budget[1]:
            break
        budget[0] -= total
        try:
            e = explain(output, node, max_paths=3, keep=keep, labels=shown_labels,
                        max_formula=24, max_factors=40)
        except (OverflowError, ValueError, ZeroDivisionError):
            continue
        texts[str(i)] = e.text(lang)
    return texts
