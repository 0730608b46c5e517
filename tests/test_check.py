"""Verdicts on hand-derived formulas: right, wrong, mislabelled, right-by-chance-at-one-point,
the tutorial's four, and the command line's --check, --check-file, --explain and --json."""

import json
import os

import pytest

from tinygrad_lite.lab.check import check_formula, read_formula_file
from tinygrad_lite.cli import main
from tinygrad_lite.lab.formula import FormulaError
from tinygrad_lite.lab.practice import DEFAULT_CONFIG

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIAL = os.path.join(ROOT, "examples", "tutorial_formulas.txt")


@pytest.mark.parametrize("formula", [
    "∂L/∂θ12 = -((y1 - q11)*δ11*X21 + (y2 - q12)*δ11*X22)",
    "∂L/∂θ43 = -(y1 - q11) δ14 X31 - (y2 - q12) δ14 X32",
    "∂L/∂b3 = -δ13 (y1 - q11 + y2 - q12)",
    "∂L/∂δ12 = -((y1 - q11) p21 + (y2 - q12) p22)",
    "∂L/∂d1 = q11 + q12 - y1 - y2",
    "∂L/∂q11 = q11 - y1",
    "∂L/∂p31 = -(y1 - q11) δ13",
    "∂L/∂X21 = -(y1 - q11)(δ11 θ12 + δ12 θ22 + δ13 θ32 + δ14 θ42)",
    "∂L/∂y2 = y2 - q12",
])
def test_correct_formulas_pass(formula):
    result = check_formula(formula)
    assert result.ok, str(result)
    assert result.points == 21 and result.max_abs_error < 1e-9
    assert "RIGHT" in str(result)


@pytest.mark.parametrize("formula, target, equals", [
    ("∂L/∂θ12 = -((y1 - q11) δ12 X21 + (y2 - q12) δ12 X22)", "θ12", ["θ22"]),
    ("∂L/∂θ13 = -((y1 - q11) p31 + (y2 - q12) p32)", "θ13", ["δ13"]),
    ("∂L/∂b1 = -((y1 - q11) + (y2 - q12))", "b1", ["d1"]),
    ("∂L/∂δ11 = (y1 - q11) p11 + (y2 - q12) p12", "δ11", []),    # a sign error
    ("∂L/∂θ11 = -(y1 - q11) δ11 X11", "θ11", []),                # a missing data point
])
def test_wrong_formulas_fail_and_say_what_they_are_instead(formula, target, equals):
    result = check_formula(formula)
    assert not result.ok and result.target == target
    assert result.matches == equals
    text = str(result)
    assert "WRONG" in text and "The correct formula: ∂L/∂" + target in text
    for other in equals:
        assert f"it is the formula for {other}, not {target}" in text


def test_a_formula_right_at_one_point_only_fails():
    # the true ∂L/∂d1 at the example's own point, typed as a number
    true_value = check_formula("∂L/∂d1 = q11 + q12 - y1 - y2")
    x, y, d = DEFAULT_CONFIG["X"], DEFAULT_CONFIG["y"], DEFAULT_CONFIG
    q = [sum(d["delta"][i] * (sum(d["theta"][i][j] * x[j][k] for j in range(3)) + d["b"][i])
             for i in range(4)) + d["d1"] for k in range(2)]
    number = q[0] + q[1] - y[0] - y[1]
    result = check_formula(f"∂L/∂d1 = {number!r}")
    assert true_value.ok and not result.ok
    # numbers in place of names: right at that point, and it says it cannot be checked elsewhere
    assert result.verdict == "numbers" and result.agreeing == 1
    assert "RIGHT AT THE EXAMPLE'S POINT ONLY" in str(result)
    assert "cannot be checked at any other point" in str(result)
    assert result.worst_point != 0


def test_the_tutorials_four_formulas():
    verdicts = {}
    for _, text in read_formula_file(TUTORIAL):
        result = check_formula(text)
        verdicts[result.target] = (result.ok, result.matches)
    assert verdicts == {"θ12": (False, ["θ22"]), "b2": (True, ["b2"]),
                        "θ13": (False, ["δ13"]), "d1": (True, ["d1"])}


def test_correct_formula_shown_for_a_wrong_one_is_itself_right():
    wrong = check_formula("∂L/∂θ32 = 0")
    assert not wrong.ok
    assert check_formula(f"∂L/∂θ32 = {wrong.correct.replace('·', '*')}").ok


def test_undefined_formula():
    result = check_formula("∂L/∂d1 = 1 / (y1 - y1)")
    assert not result.ok and "undefined" in str(result) and result.max_abs_error == float("inf")


def test_check_uses_a_given_config_and_seed():
    config = dict(DEFAULT_CONFIG, X=[[1.0, 2.0, 3.0]] * 3, y=[0.0, 1.0, 2.0])
    result = check_formula("∂L/∂d1 = -(y1 - q11) - (y2 - q12) - (y3 - q13)", config,
                           points=5, seed=3)
    assert result.ok and result.points == 6


def test_formula_file_skips_comments_and_blank_lines(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("# header\n\nθ12 = 1  # trailing\n   \nb1 = 2\n", encoding="utf-8")
    assert read_formula_file(str(path)) == [(3, "θ12 = 1"), (5, "b1 = 2")]
    with pytest.raises(FormulaError, match="missing.txt: no such file"):
        read_formula_file(str(tmp_path / "missing.txt"))


# ---- the command line ------------------------------------------------------------------------

def run(capsys, *argv):
    code = main(["practice", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_check_file_gives_the_tutorials_verdicts(capsys):
    code, out, _ = run(capsys, "--check-file", TUTORIAL)
    assert code == 1                      # two of the four are wrong
    assert out.count("RIGHT") == 2 and out.count("WRONG") == 2
    assert "it is the formula for δ13, not θ13" in out


def test_cli_json_gains_checks(capsys):
    code, out, _ = run(capsys, "--json", "--check", "dL/dd1 = q11 + q12 - y1 - y2",
                       "--check", "θ13 = -((y1 - q11) p31 + (y2 - q12) p32)")
    doc = json.loads(out)
    assert code == 1
    assert [sorted(c) for c in doc["checks"]] == [sorted([
        "formula", "target", "verdict", "ok", "points", "agreeing", "max_abs_error",
        "max_rel_error", "worst_point", "matches", "yours", "true", "undefined", "correct",
        "diagnosis", "readings", "rtol", "entries"])] * 2
    assert doc["checks"][0]["ok"] is True and doc["checks"][0]["target"] == "d1"
    assert doc["checks"][1]["ok"] is False and doc["checks"][1]["matches"] == ["δ13"]
    assert doc["checks"][1]["points"] == 21


def test_cli_all_right_exits_0(capsys):
    code, out, _ = run(capsys, "--check", "∂L/∂d1 = q11 + q12 - y1 - y2")
    assert code == 0 and "RIGHT" in out


def test_cli_parse_error_is_exit_2_and_points_at_the_column(capsys):
    code, out, err = run(capsys, "--check", "θ12 = (y1 - q11")
    assert code == 2 and out == ""
    assert "--check 1: the '(' opened here is never closed (column 7)" in err


def test_cli_check_file_error_names_the_line(tmp_path, capsys):
    path = tmp_path / "f.txt"
    path.write_text("θ12 = 1\n# ok\nθ99 = 2\n", encoding="utf-8")
    code, _, err = run(capsys, "--check-file", str(path))
    assert code == 2 and f"{path}:3: unknown name 'θ99'" in err


def test_cli_explain(capsys):
    code, out, _ = run(capsys, "--explain", "theta_12", "--explain", "d1")
    assert code == 0
    assert "∂L/∂θ12 = sum over 2 paths" in out and "∂L/∂d1 = sum over 2 paths" in out
    code, _, err = run(capsys, "--explain", "θ77")
    assert code == 2 and "unknown name" in err


# ---- verdicts that cannot be wrong by arithmetic ------------------------------------------------

@pytest.mark.parametrize("formula", ["∂L/∂θ12 = 1e308*1e308", "∂L/∂θ12 = -1e308*1e308",
                                     "∂L/∂d1 = (y1 - y1)^-1", "∂L/∂d1 = 1e300^2"])
def test_a_formula_that_is_not_finite_is_never_right(formula):
    result = check_formula(formula)
    assert result.verdict == "undefined" and not result.ok and not result
    assert result.matches == []
    assert "UNDEFINED at the example's own point" in str(result)
    assert "never right" in str(result)


def test_the_correct_formula_with_a_negative_exponent_is_right():
    assert check_formula("∂L/∂d1 = 2·(q11 + q12 − y1 − y2)·2^-1")
    assert not check_formula("θ12 = x21 ^ -1")


def test_a_check_result_behaves_in_python():
    right = check_formula("∂L/∂d1 = q11 + q12 - y1 - y2")
    wrong = check_formula("∂L/∂d1 = q11 - y1")
    assert bool(right) is True and bool(wrong) is False
    assert repr(wrong).startswith("<CheckResult WRONG: '∂L/∂d1 = q11 - y1' for ∂L/∂d1")
    assert set(wrong.to_json()) <= set(vars(wrong)) | {"ok", "rtol", "entries"}
    with pytest.raises(AssertionError):
        assert check_formula("∂L/∂d1 = q11 - y1")


def test_the_tolerance_is_relative_to_the_true_gradient():
    # 1 part in 10^7 off: wrong, however small the gradient's own size
    truth = check_formula("∂L/∂d1 = q11 + q12 - y1 - y2")
    slightly = check_formula("∂L/∂d1 = (q11 + q12 - y1 - y2)·1.0000001")
    assert truth and not slightly
    assert "largest relative difference" in str(truth) and truth.max_rel_error < 1e-12


# ---- sums, in Unicode, ASCII and LaTeX -----------------------------------------------------------

@pytest.mark.parametrize("formula", [
    "∂L/∂δ12 = -\\sum_{k=1}^{2} (y_k - q_{1k}) p_{2k}",
    "dL/ddelta12 = -sum_k((y_k - q_{1k})*p_{2k})",
    "\\frac{\\partial L}{\\partial \\delta_{12}} = -\\sum_{k=1}^{n} (y_k - q_{1k}) p_{2k}",
    "∂L/∂θ12 = -Σ_k (y_k − q_{1k})·δ11·X_{2k}",
    "∂L/∂b3 = -δ13 Σ_k (y_k - q_{1k})",
    "∂L/∂d1 = Σ_{k=1}^{2} (q_{1k} - y_k)",
])
def test_sum_formulas_as_students_write_them(formula):
    assert check_formula(formula), str(check_formula(formula))


# ---- what the mistake is -------------------------------------------------------------------------

@pytest.mark.parametrize("formula, kind, says", [
    ("∂L/∂δ12 = Σ_k (y_k - q_{1k}) p_{2k}", "sign", "The sign is flipped"),
    ("∂L/∂δ12 = -2 Σ_k (y_k - q_{1k}) p_{2k}", "factor", "Your formula is 2 × ∂L/∂δ12 at every "
                                                          "point (a missing ½, or a missing 1/n"),
    ("∂L/∂d1 = (q11 + q12 - y1 - y2)/2", "factor", "Your formula is 1/2 × ∂L/∂d1"),
    ("∂L/∂θ12 = -(y1 - q11)·δ11·X21", "missing path",
     "It leaves out the path θ12 → p12 → q12 → L, whose term is -(y2 - q12)·δ11·X22."),
    ("∂L/∂δ13 = -((y1 - q11) p31 + 2 (y2 - q12) p32)", "doubled path",
     "It counts twice the path δ13 → q12 → L"),
    ("∂L/∂δ13 = -(y1 - q11) p31 + (y2 - q12) p32", "path sign",
     "It flips the sign of the path δ13 → q12 → L"),
    ("∂L/∂θ12 = -(y1 - q11)·δ11·X12 - (y2 - q12)·δ11·X22", "swap",
     "It is right with X21 in place of X12 (a swapped index)."),
    ("∂L/∂θ12 = -(y1 - q11)·δ12·X21 - (y2 - q12)·δ11·X22", "swap",
     "It is right with δ11 in place of δ12 (a wrong index)."),
    ("∂L/∂θ13 = -((y1 - q11) p31 + (y2 - q12) p32)", "other entry",
     "it is the formula for δ13, not θ13"),
])
def test_the_usual_slips_are_named(formula, kind, says):
    result = check_formula(formula)
    assert not result and result.verdict == "wrong"
    assert kind in [k for k, _ in result.diagnosis], str(result)
    assert says in str(result)
    assert "At the example's own point: yours = " in str(result)


def test_no_diagnosis_is_claimed_when_none_holds():
    result = check_formula("∂L/∂θ12 = y1·q11 + X31")
    assert not result and result.diagnosis == []
    assert "None of the usual slips" in str(result)


def test_every_diagnosis_holds_at_every_point():
    # the claimed relation, evaluated independently at the example's point
    result = check_formula("∂L/∂d1 = 3·(q11 + q12 - y1 - y2)")
    assert ("factor", "Your formula is 3 × ∂L/∂d1 at every point.") in result.diagnosis
    assert result.yours == pytest.approx(3 * result.true, rel=1e-12)


def test_cli_undefined_formula_exits_4(capsys):
    code, out, _ = run(capsys, "--check", "∂L/∂θ12 = 1e308*1e308")
    assert code == 4 and "UNDEFINED" in out and "RIGHT" not in out
    code, out, _ = run(capsys, "--json", "--check", "∂L/∂θ12 = 1e308*1e308")
    assert code == 4 and json.loads(out)["checks"][0]["verdict"] == "undefined"


# ---- matrix form: a whole block at once ----------------------------------------------------------

@pytest.mark.parametrize("formula", [
    "∂L/∂W1 = -W2ᵀ(Y − Q)Xᵀ",
    "∂L/∂Θ = -Δ' (Y - Q) X'",
    "dL/dW_1 = -W_2^T (Y - Q) X^T",
    "\\frac{\\partial L}{\\partial \\Theta} = -\\Delta^{T} \\left(Y - Q\\right) X^{T}",
    "∂L/∂W2 = -(Y − Q)·Pᵀ",
    "∂L/∂W2 = (Q - Y) P'",
    "∂L/∂b = -W2ᵀ(Y − Q)1_n",
    "∂L/∂b = -Σ_k W2ᵀ (Y − Q)",
    "∂L/∂P = -W2ᵀ(Y − Q)",
    "∂L/∂Q = Q - Y",
    "∂L/∂W1 = -(2 W2ᵀ)(Y − Q) X^T / 2",
])
def test_right_matrix_formulas(formula):
    result = check_formula(formula)
    assert result, str(result)
    assert len(result.entry_verdicts) == {"W1": 12, "W2": 4, "b": 4, "P": 8, "Q": 2}[
        result.target]
    assert "RIGHT: each of the" in str(result)


def test_a_matrix_formula_works_for_any_number_of_data_points():
    config = dict(DEFAULT_CONFIG, X=[[1.0, 2.0, 3.0]] * 3, y=[0.0, 1.0, 2.0])
    assert check_formula("∂L/∂W2 = -(Y − Q)·Pᵀ", config, points=3)
    assert check_formula("∂L/∂b = -W2ᵀ(Y − Q)1_n", config, points=3)


def test_a_wrong_matrix_formula_is_judged_entry_by_entry():
    result = check_formula("∂L/∂W2 = (Y − Q)·Pᵀ")
    assert not result and result.verdict == "wrong"
    assert result.entry_verdicts == {"δ11": "wrong", "δ12": "wrong", "δ13": "wrong",
                                     "δ14": "wrong"}
    text = str(result)
    assert "Right for 0 of 4 entries; wrong at δ11, δ12, δ13, δ14." in text
    assert "δ12: yours = -0.54325, true = 0.54325 at the example's own point" in text
    assert "The sign is flipped: your block is −∂L/∂W2" in text
    assert "The correct formula: ∂L/∂W2 = -(Y − Q)Pᵀ" in text
    assert json.loads(json.dumps(result.to_json()))["entries"]["δ11"] == "wrong"


def test_a_missing_half_in_a_block():
    result = check_formula("∂L/∂W1 = -2 W2ᵀ(Y − Q)Xᵀ")
    # with n = 2 data points ½ and 1/n are the same number: both are named
    assert ("factor", "Your formula is 2 × ∂L/∂W1 at every point (a missing ½, or a missing "
                      "1/n: with n = 2 data points both are 0.5, so the numbers alone cannot "
                      "tell which: look for the constant in front of your loss.)") \
        in result.diagnosis


@pytest.mark.parametrize("formula, message, column", [
    ("∂L/∂W1 = -W2 (Y-Q) X", "the matrix product (1×4)·(1×2) does not fit: 4 columns against "
                             "1 row", 14),
    ("∂L/∂W1 = -(W2ᵀ(Y − Q)) ⊙ Xᵀ", "the elementwise product of (4×2) and (2×3) does not fit",
     24),
    ("∂L/∂W2 = -(Y − Q)", "the right side is 1×2, but ∂L/∂W2 is 1×4", 9),
    ("∂L/∂W1 = W1 + Z", "unexpected 'Z' in a matrix formula", 15),
    ("∂L/∂b = 2 / W2", "'/' takes a number on its right, not a (1×4) matrix", 11),
    ("∂L/∂W1 = (W1", "the '(' opened here is never closed", 10),
])
def test_matrix_shape_errors_say_which_product_does_not_fit(formula, message, column):
    with pytest.raises(FormulaError) as info:
        check_formula(formula)
    assert message in str(info.value) and info.value.column == column


def test_an_undefined_block_is_never_right():
    result = check_formula("∂L/∂b = -W2ᵀ(Y − Q)1_n / 0")
    assert result.verdict == "undefined" and not result
    assert "Right for 0 of 4 entries; undefined at b1, b2, b3, b4." in str(result)
