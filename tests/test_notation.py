"""Formulas and names as students paste and type them (issue 26): the tutorial's LaTeX, Unicode
from phones and our own report, one reader of names everywhere, the diagnoses a teacher gives.

The expected verdicts below come from hand algebra on the worked example (identity layers,
L = ½·Σ_k (y_k − q_1k)²), never from the checker:

    ∂L/∂q_1k = q_1k − y_k          ∂L/∂d1   = Σ_k (q_1k − y_k)
    ∂L/∂δ1i  = Σ_k (q_1k − y_k) p_ik            ∂L/∂p_ik = (q_1k − y_k) δ1i
    ∂L/∂b_i  = Σ_k (q_1k − y_k) δ1i             ∂L/∂θ_ij = Σ_k (q_1k − y_k) δ1i X_jk
    ∂L/∂X_jk = (q_1k − y_k) Σ_i δ1i θ_ij        ∂L/∂y_k  = y_k − q_1k
"""

import json
import math
import os

import pytest
from hypothesis import given, settings, strategies as st

from tinygrad_lite.cli import main
from tinygrad_lite.lab.check import check_formula, practice_names
from tinygrad_lite.lab.expression import build
from tinygrad_lite.lab.formula import FormulaError, parse_formula, parse_name
from tinygrad_lite.lab.names import read_entries
from tinygrad_lite.lab.notation import normalize
from tinygrad_lite.lab.practice import run_practice

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = practice_names(2)
MAZUR = os.path.join(ROOT, "examples", "exercises", "mazur.json")

# The tutorial's four gradient formulas (dnn-basics, "Optimizer"), verbatim with their $$.
TUTORIAL = [
    r"$$\frac{\partial L}{\partial \theta_{12}} = - \left((y_1 - q_{11}) \delta_{12} x_{d1} + "
    r"(y_2 - q_{12}) \delta_{12} x_{d2} \right)$$",
    r"$$\frac{\partial L}{\partial b_2} = - \left((y_1 - q_{11}) \delta_{12} + (y_2 - q_{12}) "
    r"\delta_{12} \right)$$",
    r"$$\frac{\partial L}{\partial \theta_{13}} = - \left((y_1 - q_{11}) p_{31} + (y_2 - q_{12}) "
    r"p_{32} \right)$$",
    r"$$\frac{\partial L}{\partial d_1} = - \left((y_1 - q_{11}) + (y_2 - q_{12}) \right)$$",
]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- the tutorial, pasted --------------------------------------------------------------------

def test_the_tutorials_formulas_are_in_the_seed_as_written_here():
    seed = os.path.join(ROOT, "..", "shared", "seed", "dnn-basics.txt")
    if not os.path.exists(seed):
        pytest.skip("the tutorial's text (../shared/seed) is not beside this checkout")
    with open(seed, encoding="utf-8") as file:
        text = file.read()
    for formula in TUTORIAL:
        assert formula in text


def test_every_tutorial_formula_pasted_verbatim_gets_a_verdict():
    theta12, b2, theta13, d1 = (check_formula(text) for text in TUTORIAL)
    # θ12: the tutorial writes δ12 where the chain rule gives δ11 (θ12 feeds hidden unit 1),
    # which is right only if θ12 means "from input 1 to unit 2"; x_{d1} is the input θ12 reads
    assert theta12.verdict == "wrong" and theta12.target == "θ12"
    assert theta12.readings == [("x_{d1}", "X21"), ("x_{d2}", "X22")]
    assert [kind for kind, _ in theta12.diagnosis] == ["transposed"]
    assert "It is right if θ12 means the weight from input 1 to unit 2" in str(theta12)
    assert "Read x_{d1} as X21, x_{d2} as X22: an index no sum binds is the input that θ12 " \
        "reads." in str(theta12)
    assert b2.ok and d1.ok                              # ∂q/∂b2 = δ12; ∂q/∂d1 = 1
    assert theta13.verdict == "wrong" and theta13.matches == ["δ13"]


def test_the_tutorials_formulas_from_the_command_line_verdicts_first(tmp_path, capsys):
    path = tmp_path / "formulas.txt"
    path.write_text("\n".join(TUTORIAL) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "practice", "--check-file", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("check: $$\\frac{\\partial L}{\\partial \\theta_{12}}")
    assert lines[1].startswith("  WRONG")
    assert "Dense" not in out and "epoch" not in out.lower()        # no report unless asked
    code, out, _ = run(capsys, "practice", "--check-file", str(path), "--report")
    assert out.startswith("check: ") and "epoch" in out.lower()


# ---- the listed failures, each one -------------------------------------------------------------

@pytest.mark.parametrize("expression, at, expected", [
    ("x^2", "x=-3", {"x": -6.0}),                                    # d/dx x² = 2x
    ("(x - y)**3", "x=1,y=2.5", {"x": 6.75, "y": -6.75}),           # 3(x − y)²
    ("x^2 + y^2", "x=-1.5,y=2", {"x": -3.0, "y": 4.0}),
    ("x^-1", "x=-2", {"x": -0.25}),                                 # −1/x²
    ("2^-1 * x^3", "x=-1", {"x": 1.5}),                             # ½·3x²
    ("½ x²", "x=-4", {"x": -4.0}),
    ("\\frac{1}{2} x^{2}", "x=-4", {"x": -4.0}),
])
def test_a_plain_number_exponent_works_at_negative_bases(capsys, expression, at, expected):
    code, out, err = run(capsys, "grad", expression, "--at", at, "--json")
    assert code == 0, err
    assert json.loads(out)["grads"] == pytest.approx(expected, rel=1e-15)


def test_a_fractional_power_of_a_negative_base_names_the_point(capsys):
    code, _, err = run(capsys, "grad", "x^0.5", "--at", "x=-3")
    assert code == 2 and "negative base" in err and "x = -3.0" in err


def test_an_exponent_that_depends_on_a_variable_is_still_a_value_power():
    circuit = build("x^y", {"x": 2.0, "y": 3.0})
    assert circuit.variables["y"].grad == pytest.approx(8 * math.log(2), rel=1e-15)


@pytest.mark.parametrize("text", [
    "∂L/∂θ₁₂ = Σ_k (q₁ₖ − y_k)·δ₁₁·X₂ₖ",
    "∂L/∂d₁ = (q₁₁ − y₁) + (q₁₂ − y₂)",
    "∂L/∂X₂₁ = (q₁₁ − y₁)(δ₁₁θ₁₂ + δ₁₂θ₂₂ + δ₁₃θ₃₂ + δ₁₄θ₄₂)",
    "∂L/∂d1 = ½·Σ_k 2(q_{1k} − y_k)",
    r"\frac{\partial L}{\partial d_1} = \frac{1}{2}\sum_{k=1}^{2} 2\left(q_{1k} - y_k\right)",
    r"\frac{\partial L}{\partial d_1} = -\frac{1}{2} \sum_{k=1}^{2} 2\left(y_k - q_{1k}\right)",
    r"\frac{\partial L}{\partial d_1} = \sum\limits_{k=1}^{2} (q_{1k} - y_k)",
    "∂L/∂d1 = (Q − Y)1_n",
])
def test_what_was_refused_is_read_and_right(text):
    result = check_formula(text)
    assert result.ok, str(result)


@pytest.mark.parametrize("option", [["--grad", "∂L/∂θ12"], ["--grad", "dL/dθ₁₂"],
                                    ["--explain", "∂L/∂θ12"],
                                    ["--explain", r"\frac{\partial L}{\partial \theta_{12}}"]])
def test_grad_and_explain_read_the_names_check_reads(capsys, option):
    code, out, err = run(capsys, "practice", *option)
    assert code == 0, err
    assert "∂L/∂θ12" in out and "-0.30525" in out


def test_a_block_means_all_its_entries(capsys):
    code, out, _ = run(capsys, "practice", "--grad", "W1", "--json")
    assert code == 0
    assert list(json.loads(out)["grads"]) == [f"θ{i}{j}" for i in range(1, 5) for j in (1, 2, 3)]
    assert read_entries("Θ", NAMES) == read_entries("W_1", NAMES)
    assert read_entries("b", NAMES) == ["b1", "b2", "b3", "b4"]
    assert read_entries("b1", NAMES) == ["b1"]                      # the tutorial's entry b1


def test_an_unknown_name_names_the_closest_ones(capsys):
    code, _, err = run(capsys, "practice", "--grad", "theta52")
    assert code == 2 and "the closest are θ42, θ32" in err
    with pytest.raises(FormulaError, match="the closest are θ12"):
        parse_name("thet12", NAMES)


def test_a_missing_factor_that_is_a_name_is_named():
    result = check_formula("∂L/∂θ12 = -Σ_k (y_k − q_{1k}) X_{2k}")          # δ11 left out
    assert ("missing factor", "It lacks a factor δ11: your formula × δ11 = ∂L/∂θ12 at every "
                              "point.") in result.diagnosis


def test_a_missing_derivative_of_the_activation_is_named():
    right = "∂L/∂w2_11 = (a2_11 - y11)·a2_11·(1 - a2_11)·a1_11"
    assert check_formula(right, MAZUR_CONFIG()), "the reference formula itself"
    result = check_formula("∂L/∂w2_11 = (a2_11 - y11)·a1_11", MAZUR_CONFIG())
    assert [kind for kind, _ in result.diagnosis] == ["missing factor"]
    assert "σ'(z2_11)" in str(result)


def MAZUR_CONFIG():
    with open(MAZUR, encoding="utf-8") as file:
        return json.load(file)


def test_half_and_one_over_n_are_both_named_when_n_is_two():
    result = check_formula("∂L/∂d1 = 2 Σ_k (q_{1k} − y_k)")
    text = str(result)
    assert "a missing ½, or a missing 1/n" in text and "n = 2" in text


def test_a_subscript_without_its_data_point_index_gets_a_hint():
    with pytest.raises(FormulaError) as info:
        parse_formula("∂L/∂d1 = Σ_k (y_k − q_k)", NAMES)
    assert "q has two indices (unit, data point): write q_{1k}" in str(info.value)
    with pytest.raises(FormulaError) as info:
        parse_formula("∂L/∂d1 = \\sum_{k=1}^{2} (y_k − q_k)", NAMES)
    assert "write q_{1k}" in str(info.value)


def test_numbers_in_place_of_names_get_their_own_verdict_and_exit_code(capsys):
    true = run_practice({})["grads"]["d1"]
    code, out, _ = run(capsys, "practice", "--check", f"∂L/∂d1 = {true!r}")
    assert code == 5
    assert "RIGHT AT THE EXAMPLE'S POINT ONLY" in out and "cannot be checked" in out
    code, out, _ = run(capsys, "practice", "--check", "∂L/∂d1 = 0.3")
    assert code == 1 and "can only ever be right at one point" in out


def test_verdicts_come_first_in_korean_and_for_the_matrix_form(capsys):
    code, out, _ = run(capsys, "practice", "--lang", "ko", "--check", "∂L/∂W1 = -2 W2ᵀ(Y − Q)Xᵀ")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("검사:") and lines[1].startswith("  틀림")
    assert "성분 12개 중 맞는 성분은 0개입니다" in out and "yours" not in out and "Right for" not in out


# ---- the student table: ≥ 60 formulas, verdicts by hand algebra ------------------------------

RIGHT, WRONG, NUMBERS = "right", "wrong", "numbers"
STUDENT_FORMULAS = [
    # right: ASCII, Unicode, LaTeX, Σ, matrix form
    ("dL/dd1 = q11 + q12 - y1 - y2", RIGHT, None),
    ("∂L/∂d₁ = (q₁₁ − y₁) + (q₁₂ − y₂)", RIGHT, None),
    (r"\frac{\partial L}{\partial d_1} = \sum_{k=1}^{2} \left(q_{1k} - y_k\right)", RIGHT, None),
    (r"$$\frac{\partial L}{\partial d_{1}} = -\sum\limits_{k=1}^{n} (y_k - q_{1k})$$", RIGHT, None),
    ("∂L/∂d1 = ½ Σ_k 2(q_{1k} − y_k)", RIGHT, None),
    (r"$\frac{dL}{d d_1} = -\frac{1}{2} \sum_k 2 (y_k - q_{1k})$", RIGHT, None),
    ("∂L/∂δ₁₂ = Σₖ (q₁ₖ − yₖ)·p₂ₖ", RIGHT, None),
    (r"\frac{\partial L}{\partial \delta_{12}} = \sum_{k=1}^{2} (q_{1k} - y_{k}) \cdot p_{2k}",
     RIGHT, None),
    ("dL/dθ12 = Σ_k (q_{1k} - y_k) δ11 X_{2k}", RIGHT, None),
    ("∂L/∂θ₁₂ = Σ_k (q_{1k} − y_k) × δ₁₁ × X_{2k}", RIGHT, None),
    (r"\frac{\partial L}{\partial \theta_{12}} = \sum_{k=1}^{2}\left(q_{1k}-y_k\right)"
     r"\delta_{11}x_{2k}", RIGHT, None),
    (r"\begin{aligned} \frac{\partial L}{\partial b_1} &= \sum_k (q_{1k} - y_k)\,\delta_{11} \\"
     r" &= \delta_{11} \sum_k (q_{1k} - y_k) \end{aligned}", RIGHT, None),
    ("∂L/∂b3 = δ13·(q11 + q12 − y1 − y2)", RIGHT, None),
    ("theta43 = (q11 - y1)*delta14*X31 + (q12 - y2)*delta14*X32", RIGHT, None),
    ("∂L/∂p₃₁ = (q₁₁ − y₁)·δ₁₃", RIGHT, None),
    ("∂L/∂q11 = q11 - y1", RIGHT, None),
    ("∂L/∂y2 = y2 - q12", RIGHT, None),
    ("∂L/∂X21 = (q11 - y1)(δ11 θ12 + δ12 θ22 + δ13 θ32 + δ14 θ42)", RIGHT, None),
    (r"∂L/∂X_{21} = (q_{11} - y_1) \sum_{i=1}^{4} \delta_{1i} \theta_{i2}", RIGHT, None),
    ("∂L/∂W2 = (Q − Y)Pᵀ", RIGHT, None),
    (r"\frac{\partial L}{\partial W_1} = W_2^T (Q - Y) X^T", RIGHT, None),
    ("∂L/∂b = W2ᵀ(Q − Y)1_n", RIGHT, None),
    ("∂L/∂d1 = (Q − Y)1_n", RIGHT, None),
    ("∂L/∂Q = Q − Y", RIGHT, None),
    ("∂L/∂θ12 = (q11 − y1)·δ11·X21 + (q12 − y2)·δ11·X22.", RIGHT, None),
    ("∂L/∂δ11 = ((q11 - y1) p11 + (q12 - y2) p12)", RIGHT, None),
    ("∂L/∂d1 = 2·½·Σ_k (q_{1k} − y_k)", RIGHT, None),
    ("∂L/∂b2 = -δ12((y1 - q11) + (y2 - q12))", RIGHT, None),
    ("∂L/∂θ12 = Σ_k (q_{1k} − y_k) δ_{11} x_{dk}", RIGHT, None),       # d: the input θ12 reads
    (r"\frac{\mathrm{d}L}{\mathrm{d}\theta_{23}} = \delta_{12} \sum_k (\hat{y}_k - y_k) x_{3k}",
     RIGHT, None),
    # planted mistakes, each with the slip a teacher would name
    ("∂L/∂d1 = Σ_k (y_k − q_{1k})", WRONG, "sign"),
    ("∂L/∂θ12 = -Σ_k (y_k − q_{1k}) X_{2k}", WRONG, "missing factor"),
    ("∂L/∂d1 = 2 Σ_k (q_{1k} − y_k)", WRONG, "factor"),
    ("∂L/∂d1 = ½ Σ_k (q_{1k} − y_k)", WRONG, "factor"),
    ("∂L/∂d1 = (1/n) Σ_k (q_{1k} − y_k)", WRONG, "factor"),
    ("∂L/∂θ12 = -(y1 - q11)·δ11·X21", WRONG, "missing path"),
    ("∂L/∂θ12 = (q11-y1)δ11X21 + 2(q12-y2)δ11X22", WRONG, "doubled path"),
    ("∂L/∂θ12 = (q11-y1)δ11X21 - (q12-y2)δ11X22", WRONG, "path sign"),
    ("∂L/∂θ12 = (q11 − y1)·δ11·X12 + (q12 − y2)·δ11·X22", WRONG, "swap"),
    ("∂L/∂θ13 = -((y1 - q11) p31 + (y2 - q12) p32)", WRONG, "other entry"),
    (TUTORIAL[0], WRONG, "transposed"),
    ("∂L/∂θ12 = Σ_k (q_{1k} − y_k)·δ12·X_{1k}", WRONG, "transposed"),
    ("∂L/∂b1 = Σ_k (q_{1k} − y_k) δ11 δ11", WRONG, "extra factor"),
    ("∂L/∂δ12 = Σ_k (q_{1k} − y_k)", WRONG, "other entry"),
    ("∂L/∂p11 = (q11 - y1) δ11 X11", WRONG, "extra factor"),
    ("∂L/∂b4 = δ14 (y1 - q11 + y2 - q12)", WRONG, "sign"),
    ("∂L/∂δ14 = ½ Σ_k (q_{1k} − y_k) p_{4k}", WRONG, "factor"),
    ("∂L/∂X31 = (q11 - y1) δ13 θ33", WRONG, None),            # one of four paths: no one slip
    ("∂L/∂d1 = 0.2", NUMBERS, None),
    ("∂L/∂θ12 = -0.30525", NUMBERS, None),
    ("∂L/∂θ12 = -0.3", WRONG, "numbers"),
]
UNREADABLE = [
    ("∂L/∂d1 = Σ_k (q_k − y_k)", "write q_{1k}"),
    ("∂L/∂θ52 = 1", "the closest are"),
    (r"\frac{\partial L}{\partial d_1} = \frac{1}", "\\frac needs two arguments"),
    ("∂L/∂d1 = 1½", "write 1½ as 1.5"),
    ("∂L/∂d1 = (q11 − y1", "never closed"),
    ("∂L/∂d1 = q11 @ y1", "unexpected character '@'"),
    ("∂L/∂L = 1", "∂L/∂L is 1"),
    ("∂L/∂b1 = x_{d1}", "is not bound by a sum"),
    (r"∂L/∂d1 = \sum (q_{1k} - y_k)", "a sum needs its index"),
    (r"$$L = \frac{1}{2} \sum_{k=1}^2 (y_k - q_{1k})^2$$", "∂L/∂L is 1"),
]


def test_the_table_is_large_enough():
    assert len(STUDENT_FORMULAS) + len(UNREADABLE) >= 60


@pytest.mark.parametrize("formula, verdict, kind", STUDENT_FORMULAS)
def test_student_formulas_get_the_verdict_hand_algebra_gives(formula, verdict, kind):
    result = check_formula(formula)
    assert result.verdict == verdict, str(result)
    kinds = [k for k, _ in result.diagnosis]
    if kind is None:
        assert verdict != WRONG or "None of the usual slips" in str(result), str(result)
    else:
        assert kind in kinds, str(result)


@pytest.mark.parametrize("formula, says", UNREADABLE)
def test_unreadable_formulas_say_what_to_write(formula, says):
    with pytest.raises(FormulaError) as info:
        check_formula(formula)
    assert says in str(info.value)


def test_an_error_in_latex_points_at_the_original_column():
    text = r"\frac{\partial L}{\partial d_1} = \frac{1}{2}\sum_{k=1}^{2} (q_{1k} @ y_k)"
    with pytest.raises(FormulaError) as info:
        parse_formula(text, NAMES)
    assert info.value.column == text.index("@") + 1
    lines = str(info.value).splitlines()
    assert lines[1][lines[2].index("^")] == "@"


# ---- the normalizer itself ----------------------------------------------------------------------

@pytest.mark.parametrize("text, plain", [
    ("θ₁₂", "θ_{12}"), ("x²", "x^{2}"), ("e⁻¹", "e^{-1}"), ("½", "((1)/(2))"), ("¾x", "((3)/(4))x"),
    (r"\frac12", "((1)/(2))"), (r"\frac{a}{\frac{b}{c}}", "((a)/(((b)/(c))))"),
    (r"\dfrac1{n}", "((1)/(n))"), (r"\left[ a \right]", "[ a ]"), (r"a \cdot b \times c \div d",
                                                                   "a * b * c / d"),
    (r"\mathrm{d}L", "dL"), (r"\hat{y}_1", "ŷ_1"), ("$$a$$", " a "), ("a ÷ b", "a / b"),
    ("plain text stays", "plain text stays"), ("a.", "a"), ("x = 1.", "x = 1."),
])
def test_normalize(text, plain):
    assert normalize(text).text == plain


LATEX_TOKENS = ["\\frac", "{", "}", "$", "$$", "\\left(", "\\right)", "\\left.", "\\\\", "&",
                "&=", "=", "₁", "₂", "ₖ", "²", "⁻", "½", "\\hat{y}", "\\text{", "\\mathrm{",
                "\\begin{aligned}", "\\end{aligned}", "\\sum", "\\limits", "_", "^", "q", "y",
                "θ", "\\theta", "\\partial", "∂", "L", "/", "d", "1", "2", "k", " ", "\\cdot",
                "-", "(", ")", "\\,", "x", "\\delta"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LATEX_TOKENS), max_size=30))
def test_random_latex_raises_only_formula_errors(tokens):
    text = "".join(tokens)
    try:
        check_formula(text, points=1)
    except FormulaError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_normalizes_with_a_column_for_every_character(text):
    try:
        plain = normalize(text)
    except FormulaError:
        return
    assert len(plain.origin) == len(plain.text)
    assert all(0 <= i < max(len(text), 1) for i in plain.origin)


RPN_TOKENS = ["y1", "q11", "X21", "δ12", "θ12", "2", "0.5", "3", "+", "-", "*", "/", "^", "(", ")",
              "Σ_k q_{1k}", "p_{2k}"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(RPN_TOKENS), min_size=1, max_size=20), st.randoms())
def test_a_formula_written_as_latex_reads_back_to_the_same_value(tokens, rng):
    try:
        formula = parse_formula("∂L/∂θ12 = " + " ".join(tokens), NAMES)
    except FormulaError:
        return
    again = parse_formula(formula.to_latex(), NAMES)
    values = {name: rng.uniform(-2, 2) for name in NAMES}
    values = {name: value if value else 0.5 for name, value in values.items()}

    def value(f):
        try:
            return f.evaluate(values)
        except (ZeroDivisionError, ValueError, OverflowError) as error:
            return type(error).__name__
    first, second = value(formula), value(again)
    if isinstance(first, float) and math.isnan(first):
        assert math.isnan(second)
    else:
        assert first == second, formula.to_latex()
