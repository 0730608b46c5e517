"""The gradient checker, and a test of the tester: a planted wrong derivative must be caught."""

import math

import pytest

from tinygrad_lite import Value, gradcheck, GradcheckError
from tinygrad_lite import engine


def f(x, y):
    return (x * y).sin() + x.exp() / y


def test_agreeing_derivatives_pass_and_report_every_input():
    result = gradcheck(f, [0.3, 1.7], names=["x", "y"])
    assert result.ok and bool(result)
    assert [row.name for row in result.rows] == ["x", "y"]
    x, y = 0.3, 1.7
    assert result.rows[0].analytic == pytest.approx(y * math.cos(x * y) + math.exp(x) / y)
    assert result.rows[0].numeric == pytest.approx(result.rows[0].analytic, rel=1e-6)


def test_a_planted_wrong_derivative_is_caught_with_a_readable_report(monkeypatch):
    # sin' is cos; plant 1.01 cos: every derivative through sin is now 1 % off
    right = engine.SIN.local
    monkeypatch.setattr(engine.SIN, "local", lambda a, out: 1.01 * right(a, out))
    result = gradcheck(f, [0.3, 1.7], names=["x", "y"])
    assert not result.ok
    assert len(result.failures) == 2
    report = str(result)
    assert "gradcheck of f: 2 of 2 partial derivatives disagree" in report
    assert "WRONG" in report and "analytic" in report and "numeric" in report
    with pytest.raises(GradcheckError, match="x .* WRONG"):
        gradcheck(f, [0.3, 1.7], names=["x", "y"], raise_exception=True)


def test_a_planted_wrong_rule_in_one_op_is_caught_only_where_it_matters(monkeypatch):
    monkeypatch.setattr(engine.EXP, "local", lambda a, out: out * 0.5)
    assert not gradcheck(lambda x: x.exp(), [1.0])
    assert gradcheck(lambda x: x.sin(), [1.0])


def test_values_as_the_point_keep_their_names():
    result = gradcheck(lambda a, b: a * b, [Value(2.0, "a"), Value(3.0, "b")])
    assert [row.name for row in result.rows] == ["a", "b"]


def test_a_single_number_is_one_input():
    assert gradcheck(lambda x: x ** 3, 2.0).rows[0].analytic == 12.0


def test_undefined_neighbourhood_is_reported_not_raised():
    result = gradcheck(lambda x: x.sqrt(), [0.0])
    assert not result.ok
    assert "undefined" in result.rows[0].note


def test_bad_arguments():
    with pytest.raises(ValueError, match="eps > 0"):
        gradcheck(f, [1.0, 1.0], eps=0)
    with pytest.raises(ValueError, match="2 names for 1 inputs"):
        gradcheck(lambda x: x, [1.0], names=["a", "b"])
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: 3.0, [1.0])
    with pytest.raises(TypeError, match="real number"):
        gradcheck(lambda x: x, ["one"])
    with pytest.raises(ValueError, match="no inputs"):
        gradcheck(lambda: Value(1.0), [])
