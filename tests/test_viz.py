"""The graph as DOT text, capping large graphs, rendering, and --dot; gradient clipping."""

import math
import re

import pytest

from tinygrad_lite import Value, nn
from tinygrad_lite.cli import main
from tinygrad_lite.viz import VizError, render, to_dot


def test_dot_has_a_node_per_value_and_an_edge_per_operand():
    a, b = Value(2.0, name="a"), Value(-3.0, name="b")
    c = a * b
    d = c - a
    d.name = 'd "quoted" {x}'
    d.backward()
    dot = to_dot(d)
    nodes = re.findall(r"^  (n\d+) \[label=", dot, re.MULTILINE)
    edges = re.findall(r"^  (n\d+) -> (n\d+)", dot, re.MULTILINE)
    assert len(nodes) == 4 and len(edges) == 4        # a·b (2), c − a (2)
    assert "{a | leaf | data 2 | grad -4}" in dot      # ∂d/∂a = b − 1 = −4
    assert 'd \\"quoted\\" \\{x\\}' in dot               # escaped for Graphviz
    assert '[label="1"]' in dot and '[label="2"]' in dot   # operand order of "-"
    assert dot.startswith("digraph tinygrad_lite {") and dot.rstrip().endswith("}")


def test_shared_operands_draw_two_edges():
    a = Value(3.0, name="a")
    dot = to_dot(a * a)
    assert len(re.findall(r"-> n0;", dot)) == 2


def test_large_graphs_are_capped_with_a_note():
    v = Value(1.0)
    for k in range(500):
        v = v * (1.01 + k)           # 500 products, each with its own constant: 1001 nodes
    dot = to_dot(v, max_nodes=50)
    assert len(re.findall(r"^  n\d+ \[label=", dot, re.MULTILINE)) == 50
    assert "graph capped: 951 of 1001 nodes not shown (max_nodes=50)" in dot
    with pytest.raises(ValueError, match="max_nodes must be >= 1"):
        to_dot(v, max_nodes=0)


def test_render_without_graphviz_is_a_clear_error(monkeypatch, tmp_path):
    import builtins
    real_import = builtins.__import__

    def no_graphviz(name, *args, **kwargs):
        if name == "graphviz":
            raise ImportError("no graphviz")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_graphviz)
    with pytest.raises(VizError, match=r"pip install -e '\.\[viz\]'"):
        render("digraph {}", str(tmp_path / "g.svg"))
    with pytest.raises(VizError, match="must end in .svg or .png"):
        render("digraph {}", str(tmp_path / "g.pdf"))


def test_render_with_graphviz_when_installed(tmp_path):
    try:
        import graphviz  # noqa: F401
        path = render(to_dot(Value(1.0) + 2), str(tmp_path / "g.svg"))
        assert open(path, encoding="utf-8").read().lstrip().startswith("<?xml")
    except VizError as error:   # the package without the 'dot' program
        assert "Graphviz program" in str(error)
    except ImportError:
        with pytest.raises(VizError, match="needs the graphviz Python package"):
            render("digraph {}", str(tmp_path / "g.svg"))


def test_practice_dot_writes_the_worked_example(tmp_path, capsys):
    path = tmp_path / "practice.dot"
    assert main(["practice", "--dot", str(path)]) == 0
    dot = path.read_text(encoding="utf-8")
    for name in ["θ12", "p11", "q12", "{L | * |"]:
        assert name in dot
    assert "grad 1}" in dot        # backward has run: dL/dL = 1 on the output


def test_practice_dot_errors_are_clear(tmp_path, capsys):
    code = main(["practice", "--dot", str(tmp_path / "missing" / "g.dot")])
    assert code == 2 and "cannot write" in capsys.readouterr().err


def test_clip_grad_norm_follows_pytorch():
    params = [Value(0.0) for _ in range(3)]
    for p, g in zip(params, [3.0, 4.0, 12.0]):
        p.grad = g
    assert nn.clip_grad_norm(params, 2.6) == 13.0
    assert [p.grad for p in params] == pytest.approx([0.6, 0.8, 2.4], rel=1e-6)
    assert nn.grad_norm(params) == pytest.approx(2.6, rel=1e-6)
    assert nn.clip_grad_norm(params, 100.0) == pytest.approx(2.6, rel=1e-6)   # no change
    assert [p.grad for p in params] == pytest.approx([0.6, 0.8, 2.4], rel=1e-6)
    assert nn.grad_norm(params, math.inf) == pytest.approx(2.4, rel=1e-6)
    with pytest.raises(ValueError, match="max_norm must be a number >= 0"):
        nn.clip_grad_norm(params, -1)
    with pytest.raises(TypeError, match="parameter 0 is float"):
        nn.clip_grad_norm([1.0], 1.0)
