"""The interactive page of a graph: backpropagation to look at and to walk through.

    graph_view(output, ...)     the page's contents as plain data (nodes, edges, layout,
                                backward's steps, path sums, epochs), for to_html and tests
    to_html(output, path=None)  one self-contained HTML file: inline SVG, CSS and JavaScript,
                                no network request of any kind; returns the HTML text
    notebook_html(output)       the same page in an iframe, for Jupyter's _repr_html_

What the page shows: every node with its name, value and gradient, coloured by the
gradient's sign (red +, blue −) and size; clicking a node (or Enter on it) shows ∂L/∂node, the
local derivative on each of its edges and the path sum from ``explain`` (largest paths
first); a stepper replays backward() node by node, in the order the engine processes them,
with the gradient accumulated so far; with a training history, an epoch slider shows the
parameters, gradients and loss at each epoch beside the loss curve.

Layout, as a teacher draws it: left to right in layers (each operation one column after its
latest operand, each leaf one column before its first use), rows ordered by a few sweeps of
the barycentre heuristic so that edges do not cross needlessly; constants lifted from plain
numbers (the ½ of the tutorial's loss) are written into their operation's label instead of
drawn as loose leaves.  Beyond MAX_NODES drawn nodes the graph is collapsed to its named
nodes (explain's folding), and beyond that to the MAX_NODES nearest the output; the page
says which.  Every walk is iterative and linear in the graph.
"""

import html
import json
import math
import time

from .engine import Value, _constants, backward_order
from .explain import NamedGraph, explain
from .messages import say

__all__ = ["graph_view", "to_html", "notebook_html", "MAX_NODES"]

MAX_NODES = 300           # nodes drawn before the graph is collapsed
EXPLAIN_BUDGET = 1_000_000  # node visits spent on path sums (explain costs a walk per node)
EXPLAIN_SECONDS = 3.0       # and at most this long: the nodes nearest the output come first
MAX_EPOCHS = 500          # epochs on the slider; a longer history is sampled evenly
MAX_HISTORY = 100_000     # numbers the slider may carry (epochs × drawn parameters × 2)
COLUMN, ROW = 190, 64     # the layout's grid, in SVG units
BOX_W, BOX_H = 150, 50

OP_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "**": "^", "neg": "−"}


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


OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def _labels(nodes, output):
    """A label per node: its name, else its op and a number counted from the inputs
    (``tanh#3``, as explain prints a junction); an unnamed leaf is ``leaf#k``, an unnamed
    output ``output``."""
    labels, counts = {}, {}
    for node in reversed(nodes):
        if node.name is not None:
            labels[id(node)] = node.name
            continue
        kind = "leaf" if node._op is None else \
            "pow" if node._op.name.startswith("**") else OP_WORDS.get(node._op.name, node._op.name)
        counts[kind] = counts.get(kind, 0) + 1
        labels[id(node)] = f"{kind}#{counts[kind]}"
    if output.name is None:
        labels[id(output)] = "output"
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

def graph_view(output, lang="en", history=None, title=None, max_nodes=MAX_NODES, columns=None,
               bands=None):
    """Everything the page shows, as plain data (numbers full precision; None where not
    finite).  ``history``: [{"epoch", "loss", "params": {name: value}, "grads": {...}}];
    ``columns``: {id(leaf): column} to place chosen leaves, ``bands``: {id(node): k} to keep
    nodes of band k (a data point) together, above those of band k + 1 (the practice page)."""
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
    labels = _labels(shown, output)
    if folded:                                      # explain's folded edges between named nodes
        named_labels = named.labels
        for v in shown:
            labels[id(v)] = named_labels.get(id(v), labels[id(v)])
        edge_list = [(index[k], index[id(v)], d) for v in shown
                     for k, (u, d) in named.edges.get(id(v), {}).items() if k in index]
    else:
        edge_list = []
        for v in shown:
            if v._op is None:
                continue
            operands = v.operands
            local = v._op.derivatives([u.data for u in operands], v.data)
            for u, d in zip(operands, local):
                if id(u) in index:
                    edge_list.append((index[id(u)], index[id(v)], d))
    merged = {}                                     # a * a: one edge, the derivatives summed
    for u, v, d in edge_list:
        merged[(u, v)] = merged.get((u, v), 0.0) + d
    fixed = {index[key]: c for key, c in (columns or {}).items() if key in index}
    band = {index[key]: k for key, k in (bands or {}).items() if key in index}
    columns, rows = _layout(shown, list(merged), fixed, band)
    nodes = []
    for i, v in enumerate(shown):
        nodes.append({"id": i, "label": labels[id(v)], "name": v.name, "op": _op_text(v),
                      "leaf": v._op is None, "value": _finite(v.data), "grad": _finite(v.grad),
                      "value_text": _number(v.data), "grad_text": _number(v.grad),
                      "column": columns[i], "row": rows[i]})
    edges = [{"from": u, "to": v, "local": _finite(d), "local_text": _number(d)}
             for (u, v), d in merged.items()]
    steps = _backward_steps(output, index)
    explanations = _explanations(output, shown, labels, len(everything), folded, lang)
    view = {"title": title or say("page.title", lang, output=labels[id(output)]),
            "lang": lang, "output": 0, "nodes": nodes, "edges": edges, "steps": steps,
            "explanations": explanations, "note": note, "total_nodes": len(everything),
            "words": {key[len("page."):]: say(key, lang) for key in _WORDS}}
    if history:
        view["history"] = _sampled(history, {n["label"] for n in nodes})
    return view


_WORDS = ["page.value", "page.grad", "page.grad_so_far", "page.local", "page.inputs",
          "page.used_by", "page.paths", "page.no_paths", "page.step", "page.previous",
          "page.next", "page.reset", "page.epoch", "page.loss", "page.legend", "page.keys",
          "page.select", "page.leaf", "page.none", "page.backward", "page.epochs",
          "page.loss_curve", "page.not_yet"]


def _backward_steps(output, index):
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
            if id(u) in index:
                changes[index[id(u)]] = _finite(accumulated[id(u)])
        if id(node) in index:
            steps.append({"node": index[id(node)], "grad": _finite(g),
                          "changes": [[k, changes[k]] for k in sorted(changes)]})
        elif changes and steps:                   # an undrawn node fed drawn ones
            merged = dict(steps[-1]["changes"])
            merged.update(changes)
            steps[-1]["changes"] = [[k, merged[k]] for k in sorted(merged)]
    return steps


def _explanations(output, shown, labels, total, folded, lang):
    """explain()'s path sum, as text, for each drawn node (as many as the budget allows).
    Paths run through the named nodes, as ``--explain`` prints them; in a graph with no named
    interior node, through every drawn node, by its label on the page."""
    affordable = max(0, EXPLAIN_BUDGET // max(total, 1))
    named_inside = any(v.name is not None and v._op is not None for v in shown if v is not output)
    keep = [] if folded or named_inside else shown
    texts = {}
    deadline = time.perf_counter() + EXPLAIN_SECONDS
    for i, node in enumerate(shown[:affordable]):
        if node is output:
            continue
        if time.perf_counter() > deadline:
            break
        try:
            e = explain(output, node, max_paths=3, keep=keep, labels=labels, max_formula=24,
                        max_factors=40)
        except (OverflowError, ValueError, ZeroDivisionError):
            continue
        texts[str(i)] = e.text(lang)
    return texts


def _sampled(history, drawn):
    """The history of the drawn parameters only, at most MAX_EPOCHS epochs and MAX_HISTORY
    numbers in all (evenly spaced epochs, the last always kept)."""
    first = history[0]
    names = [name for name in first["params"] if name in drawn]
    limit = max(2, min(MAX_EPOCHS, MAX_HISTORY // max(1, 2 * len(names))))
    if len(history) > limit:
        stride = len(history) / limit
        history = [history[int(k * stride)] for k in range(limit - 1)] + [history[-1]]
    return [{"epoch": h["epoch"], "loss": h["loss"],
             "params": {name: h["params"][name] for name in names},
             "grads": {name: h["grads"][name] for name in names}} for h in history]


# ---- HTML ----------------------------------------------------------------------------------------

def to_html(output, path=None, lang="en", history=None, title=None, max_nodes=MAX_NODES,
            columns=None, bands=None):
    """The page of ``output``'s graph (run backward() first to see gradients); written to
    ``path`` if given (atomically). Returns the HTML text.  See graph_view for the options."""
    view = graph_view(output, lang=lang, history=history, title=title, max_nodes=max_nodes,
                      columns=columns, bands=bands)
    text = _document(view)
    if path is not None:
        from .files import write_atomically
        write_atomically(path, text)
    return text


def notebook_html(output):
    """The page in an iframe (its own document, so its script and styles stay inside)."""
    return (f'<iframe srcdoc="{html.escape(to_html(output), quote=True)}" '
            'style="width:100%;height:640px;border:1px solid #ccc" '
            'title="tinygrad_lite graph"></iframe>')


def _colour(g, scale):
    """White through red (positive) or blue (negative), by |g| on a square-root scale."""
    if g is None:
        return "#f2d16b"                              # not a finite number
    t = math.sqrt(min(1.0, abs(g) / scale)) if scale > 0 else 0.0
    base = (214, 69, 65) if g > 0 else (52, 120, 198)
    r, gr, b = (round(255 + (c - 255) * t * 0.85) for c in base)
    return f"#{r:02x}{gr:02x}{b:02x}"


def _svg(view):
    nodes, words = view["nodes"], view["words"]
    grads = [abs(n["grad"]) for n in nodes if n["grad"] is not None]
    scale = max(grads) if grads else 0.0
    width = (max((n["column"] for n in nodes), default=0) + 1) * COLUMN + 20
    height = (max((n["row"] for n in nodes), default=0) + 1) * ROW + 20
    out = [f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" role="group" '
           f'aria-label="{html.escape(view["title"])}">']
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
               'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker>'
               '</defs><g id="edges">')
    for k, e in enumerate(view["edges"]):
        a, b = nodes[e["from"]], nodes[e["to"]]
        x1, y1 = a["column"] * COLUMN + 10 + BOX_W, a["row"] * ROW + 10 + BOX_H / 2
        x2, y2 = b["column"] * COLUMN + 10, b["row"] * ROW + 10 + BOX_H / 2
        mid = (x1 + x2) / 2
        out.append(f'<path class="edge" id="e{k}" data-from="{e["from"]}" data-to="{e["to"]}" '
                   f'd="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
                   f'marker-end="url(#arrow)"><title>∂{html.escape(b["label"])}/∂'
                   f'{html.escape(a["label"])} = {e["local_text"]}</title></path>')
    out.append('</g><g id="nodes">')
    for n in nodes:
        x, y = n["column"] * COLUMN + 10, n["row"] * ROW + 10
        head = n["label"] + (f"  {n['op']}" if n["op"] else "")   # the label the panel uses
        aria = (f'{n["label"]}{": " + n["op"] if n["op"] else ""}, {words["value"]} '
                f'{n["value_text"]}, {words["grad"]} {n["grad_text"]}')
        out.append(
            f'<g class="node{" leaf" if n["leaf"] else ""}" id="n{n["id"]}" tabindex="0" '
            f'role="button" aria-label="{html.escape(aria)}" data-id="{n["id"]}" '
            f'data-label="{html.escape(n["label"])}" '
            f'data-value="{json.dumps(n["value"])}" data-grad="{json.dumps(n["grad"])}" '
            f'transform="translate({x},{y})">'
            f'<rect width="{BOX_W}" height="{BOX_H}" rx="6" fill="{_colour(n["grad"], scale)}"/>'
            f'<text class="head" x="8" y="16">{html.escape(_cut(head, 22))}</text>'
            f'<text class="val" x="8" y="31">{html.escape(words["value"])} '
            f'<tspan class="v">{n["value_text"]}</tspan></text>'
            f'<text class="grd" x="8" y="44">{html.escape(words["grad"])} '
            f'<tspan class="g">{n["grad_text"]}</tspan></text></g>')
    out.append("</g></svg>")
    return "".join(out)


def _cut(text, limit):
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _loss_svg(view):
    """The loss curve (a polyline over the epochs) with a marker the slider moves."""
    history = view.get("history")
    if not history:
        return ""
    losses = [h["loss"] for h in history]
    finite = [x for x in losses if x is not None and math.isfinite(x)]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    w, h, pad = 360, 200, 84
    points = []
    for k, x in enumerate(losses):
        if x is None or not math.isfinite(x):
            continue
        px = pad + (w - pad - 10) * (k / max(1, len(losses) - 1))
        py = 20 + (h - pad - 20) * (1 - (x - lo) / span)
        points.append(f"{px:.1f},{py:.1f}")
    words = view["words"]
    return (f'<svg id="loss" width="{w}" height="{h}" role="img" '
            f'aria-label="{html.escape(words["loss_curve"])}">'
            f'<line x1="{pad}" y1="{h - pad}" x2="{w - 10}" y2="{h - pad}" stroke="#444"/>'
            f'<line x1="{pad}" y1="20" x2="{pad}" y2="{h - pad}" stroke="#444"/>'
            f'<text x="{w / 2}" y="{h - 8}" text-anchor="middle">{html.escape(words["epoch"])}'
            f'</text><text x="{pad + 6}" y="14">{html.escape(words["loss"])}</text>'
            f'<text x="{pad - 4}" y="24" text-anchor="end" class="tick">{_number(hi)}</text>'
            f'<text x="{pad - 4}" y="{h - pad}" text-anchor="end" class="tick">{_number(lo)}'
            f'</text><polyline fill="none" stroke="#c0392b" stroke-width="2" '
            f'points="{" ".join(points)}"/><circle id="loss-mark" r="5" fill="#2c3e50" '
            f'cx="-10" cy="-10"/></svg>')


def _json_for_script(view):
    """The view as JSON that is safe inside <script>: strict (no NaN), and no '<' at all (so
    no '</script>' or '<!--' in a name can end or confuse the block)."""
    text = json.dumps(view, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _document(view):
    words = view["words"]
    history = view.get("history")
    slider = ""
    if history:
        slider = (f'<section id="epochs" aria-label="{html.escape(words["epochs"])}">'
                  f'<h2>{html.escape(words["epochs"])}</h2>'
                  f'<label for="epoch">{html.escape(words["epoch"])} '
                  f'<output id="epoch-out">{history[0]["epoch"]}</output></label> '
                  f'<input id="epoch" type="range" min="0" max="{len(history) - 1}" value="0" '
                  f'step="1"> <span id="epoch-loss"></span>{_loss_svg(view)}</section>')
    note = f'<p id="note" role="note">{html.escape(view["note"])}</p>' if view["note"] else ""
    return f"""<!DOCTYPE html>
<html lang="{view["lang"]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>{html.escape(view["title"])}</title>
<style>{_CSS}</style>
</head>
<body>
<header><h1>{html.escape(view["title"])}</h1>
<p class="legend">{html.escape(words["legend"])}</p>
<p class="keys">{html.escape(words["keys"])}</p>{note}</header>
<main>
<div id="canvas">{_svg(view)}</div>
<aside>
<section id="stepper" aria-label="{html.escape(words["backward"])}">
<h2>{html.escape(words["backward"])}</h2>
<button id="prev" type="button">◀ {html.escape(words["previous"])}</button>
<button id="next" type="button">{html.escape(words["next"])} ▶</button>
<button id="reset" type="button">{html.escape(words["reset"])}</button>
<p id="step-text" aria-live="polite"></p>
</section>
<section id="panel" aria-live="polite"><p>{html.escape(words["select"])}</p></section>
{slider}
</aside>
</main>
<script type="application/json" id="data">{_json_for_script(view)}</script>
<script>{_JS}</script>
</body>
</html>
"""


_CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, "NanumGothic", "Malgun Gothic",
       sans-serif;
       margin: 0; color: #222; background: #fafafa; }
header { padding: 8px 16px; border-bottom: 1px solid #ddd; background: #fff; }
h1 { font-size: 18px; margin: 4px 0; } h2 { font-size: 15px; margin: 6px 0; }
.legend, .keys, #note { font-size: 13px; margin: 2px 0; color: #444; }
#note { color: #8a4b00; }
main { display: flex; align-items: flex-start; }
#canvas { flex: 1; overflow: auto; max-height: calc(100vh - 110px); background: #fff; }
aside { width: 380px; padding: 8px 12px; font-size: 13px; max-height: calc(100vh - 110px);
        overflow: auto; }
.node { cursor: pointer; }
.node rect { stroke: #555; stroke-width: 1; }
.node.leaf rect { stroke-dasharray: 4 2; }
.node text { font-size: 12px; fill: #111; }
.node .head { font-weight: bold; font-size: 12px; }
.node:focus { outline: none; } .node:focus rect, .node.selected rect { stroke: #000; stroke-width: 3; }
.node.current rect { stroke: #e67e22; stroke-width: 4; }
.node.done { opacity: 0.75; } .node.waiting { opacity: 0.35; }
.edge { fill: none; stroke: #999; stroke-width: 1.2; }
.edge.hot { stroke: #e67e22; stroke-width: 2.5; }
pre { white-space: pre-wrap; font-size: 12px; background: #f4f4f4; padding: 6px; }
.tick { font-size: 10px; } #loss text { font-size: 11px; }
button { font-size: 13px; margin: 2px; }
table { border-collapse: collapse; } td { padding: 1px 6px; }
"""

_JS = r"""
(function () {
  "use strict";
  var view = JSON.parse(document.getElementById("data").textContent);
  var W = view.words;
  var nodes = view.nodes;
  var el = function (id) { return document.getElementById(id); };
  var fmt = function (x) {
    if (x === null || x === undefined) { return "nan/inf"; }
    if (x === 0) { return "0"; }
    var t = Number(x).toPrecision(6);
    if (t.indexOf("e") < 0 && t.indexOf(".") >= 0) { t = t.replace(/0+$/, "").replace(/\.$/, ""); }
    return t;
  };
  var text = function (s) { return document.createTextNode(s); };
  var box = function (i) { return el("n" + i); };
  var setGrad = function (i, g) {
    var t = box(i).querySelector(".g");
    t.textContent = fmt(g);
  };
  var setValue = function (i, v) { box(i).querySelector(".v").textContent = fmt(v); };

  // ---- selecting a node: its gradient, local derivatives and path sum ----
  var selected = null;
  function select(i) {
    if (selected !== null) { box(selected).classList.remove("selected"); }
    selected = i;
    box(i).classList.add("selected");
    Array.prototype.forEach.call(document.querySelectorAll(".edge"), function (e) {
      var hot = Number(e.getAttribute("data-from")) === i || Number(e.getAttribute("data-to")) === i;
      e.classList.toggle("hot", hot);
    });
    var n = nodes[i], out = nodes[view.output];
    var panel = el("panel");
    panel.textContent = "";
    var h = document.createElement("h2");
    h.id = "panel-title";
    h.appendChild(text(n.label + (n.op ? "  (" + n.op + ")" : "")));
    panel.appendChild(h);
    var p = document.createElement("p");
    p.id = "panel-grad";
    p.appendChild(text(W.value + " = " + fmt(n.value) + ";  ∂" + out.label + "/∂" + n.label +
                       " = " + fmt(n.grad)));
    panel.appendChild(p);
    var lists = [[W.inputs, "to", "from"], [W.used_by, "from", "to"]];
    lists.forEach(function (spec) {
      var rows = view.edges.filter(function (e) { return e[spec[1]] === i; });
      var h3 = document.createElement("h2");
      h3.appendChild(text(spec[0]));
      panel.appendChild(h3);
      if (!rows.length) { panel.appendChild(text(W.none)); return; }
      var table = document.createElement("table");
      rows.forEach(function (e) {
        var tr = document.createElement("tr"), td = document.createElement("td");
        td.appendChild(text("∂" + nodes[e.to].label + "/∂" + nodes[e.from].label + " = " + e.local_text));
        tr.appendChild(td);
        table.appendChild(tr);
      });
      panel.appendChild(table);
    });
    var h4 = document.createElement("h2");
    h4.appendChild(text(W.paths));
    panel.appendChild(h4);
    var pre = document.createElement("pre");
    pre.id = "panel-paths";
    var e = view.explanations[String(i)];
    pre.appendChild(text(i === view.output ? "∂" + n.label + "/∂" + n.label + " = 1" :
                         (e === undefined ? W.no_paths : e)));
    panel.appendChild(pre);
  }
  nodes.forEach(function (n) {
    var g = box(n.id);
    g.addEventListener("click", function () { select(n.id); });
    g.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(n.id); }
    });
  });

  // ---- the backward stepper ----
  var step = -1;
  function showStep() {
    var so = {};
    nodes.forEach(function (n) { box(n.id).classList.remove("current", "done", "waiting"); });
    if (step < 0) {
      nodes.forEach(function (n) { setGrad(n.id, n.grad); });
      el("step-text").textContent = "";
      return;
    }
    so[view.output] = view.steps.length ? view.steps[0].grad : nodes[view.output].grad;
    var done = {};
    for (var k = 0; k <= step; k++) {
      var s = view.steps[k];
      done[s.node] = true;
      s.changes.forEach(function (c) { so[c[0]] = c[1]; });
    }
    nodes.forEach(function (n) {
      var b = box(n.id);
      if (so[n.id] === undefined) { b.querySelector(".g").textContent = W.not_yet; }
      else { setGrad(n.id, so[n.id]); }
      if (done[n.id]) { b.classList.add("done"); } else if (so[n.id] === undefined) { b.classList.add("waiting"); }
    });
    var cur = view.steps[step];
    box(cur.node).classList.remove("done");
    box(cur.node).classList.add("current");
    el("step-text").textContent = W.step + " " + (step + 1) + " / " + view.steps.length + ": " +
      nodes[cur.node].label + ", ∂" + nodes[view.output].label + "/∂" + nodes[cur.node].label +
      " = " + fmt(cur.grad) + " (" + W.grad_so_far + ")";
  }
  function move(by) {
    if (!view.steps.length) { return; }
    step = Math.max(-1, Math.min(view.steps.length - 1, step + by));
    showStep();
  }
  el("next").addEventListener("click", function () { move(1); });
  el("prev").addEventListener("click", function () { move(-1); });
  el("reset").addEventListener("click", function () { step = -1; showStep(); });
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "INPUT") { return; }
    if (ev.key === "ArrowRight") { ev.preventDefault(); move(1); }
    else if (ev.key === "ArrowLeft") { ev.preventDefault(); move(-1); }
  });

  // ---- the epoch slider ----
  var slider = el("epoch");
  if (slider && view.history) {
    var byLabel = {};
    nodes.forEach(function (n) { byLabel[n.label] = n.id; });
    var losses = view.history.map(function (h) { return h.loss; });
    var poly = document.querySelector("#loss polyline");
    var pts = poly ? poly.getAttribute("points").split(" ") : [];
    var showEpoch = function () {
      var k = Number(slider.value), h = view.history[k];
      el("epoch-out").textContent = h.epoch;
      el("epoch-loss").textContent = W.loss + " = " + fmt(h.loss);
      Object.keys(h.params).forEach(function (name) {
        if (byLabel[name] !== undefined) { setValue(byLabel[name], h.params[name]); }
      });
      Object.keys(h.grads).forEach(function (name) {
        if (byLabel[name] !== undefined) { setGrad(byLabel[name], h.grads[name]); }
      });
      var mark = el("loss-mark");
      if (mark && pts[k]) {
        var xy = pts[k].split(",");
        mark.setAttribute("cx", xy[0]);
        mark.setAttribute("cy", xy[1]);
      }
    };
    slider.addEventListener("input", showEpoch);
    showEpoch();
  }
})();
"""
