"""explain: each gradient as a sum over paths of products of local derivatives, printed as
formulas in the named quantities; the sum must equal reverse mode on any graph."""

import pytest
from hypothesis import given, settings, strategies as st

from tinygrad_lite import Value
from tinygrad_lite.autograd import grad
from tinygrad_lite.explain import explain, local_derivatives
from tinygrad_lite.lab.practice import DEFAULT_CONFIG, Practice, PracticeNetwork
from tinygrad_lite.symbolic import Sym
from strategies import programs


def practice():
    return Practice(PracticeNetwork(DEFAULT_CONFIG), DEFAULT_CONFIG["X"], DEFAULT_CONFIG["y"])


def test_theta12_has_two_paths_with_the_tutorials_local_derivatives():
    p = practice()
    e = explain(p.L, p.nodes["θ12"])
    assert e.path_count == 2
    # the larger contribution first: through data point 2
    assert [path.labels for path in e.paths] == [["θ12", "p12", "q12", "L"],
                                                 ["θ12", "p11", "q11", "L"]]
    assert abs(e.paths[0].product) >= abs(e.paths[1].product)
    assert [str(f) for f in e.paths[1].factors] == ["X21", "δ11", "-(y1 - q11)"]
    assert [str(f) for f in e.paths[0].factors] == ["X22", "δ11", "-(y2 - q12)"]
    # the values of the local derivatives, by hand
    X, d = DEFAULT_CONFIG["X"], DEFAULT_CONFIG["delta"]
    q11 = p.nodes["q11"].data
    assert [f.data for f in e.paths[1].factors] == pytest.approx(
        [X[1][0], d[0], -(DEFAULT_CONFIG["y"][0] - q11)])
    assert e.agrees and e.total == pytest.approx(e.gradient, rel=1e-12)
    assert str(e.formula) == "-(y1 - q11)·δ11·X21 - (y2 - q12)·δ11·X22"


@pytest.mark.parametrize("entry, formula", [
    ("d1", "-(y1 - q11) - (y2 - q12)"),
    ("δ13", "-(y1 - q11)·p31 - (y2 - q12)·p32"),
    ("b2", "-(y1 - q11)·δ12 - (y2 - q12)·δ12"),
    ("p21", "-(y1 - q11)·δ12"),
    ("q12", "-(y2 - q12)"),
    ("X31", "-(y1 - q11)·δ11·θ13 - (y1 - q11)·δ12·θ23 - (y1 - q11)·δ13·θ33 "
            "- (y1 - q11)·δ14·θ43"),
])
def test_formulas_of_other_entries(entry, formula):
    p = practice()
    e = explain(p.L, p.nodes[entry])
    assert str(e.formula) == formula and e.agrees


def test_named_graph_folds_unnamed_intermediates():
    p = practice()
    graph, _ = local_derivatives(p.L)
    q11, edges = graph[id(p.nodes["q11"])]
    assert {u.name: str(d) for u, d in edges.values()} == {
        "p11": "δ11", "p21": "δ12", "p31": "δ13", "p41": "δ14",
        "δ11": "p11", "δ12": "p21", "δ13": "p31", "δ14": "p41", "d1": "1"}


def test_printed_explanation_reads_like_the_chain_rule():
    p = practice()
    text = str(explain(p.L, p.nodes["θ12"]))
    assert "∂L/∂θ12 = sum over 2 paths from θ12 to L" in text
    assert "path 1: θ12 → p12 → q12 → L" in text
    assert "∂q11/∂p11 = δ11" in text and "∂L/∂q11 = -(y1 - q11)" in text
    assert "(agrees)" in text


def test_shared_and_repeated_operands():
    x = Value(3.0, "x")
    y = x * x
    y.name = "y"
    z = y * x + y
    z.name = "z"
    e = explain(z, x)
    # z = x³ + x²: paths x→z directly (∂z/∂x = y) and x→y→z (∂y/∂x = 2x, ∂z/∂y = 1 + x)
    assert e.path_count == 2
    assert e.total == pytest.approx(3 * 9 + 2 * 3)
    assert {str(f) for path in e.paths for f in path.factors} == {"y", "2·x", "1 + x"}


def test_unrelated_input_and_the_output_itself():
    x, w = Value(1.0, "x"), Value(2.0, "w")
    y = x * 3
    y.name = "y"
    assert explain(y, w).path_count == 0 and explain(y, w).total == 0.0
    assert explain(y, y).total == 1.0


def test_a_long_chain_is_a_product_of_many_factors():
    w = Value(0.5, "w")
    h = w
    for i in range(30):
        h = (h * 1.5).tanh()
        h.name = f"h{i + 1}"
    e = explain(h, w)
    assert e.path_count == 1 and len(e.paths[0].factors) == 30
    assert e.agrees


def test_explain_needs_values():
    with pytest.raises(TypeError, match="both must be Values"):
        explain(Value(1.0), 2.0)


def named_random_graph(program, data):
    """The program run on leaves x0, x1, ...; a random half of its inner nodes named v<k>."""
    leaves = [Value(x, name=f"x{i}") for i, x in enumerate(program.inputs)]
    results = program.run(leaves)
    for k in range(len(leaves), len(results)):
        if data.draw(st.booleans()) and results[k].name is None and not results[k].is_leaf:
            results[k].name = f"v{k}"
    return leaves, program.output(results)


@given(programs(max_inputs=3, max_ops=10), st.data())
def test_sum_of_path_products_equals_reverse_mode_on_random_graphs(program, data):
    leaves, out = named_random_graph(program, data)
    for leaf in leaves:
        e = explain(out, leaf)
        (expected,) = grad(out, [leaf])
        assert e.total == pytest.approx(expected, rel=1e-9, abs=1e-9)
        if e.formula is not None:
            assert e.formula.data == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_symbolic_simplification():
    x, y = Sym.atom("x", 2.0), Sym.atom("y", 3.0)
    cases = {0.5 * (2 * (y - x)) * -1: "-(y - x)", x * 1 + 0: "x", -(-x): "x",
             x ** 1: "x", x * x: "x^2", x + x: "2·x", x - x: "0", 1 / x: "1/x",
             x / (y + 1): "x/(y + 1)", 1 - x * x: "1 - x^2"}
    for expression, text in cases.items():
        assert str(expression) == text


# ---- bounded and linear: the graphs that once took minutes -------------------------------------

def _mlp(sizes, activation="tanh"):
    from tinygrad_lite import manual_seed, nn
    manual_seed(0)
    layers = [nn.Dense(a, b, activation=activation if k < len(sizes) - 2 else None)
              for k, (a, b) in enumerate(zip(sizes, sizes[1:]))]
    model = nn.Sequential(*layers)
    x = [Value(0.5, "x1"), Value(-1.0, "x2")]
    out = model(x)[0]
    out.name = "out"
    return out, model.parameters()[0], x[0]


def test_a_tanh_mlp_explains_a_first_layer_weight_and_an_input_briefly():
    out, weight, x1 = _mlp([2, 16, 16, 16, 1])
    for wrt in (weight, x1):
        e = explain(out, wrt)
        (expected,) = grad(out, [wrt])
        assert e.agrees and e.total == pytest.approx(expected, rel=1e-12)
        assert len(str(e)) < 5000                 # once 710 KB of text for x1


def test_folded_diamonds_stay_short_and_exact():
    # y = x; 30 times y = (y·y + y)·0.5, only x and y named: one edge x → y whose formula
    # would double in size at every step, so it is shown as a number only.
    x = Value(0.5, "x")
    y = x
    expected = 1.0
    for _ in range(30):
        expected *= 2 * y.data + 1
        expected *= 0.5
        y = (y * y + y) * 0.5
    y.name = "y"
    e = explain(y, x)
    assert e.path_count == 1 and e.total == pytest.approx(expected, rel=1e-12) and e.agrees
    text = str(e)
    assert "(through unnamed nodes; formula too long to show)" in text and len(text) < 2000
    assert str(e.formula) == "(∂y/∂x)"


def test_a_long_named_chain_is_explained_with_its_middle_elided():
    x = Value(0.5, "h0")
    h = x
    for k in range(1, 10_001):
        h = (h * 1.0001).tanh()
        h.name = f"h{k}"
    e = explain(h, x)
    assert e.path_count == 1 and e.agrees
    text = str(e)
    assert "... 9,976 more steps ..." in text and len(text.splitlines()) < 40
    assert "path 1: h0 → h1 →" in text and "→ h10000" in text


def test_five_hundred_unnamed_tanh_in_a_row():
    x = Value(0.3, "x")
    y = x
    for _ in range(500):
        y = y.tanh()
    y.name = "y"
    e = explain(y, x)
    (expected,) = grad(y, [x])
    assert e.path_count == 1 and e.total == pytest.approx(expected, rel=1e-12)


def test_many_paths_show_the_largest_and_sum_the_rest():
    # y = Σ_k c_k·x through 12 named middles: 12 paths of products c_k
    x = Value(1.0, "x")
    middles = []
    for k in range(12):
        m = x * (k - 5.5)
        m.name = f"m{k}"
        middles.append(m)
    y = middles[0]
    for m in middles[1:]:
        y = y + m
    y.name = "y"
    e = explain(y, x, max_paths=3)
    assert e.path_count == 12 and len(e.paths) == 3
    assert [p.product for p in e.paths] == [-5.5, 5.5, -4.5] or \
        sorted(abs(p.product) for p in e.paths) == [4.5, 5.5, 5.5]
    assert e.rest_count == 9
    assert e.rest_sum == pytest.approx(0.0 - sum(p.product for p in e.paths))
    assert "... and 9 more paths, together" in str(e)
    assert e.formula is None                       # not every path is shown
    assert len(explain(y, x, max_paths=None).paths) == 12


def test_group_by_layer_adds_up_to_the_total():
    p = practice()
    e = explain(p.L, p.nodes["X31"], group=True)
    layers = {}
    for g in e.groups:
        layers.setdefault(g.layer, []).append(g)
    # X31 → p_i1 (layer 1) → q11 (layer 2) → L: every path passes one node a layer
    assert sorted(layers) == [1, 2]
    for members in layers.values():
        assert sum(g.count for g in members) == e.path_count
        assert sum(g.total for g in members) == pytest.approx(e.total, rel=1e-12)
    assert "by layer" in str(e)


def test_explain_limits_are_checked():
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match=r"max_paths=...\): a whole number >= 0 or None"):
        explain(x * 2, x, max_paths=-1)


def test_explanation_to_json_is_strict_json():
    import json
    x = Value(0.0, "x")
    y = x.sqrt()              # ∂y/∂x = inf at 0
    y.name = "y"
    document = explain(y, x).to_json()
    text = json.dumps(document, allow_nan=False)
    assert json.loads(text)["total"] is None


def _brute_force_paths(output, wrt):
    """Every path wrt → output in the named graph, by listing them (small graphs only)."""
    graph, _ = local_derivatives(output, keep=[wrt])
    consumers = {}
    for v, edges in graph.values():
        for u, d in edges.values():
            consumers.setdefault(id(u), []).append((v, d.data))
    products, stack = [], [(wrt, 1.0)]
    while stack:
        node, product = stack.pop()
        if node is output:
            products.append(product)
            continue
        for v, d in consumers.get(id(node), []):
            stack.append((v, product * d))
    return products


@settings(max_examples=60, deadline=None)
@given(programs(max_inputs=3, max_ops=25), st.data())
def test_path_count_and_largest_paths_agree_with_listing_every_path(program, data):
    leaves, out = named_random_graph(program, data)
    if out.name is None:
        out.name = "out"
    for leaf in leaves:
        listed = _brute_force_paths(out, leaf) if out is not leaf else [1.0]
        e = explain(out, leaf, max_paths=3)
        assert e.path_count == len(listed)
        largest = sorted((abs(p) for p in listed), reverse=True)[:3]
        # an edge folded from routes that cancel is rounding noise (0.0 here, 1.4e-17 or
        # 2.2e-16 summed in the listing's order): compare to the scale of the largest path,
        # and never to less than the scale of the routes themselves (inputs and local
        # derivatives of order 1), where every path of such a graph is noise
        scale = max(largest + [1.0])
        assert [abs(p.product) for p in e.paths] == pytest.approx(largest, rel=1e-9,
                                                                    abs=1e-12 * scale)


@settings(max_examples=25, deadline=None)
@given(programs(max_inputs=3, max_ops=300, recent=3), st.data())
def test_sum_of_path_products_equals_reverse_mode_on_deep_and_wide_graphs(program, data):
    leaves = [Value(x, name=f"x{i}") for i, x in enumerate(program.inputs)]
    results = program.run(leaves)
    share = data.draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    for k in range(len(leaves), len(results)):
        if data.draw(st.floats(0, 1)) < share and results[k].name is None \
                and not results[k].is_leaf:
            results[k].name = f"v{k}"
    out = program.output(results)
    for leaf in leaves:
        e = explain(out, leaf)
        (expected,) = grad(out, [leaf])
        assert e.total == pytest.approx(expected, rel=1e-9, abs=1e-9)
        # bounded: at most 5 paths of at most 24 shown steps each, whatever the graph
        assert len(str(e).splitlines()) <= 5 * (24 + 4) + 6
