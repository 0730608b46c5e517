"""Property tests: on random expression DAGs over every op, forward values match plain-float
math and every gradient matches central finite differences; algebraic identities hold."""

import math

import pytest
from hypothesis import given, strategies as st

from tinygrad_lite import Value, gradcheck
from strategies import programs, UNARY, BINARY


@given(programs())
def test_forward_matches_plain_float_math(program):
    values = program.run([Value(x) for x in program.inputs])
    floats = program.run(program.inputs, on_values=False)
    for v, x in zip(values, floats):
        assert v.data == pytest.approx(x, rel=1e-12, abs=1e-12)


@given(programs())
def test_every_gradient_matches_finite_differences(program):
    result = gradcheck(program, program.inputs)
    assert result.ok, f"{program}\n{result}"


@pytest.mark.parametrize("op", UNARY + BINARY)
@given(data=st.data())
def test_each_op_inside_random_graphs(op, data):
    # graphs made mostly of one op, so every op is exercised in shared-subexpression DAGs
    program = data.draw(programs(max_ops=6, ops=[op, op, op, "mul", "add"]))
    result = gradcheck(program, program.inputs)
    assert result.ok, f"{program}\n{result}"


def test_graphs_really_share_subexpressions():
    # the strategy must produce DAGs, not only trees: some drawn node is used twice
    from hypothesis import find
    shared = find(programs(), lambda p: any(
        sum(k in (i, j) for _, i, j, _ in p.instructions) >= 2
        for k in range(len(p.inputs) + len(p.instructions))))
    assert shared.instructions


finite = st.floats(-3.0, 3.0, allow_nan=False)
positive = st.floats(0.05, 5.0)


@given(finite, finite)
def test_product_rule(x, y):
    a, b = Value(x), Value(y)
    (a * b).backward()
    assert (a.grad, b.grad) == (y, x)


@given(positive)
def test_exp_of_log_has_slope_one(x):
    v = Value(x)
    v.log().exp().backward()
    assert v.grad == pytest.approx(1.0, rel=1e-12)


@given(finite)
def test_sin_squared_plus_cos_squared_is_flat(x):
    v = Value(x)
    out = v.sin() ** 2 + v.cos() ** 2
    out.backward()
    assert out.data == pytest.approx(1.0) and v.grad == pytest.approx(0.0, abs=1e-12)


@given(positive)
def test_sqrt_squared_has_slope_one(x):
    v = Value(x)
    (v.sqrt() ** 2).backward()
    assert v.grad == pytest.approx(1.0, rel=1e-12)


@given(finite)
def test_x_over_x_is_flat(x):
    if abs(x) < 1e-3:
        return
    v = Value(x)
    (v / v).backward()
    assert v.grad == pytest.approx(0.0, abs=1e-12)


@given(st.floats(-30.0, 30.0))
def test_sigmoid_is_a_shifted_tanh(x):
    a, b = Value(x), Value(x)
    s = a.sigmoid()
    t = ((b / 2).tanh() + 1) / 2
    s.backward()
    t.backward()
    assert s.data == pytest.approx(t.data, abs=1e-12)
    assert a.grad == pytest.approx(b.grad, abs=1e-12)


@given(finite, finite)
def test_chain_rule_through_a_composition(x, y):
    # f = tanh(x * y) ; df/dx = (1 - tanh²(xy)) y
    a, b = Value(x), Value(y)
    a.__mul__(b).tanh().backward()
    assert a.grad == pytest.approx((1 - math.tanh(x * y) ** 2) * y, rel=1e-9, abs=1e-12)
