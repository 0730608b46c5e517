"""The formula parser: accepted spellings, rejected inputs with their messages, random strings."""

import math
import re

import pytest
from hypothesis import given, settings, strategies as st

from tinygrad_lite.lab.check import practice_names
from tinygrad_lite.lab.formula import FormulaError, parse_formula, parse_name

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
    ("θ12 = y1 @ q11", "unexpected character '@'", 10),
    ("θ52 = y1", "unknown name 'θ52'", 1),
    ("dQ/dθ12 = y1", "differentiates 'Q'", 2),
    ("∂L/∂L = 1", "∂L/∂L is 1", 5),
    ("θ12 = y1 2", "a number cannot follow here", 10),
    ("θ12 = exp(y1)", "unknown name 'exp'", 7),
    ("θ12 = x_d1", "a number cannot follow here", 10),   # x_d is x with index d, then 1
    ("θ12 = zz_k", "unknown name 'zz_k'", 7),
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


def parse_and_evaluate_or_refuse(text):
    """Parse and evaluate ``text``: the only errors allowed are the parser's own FormulaError
    and arithmetic's (a division by zero, a log of a negative, an overflow)."""
    try:
        formula = parse_formula(text, NAMES)
    except FormulaError:
        return
    try:
        formula.evaluate(POINT)
    except (ZeroDivisionError, ValueError, OverflowError):
        pass


@given(st.text(alphabet=ALPHABET, max_size=40))
def test_random_strings_raise_only_the_documented_error(text):
    parse_and_evaluate_or_refuse(text)


@given(st.text(max_size=30))
def test_arbitrary_unicode_never_executes_anything(text):
    try:
        parse_formula("θ12 = " + text, NAMES)
    except FormulaError:
        pass
    assert "__import__" not in dir()   # nothing was evaluated into this scope


# ---- precedence as in Python: unary minus, powers of negative exponents -------------------------

@pytest.mark.parametrize("right, expected", [
    ("-y1^2", lambda v: -(v["y1"] ** 2)),
    ("2^-1", lambda v: 0.5),
    ("2^-1*3", lambda v: 1.5),                    # Python: 2**-1*3 == 1.5
    ("-2^2", lambda v: -4.0),
    ("2*-3^2", lambda v: -18.0),
    ("2^3^2", lambda v: 512.0),
    ("x21 ^ -1", lambda v: 1 / v["X21"]),         # once an IndexError
    ("2·(q11 + q12 − y1 − y2)·2^-1", lambda v: v["q11"] + v["q12"] - v["y1"] - v["y2"]),
    ("2x21^2", lambda v: 2 * v["X21"] ** 2),      # juxtaposition binds below ^
    ("-(y1)^2", lambda v: -(v["y1"] ** 2)),
])
def test_standard_precedence(right, expected):
    _, result = value(f"θ12 = {right}")
    assert result == pytest.approx(expected(POINT), rel=1e-15)


# ---- sums as the tutorial writes them -----------------------------------------------------------

DELTA12 = lambda v: -((v["y1"] - v["q11"]) * v["p21"] + (v["y2"] - v["q12"]) * v["p22"])  # noqa


@pytest.mark.parametrize("right", [
    "-\\sum_{k=1}^{2} (y_k - q_{1k}) p_{2k}",
    "-\\sum_{k=1}^{n} (y_k - q_{1k}) p_{2k}",
    "-\\sum_k (y_k - q_{1k}) p_{2k}",
    "-Σ_k (y_k - q_{1k}) p_{2k}",
    "-Σ_{k=1}^{2} (y_k - q_{1k})·p_{2k}",
    "-∑_k (y_k − q_{1k}) p_{2k}",
    "-sum_k((y_k - q_{1k}) p_{2k})",
    "Σ_k -(y_k - q_{1k}) p_{2k}",
    "\\sum_{k=1}^{2} (q_{1k} - y_k) p_{2,k}",
])
def test_sums_over_data_points(right):
    target, result = value(f"∂L/∂δ12 = {right}")
    assert target == "δ12" and result == pytest.approx(DELTA12(POINT), rel=1e-14)


def test_nested_sums_n_and_what_a_sum_covers():
    _, total = value("θ12 = Σ_j Σ_k X_{jk}")
    assert total == pytest.approx(sum(POINT[f"X{j}{k}"] for j in (1, 2, 3) for k in (1, 2)))
    _, mean = value("θ12 = (1/n) Σ_k y_k")
    assert mean == pytest.approx((POINT["y1"] + POINT["y2"]) / 2)
    # a sum covers the product after it, not what is added after that
    _, result = value("θ12 = Σ_k y_k q_{1k} + 1")
    assert result == pytest.approx(POINT["y1"] * POINT["q11"] + POINT["y2"] * POINT["q12"] + 1)


def test_sums_with_ten_or_more_data_points_use_comma_names():
    names = practice_names(12)
    point = {name: float(i % 7) + 0.5 for i, name in enumerate(names)}
    formula = parse_formula("d1 = Σ_k (q_{1k} - y_k)", names)
    assert formula.evaluate(point) == pytest.approx(
        sum(point[n] for n in names if n.startswith("q")) -
        sum(point[n] for n in names if n.startswith("y")))
    assert "q1,12" in formula.names() and "y12" in formula.names()


@pytest.mark.parametrize("text, message", [
    ("θ12 = y_k", "the index 'k' in y_k is not bound by a sum"),
    ("θ12 = Σ_k Σ_k y_k", "the index 'k' is already bound"),
    ("θ12 = Σ_{k=1}^{5} y_k", "y_k with k = 3 is y3, which is not a name here"),
    ("θ12 = Σ_{k=3}^{2} y_k", "runs from 3 to 2: no terms"),
    ("θ12 = Σ 1", "a sum needs its index"),
    ("θ12 = Σ_k 1", "no name uses k"),
    ("θ12 = y1 + Σ_k", "'Σ' needs something on its right"),
])
def test_sum_errors_name_the_problem(text, message):
    with pytest.raises(FormulaError, match=re.escape(message)):
        parse_formula(text, NAMES)


# ---- numbers and sizes ---------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["1e400", "1" + "0" * 400])
def test_a_number_beyond_a_float_is_refused(number):
    with pytest.raises(FormulaError, match="beyond the largest float"):
        parse_formula(f"θ12 = {number}", NAMES)


def test_long_formulas_parse_in_linear_time_up_to_the_documented_limit():
    text = "θ12 = " + " + ".join(["y1·q11"] * 10_000)     # 90,000 characters
    assert len(parse_formula(text, NAMES).rpn) == 3 * 10_000 + 9_999   # RPN: y1 q11 · … +
    with pytest.raises(FormulaError, match="longer than the limit of 100,000"):
        parse_formula("θ12 = " + "y1+" * 1_400_000 + "y1", NAMES)   # 4 MB


def test_control_characters_are_shown_escaped_and_a_bom_is_dropped():
    with pytest.raises(FormulaError) as info:
        parse_formula("θ12 = y1 \x1b[31m\x07", NAMES)
    shown = str(info.value)
    assert "\x1b" not in shown and "\x07" not in shown and "\\x1b" in shown
    assert parse_formula("\ufeffθ12 = y1", NAMES).target == "θ12"


def test_a_long_formula_error_shows_a_window_around_the_column():
    text = "θ12 = " + "y1 + " * 5000 + "@" + " + y1" * 5000
    with pytest.raises(FormulaError) as info:
        parse_formula(text, NAMES)
    lines = str(info.value).splitlines()
    assert len(lines[1]) < 200 and lines[1].strip().startswith("…")
    assert lines[1][lines[2].index("^")] == "@"


# ---- fuzzing: only FormulaError, and printing round-trips ----------------------------------------

TOKENS = ["y1", "q11", "X21", "δ12", "θ12", "p_{2k}", "y_k", "q_{1k}", "2", "0.5", "1e3", "+", "-",
          "−", "*", "·", "/", "^", "**", "(", ")", "[", "]", "{", "}", "Σ_k", "\\sum_{k=1}^{2}",
          "sum_j", "\\cdot", " ", "=", "_", "n", "\\left(", "\\right)", "z", "$", "\x1b"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_random_token_streams_raise_only_formula_errors(tokens):
    parse_and_evaluate_or_refuse("θ12 = " + "".join(tokens))


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TOKENS[:27]), min_size=1, max_size=25))
def test_printing_a_parsed_formula_and_parsing_it_again_gives_the_same_value(tokens):
    try:
        formula = parse_formula("θ12 = " + " ".join(tokens), NAMES)
        first = formula.evaluate(POINT)
    except (FormulaError, ZeroDivisionError, ValueError, OverflowError):
        return
    again = parse_formula("θ12 = " + formula.right_side(), NAMES)
    second = again.evaluate(POINT)
    assert second == first or (math.isnan(first) and math.isnan(second))


MATRIX_TOKENS = ["W1", "W2", "Θ", "Δ", "b", "d1", "X", "Y", "P", "Q", "1_n", "n", "2", "0.5",
                 "ᵀ", "^T", "'", "+", "-", "−", "·", "*", "⊙", "\\odot", "/", "^", "(", ")",
                 "Σ_k", " ", "$", "=", "{", "}"]


@settings(max_examples=300)
@given(st.sampled_from(["∂L/∂W1", "∂L/∂W2", "∂L/∂b", "∂L/∂P", "∂L/∂Q"]),
       st.lists(st.sampled_from(MATRIX_TOKENS), max_size=20))
def test_random_matrix_formulas_raise_only_formula_errors(left, tokens):
    from tinygrad_lite.lab.matrix_formula import parse_matrix_formula
    try:
        formula = parse_matrix_formula(left + " = " + "".join(tokens), 2)
    except FormulaError:
        return
    assert formula is not None
    try:
        formula.evaluate(POINT)
    except (ZeroDivisionError, ValueError, OverflowError):
        pass
