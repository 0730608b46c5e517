"""explain: each gradient as a sum over paths of products of local derivatives, printed as
formulas in the named quantities; the sum must equal reverse mode on any graph."""

import pytest
from hypothesis import given, strategies as st

from tinygrad_lite import Value
from tinygrad_lite.autograd import grad
from tinygrad_lite.explain import explain, local_derivatives
from tinygrad_lite.practice import DEFAULT_CONFIG, Practice, PracticeNetwork
from tinygrad_lite.symbolic import Sym
from strategies import programs


def practice():
    return Practice(PracticeNetwork(DEFAULT_CONFIG), DEFAULT_CONFIG["X"], DEFAULT_CONFIG["y"])


def test_theta12_has_two_paths_with_the_tutorials_local_derivatives():
    p = practice()
    e = explain(p.L, p.nodes["θ12"])
    assert e.path_count == 2
    assert [path.labels for path in e.paths] == [["θ12", "p11", "q11", "L"],
                                                 ["θ12", "p12", "q12", "L"]]
    assert [str(f) for f in e.paths[0].factors] == ["X21", "δ11", "-(y1 - q11)"]
    assert [str(f) for f in e.paths[1].factors] == ["X22", "δ11", "-(y2 - q12)"]
    # the values of the local derivatives, by hand
    X, d = DEFAULT_CONFIG["X"], DEFAULT_CONFIG["delta"]
    q11 = p.nodes["q11"].data
    assert [f.data for f in e.paths[0].factors] == pytest.approx(
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
    assert "path 1: θ12 → p11 → q11 → L" in text
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


@given(programs(max_inputs=3, max_ops=10), st.data())
def test_sum_of_path_products_equals_reverse_mode_on_random_graphs(program, data):
    leaves = [Value(x, name=f"x{i}") for i, x in enumerate(program.inputs)]
    results = program.run(leaves)
    for k in range(len(leaves), len(results)):
        if data.draw(st.booleans()) and results[k].name is None and not results[k].is_leaf:
            results[k].name = f"v{k}"
    out = program.output(results)
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
