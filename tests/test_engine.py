"""The Value engine: each op's value and derivative against closed forms from the math module,
domain errors, conventions at kinks, fan-out, repeated backward, no_grad and deep graphs."""

import math
import struct
import sys
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from tinygrad_lite import Value, no_grad, enable_grad, is_grad_enabled, zero_grad
from tinygrad_lite import engine
from strategies import programs


def derivative(f, x):
    """f(Value(x)) and d f / d x by backward()."""
    v = Value(x)
    out = f(v)
    out.backward()
    return out.data, v.grad


# ---- each unary op: value and derivative against closed forms ---------------------------------

def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# name, op on a Value, value closed form, derivative closed form, points inside the domain
UNARY_CASES = [
    ("neg", lambda v: -v, lambda x: -x, lambda x: -1.0, [-2.0, 0.0, 3.5]),
    ("pos", lambda v: +v, lambda x: x, lambda x: 1.0, [-2.0, 3.5]),
    ("exp", lambda v: v.exp(), math.exp, math.exp, [-3.0, 0.0, 1.5]),
    ("log", lambda v: v.log(), math.log, lambda x: 1 / x, [0.25, 1.0, 7.0]),
    ("sqrt", lambda v: v.sqrt(), math.sqrt, lambda x: 0.5 / math.sqrt(x), [0.25, 4.0]),
    ("tanh", lambda v: v.tanh(), math.tanh, lambda x: 1 / math.cosh(x) ** 2, [-1.2, 0.0, 0.7]),
    ("sigmoid", lambda v: v.sigmoid(), sigmoid,
     lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2, [-4.0, 0.0, 2.0]),
    ("relu", lambda v: v.relu(), lambda x: max(x, 0.0), lambda x: float(x > 0), [-1.5, 2.5]),
    ("leaky_relu", lambda v: v.leaky_relu(0.2), lambda x: x if x > 0 else 0.2 * x,
     lambda x: 1.0 if x > 0 else 0.2, [-1.5, 2.5]),
    ("abs", lambda v: abs(v), abs, lambda x: math.copysign(1.0, x), [-1.5, 2.5]),
    ("abs method", lambda v: v.abs(), abs, lambda x: math.copysign(1.0, x), [-1.5]),
    ("sin", lambda v: v.sin(), math.sin, math.cos, [-1.0, 0.0, 2.0]),
    ("erf", lambda v: v.erf(), math.erf, lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x),
     [-1.5, 0.0, 0.7]),
    ("gelu", lambda v: v.gelu(), lambda x: x * 0.5 * (1 + math.erf(x / math.sqrt(2))),
     lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2))) + x * math.exp(-x * x / 2)
     / math.sqrt(2 * math.pi), [-2.0, -0.3, 0.0, 1.7]),
    ("silu", lambda v: v.silu(), lambda x: x * sigmoid(x),
     lambda x: sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)), [-3.0, 0.0, 0.8]),
    ("elu", lambda v: v.elu(), lambda x: x if x > 0 else math.exp(x) - 1,
     lambda x: 1.0 if x > 0 else math.exp(x), [-2.0, -0.1, 0.5]),
    ("elu alpha 0.5", lambda v: v.elu(0.5), lambda x: x if x > 0 else 0.5 * (math.exp(x) - 1),
     lambda x: 1.0 if x > 0 else 0.5 * math.exp(x), [-2.0, 0.5]),
    ("cos", lambda v: v.cos(), math.cos, lambda x: -math.sin(x), [-1.0, 0.0, 2.0]),
    ("x**3", lambda v: v ** 3, lambda x: x ** 3, lambda x: 3 * x ** 2, [-2.0, 0.0, 1.5]),
    ("x**2.5", lambda v: v ** 2.5, lambda x: x ** 2.5, lambda x: 2.5 * x ** 1.5, [0.5, 3.0]),
    ("x**-1", lambda v: v ** -1, lambda x: 1 / x, lambda x: -1 / x ** 2, [-2.0, 0.5]),
    ("x**-2", lambda v: v ** -2, lambda x: x ** -2, lambda x: -2 / x ** 3, [-2.0, 0.5]),
    ("x**0.5", lambda v: v ** 0.5, math.sqrt, lambda x: 0.5 / math.sqrt(x), [0.5, 9.0]),
    ("2**x", lambda v: 2 ** v, lambda x: 2 ** x, lambda x: 2 ** x * math.log(2), [-1.0, 0.0, 3.0]),
    ("x**x", lambda v: v ** v, lambda x: x ** x, lambda x: x ** x * (math.log(x) + 1), [0.5, 2.0]),
]


@pytest.mark.parametrize("name, op, value, slope, points", UNARY_CASES,
                         ids=[case[0] for case in UNARY_CASES])
def test_unary_value_and_derivative(name, op, value, slope, points):
    for x in points:
        out, grad = derivative(op, x)
        assert out == pytest.approx(value(x), rel=1e-12, abs=1e-15), (name, x)
        assert grad == pytest.approx(slope(x), rel=1e-12, abs=1e-15), (name, x)


# ---- each binary op, with a Value or a plain number on either side -----------------------------

BINARY_CASES = [
    # name, op, value, d/da, d/db
    ("+", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0),
    ("-", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0),
    ("*", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    ("/", lambda a, b: a / b, lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b ** 2),
    ("**", lambda a, b: a ** b, lambda a, b: a ** b, lambda a, b: b * a ** (b - 1),
     lambda a, b: a ** b * math.log(a)),
]


@pytest.mark.parametrize("name, op, value, d_a, d_b", BINARY_CASES,
                         ids=[case[0] for case in BINARY_CASES])
@pytest.mark.parametrize("a, b", [(1.5, -2.0), (0.75, 3.0), (4.0, 0.5)])
def test_binary_both_operand_orders(name, op, value, d_a, d_b, a, b):
    # Value (op) Value
    va, vb = Value(a), Value(b)
    out = op(va, vb)
    out.backward()
    assert out.data == pytest.approx(value(a, b), rel=1e-12)
    assert va.grad == pytest.approx(d_a(a, b), rel=1e-12)
    assert vb.grad == pytest.approx(d_b(a, b), rel=1e-12)
    # Value (op) number
    va = Value(a)
    out = op(va, b)
    out.backward()
    assert out.data == pytest.approx(value(a, b), rel=1e-12)
    assert va.grad == pytest.approx(d_a(a, b), rel=1e-12)
    # number (op) Value
    vb = Value(b)
    out = op(a, vb)
    out.backward()
    assert out.data == pytest.approx(value(a, b), rel=1e-12)
    assert vb.grad == pytest.approx(d_b(a, b), rel=1e-12)


def test_operators_are_exact_like_floats():
    a, b = 0.1, 0.7
    assert (Value(a) + b).data == a + b
    assert (Value(a) - b).data == a - b
    assert (Value(a) * b).data == a * b
    assert (Value(a) / b).data == a / b
    assert (b / Value(a)).data == b / a


# ---- what a Value accepts ----------------------------------------------------------------------

class HasFloat:
    def __float__(self):
        return 2.5


@pytest.mark.parametrize("given, expected", [
    (3, 3.0), (True, 1.0), (2.5, 2.5), (Fraction(1, 4), 0.25), (Decimal("1.5"), 1.5),
    (HasFloat(), 2.5)])
def test_value_converts_real_numbers(given, expected):
    v = Value(given)
    assert v.data == expected and type(v.data) is float
    assert v.grad == 0.0


@pytest.mark.parametrize("given, type_name", [
    ("1.5", "str"), (None, "NoneType"), ([1.0], "list"), (1 + 2j, "complex"), (b"1", "bytes")])
def test_value_rejects_non_numbers_with_a_clear_type_error(given, type_name):
    with pytest.raises(TypeError, match=rf"Value\(data\) must be a real number.*got {type_name}"):
        Value(given)


def test_value_of_a_value_says_to_use_data():
    with pytest.raises(TypeError, match="use v.data"):
        Value(Value(1.0))


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="name"):
        Value(1.0, name=3)


@pytest.mark.parametrize("op", [lambda v: v + "a", lambda v: "a" * v, lambda v: v - None,
                                lambda v: v * [1], lambda v: v ** "2", lambda v: v / 1j])
def test_unsupported_operand_types_raise_type_error(op):
    with pytest.raises(TypeError, match="unsupported operand|can't multiply|must be"):
        op(Value(1.0))


def test_numbers_with_float_mix_in():
    v = Value(2.0)
    out = Fraction(1, 2) * v + Decimal("1")
    out.backward()
    assert out.data == 2.0 and v.grad == 0.5


def test_repr_shows_data_grad_name_and_op():
    x = Value(2.0, name="x")
    y = x * 3
    assert repr(x) == "Value(data=2.0, grad=0.0, name='x')"
    assert repr(y) == "Value(data=6.0, grad=0.0, op='*')"


# ---- domain errors name the op and the operands ------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: Value(0.0, "x").log(), ValueError, r"log\(0.0\): the input must be > 0 \[x = 0.0\]"),
    (lambda: Value(-2.0, "x").log(), ValueError, r"log\(-2.0\).*> 0 \[x = -2.0\]"),
    (lambda: Value(-1.0, "x").sqrt(), ValueError, r"sqrt\(-1.0\).*>= 0 \[x = -1.0\]"),
    (lambda: Value(1.0, "a") / Value(0.0, "b"), ZeroDivisionError,
     r"division by zero: 1.0 / 0.0 \[a = 1.0, b = 0.0\]"),
    (lambda: 1 / Value(0.0), ZeroDivisionError, r"division by zero"),
    (lambda: Value(0.0, "x") ** -1, ZeroDivisionError, r"0 \*\* -1.0 is undefined.*\[x = 0.0\]"),
    (lambda: Value(-8.0, "x") ** 0.5, ValueError,
     r"\(-8.0\) \*\* 0.5: a negative base needs an integer exponent"),
    (lambda: Value(-2.0) ** Value(2.0), ValueError, r"with a Value exponent the base must be >= 0"),
    (lambda: (-2) ** Value(2.0), ValueError, r"with a Value exponent the base must be >= 0"),
    (lambda: Value(1000.0, "x").exp(), OverflowError, r"exp\(1000.0\) overflows.*\[x = 1000.0\]"),
    (lambda: Value(10.0) ** 400, OverflowError, r"overflows a float"),
])
def test_domain_errors_are_clear(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_domain_error_is_also_a_value_error_where_python_raises_one():
    with pytest.raises(ValueError):
        Value(-1.0).log()


# ---- numerically stable at the extremes, conventions at kinks ----------------------------------

@pytest.mark.parametrize("x", [1000.0, -1000.0, 750.0, -750.0])
def test_sigmoid_and_tanh_do_not_overflow(x):
    s, ds = derivative(lambda v: v.sigmoid(), x)
    t, dt = derivative(lambda v: v.tanh(), x)
    assert s == (1.0 if x > 0 else 0.0) and ds == 0.0
    assert t == math.copysign(1.0, x) and dt == 0.0


def test_kinks_follow_pytorch():
    assert derivative(lambda v: v.relu(), 0.0) == (0.0, 0.0)
    assert derivative(lambda v: abs(v), 0.0) == (0.0, 0.0)
    assert derivative(lambda v: v.leaky_relu(0.1), 0.0) == (0.0, 0.1)
    assert derivative(lambda v: v.sqrt(), 0.0) == (0.0, math.inf)


def test_zero_to_the_zero_is_one_with_zero_derivative():
    assert derivative(lambda v: v ** 0, 0.0) == (1.0, 0.0)
    assert derivative(lambda v: v ** 0, -3.0) == (1.0, 0.0)


def test_powers_at_zero():
    assert derivative(lambda v: v ** 2, 0.0) == (0.0, 0.0)
    assert derivative(lambda v: v ** 1, 0.0) == (0.0, 1.0)
    assert derivative(lambda v: v ** 0.5, 0.0) == (0.0, math.inf)
    # d/db 0**b is taken as 0 (PyTorch), d/da a**2 at 0 is 0
    a, b = Value(0.0), Value(2.0)
    out = a ** b
    out.backward()
    assert (out.data, a.grad, b.grad) == (0.0, 0.0, 0.0)


def test_integer_powers_of_negative_bases():
    assert derivative(lambda v: v ** 3, -2.0) == (-8.0, 12.0)
    assert derivative(lambda v: v ** 2.0, -3.0) == (9.0, -6.0)
    assert derivative(lambda v: v ** -1, -2.0) == (-0.5, -0.25)


# ---- graph structure, fan-out, repeated backward -----------------------------------------------

def test_operands_keep_order_and_duplicates():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    assert (a - b).operands == (a, b)
    assert (a * a).operands == (a, a)
    c = 2 - a
    assert c.operands[1] is a and c.operands[0].data == 2.0 and c.operands[0].is_leaf
    assert a.operands == () and a.is_leaf and a.op is None
    assert (a * b).op.name == "*" and a.exp().op.name == "exp" and (a ** 2).op.name == "**2"


def test_shared_node_fan_out():
    a = Value(3.0, "a")
    b = a + a            # db/da = 2
    c = b + b            # dc/db = 2
    c.backward()
    assert (c.data, b.grad, a.grad) == (12.0, 2.0, 4.0)


def test_square_by_self_multiplication():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_diamond():
    x = Value(2.0)
    y = x * 3.0
    z = x.exp()
    out = y * z          # d/dx = 3 e^x + 3x e^x
    out.backward()
    assert x.grad == pytest.approx(3 * math.exp(2) + 6 * math.exp(2), rel=1e-14)


def test_repeated_backward_accumulates_leaves_and_refreshes_interior_nodes():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    c.backward()
    assert a.grad == 8.0            # leaves accumulate, as in PyTorch
    assert b.grad == 2.0            # interior nodes hold the latest backward alone
    assert c.grad == 1.0
    zero_grad([a])
    c.backward()
    assert a.grad == 4.0


def test_an_interior_gradient_keeps_the_sign_of_a_zero_share_as_torch_does():
    # z = y·w with w = 0 and a seed of -1: dz/dy = w·(-1) = 0.0·(-1.0) = -0.0.  torch keeps
    # a node's first share as it is (y.grad is -0. with retain_grad); 0.0 + (-0.0) would be +0.0
    x = Value(3.0)
    y = x * 1.0
    w = Value(0.0)
    z = y * w
    z.backward(-1.0)
    assert y.grad == 0.0 and math.copysign(1.0, y.grad) == -1.0
    assert w.grad == -3.0
    # a leaf starts at 0.0 (torch: None) and accumulates: 0.0 + (-0.0) is +0.0
    assert math.copysign(1.0, x.grad) == 1.0


def test_a_leaf_whose_grad_is_none_receives_its_gradient_as_in_torch():
    # torch's optimizer.zero_grad() sets .grad to None; backward then stores the gradient
    from tinygrad_lite.engine import linear
    w, x = Value(3.0), Value(2.0)
    y = linear([w], [x], 1.0).tanh() * w + x * 0.5
    for leaf in (w, x):
        leaf.grad = None
    y.backward()
    t = math.tanh(7.0)
    assert w.grad == pytest.approx(2.0 * (1 - t * t) * 3.0 + t)
    assert x.grad == pytest.approx(3.0 * (1 - t * t) * 3.0 + 0.5)


def test_a_leaf_output_whose_grad_is_none_receives_the_seed():
    w = Value(3.0)
    w.grad = None
    w.backward(2.5)
    assert w.grad == 2.5


def test_none_gradients_as_torch_has_them_compiled_optimizers_and_clipping():
    from tinygrad_lite import optim
    from tinygrad_lite.compiled import compile, placeholder
    from tinygrad_lite.nn import clip_grad_norm
    x = placeholder("x", 2.0)
    w, unused = Value(3.0), Value(7.0)
    graph = compile((w * x).tanh() * w, inputs=[x])
    dynamic_w = Value(3.0)
    dynamic = (dynamic_w * 2.0).tanh() * dynamic_w
    w.grad = dynamic_w.grad = None
    graph.run({"x": 2.0})
    graph.backward()
    dynamic.backward()
    assert bits(w.grad) == bits(dynamic_w.grad)
    unused.grad = None                      # no gradient: the optimizer leaves it alone
    optimizer = optim.SGD([w, unused], lr=0.1)
    assert clip_grad_norm([w, unused], 1e9) == pytest.approx(abs(w.grad))
    expected = w.data - 0.1 * w.grad
    optimizer.step()
    assert (w.data, unused.data, unused.grad) == (expected, 7.0, None)


def test_gradient_accumulation_over_samples():
    w = Value(0.5)
    for x, y in [(1.0, 2.0), (2.0, 1.0)]:
        loss = (w * x - y) ** 2
        loss.backward()
    # d/dw Σ (w x - y)² = Σ 2 (w x - y) x
    assert w.grad == pytest.approx(2 * (0.5 - 2) * 1 + 2 * (1.0 - 1) * 2)


def test_backward_of_a_leaf_and_a_seed():
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0
    y = x * 5
    y.backward(gradient=0.5)
    assert x.grad == 1.0 + 2.5
    with pytest.raises(TypeError, match=r"backward\(gradient\)"):
        y.backward(gradient="1")


def test_backward_from_an_interior_node_leaves_later_nodes_alone():
    x = Value(2.0)
    y = x * x
    z = y * 3
    z.backward()
    assert (x.grad, y.grad) == (12.0, 3.0)
    y.backward()
    assert (x.grad, y.grad) == (16.0, 1.0)


def interrupt(monkeypatch, op):
    """op's local derivative raises KeyboardInterrupt, as Ctrl-C would, until monkeypatch.undo()."""
    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(op, "local", interrupted)


def test_interrupted_backward_leaves_the_graph_usable(monkeypatch):
    x = Value(2.0)
    y = (x * x).sin()
    interrupt(monkeypatch, engine.SIN)
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    inner = y.operands[0]
    assert inner.grad == 0.0          # a number again, not the "no share yet" mark
    monkeypatch.undo()
    x.grad = 0.0
    y.backward()
    assert x.grad == pytest.approx(math.cos(4.0) * 4.0)


@settings(max_examples=100, deadline=None)
@given(programs(), st.integers(0, 40))
def test_a_backward_interrupted_anywhere_leaves_every_gradient_a_number_and_reusable(
        program, stop_after):
    # an op's local derivative raises after ``stop_after`` calls: every mark backward() left
    # in .grad (shared nodes' running sums among them) is a number again, and the next
    # backward() gives the reference floats
    values = program.run([Value(x) for x in program.inputs])
    output = values[-1]
    calls = [0]
    originals = {}

    def interrupting(local):
        def wrapped(*args):
            calls[0] += 1
            if calls[0] > stop_after:
                raise KeyboardInterrupt
            return local(*args)
        return wrapped
    ops = {v.op for v in values if v.op is not None}
    for op in ops:
        originals[op] = op.local
        op.local = interrupting(op.local)
    try:
        try:
            output.backward()
        except KeyboardInterrupt:
            pass
    finally:
        for op, local in originals.items():
            op.local = local
    assert all(type(v.grad) is float for v in values)
    for v in values:
        v.grad = 0.0
    expected = reference_backward(output)
    output.backward()
    for v in values:
        if id(v) in expected:
            assert bits(v.grad) == bits(expected[id(v)]), program


def test_deepcopy_copies_a_deep_graph_without_recursion():
    import copy
    x = Value(2.0, name="x")
    y = x
    for _ in range(100_000):                       # far deeper than the recursion limit
        y = y * 1.000001 + 0.5
    shared = y * y                                 # one operand used twice stays one node
    twin = copy.deepcopy(shared)
    assert twin.data == shared.data and twin.op is shared.op
    a, b = twin.operands
    assert a is b and a is not y
    twin_x = a
    while not twin_x.is_leaf:
        twin_x = twin_x.operands[0]
    assert twin_x.name == "x" and twin_x is not x
    twin_x.data = 5.0                              # the copy is independent of the original
    assert x.data == 2.0
    twin.backward()
    shared.backward()
    assert twin_x.grad == x.grad != 0.0


def test_detach_cuts_the_graph():
    x = Value(2.0, "x")
    y = (x * x).detach()
    z = y * x
    z.backward()
    assert y.is_leaf and y.grad == 2.0 and x.grad == 4.0


# ---- no_grad ------------------------------------------------------------------------------------

def test_no_grad_computes_without_recording():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * x + 1).exp().log()
    assert is_grad_enabled()
    assert y.data == pytest.approx(5.0) and y.is_leaf and y.op is None
    y.backward()
    assert x.grad == 0.0


def test_no_grad_nests_with_enable_grad_and_restores_after_errors():
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            y = x * x
        z = x * x
    assert not y.is_leaf and z.is_leaf
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled()


def test_no_grad_as_a_decorator():
    @no_grad()
    def square(v):
        return v * v

    assert square(Value(3.0)).is_leaf and square.__name__ == "square"
    assert is_grad_enabled()


# ---- deep graphs without recursion -------------------------------------------------------------

def chain(n):
    x = Value(1.0, "x")
    v = x
    for i in range(n):
        v = v * 1.0 if i % 2 else v + 0.5
    return x, v


def test_deep_chain_of_100_000_ops():
    x, v = chain(100_000)
    v.backward()
    assert x.grad == 1.0 and v.data == 1.0 + 0.5 * 50_000


@pytest.mark.slow
def test_deep_chain_of_1_000_000_ops():
    import sys
    limit = sys.getrecursionlimit()
    x, v = chain(1_000_000)
    v.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad == 1.0 and v.data == 1.0 + 0.5 * 500_000
    del v   # freeing a long chain must not overflow the C stack either


def test_node_is_small():
    # no __dict__, five slots: 56 bytes (72 with the collector's header); a name costs nothing
    # on the nodes that have none
    x = Value(1.0)
    node = x * x
    assert not hasattr(node, "__dict__")
    assert Value.__basicsize__ == object.__basicsize__ + 5 * 8
    assert sys.getsizeof(node) == sys.getsizeof(x) <= 72


def test_op_nodes_keep_their_names_and_their_ops():
    x = Value(2.0, name="x")
    z = x * 3.0
    assert z.name is None and z.op is engine.MUL
    z.name = "z"
    assert (z.name, z.op, z.op.name) == ("z", engine.MUL, "*")
    assert "name='z'" in repr(z) and "op='*'" in repr(z)
    z.name = "z2"
    assert z.name == "z2" and z.op is engine.MUL
    z.name = None
    assert z.name is None and z.op is engine.MUL
    # named or not, x * c still hands the constant no share (the engine goes by the node's
    # own op, whatever its name)
    c = z.operands[1]
    before = c.grad
    for name in ("z", None, "z3"):
        z.name = name
        z.backward()
        assert c.grad == before and x.grad != 0.0
    x.name = "renamed"
    assert x.name == "renamed" and x.is_leaf and x.operands == ()
    with pytest.raises(TypeError):
        z.name = 3


def test_a_named_node_follows_its_op_rule_as_it_is_now():
    # a named node carries its name on a wrapper of its op: the wrapper reads the op's rule
    # afresh, so a rule replaced later (as tests do with monkeypatch) applies to it too
    x = Value(0.5, name="x")
    s = x.sin()
    s.name = "s"
    original = engine.SIN.local
    engine.SIN.local = lambda a, out: 100.0
    try:
        s.backward()
        assert x.grad == 100.0 and s.op is engine.SIN and s._op.local is engine.SIN.local
    finally:
        engine.SIN.local = original


def test_a_named_plus_passes_its_gradient_on_unchanged_to_the_bit():
    # a signalling NaN stays signalling through a named +, as through an unnamed one
    snan = struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000001))[0]
    for named in (False, True):
        x = Value(1.0)
        m = x * 1.0
        h = m + 2.0
        if named:
            h.name = "h"
        (h + 3.0).backward(snan)
        assert bits(m.grad) == bits(snan), named       # m's one share, stored as it came


@settings(max_examples=150, deadline=None)
@given(programs(), st.data())
def test_naming_nodes_changes_no_gradient_bit(program, data):
    plain = program.run([Value(x) for x in program.inputs])
    named = program.run([Value(x) for x in program.inputs])
    chosen = data.draw(st.sets(st.integers(0, len(named) - 1)))
    for k in chosen:
        named[k].name = f"v{k}"
    plain[-1].backward()
    named[-1].backward()
    assert [bits(v.grad) for v in named] == [bits(v.grad) for v in plain]
    assert all(named[k].name == f"v{k}" for k in chosen)
    assert [v.op for v in named] == [v.op for v in plain]


# ---- linear: a dot product as one node -----------------------------------------------------------

def test_linear_equals_the_chain_to_the_last_bit():
    import random
    from tinygrad_lite.engine import linear
    rng = random.Random(0)
    for n in (1, 2, 5, 17):
        w = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        x = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        b = Value(rng.uniform(-1, 1))
        fused = linear(w, x, b)
        chain = b
        for wi, xi in zip(w, x):
            chain = chain + wi * xi
        assert fused.data == chain.data                      # bit for bit
        fused.backward()
        grads = [v.grad for v in w + x + [b]]
        for v in w + x + [b]:
            v.grad = 0.0
        chain.backward()
        assert grads == [v.grad for v in w + x + [b]]
        assert len(fused.operands) == 2 * n + 1


def test_linear_lifts_numbers_and_checks_lengths():
    from tinygrad_lite.engine import linear
    w = Value(2.0)
    y = linear([w, 3.0], [4.0, w])            # 2·4 + 3·2 = 14, dy/dw = 4 + 3
    y.backward()
    assert (y.data, w.grad) == (14.0, 7.0)
    with pytest.raises(ValueError, match="2 weights for 1 inputs"):
        linear([1.0, 2.0], [1.0])
    with pytest.raises(TypeError, match=r"inputs\[0\] is str"):
        linear([1.0], ["a"])
    with no_grad():
        assert linear([w], [w], 1.0).is_leaf


def test_a_plain_number_is_one_shared_constant_and_results_are_unchanged():
    x = Value(2.0)
    y = x * 1.5 + x * 1.5
    first, second = y.operands[0].operands[1], y.operands[1].operands[1]
    assert first is second and first.is_leaf and first.data == 1.5
    y.backward()
    assert x.grad == 3.0
    # zero and NaN are never shared: 0.0 == -0.0 and NaN != NaN
    z = x * 0.0
    w = x * -0.0
    assert z.operands[1] is not w.operands[1]
    assert math.copysign(1.0, w.operands[1].data) == -1.0
    assert (x * math.nan).operands[1] is not (x * math.nan).operands[1]


def test_a_plain_number_in_x_plus_c_or_x_times_c_takes_no_gradient():
    # documented in docs/reference/library.md: backward spends nothing on the constant
    x = Value(2.0)
    y = x * 3.125 + 1.0625
    product, plus = y.operands
    assert (y.op, product.op) == (engine.ADD, engine.MUL)      # + and * to everyone else
    assert [c.data for c in (product.operands[1], plus)] == [3.125, 1.0625]
    y.backward()
    assert x.grad == 3.125
    assert product.operands[1].grad == 0.0 and plus.grad == 0.0
    z = 3.125 * x - 1.0625                 # the number first, or another op: still a share
    z.backward()
    assert z.operands[0].operands[0].grad == 2.0 and z.operands[1].grad == -1.0


def test_item_is_the_number_as_in_torch():
    assert Value(2.5).item() == 2.5 and isinstance(Value(2).item(), float)


def test_elu_refuses_a_non_finite_alpha():
    with pytest.raises(ValueError, match="alpha must be a finite number"):
        Value(1.0).elu(math.inf)


# ---- backward's arithmetic, to the bit -------------------------------------------------------

def test_the_chain_gradient_is_the_product_in_backwards_order_to_the_bit():
    x = Value(1.0, name="x")
    h = x
    n = 20_000
    for _ in range(n):
        h = h * 1.000001 + 0.000001
    h.backward()
    g = 1.0                              # by hand: each + hands g on, each * multiplies it
    for _ in range(n - 1):
        g = 1.000001 * g                 # an inner node keeps its one share as it is
    g = 0.0 + 1.000001 * g               # x is a leaf: it adds its share to its 0.0
    assert x.grad == g


def demo_step_gradients(make_value, points=20):
    """micrograd's demo step (MLP 2-8-8-1, relu, hinge + L2) op by op: every parameter's grad."""
    import random
    rng = random.Random(1)
    sizes = [2, 8, 8, 1]
    params = []
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        W = [[make_value(rng.uniform(-1, 1)) for _ in range(a)] for _ in range(b)]
        B = [make_value(0.0) for _ in range(b)]
        layers.append((W, B))
        params += [w for row in W for w in row] + B
    data = [([rng.uniform(-2, 2), rng.uniform(-2, 2)], rng.choice([-1.0, 1.0]))
            for _ in range(points)]
    losses = []
    for x, label in data:
        h = [make_value(v) for v in x]
        for l, (W, B) in enumerate(layers):
            z = [sum((w * a for w, a in zip(row, h)), b) for row, b in zip(W, B)]
            h = [v.relu() for v in z] if l < len(layers) - 1 else z
        losses.append((1 + -label * h[0]).relu())
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
    return total, params


def reference_backward(root, seed=1.0):
    """backward() written plainly, independently of the engine's marks and shortcuts: counts in
    a dict, operands from ``.operands``, local derivatives from ``op.derivatives``; the first
    share of an interior node stored, later ones added; a node processed once all its
    consumers are, from a stack (operands of an n-ary node pushed in order, else the last
    first).  The engine must give these floats to the bit.  Returns {id(node): gradient}."""
    uses, stack = {}, [root]
    while stack:
        for child in stack.pop().operands:
            if not child.is_leaf:
                if id(child) not in uses:
                    stack.append(child)
                uses[id(child)] = uses.get(id(child), 0) + 1
    grads = {}
    if root.is_leaf:
        return {id(root): root.grad + seed}
    grads[id(root)] = seed
    stack = [root]
    while stack:
        node = stack.pop()
        operands = node.operands
        local = node.op.derivatives([v.data for v in operands], node.data)
        g = grads[id(node)]
        shares = [(child, d * g) for child, d in zip(operands, local)]
        for child, share in shares:
            key = id(child)
            if key in grads:
                grads[key] = grads[key] + share
            else:
                grads[key] = child.grad + share if child.is_leaf else share
        ready = []
        for child, _ in shares:
            if not child.is_leaf:
                uses[id(child)] -= 1
                if uses[id(child)] == 0:
                    ready.append(child)
        stack.extend(ready if node.op.arity == -1 else reversed(ready))
    return grads


def bits(x):
    return struct.pack("<d", x)


@settings(max_examples=300, deadline=None)
@given(programs())
def test_backward_gives_the_reference_floats_to_the_bit_on_random_dags(program):
    values = program.run([Value(x) for x in program.inputs])
    nodes = {id(v): v for v in values}
    output = values[-1]
    expected = reference_backward(output)
    output.backward()
    for key, g in expected.items():
        if key in nodes:
            assert bits(nodes[key].grad) == bits(g), program
    again = reference_backward(output, 0.5)     # a second backward: leaves add, interiors renew
    output.backward(0.5)
    for key, g in again.items():
        if key in nodes:
            assert bits(nodes[key].grad) == bits(g), program


def test_backward_gives_the_reference_floats_on_the_demo_step_and_from_an_inner_node():
    total, params = demo_step_gradients(Value)
    expected = reference_backward(total)
    total.backward()
    assert [bits(p.grad) for p in params] == [bits(expected[id(p)]) for p in params]
    inner = total.operands[0]
    for p in params:
        p.grad = 0.0
    expected = reference_backward(inner, -2.0)
    inner.backward(-2.0)
    assert [bits(p.grad) for p in params] == [bits(expected.get(id(p), 0.0)) for p in params]


def test_the_demo_step_compiled_equals_the_dynamic_step_to_the_bit():
    from tinygrad_lite.compiled import compile
    total, params = demo_step_gradients(Value)
    total.backward()
    dynamic = [p.grad for p in params]
    for mode in ("code", "interpret"):
        total, params = demo_step_gradients(Value)
        graph = compile(total, params=params, mode=mode)
        graph.run()
        graph.backward()
        assert [p.grad for p in params] == dynamic, mode


# Links of a chain: each node has one interior operand, so backward() hands the gradient down
# it without counting (engine._down_the_chain) and counts only below where the chain stops.
CHAIN_LINKS = {
    "tanh": lambda v: v.tanh(), "sigmoid": lambda v: v.sigmoid(), "neg": lambda v: -v,
    "sin": lambda v: v.sin(), "relu": lambda v: v.relu(), "square": lambda v: v ** 2,
    "times 1.5": lambda v: v * 1.5, "plus 0.25": lambda v: v + 0.25,
    "2 times": lambda v: 2 * v, "minus 3": lambda v: v - 3.0,
}


@settings(max_examples=200, deadline=None)
@given(programs(), st.lists(st.sampled_from(sorted(CHAIN_LINKS)), min_size=1, max_size=12),
       st.data())
def test_a_chain_on_top_of_any_graph_gives_the_reference_floats_to_the_bit(program, links,
                                                                            data):
    # a random DAG under a random chain (some links named): backward from the chain's top and
    # from a node in its middle give what the plain reference gives, leaves accumulating
    values = program.run([Value(x) for x in program.inputs])
    chain = [values[-1]]
    for k, link in enumerate(links):
        chain.append(chain[-1].tanh())                   # tanh keeps the numbers small
        chain.append(CHAIN_LINKS[link](chain[-1]))
        if data.draw(st.booleans(), label=f"name link {k}"):
            chain[-1].name = f"h{k}"
    start = data.draw(st.integers(0, len(chain) - 1), label="backward from")
    nodes = {id(v): v for v in values + chain}
    for seed in (1.0, -0.5):                             # twice: leaves add, interiors renew
        expected = reference_backward(chain[start], seed)
        chain[start].backward(seed)
        for key, g in expected.items():
            if key in nodes:                             # (not the constants)
                assert bits(nodes[key].grad) == bits(g), (program, links, start)


def test_a_backward_interrupted_down_a_chain_leaves_what_it_had_not_done_at_zero(monkeypatch):
    # the nodes under the one whose rule raised hold 0.0, not the last backward's gradients,
    # as when backward is interrupted after counting
    x = Value(0.5, name="x")
    inner = x * x + x                    # two interior operands: the chain stops here
    h = inner.sin() * 1.5
    h = h.tanh()
    h.backward()
    assert inner.grad != 0.0 and inner.operands[0].grad != 0.0
    interrupt(monkeypatch, engine.SIN)
    with pytest.raises(KeyboardInterrupt):
        h.backward()
    sine = h.operands[0].operands[0]
    assert h.grad == 1.0 and h.operands[0].grad != 0.0           # done before the raise
    assert sine.grad == 0.0 and inner.grad == 0.0 and inner.operands[0].grad == 0.0
    monkeypatch.undo()
    x.grad = 0.0
    expected = reference_backward(h)
    h.backward()
    assert bits(x.grad) == bits(expected[id(x)])


def test_a_backward_interrupted_down_a_chain_leaves_the_graph_usable(monkeypatch):
    x = Value(0.5, name="x")
    h = x * x
    for _ in range(10):
        h = (h * 1.5 + 0.25).tanh()
    original, calls = engine.TANH.local, [0]

    def interrupted(a, out):
        calls[0] += 1
        if calls[0] == 5:
            raise KeyboardInterrupt
        return original(a, out)

    monkeypatch.setattr(engine.TANH, "local", interrupted)
    with pytest.raises(KeyboardInterrupt):
        h.backward()
    monkeypatch.setattr(engine.TANH, "local", original)
    x.grad = 0.0
    expected = reference_backward(h)
    h.backward()
    assert bits(x.grad) == bits(expected[id(x)])


def reference_post_order(root):
    """Every node once, operands before results, written plainly (recursion: small graphs)."""
    seen, order = set(), []

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for child in node.operands:
            visit(child)
        order.append(node)
    visit(root)
    return order


@settings(max_examples=200, deadline=None)
@given(programs(), st.lists(st.integers(2, 5), max_size=3))
def test_numbering_is_the_plain_post_order(program, fan_ins):
    # random DAGs, some with n-ary nodes over earlier results (shared operands, repeats)
    values = program.run([Value(x) for x in program.inputs])
    for k in fan_ins:
        values.append(engine.linear(values[-k:], values[:k]) if len(values) >= k else values[-1])
    output = values[-1]
    nodes, operands_of, index = engine.numbered(output)
    assert nodes == reference_post_order(output)
    assert all(index[id(n)] == i for i, n in enumerate(nodes)) and len(index) == len(nodes)
    for node, operands in zip(nodes, operands_of):
        assert [nodes[j] for j in operands] == list(node.operands)
