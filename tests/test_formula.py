"""The formula parser: accepted spellings, rejected inputs with their messages, random strings."""

import pytest
from hypothesis import given, strategies as st

from tinygrad_lite.check import practice_names
from tinygrad_lite.formula import FormulaError, parse_formula, parse_name

NAMES = practice_names(2)
POINT = {name: float(i + 1) / 7 for i, name in enumerate(NAMES)}


def value(text):
    formula = parse_formula(text, NAMES)
    return formula.target, formula.evaluate(POINT)


@pytest.mark.parametrize("left", [
    "θ12", "dL/dθ12", "∂L/∂θ12", "theta12", "theta_12", "\\theta_{12}", "dL/d\\theta_{12}",
    "∂L / ∂ θ12", "Theta12", "\\frac{\\partial L}{\\partial \\theta_{12}}", "dl/dtheta_{1,2}"])
def test_left_side_spellings(left):
    assert parse_formula(f"{left} = 1", NAMES).target == "θ12"


@pytest.mark.parametrize("right, expected", [
    ("2(y1 - q11)", lambda v: 2 * (v["y1"] - v["q11"])),
    ("(y1 - q11) δ12 X21", lambda v: (v["y1"] - v["q11"]) * v["δ12"] * v["X21"]),
    ("δ_{12} x_{21}", lambda v: v["δ12"] * v["X21"]),
    ("delta_12*x21", lambda v: v["δ12"] * v["X21"]),
    ("-((y1 - q11)*δ11*X21 + (y2 - q12)*δ11*X22)",
     lambda v: -((v["y1"] - v["q11"]) * v["δ11"] * v["X21"]
                 + (v["y2"] - v["q12"]) * v["δ11"] * v["X22"])),
    ("2^3^2", lambda v: 2.0 ** 9),                 # ^ is right-associative
    ("-y1^2", lambda v: -(v["y1"] ** 2)),          # unary minus below ^
    ("y1**2 / 4", lambda v: v["y1"] ** 2 / 4),
    ("--y1", lambda v: v["y1"]),
    ("+y1 - -y2", lambda v: v["y1"] + v["y2"]),
    ("y1 − q11", lambda v: v["y1"] - v["q11"]),    # the Unicode minus sign
    ("y1 · q11 × p11 ⋅ b1", lambda v: v["y1"] * v["q11"] * v["p11"] * v["b1"]),
    ("y1 \\cdot q11 \\times 2", lambda v: v["y1"] * v["q11"] * 2),
    ("\\left(y1 - q11\\right) [p11 + {b1}]", lambda v: (v["y1"] - v["q11"]) * (v["p11"] + v["b1"])),
    ("1.5e-1 y1 + .5 + 3.", lambda v: 0.15 * v["y1"] + 0.5 + 3.0),
    ("Y1 + x11 + D1 + P11 + Q12 + B4 + L", lambda v: v["y1"] + v["X11"] + v["d1"] + v["p11"]
     + v["q12"] + v["b4"] + v["L"]),
    ("6 / 3 / 2", lambda v: 1.0),                  # / is left-associative
    ("(y1)(q11)", lambda v: v["y1"] * v["q11"]),
])
def test_right_side_arithmetic(right, expected):
    target, result = value(f"∂L/∂θ12 = {right}")
    assert target == "θ12"
    assert result == pytest.approx(expected(POINT), rel=1e-15)


@pytest.mark.parametrize("text, message, column", [
    ("∂L/∂θ12 -(y1 - q11)", "needs one '='", None),
    ("θ12 = y1 = q11", "exactly one '='", 10),
    (" = y1", "the left side is empty", 1),
    ("θ12 = ", "this side of the formula is empty", 6),
    ("θ12 = (y1 - q11", "the '(' opened here is never closed", 7),
    ("θ12 = y1 - q11)", "')' has no matching opening bracket", 15),
    ("θ12 = (y1 - q11]", "']' closes the '(' opened at column 7", 16),
    ("θ12 = y1 - ", "'-' needs something on its right", 10),
    ("θ12 = * y1", "'*' needs something on its left", 7),
    ("θ12 = y1 + ()", "')' closes nothing", 13),
    ("θ12 = y1 q9", "unknown name 'q9'", 10),
    ("θ12 = y1 $ q11", "unexpected character '$'", 10),
    ("θ52 = y1", "unknown name 'θ52'", 1),
    ("dQ/dθ12 = y1", "differentiates 'Q'", 2),
    ("∂L/∂L = 1", "∂L/∂L is 1", 5),
    ("θ12 = y1 2", "a number cannot follow here", 10),
    ("θ12 = exp(y1)", "unknown name 'exp'", 7),
    ("θ12 = x_d1", "unknown name 'x'", 7),
])
def test_rejected_formulas_point_at_the_column(text, message, column):
    with pytest.raises(FormulaError) as info:
        parse_formula(text, NAMES)
    assert message in str(info.value)
    assert info.value.column == column
    if column is not None:
        caret_line = str(info.value).splitlines()[-1]
        assert caret_line.index("^") - 4 == column - 1


def test_deep_nesting_is_fine_and_not_recursive():
    depth = 5000
    target, result = value("θ12 = " + "(" * depth + "y1" + ")" * depth)
    assert result == POINT["y1"]


def test_evaluation_errors_name_the_operator_column():
    formula = parse_formula("θ12 = y1 / (q11 - q11)", NAMES)
    with pytest.raises(ZeroDivisionError, match="the '/' at column 10"):
        formula.evaluate(POINT)


def test_parse_name_spellings():
    for text in ["θ12", "theta12", "\\theta_{12}", "THETA_12", "ϑ12"]:
        assert parse_name(text, NAMES) == "θ12"
    assert parse_name("x21", NAMES) == "X21" and parse_name("D1", NAMES) == "d1"
    with pytest.raises(FormulaError, match="the names are"):
        parse_name("z1", NAMES)


ALPHABET = "θδxyqpbdLl0123456789 +-*/^()[]{}_=.,·−\\ethaltdfrc∂;'\"$#"


@given(st.text(alphabet=ALPHABET, max_size=40))
def test_random_strings_raise_only_the_documented_error(text):
    try:
        formula = parse_formula(text, NAMES)
    except FormulaError:
        return
    try:
        formula.evaluate(POINT)
    except (ZeroDivisionError, ValueError, OverflowError):
        pass


@given(st.text(max_size=30))
def test_arbitrary_unicode_never_executes_anything(text):
    try:
        parse_formula("θ12 = " + text, NAMES)
    except FormulaError:
        pass
    assert "__import__" not in dir()   # nothing was evaluated into this scope
