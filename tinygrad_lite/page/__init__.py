"""The interactive page of a graph: backpropagation to look at, step through and edit.

    graph_view(output, ...)     the page's contents as plain data (view.py): the drawn graph
                                and one state per step of a run
    to_html(output, path=None)  one self-contained HTML file (document.py): inline SVG, CSS
                                and JavaScript (page.css, page.js), no network request of any
                                kind; returns the HTML text
    notebook_html(output)       the same page in an iframe, for Jupyter's _repr_html_
    program(nodes, index)       the page's evaluator, generated from the engine's op table
                                (evaluator.py)

What the page shows, all from one current state: every node with its name (or the formula
it computes), value and gradient, coloured by the gradient shown (red +, blue −, grey: not
reached yet); a node's panel with ∂L/∂node, the local derivative on each edge and the path
sum from ``explain``; the phases of a step (forward, each backward step in the engine's
order, the update θ ← θ − η·g with the loss after it); a slider over the steps of a run with
the loss curve; live editing of any input, label, parameter or η, recomputed in the page by
the evaluator generated from the same op table as Python.  The graph fits the screen at load
and pans and zooms with pointer, wheel and touch; every control is a button as well as a key.
"""

import html

from .document import document
from .evaluator import program
from .view import MAX_NODES, MAX_STATES, graph_view

__all__ = ["graph_view", "to_html", "notebook_html", "program", "MAX_NODES", "MAX_STATES"]


def to_html(output, path=None, lang="en", run=None, title=None, subtitle=(), max_nodes=MAX_NODES,
            columns=None, bands=None, inputs=()):
    """The page of ``output``'s graph (run backward() first to see gradients); written to
    ``path`` if given (atomically). Returns the HTML text.  See graph_view for the options."""
    if lang not in ("en", "ko"):
        raise ValueError(f"to_html: lang must be 'en' or 'ko', got {lang!r}")
    view = graph_view(output, lang=lang, run=run, title=title, subtitle=subtitle,
                      max_nodes=max_nodes, columns=columns, bands=bands, inputs=inputs)
    text = document(view)
    if path is not None:
        from ..files import write_atomically
        write_atomically(path, text)
    return text


def notebook_html(output):
    """The page in an iframe (its own document, so its script and styles stay inside)."""
    return (f'<iframe srcdoc="{html.escape(to_html(output), quote=True)}" '
            'style="width:100%;height:640px;border:1px solid #ccc" '
            'title="tinygrad_lite graph"></iframe>')
