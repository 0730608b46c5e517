"""The page as one offline HTML file: the view's data as JSON, the evaluator generated from the
op table, and page.js / page.css (files of this package) inlined.

    document(view)   the HTML text

Every text a user chose (names, expressions, formulas, titles) reaches the page as text: in
HTML it is escaped, and inside a <script> the JSON has no '<' at all, so nothing can end the
script block or open a comment.
"""

import html
import json
import math
from pathlib import Path

from ..messages import gloss
from .view import LABEL_LENGTH

__all__ = ["document"]

HERE = Path(__file__).resolve().parent
COLUMN, ROW = 190, 64     # the layout's grid, in SVG units
BOX_W, BOX_H = 150, 50
LANGUAGES = ("en", "ko")


def _asset(name):
    return (HERE / name).read_text(encoding="utf-8")


def _script_json(value):
    """JSON that is safe inside <script>: strict (no NaN), and no '<' at all (so no
    '</script>' or '<!--' in a name can end or confuse the block)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _ops_script(program):
    """The evaluator: each op's forward and local derivatives as JavaScript functions."""
    if program is None:
        return "window.TINYGRAD_OPS = {};"
    entries = []
    for key, code in program["ops"].items():
        derivatives = ", ".join(code["d"])
        entries.append(f"{_script_json(key)}: {{f: function (a) {{ return {code['f']}; }}, "
                       f"d: function (a, o) {{ return [{derivatives}]; }}}}")
    return "window.TINYGRAD_OPS = {" + ",\n".join(entries) + "};"


def _cut(text, limit):
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _svg(view):
    nodes, words = view["nodes"], view["words"]
    width = (max((n["column"] for n in nodes), default=0) + 1) * COLUMN + 20
    height = (max((n["row"] for n in nodes), default=0) + 1) * ROW + 20
    e = html.escape
    out = [f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'data-width="{width}" data-height="{height}" data-box-w="{BOX_W}" '
           f'data-box-h="{BOX_H}" role="group" aria-label="{e(view["title"])}">']
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
               'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker>'
               '</defs><g id="edges">')
    for k, edge in enumerate(view["edges"]):
        a, b = nodes[edge["from"]], nodes[edge["to"]]
        x1, y1 = a["column"] * COLUMN + 10 + BOX_W, a["row"] * ROW + 10 + BOX_H / 2
        x2, y2 = b["column"] * COLUMN + 10, b["row"] * ROW + 10 + BOX_H / 2
        mid = (x1 + x2) / 2
        out.append(f'<path class="edge" id="e{k}" data-from="{edge["from"]}" '
                   f'data-to="{edge["to"]}" d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} '
                   f'{mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" marker-end="url(#arrow)"/>')
    out.append('</g><g id="nodes">')
    for n in nodes:
        x, y = n["column"] * COLUMN + 10, n["row"] * ROW + 10
        constant = " " in n["op"]           # × 0.5, ^ 2: an op with a number written in
        head = n["label"] + (f"  {n['op']}" if constant and n["name"] else "")
        aria = (f'{n["formula"]}{": " + n["op"] if n["op"] else ""}, {words["value"]} '
                f'{n["value_text"]}, {words["grad"]} {n["grad_text"]}')
        out.append(
            f'<g class="node{" leaf" if n["leaf"] else ""}" id="n{n["id"]}" tabindex="0" '
            f'role="button" aria-label="{e(aria)}" data-id="{n["id"]}" '
            f'data-label="{e(n["label"])}" data-kind="{n["kind"]}" data-x="{x}" data-y="{y}" '
            f'data-value="{json.dumps(n["value"])}" data-grad="{json.dumps(n["grad"])}" '
            f'transform="translate({x},{y})"><title>{e(n["formula"])}</title>'
            f'<rect width="{BOX_W}" height="{BOX_H}" rx="6" fill="#ffffff"/>'
            f'<text class="head" x="8" y="16">{e(_cut(head, LABEL_LENGTH + 4))}</text>'
            f'<text class="val" x="8" y="31">{e(words["value"])} '
            f'<tspan class="v">{e(n["value_text"])}</tspan></text>'
            f'<text class="grd" x="8" y="44">{e(words["grad"])} '
            f'<tspan class="g">{e(n["grad_text"])}</tspan></text></g>')
    out.append("</g></svg>")
    return "".join(out)


def _loss_svg(view):
    """The loss of each state as a curve, with a marker that follows the current state."""
    losses = [s.get("loss") for s in view["states"]]
    finite = [x for x in losses if x is not None and math.isfinite(x)]
    if len(view["states"]) < 2 or not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    w, h, pad = 360, 200, 84
    points = []
    for k, x in enumerate(losses):
        px = pad + (w - pad - 10) * (k / max(1, len(losses) - 1))
        py = 20 + (h - pad - 20) * (1 - ((x if x is not None else hi) - lo) / span)
        points.append(f"{px:.1f},{py:.1f}")
    words = view["words"]
    e = html.escape
    return (f'<svg id="loss" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="{e(words["loss_curve"])}">'
            f'<line x1="{pad}" y1="{h - pad}" x2="{w - 10}" y2="{h - pad}" stroke="#444"/>'
            f'<line x1="{pad}" y1="20" x2="{pad}" y2="{h - pad}" stroke="#444"/>'
            f'<text x="{w / 2}" y="{h - pad + 30}" text-anchor="middle">{e(words["state"])}'
            f'</text><text x="{pad + 6}" y="14">{e(words["loss"])}</text>'
            f'<text x="{pad - 4}" y="24" text-anchor="end" class="tick">{e(_number(hi))}</text>'
            f'<text x="{pad - 4}" y="{h - pad}" text-anchor="end" class="tick">{e(_number(lo))}'
            f'</text><polyline fill="none" stroke="#c0392b" stroke-width="2" '
            f'points="{" ".join(points)}"/><circle id="loss-mark" r="5" fill="#2c3e50" '
            f'cx="-10" cy="-10"/></svg>')


def _number(x):
    return "0" if x == 0 else f"{x:.6g}"


def document(view):
    """The whole page, one self-contained HTML file."""
    if view["lang"] not in LANGUAGES:
        raise ValueError(f"to_html: lang must be one of {', '.join(LANGUAGES)}, "
                         f"got {view['lang']!r}")
    words, e = dict(view["words"]), html.escape
    title, subtitle_lines = view["title"], list(view["subtitle"])
    glossed = gloss("\x00".join([title] + subtitle_lines + [words["legend"]]),
                    view["lang"]).split("\x00")          # the terms of class, once per page
    title, subtitle_lines, words["legend"] = glossed[0], glossed[1:-1], glossed[-1]
    states = view["states"]
    has_update = any(s.get("update") for s in states)
    slider = ""
    if len(states) > 1:
        slider = (f'<section id="states" aria-label="{e(words["state"])}">'
                  f'<h2>{e(words["state"])}</h2>'
                  f'<button id="state-prev" type="button" aria-label="{e(words["previous"])}">◀'
                  f'</button> <button id="state-next" type="button" '
                  f'aria-label="{e(words["next"])}">▶</button>'
                  f'<input id="state" type="range" min="0" max="{len(states) - 1}" value="0" '
                  f'step="1" aria-label="{e(words["state"])}">{_loss_svg(view)}'
                  f'<p id="curve-note" class="note"></p></section>')
    update_button = (f'<button id="phase-update" type="button" aria-pressed="false">'
                     f'{e(words["update"])}</button>') if has_update else ""
    update_box = '<section id="update" aria-live="polite"></section>' if has_update else ""
    subtitle = "".join(f'<p class="subtitle">{e(line)}</p>' for line in subtitle_lines)
    note = f'<p id="note" role="note">{e(view["note"])}</p>' if view["note"] else ""
    return f"""<!DOCTYPE html>
<html lang="{e(view["lang"])}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>{e(view["title"])}</title>
<style>{_asset("page.css")}</style>
</head>
<body>
<header><h1>{e(title)}</h1>{subtitle}{note}
<details><summary>{e(words["how"])}</summary>
<p class="legend">{e(words["legend"])}</p>
<p class="keys">{e(words["keys"])}</p></details></header>
<nav id="toolbar" aria-label="{e(words["backward"])}">
<span class="group"><button id="phase-forward" type="button" aria-pressed="false">{e(words["forward"])}</button>
<button id="prev" type="button" aria-label="{e(words["previous"])}">◀ {e(words["previous"])}</button>
<button id="next" type="button" aria-label="{e(words["next"])}">{e(words["next"])} ▶</button>
<button id="phase-backward" type="button" aria-pressed="true">{e(words["gradients"])}</button>
{update_button}<button id="reset" type="button">{e(words["reset"])}</button></span>
<span class="group"><button id="zoom-in" type="button" aria-label="{e(words["zoom_in"])}">＋</button>
<button id="zoom-out" type="button" aria-label="{e(words["zoom_out"])}">－</button>
<button id="zoom-fit" type="button">{e(words["fit"])}</button>
<button id="reset-edits" type="button" hidden>{e(words["reset_edits"])}</button></span>
<p id="status" aria-live="polite"></p>
<p id="step-text" aria-live="polite"></p>
</nav>
<main>
<div id="canvas">{_svg(view)}</div>
<aside>
<p id="edit-error" role="alert"></p>
<section id="panel" aria-live="polite"><p>{e(words["select"])}</p></section>
{update_box}
{slider}
</aside>
</main>
<script type="application/json" id="data">{_script_json(view)}</script>
<script>{_ops_script(view["program"])}</script>
<script>{_asset("page.js")}</script>
</body>
</html>
"""
