"""The interactive page (tinygrad_lite.page): what it holds, checked without a browser.
(tests/test_page_browser.py opens it in headless Chromium.)"""

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tinygrad_lite import Value
from tinygrad_lite.cli import main
from tinygrad_lite.engine import Op, apply, backward_order, linear
from tinygrad_lite.explain import explain
from tinygrad_lite.lab.practice import DEFAULT_CONFIG, Practice, PracticeNetwork
from tinygrad_lite.page import MAX_NODES, graph_view, to_html

ROOT = Path(__file__).resolve().parent.parent


def worked_example():
    p = Practice(PracticeNetwork(DEFAULT_CONFIG), DEFAULT_CONFIG["X"], DEFAULT_CONFIG["y"])
    p.L.backward()
    return p


def by_label(view):
    return {n["label"]: n for n in view["nodes"]}


def replay(view):
    """The gradients the stepper ends with: the last value each node was handed."""
    steps = view["states"][0]["steps"]
    so_far = {view["output"]: steps[0]["grad"]} if steps else {}
    for step in steps:
        so_far.update({k: g for k, g in step["changes"]})
    return so_far


# ---- what the page holds ---------------------------------------------------------------------

def test_every_named_node_of_the_worked_example_has_its_value_and_gradient():
    p = worked_example()
    nodes = by_label(graph_view(p.L))
    for name, v in p.nodes.items():
        assert nodes[name]["value"] == v.data and nodes[name]["grad"] == v.grad, name
    # by hand: ∂L/∂θ12 = -Σ_k (y_k − q_1k)·δ11·X2k (the tutorial's chain rule)
    by_hand = -((1 - 0.455) * 0.3 * 0.5 + (-0.5 - 0.245) * 0.3 * -1)
    assert math.isclose(nodes["θ12"]["grad"], by_hand, rel_tol=1e-12)


def test_the_half_is_written_into_its_op_and_not_drawn_as_a_leaf():
    view = graph_view(worked_example().L)
    assert not [n for n in view["nodes"] if n["leaf"] and n["name"] is None]
    L = by_label(view)["L"]
    assert L["op"] == "× 0.5"
    assert len(view["nodes"]) == 6 + 2 + 21 + 8 + 2 + 2 + 2 + 1 + 1   # X y params p q − ² Σ L


def test_the_layout_reads_x_then_layer_1_then_p_then_layer_2_then_q_then_l():
    p = worked_example()
    view = graph_view(p.L, columns=p.columns(), bands=p.bands())
    column = {n["label"]: n["column"] for n in view["nodes"]}
    assert column["X11"] == 0 and column["θ11"] == column["b1"] == 1
    assert column["p11"] == 2 and column["δ11"] == column["d1"] == 3 and column["q11"] == 4
    assert column["L"] == max(column.values())
    row = {n["label"]: n["row"] for n in view["nodes"]}
    # data point 1 above data point 2, in every column of per-point nodes
    assert max(row[f"p{i}1"] for i in range(1, 5)) < min(row[f"p{i}2"] for i in range(1, 5))
    assert row["X31"] < row["X12"] and row["q11"] < row["q12"]


def test_edges_carry_the_local_derivatives():
    x, w = Value(2.0, name="x"), Value(-3.0, name="w")
    y = (w * x).tanh()
    y.name = "y"
    y.backward()
    view = graph_view(y)
    nodes, locals_ = view["nodes"], view["states"][0]["locals"]
    local = {(nodes[e["from"]]["label"], nodes[e["to"]]["label"]): locals_[k]
             for k, e in enumerate(view["edges"])}
    # the unnamed product is named by what it computes, never by an internal number
    assert local[("x", "w·x")] == -3.0 and local[("w", "w·x")] == 2.0
    assert local[("w·x", "y")] == pytest.approx(1 - math.tanh(-6.0) ** 2, rel=1e-15)


def test_clicking_shows_explains_path_sum_for_that_node():
    p = worked_example()
    view = graph_view(p.L, lang="ko")
    i = by_label(view)["θ12"]["id"]
    text = view["states"][0]["explanations"][str(i)]
    assert "합계 = -0.30525 (역전파로 구한 값 -0.30525, 일치)" in text
    assert "경로 1: θ12 → p12 → q12" in text
    # exactly what explain (and --explain) says, through the named nodes
    assert text == explain(p.L, p.nodes["θ12"], max_paths=3, max_formula=24,
                           max_factors=40).text("ko")


def test_the_stepper_visits_nodes_in_backwards_order():
    p = worked_example()
    view = graph_view(p.L)
    labels = [view["nodes"][s["node"]]["label"] for s in view["states"][0]["steps"]]
    order = backward_order(p.L)
    assert labels[:4] == ["L", "+", "(y1 − q11)²", "y1 − q11"] and len(labels) == len(order)
    assert [v.name for v in order if v.name is not None] == \
        [view["nodes"][s["node"]]["name"] for s in view["states"][0]["steps"]
         if view["nodes"][s["node"]]["name"] is not None]
    assert not any("#" in label for label in labels)            # no internal ids


class Recorder:
    """Ops whose local rule notes each node it is called for: backward() calls a rule when it
    processes the node (these are not + or *, whose rules the engine writes inline)."""

    def __init__(self):
        self.seen = []
        note = self.seen.append
        self.one = Op("one", 1, lambda a: 0.75 * a + 0.125,
                      lambda a, out: note(out) or 0.75)
        self.two = Op("two", 2, lambda a, b: 0.5 * a - 0.25 * b,
                      lambda a, b, out: note(out) or (0.5, -0.25))
        self.many = Op("many", -1, lambda xs: 0.3 * sum(xs) + 0.01,
                       lambda xs, out: note(out) or tuple(0.3 for _ in xs))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_the_steps_are_the_order_in_which_backward_processes_the_nodes(data):
    ops = Recorder()
    pool = [Value(data.draw(st.floats(-1, 1)) + k, name=f"x{k}") for k in range(3)]
    for _ in range(data.draw(st.integers(1, 30))):
        kind = data.draw(st.sampled_from(["one", "two", "many"]))
        picks = [data.draw(st.sampled_from(pool)) for _ in range(data.draw(st.integers(1, 4)))]
        node = apply(ops.one, picks[0]) if kind == "one" else \
            apply(ops.two, picks[0], picks[-1]) if kind == "two" else apply(ops.many, *picks)
        pool.append(node)
    out = pool[-1]
    if out.is_leaf:
        return
    order = [v.data for v in backward_order(out)]
    ops.seen.clear()
    out.backward()
    assert ops.seen == order                       # exactly the engine's order
    view = graph_view(out)
    nodes = view["nodes"]
    assert [nodes[s["node"]]["value"] for s in view["states"][0]["steps"]] == order


def random_graph(data):
    """A random DAG of Values over three named leaves (shared operands, repeated ones)."""
    leaves = [Value(data.draw(st.floats(-2, 2)), name=name) for name in "abc"]
    pool = list(leaves)
    for _ in range(data.draw(st.integers(1, 25))):
        kind = data.draw(st.sampled_from(["+", "*", "-", "tanh", "sq", "lin", "const"]))
        u, v = data.draw(st.sampled_from(pool)), data.draw(st.sampled_from(pool))
        node = {"+": lambda: u + v, "*": lambda: u * v, "-": lambda: u - v,
                "tanh": lambda: u.tanh(), "sq": lambda: u * u,
                "lin": lambda: linear([u, v, 1.5], [v, u, u], 0.25),
                "const": lambda: 0.5 * u + 1.0}[kind]()
        pool.append(node)
    out = pool[-1]
    for v in pool[:-1]:
        out = out + 0.0 * v if data.draw(st.booleans()) and v is not out else out
    return leaves, out


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_replaying_the_steps_gives_backwards_gradients_to_the_bit(data):
    leaves, out = random_graph(data)
    out.backward()
    view = graph_view(out)
    final = replay(view)
    for n in view["nodes"]:
        if n["grad"] is not None and n["id"] in final:
            assert final[n["id"]] == n["grad"], n["label"]      # same order, same arithmetic
    visited = [s["node"] for s in view["states"][0]["steps"]]
    assert len(visited) == len(set(visited))
    position = {k: i for i, k in enumerate(visited)}
    for e in view["edges"]:                                      # consumers before operands
        if e["from"] in position:
            assert position[e["to"]] < position[e["from"]]


def test_a_large_graph_is_collapsed_to_its_named_nodes_and_says_so():
    x = Value(0.5, name="x")
    h = x
    for k in range(1, 201):
        h = (h * 1.001 + 0.001).tanh()
        if k % 4 == 0:
            h.name = f"h{k}"
    h.backward()
    view = graph_view(h)
    assert len(view["nodes"]) == 51 and "only its 51 named nodes are drawn" in view["note"]
    nodes = by_label(view)
    assert nodes["x"]["grad"] == x.grad
    assert len(view["nodes"]) <= MAX_NODES
    # unnamed and more than MAX_NODES even when folded: the nearest nodes, said so
    y = Value(1.0, name="y")
    z = y
    for k in range(1000):
        z = z * 1.0001
        z.name = f"z{k}"
    z.backward()
    capped = graph_view(z)
    assert len(capped["nodes"]) == MAX_NODES and "nearest the output" in capped["note"]


def test_a_deep_chain_makes_a_page_without_recursion():
    x = Value(1.0, name="x")
    h = x
    for _ in range(20_000):
        h = h * 1.000001 + 0.000001
    h.backward()
    text = to_html(h)
    assert "only its 2 named nodes are drawn" in text and len(text) < 100_000


def test_the_page_is_self_contained_and_safe():
    x = Value(1.0, name="</script><script>alert(1)</script>")
    y = x * 2.0
    y.name = "y & <b>"
    y.backward()
    text = to_html(y)
    assert "<script>alert(1)" not in text
    # no resource is fetched: no src, no remote href, a CSP that forbids connections
    assert not re.search(r'\ssrc="', text)
    assert re.findall(r'href="([^"]*)"', text) == ["data:,"]
    assert "default-src 'none'" in text
    assert [u for u in re.findall(r"https?://[^\s\"'<>]+", text)
            if u != "http://www.w3.org/2000/svg"] == []
    data = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    view = json.loads(data.group(1))
    assert view["nodes"][1]["label"] == "</script><script>alert(1)</script>"


def test_non_finite_numbers_are_null_in_the_data_and_said_on_the_box():
    x = Value(0.0, name="x")
    y = x.sqrt()
    y.name = "y"
    y.backward()
    view = graph_view(y)
    assert by_label(view)["x"]["grad"] is None and by_label(view)["x"]["grad_text"] == "inf"
    assert "NaN" not in to_html(y).split('id="data">')[1].split("</script>")[0]


def test_every_node_is_reachable_by_keyboard_and_described_for_screen_readers():
    text = to_html(worked_example().L)
    boxes = re.findall(r'<g class="node[^"]*" id="n\d+" tabindex="0" role="button" '
                       r'aria-label="([^"]+)"', text)
    assert len(boxes) == 45
    assert any(b.startswith("θ12, value 0.2, grad -0.30525") for b in boxes)


def test_the_page_speaks_korean():
    text = to_html(worked_example().L, lang="ko")
    assert '<html lang="ko">' in text and "기울기" in text
    assert 'id="state"' not in text                                   # no run, no slider
    assert "word-break: keep-all" in text and ":lang(ko)" in text     # no break inside words
    assert "◀ 이전" in text


def test_a_value_shows_itself_in_a_notebook():
    x = Value(3.0, name="x")
    y = x * x
    y.backward()
    shown = y._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "&lt;svg" in shown


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="expected a Value"):
        to_html(3.0)
    with pytest.raises(ValueError, match="max_nodes"):
        to_html(Value(1.0), max_nodes=1)


# ---- the command line ---------------------------------------------------------------------

def page_view(text):
    return json.loads(re.search(r'id="data">(.*?)</script>', text, re.S).group(1))


def test_practice_writes_the_page_with_a_state_per_epoch(tmp_path, capsys):
    page = tmp_path / "practice.html"
    assert main(["practice", "--epochs", "5", "--html", str(page)]) == 0
    out, err = capsys.readouterr()
    assert "the page: " in err and out.startswith("The tutorial's worked example")
    text = page.read_text(encoding="utf-8")
    view = page_view(text)
    assert [s["epoch"] for s in view["states"]] == [1, 2, 3, 4, 5]
    main(["practice", "--epochs", "5", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert [s["loss"] for s in view["states"]] == document["losses"]
    # the update of each step, and the loss after it: the next step's loss
    assert [s["loss_after"] for s in view["states"][:-1]] == document["losses"][1:]
    assert view["states"][-1]["loss_after"] == pytest.approx(0.0167401, abs=1e-7)
    theta11 = by_label(view)["θ11"]["id"]
    first = {row[0]: row for row in view["states"][0]["update"]["rows"]}
    before, g, after = first[theta11][1:]                         # θ ← θ − η·g
    assert before == 0.1 and g == pytest.approx(0.2835, rel=1e-14) and after == 0.1 - 0.1 * g
    assert 50_000 < len(text.encode("utf-8")) < 400_000          # small enough to mail


def test_a_one_epoch_page_shows_the_update(tmp_path):
    page = tmp_path / "one.html"
    assert main(["practice", "--html", str(page)]) == 0
    view = page_view(page.read_text(encoding="utf-8"))
    (state,) = view["states"]
    theta11 = by_label(view)["θ11"]["id"]
    row = next(r for r in state["update"]["rows"] if r[0] == theta11)
    assert round(row[3], 10) == 0.07165 and round(state["loss_after"], 6) == 0.261239


def test_a_mini_batch_page_has_a_state_per_step_with_its_batch(mini_batch_config, tmp_path,
                                                                capsys):
    config, page = mini_batch_config, tmp_path / "c.html"
    assert main(["practice", "--config", str(config), "--html", str(page)]) == 0
    capsys.readouterr()
    view = page_view(page.read_text(encoding="utf-8"))
    main(["practice", "--config", str(config), "--json"])
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [(s["epoch"], s["points"], s["loss"]) for s in view["states"]] == \
        [(s["epoch"], s["points"], s["loss"]) for s in steps]
    labels = by_label(view)
    for state in view["states"]:                   # a data point outside the batch: no number
        for k in (1, 2, 3):
            x = labels[f"X1{k}"]["id"]
            assert (x in state["missing"]) == (k not in state["points"])
            assert (state["values"][x] is None) == (k not in state["points"])
    assert view["editable"] is False and view["title"].startswith("A network 2 → 2 → 1")


def test_a_configured_network_and_an_expression_get_pages(tmp_path, capsys):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"layers": [3, 1], "activation": ["tanh", "identity"],
                                  "loss": "mse", "X": [[1, 2], [0.5, -1]], "y": [1, -0.5],
                                  "epochs": 3}), encoding="utf-8")
    assert main(["practice", "--config", str(config), "--html", str(tmp_path / "c.html"),
                 "--lang", "ko"]) == 0
    text = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert "w1_11" in text and "z1_11" in text and "에폭" in text
    assert main(["grad", "(x + y)*z", "--at", "x=-2,y=5,z=-4", "--html",
                 str(tmp_path / "g.html")]) == 0
    text = (tmp_path / "g.html").read_text(encoding="utf-8")
    view = json.loads(re.search(r'id="data">(.*?)</script>', text, re.S).group(1))
    assert by_label(view)["x"]["grad"] == -4.0 and view["title"] == "f = (x + y)*z"


def test_an_unwritable_page_is_a_clear_error(tmp_path, capsys):
    assert main(["practice", "--html", str(tmp_path)]) == 2
    assert "--html: " in capsys.readouterr().err


def test_a_long_run_keeps_a_bounded_number_of_states(tmp_path):
    from tinygrad_lite.page import MAX_STATES
    page = tmp_path / "long.html"
    assert main(["practice", "--epochs", "1000", "--lr", "0.01", "--html", str(page)]) == 0
    view = page_view(page.read_text(encoding="utf-8"))
    epochs = [s["epoch"] for s in view["states"]]
    assert len(epochs) <= MAX_STATES and epochs[0] == 1 and epochs[-1] == 1000
    assert epochs == sorted(epochs)


# ---- text stays text -------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    '</script><script>window.x=9</script>', '<!--', '<img src=x onerror="window.x=9">',
    '"><script>window.x=9</script>', "\u2028\u2029", "{{title}}", "&amp;"])
def test_any_name_reaches_the_page_as_text(payload):
    x = Value(1.0, name=payload)
    y = (x * 2.0).tanh()
    y.name = "y" + payload
    y.backward()
    text = to_html(y, title=payload, subtitle=[payload])
    data = text.split('<script type="application/json" id="data">')[1].split("</script>")[0]
    assert "<" not in data                                   # nothing can end the JSON block
    assert json.loads(data)["title"] == payload
    outside = text.replace(data, "")
    if "<" in payload or '"' in payload:                      # HTML-escaped everywhere else
        assert payload not in outside
    assert "<script>window.x" not in outside and "<img" not in outside
    # the browser test runs these payloads and checks that window.x stays unset


@pytest.mark.parametrize("lang", ['en"><script>window.x=9</script>', "fr", None, 3])
def test_a_language_other_than_english_or_korean_is_refused(lang):
    with pytest.raises(ValueError, match="lang must be"):
        to_html(worked_example().L, lang=lang)


# ---- the page's evaluator: generated from the engine's op table --------------------------------

def test_the_evaluator_uses_the_engines_own_local_derivatives():
    from tinygrad_lite.engine import MUL, SIGMOID, TANH, power_op
    from tinygrad_lite.page.evaluator import op_code
    assert op_code(MUL, 2) == {"f": "(a[0] * a[1])", "d": ["a[1]", "a[0]"]}
    assert op_code(TANH, 1)["d"] == ["(1.0 - (o * o))"]           # engine: 1 − out²
    assert op_code(SIGMOID, 1)["d"] == ["(o * (1.0 - o))"]
    square = op_code(power_op(2.0), 1)
    assert square["f"] == "Math.pow(a[0], 2.0)" and "(2.0 * Math.pow(a[0], 1.0))" in square["d"][0]


def test_a_graph_with_an_op_the_page_cannot_compute_is_not_editable():
    p, y = Value(0.3, name="p"), Value(1.0, name="y")
    from tinygrad_lite.losses import binary_cross_entropy
    loss = binary_cross_entropy([p], [y])
    loss.name = "L"
    loss.backward()
    view = graph_view(loss)
    assert view["program"] is None and view["editable"] is False
    assert graph_view(worked_example().L)["editable"] is True
