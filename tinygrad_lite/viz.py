"""The graph as a picture: Graphviz DOT text of any Value's graph, and rendering it.

    to_dot(output, max_nodes=200)     DOT text (no dependency): a box per Value with its name,
                                      op, data and grad; an arrow from each operand to its result
    render(dot_text, path)            SVG or PNG through the optional graphviz package
    to_html(output, path)             the interactive page (tinygrad_lite.page): no dependency
    VizError                          rendering is not possible here, and why

Large graphs are capped: the ``max_nodes`` nodes nearest the output are drawn and a note says
how many were left out.
"""

from collections import deque

from .messages import Sentence, Translatable
from .page import to_html

__all__ = ["to_dot", "render", "to_html", "VizError"]

NON_COMMUTATIVE = {"-", "/", "**"}


class VizError(Translatable, RuntimeError):
    """The graph cannot be rendered here (a missing package or program); the message says why."""


def _escape(text):
    out = str(text)
    for ch in '\\"{}|<>':
        out = out.replace(ch, "\\" + ch)
    return out


def _number(x):
    return f"{x:.4g}"


def to_dot(output, max_nodes=200, title=None):
    """The graph behind ``output`` as DOT text, drawn left (inputs) to right (output)."""
    if max_nodes < 1:
        raise ValueError(f"to_dot: max_nodes must be >= 1, got {max_nodes!r}")
    # breadth first from the output: the nodes nearest it are kept when the graph is capped
    ids, order, queue, total = {id(output): 0}, [output], deque([output]), None
    seen = {id(output)}
    while queue:
        node = queue.popleft()
        for child in node.operands:
            if id(child) not in seen:
                seen.add(id(child))
                if len(order) < max_nodes:
                    ids[id(child)] = len(order)
                    order.append(child)
                queue.append(child)
    total = len(seen)
    lines = ["digraph tinygrad_lite {", "  rankdir=LR;",
             '  node [shape=record, fontname="Helvetica", fontsize=10];']
    if title:
        lines.append(f'  label="{_escape(title)}"; labelloc=t;')
    for node in order:
        parts = []
        if node.name is not None:
            parts.append(_escape(node.name))
        parts.append(_escape(node.op.name) if node.op is not None else "leaf")
        parts.append(f"data {_escape(_number(node.data))}")
        parts.append(f"grad {_escape(_number(node.grad))}")
        style = ', style=filled, fillcolor="#e8f0fe"' if node.name is not None else ""
        lines.append(f'  n{ids[id(node)]} [label="{{{" | ".join(parts)}}}"{style}];')
    for node in order:
        operands = node.operands
        numbered = node.op is not None and node.op.name in NON_COMMUTATIVE
        for position, child in enumerate(operands):
            if id(child) in ids:
                label = f' [label="{position + 1}"]' if numbered else ""
                lines.append(f"  n{ids[id(child)]} -> n{ids[id(node)]}{label};")
    if total > len(order):
        lines.append(f'  note [shape=note, label="graph capped: {total - len(order)} of '
                     f'{total} nodes not shown (max_nodes={max_nodes})"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_text, path):
    """Write ``dot_text`` rendered as SVG or PNG (by the file's ending) to ``path``."""
    kind = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if kind not in ("svg", "png"):
        raise VizError(Sentence("viz.ending", path=repr(path)))
    try:
        import graphviz
    except ImportError:
        raise VizError(Sentence("viz.no_package")) from None
    try:
        data = graphviz.Source(dot_text).pipe(format=kind)
    except graphviz.ExecutableNotFound:
        raise VizError(Sentence("viz.no_program")) from None
    with open(path, "wb") as file:
        file.write(data)
    return path
