"""Higher-order derivatives: closed forms for every op, finite differences of first derivatives
on random DAGs, symmetry of mixed partials, and the functional API's edge cases."""

import math

import pytest
from hypothesis import given, settings

from tinygrad_lite import Value
from tinygrad_lite.autograd import grad, hessian, hvp
from strategies import programs


def derivatives(f, x, order):
    """[f, f', f'', ...] at x by repeated grad(create_graph=True)."""
    v = Value(x)
    current = f(v)
    out = [current.data]
    for _ in range(order):
        (current,) = grad(current, [v], create_graph=True)
        out.append(current.data if isinstance(current, Value) else current)
        if not isinstance(current, Value):
            out += [0.0] * (order + 1 - len(out))
            break
    return out


def sig(x):
    return 1 / (1 + math.exp(-x))


# op, point, [f'', f'''] closed forms
SECOND_AND_THIRD = [
    ("x**3", lambda v: v ** 3, 1.5, lambda x: [6 * x, 6.0]),
    ("x**2.5", lambda v: v ** 2.5, 2.0, lambda x: [2.5 * 1.5 * x ** 0.5, 2.5 * 1.5 * 0.5 * x ** -0.5]),
    ("x**-1", lambda v: v ** -1, 2.0, lambda x: [2 / x ** 3, -6 / x ** 4]),
    ("exp", lambda v: v.exp(), 0.7, lambda x: [math.exp(x), math.exp(x)]),
    ("log", lambda v: v.log(), 0.7, lambda x: [-1 / x ** 2, 2 / x ** 3]),
    ("sqrt", lambda v: v.sqrt(), 0.7, lambda x: [-0.25 * x ** -1.5, 0.375 * x ** -2.5]),
    ("sin", lambda v: v.sin(), 0.7, lambda x: [-math.sin(x), -math.cos(x)]),
    ("cos", lambda v: v.cos(), 0.7, lambda x: [-math.cos(x), math.sin(x)]),
    ("tanh", lambda v: v.tanh(), 0.7,
     lambda x: [-2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
                (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2)]),
    ("sigmoid", lambda v: v.sigmoid(), 0.7,
     lambda x: [sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
                sig(x) * (1 - sig(x)) * (1 - 6 * sig(x) + 6 * sig(x) ** 2)]),
    ("2**x", lambda v: 2 ** v, 0.7, lambda x: [2 ** x * math.log(2) ** 2, 2 ** x * math.log(2) ** 3]),
    ("x**x", lambda v: v ** v, 1.3,
     lambda x: [x ** x * ((math.log(x) + 1) ** 2 + 1 / x),
                x ** x * ((math.log(x) + 1) ** 3 + 3 * (math.log(x) + 1) / x - 1 / x ** 2)]),
    ("1/x", lambda v: 1 / v, 0.7, lambda x: [2 / x ** 3, -6 / x ** 4]),
    ("-x*x", lambda v: -(v * v), 0.7, lambda x: [-2.0, 0.0]),
    ("x-1/x", lambda v: v - 1 / v, 0.7, lambda x: [-2 / x ** 3, 6 / x ** 4]),
    ("relu(x)*x", lambda v: v.relu() * v, 0.7, lambda x: [2.0, 0.0]),
    ("abs(x)**3", lambda v: abs(v) ** 3, -0.7, lambda x: [6 * abs(x), -6.0]),
    ("leaky(x)**2", lambda v: v.leaky_relu(0.1) ** 2, -0.7, lambda x: [0.02, 0.0]),
]


@pytest.mark.parametrize("name, f, x, closed", SECOND_AND_THIRD,
                         ids=[case[0] for case in SECOND_AND_THIRD])
def test_second_and_third_derivatives_of_every_op(name, f, x, closed):
    _, _, second, third = derivatives(f, x, 3)
    expected_second, expected_third = closed(x)
    assert second == pytest.approx(expected_second, rel=1e-10, abs=1e-12)
    assert third == pytest.approx(expected_third, rel=1e-10, abs=1e-12)


def test_kinks_have_zero_higher_derivatives():
    for f in (lambda v: v.relu(), lambda v: abs(v), lambda v: v.leaky_relu(0.2)):
        assert derivatives(f, 0.0, 2)[2] == 0.0


def test_mixed_partial_of_x_y_sin_x():
    x, y = 0.8, -1.3
    H = hessian(lambda a, b: a * b * a.sin(), [x, y])
    assert H[0][1] == pytest.approx(math.sin(x) + x * math.cos(x), rel=1e-12)
    assert H[1][0] == pytest.approx(H[0][1], rel=1e-14)
    assert H[0][0] == pytest.approx(y * (2 * math.cos(x) - x * math.sin(x)), rel=1e-12)
    assert H[1][1] == 0.0


def test_hvp_equals_hessian_times_vector():
    f = lambda a, b, c: (a * b).exp() + c ** 3 * a - (b / c)   # noqa: E731
    point, v = [0.3, -0.7, 1.4], [1.0, -2.0, 0.5]
    H = hessian(f, point)
    expected = [sum(H[i][j] * v[j] for j in range(3)) for i in range(3)]
    assert hvp(f, point, v) == pytest.approx(expected, rel=1e-12)


def test_grad_leaves_dot_grad_alone_and_matches_backward():
    x, y = Value(1.5), Value(-0.5)
    out = (x * y).tanh() + x.exp()
    dx, dy = grad(out, [x, y])
    assert x.grad == 0.0 and y.grad == 0.0
    out.backward()
    assert (dx, dy) == (x.grad, y.grad)


def test_grad_with_respect_to_an_unused_or_interior_node():
    x, z = Value(2.0), Value(5.0)
    h = x * x
    out = h * 3.0
    dh, dz = grad(out, [h, z])
    assert (dh, dz) == (3.0, 0.0)


def test_grad_argument_errors():
    with pytest.raises(TypeError, match="output must be a Value"):
        grad(3.0, [Value(1.0)])
    with pytest.raises(TypeError, match=r"inputs\[0\] is float"):
        grad(Value(1.0), [1.0])
    with pytest.raises(ValueError, match="the vector has 1 entries for 2 inputs"):
        hvp(lambda a, b: a * b, [1.0, 2.0], [1.0])


def test_deep_graph_second_derivative_without_recursion():
    x = Value(0.5)
    v = x
    for _ in range(20_000):
        v = v * 1.0 + 0.0
    (g,) = grad(v * v, [x], create_graph=True)
    (h,) = grad(g, [x])
    assert g.data == pytest.approx(1.0) and h == pytest.approx(2.0)


def first_derivatives(program, point):
    leaves = [Value(x) for x in point]
    program(*leaves).backward()
    return [leaf.grad for leaf in leaves]


@settings(max_examples=80)
@given(programs(max_inputs=3, max_ops=8))
def test_second_derivatives_match_finite_differences_of_first(program):
    point, eps = program.inputs, 1e-5
    H = hessian(program, point)
    for j in range(len(point)):
        plus = list(point)
        plus[j] += eps
        minus = list(point)
        minus[j] -= eps
        column = [(a - b) / (2 * eps) for a, b in
                  zip(first_derivatives(program, plus), first_derivatives(program, minus))]
        for i in range(len(point)):
            assert H[i][j] == pytest.approx(column[i], rel=1e-4, abs=1e-5), (program, i, j)


@settings(max_examples=80)
@given(programs(max_inputs=3, max_ops=8))
def test_mixed_partials_are_symmetric(program):
    H = hessian(program, program.inputs)
    n = len(H)
    for i in range(n):
        for j in range(i + 1, n):
            assert H[i][j] == pytest.approx(H[j][i], rel=1e-9, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(programs(max_inputs=4, max_ops=15))
def test_grad_is_backward_to_the_bit(program):
    # grad() walks the graph in backward()'s own order, so the same shares are added in the
    # same order: the same floats, also through n-ary nodes (a dot product over the results)
    from tinygrad_lite.engine import linear
    xs = [Value(x) for x in program.inputs]
    results = program.run(xs)
    out = linear(results, [0.5 + k for k in range(len(results))]) + program.output(results)
    expected = grad(out, xs)
    out.backward()
    assert expected == [x.grad for x in xs]
