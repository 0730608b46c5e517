"""The laboratory speaks English and Korean (the tutorial's language): one catalogue per language,
chosen by --lang or by LC_ALL / LANG, with the report's names and numbers the same in both."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_lite.cli import main
from tinygrad_lite.messages import LANGUAGES, language, placeholders, say

ROOT = Path(__file__).resolve().parent.parent


def command(*argv, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "tinygrad_lite", "practice", *argv], cwd=ROOT,
                          capture_output=True, env=environment)


# ---- the catalogues -----------------------------------------------------------------------------

def test_every_message_exists_in_every_language_with_the_same_placeholders():
    english = LANGUAGES["en"]
    for lang, catalogue in LANGUAGES.items():
        assert set(catalogue) == set(english), lang
        for key, text in catalogue.items():
            assert placeholders(text) == placeholders(english[key]), (lang, key)


def test_korean_messages_are_korean():
    hangul = [key for key, text in LANGUAGES["ko"].items()
              if any("\uac00" <= ch <= "\ud7a3" for ch in text)]
    # everything but pure layout strings says something in Hangul
    assert len(hangul) >= len(LANGUAGES["ko"]) * 3 // 4


@pytest.mark.parametrize("requested, environ, expected", [
    (None, {}, "en"),
    (None, {"LANG": "ko_KR.UTF-8"}, "ko"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
    (None, {"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"),
    ("en", {"LANG": "ko_KR.UTF-8"}, "en"),
    ("ko", {"LANG": "en_US.UTF-8"}, "ko"),
])
def test_language_is_the_flag_then_lc_all_then_lang(requested, environ, expected):
    assert language(requested, environ) == expected


def test_an_unknown_language_is_a_clear_error():
    with pytest.raises(ValueError, match="--lang must be one of en, ko"):
        language("fr", {})


# ---- the worked example in Korean ---------------------------------------------------------------

def test_practice_in_korean_keeps_the_names_and_numbers(capsys):
    assert main(["practice"]) == 0
    english, _ = capsys.readouterr()
    assert main(["practice", "--lang", "ko"]) == 0
    korean, _ = capsys.readouterr()
    assert "튜토리얼의 예제 신경망" in korean and "에폭" in korean
    assert "Epoch" not in korean
    # the same numbers, in the same order, in both languages
    number = r"-?\d+\.\d+(?:e[-+]\d+)?"
    assert re.findall(number, korean) == re.findall(number, english)


def test_korean_locale_chooses_korean_and_the_flag_wins():
    korean = command(env={"LANG": "ko_KR.UTF-8"})
    assert korean.returncode == 0
    assert "튜토리얼의 예제 신경망" in korean.stdout.decode("utf-8")
    english = command("--lang", "en", env={"LANG": "ko_KR.UTF-8"})
    assert english.returncode == 0
    assert "튜토리얼의 예제 신경망" not in english.stdout.decode("utf-8")


def test_korean_on_a_cp949_console_decodes():
    done = command("--lang", "ko", env={"PYTHONIOENCODING": "cp949"})
    assert done.returncode == 0, done.stderr
    assert "에폭" in done.stdout.decode("cp949")


def test_a_diverging_run_is_reported_in_korean(capsys):
    code = main(["practice", "--lang", "ko", "--lr", "50", "--epochs", "40"])
    out, _ = capsys.readouterr()
    assert code == 3
    assert "에폭 6에서 학습이 발산했습니다" in out
    assert "θ11의 기울기가 nan입니다" in out
    assert "--lr 5" in out


def test_json_names_its_language_but_keeps_english_reasons(capsys):
    code = main(["practice", "--json", "--lang", "ko", "--lr", "50", "--epochs", "40"])
    out, _ = capsys.readouterr()
    assert code == 3
    document = json.loads(out)
    assert document["lang"] == "ko"
    assert document["diverged"]["reason"] == "the gradient of θ11 is nan"


def test_say_falls_back_to_english_and_fills_placeholders():
    key = next(k for k, text in LANGUAGES["en"].items() if placeholders(text))
    values = {name: "X" for name in placeholders(LANGUAGES["en"][key])}
    assert say(key, "xx", **values) == LANGUAGES["en"][key].format(**values)


def test_korean_column_headers_line_up_with_the_numbers(capsys):
    import unicodedata

    def columns(text):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    main(["practice", "--lang", "ko"])
    lines = capsys.readouterr()[0].splitlines()
    header = next(i for i, line in enumerate(lines) if "초깃값" in line)
    # the header ends in the same console column as the row under it (Hangul is two columns)
    assert columns(lines[header].rstrip()) == columns(lines[header + 1].rstrip())
    assert (columns(lines[header].split("초깃값")[0] + "초깃값")
            == columns(lines[header + 1].split(" 0.1 ")[0] + " 0.1"))
    assert (columns(lines[header].split("매개변수")[0] + "매개변수")
            == columns(lines[header + 1].split("θ11")[0] + "θ11"))


def test_formula_verdicts_in_korean_match_the_english_ones(capsys):
    right = "∂L/∂θ12 = -(y1 - q11)·δ11·X21 - (y2 - q12)·δ11·X22"
    wrong = "∂L/∂θ12 = -(y1 - q11)·δ11·X21"          # the second data point's path left out
    assert main(["practice", "--lang", "ko", "--grad", "θ12", "--check", right]) == 0
    out = capsys.readouterr()[0]
    assert "  맞음: 21개 점(예제의 점과 무작위 점 20개) 모두에서 ∂L/∂θ12와 같습니다" in out
    assert main(["practice", "--lang", "ko", "--grad", "θ12", "--check", wrong]) == 1
    out = capsys.readouterr()[0]
    assert "맞음" not in out
    assert "  틀림: 21개 점 모두에서 ∂L/∂θ12와 다릅니다" in out
    assert "실제 ∂L/∂θ12 = -0.30525" in out         # hand algebra: the tutorial's gradient
    assert "  올바른 공식: ∂L/∂θ12 = -(y1 - q11)·δ11·X21 - (y2 - q12)·δ11·X22" in out
    assert main(["practice", "--lang", "ko", "--check", "∂L/∂θ12 = 1/(X21 - X21)"]) == 4
    out = capsys.readouterr()[0]
    assert "맞음" not in out and "정의되지 않음" in out


@pytest.mark.parametrize("formula, english, korean", [
    ("∂L/∂θ12 = -(y1 - q11)·δ11·X21",
     "It leaves out the path θ12 → p12 → q12 → L, whose term is -(y2 - q12)·δ11·X22.",
     "경로 θ12 → p12 → q12 → L을 빠뜨렸습니다. 그 경로의 항은 -(y2 - q12)·δ11·X22입니다."),
    ("∂L/∂θ12 = -2*(y1 - q11)·δ11·X21 - 2*(y2 - q12)·δ11·X22",
     "Your formula is 2 × ∂L/∂θ12 at every point (a missing ½, or a missing 1/n",
     "입력한 식은 모든 점에서 2 × ∂L/∂θ12입니다 (½ 또는 1/n이 빠졌습니다"),
    ("∂L/∂θ12 = -(y1 - q11)·δ11·X12 - (y2 - q12)·δ11·X22",
     "It is right with X21 in place of X12 (a swapped index).",
     "X12 대신 X21을 쓰면 맞습니다 (첨자가 뒤바뀜)."),
    ("∂L/∂θ12 = (y1 - q11)·δ11·X21 + (y2 - q12)·δ11·X22",
     "The sign is flipped: your formula is −∂L/∂θ12 at every point.",
     "부호가 반대입니다: 입력한 식은 모든 점에서 −∂L/∂θ12입니다."),
])
def test_diagnoses_in_korean_say_the_same_slip(capsys, formula, english, korean):
    assert main(["practice", "--check", formula]) == 1
    assert english in capsys.readouterr()[0]
    assert main(["practice", "--lang", "ko", "--check", formula]) == 1
    out = capsys.readouterr()[0]
    assert korean in out and english not in out


def test_json_diagnoses_stay_english(capsys):
    main(["practice", "--json", "--lang", "ko", "--check", "∂L/∂θ12 = -(y1 - q11)·δ11·X21"])
    diagnosis = json.loads(capsys.readouterr()[0])["checks"][0]["diagnosis"]
    assert diagnosis == [{"kind": "missing path", "text": "It leaves out the path θ12 → p12 → "
                          "q12 → L, whose term is -(y2 - q12)·δ11·X22."}]


# ---- explain, grad and the command line's errors ---------------------------------------------

def numbers(text):
    return re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_explain_in_korean_says_the_same_paths_and_numbers(capsys):
    _, english, _ = run(capsys, "practice", "--grad", "θ12", "--explain", "θ12", "--group")
    _, korean, _ = run(capsys, "practice", "--grad", "θ12", "--explain", "θ12", "--group",
                       "--lang", "ko")
    assert "경로 2개" in korean and "경로 1: θ12 → p12 → q12 → L" in korean
    assert "합계 = -0.30525 (역전파(backpropagation)로 구한 값 -0.30525, 일치)" in korean
    assert "층 1: p12: 경로 1개, -0.2235; p11: 경로 1개, -0.08175" in korean
    assert "path" not in korean and "sum over" not in korean
    assert sorted(numbers(korean)) == sorted(numbers(english))   # word order differs
    # the product line is padded by console columns: its '=' lines up with the steps above
    lines = korean.splitlines()
    step = next(line for line in lines if line.startswith("      ∂L/∂q12"))
    product = next(line for line in lines if line.lstrip().startswith("곱"))
    assert columns(product.split("=")[0]) == columns(step.rsplit("=", 1)[0])


def columns(text):
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_grad_command_speaks_korean_and_its_json_names_the_language(capsys):
    code, korean, _ = run(capsys, "grad", "(x + y)*z", "--at", "x=-2,y=5,z=-4", "--explain",
                          "--lang", "ko")
    assert code == 0
    assert "계산하는 점: x = -2, y = 5, z = -4" in korean
    assert "입력" in korean and "∂f/∂x = -4   ∂f/∂y = -4   ∂f/∂z = 3" in korean
    assert "경로 1: z → f" in korean and "input" not in korean
    _, english, _ = run(capsys, "grad", "(x + y)*z", "--at", "x=-2,y=5,z=-4", "--explain")
    assert "  node                       computes            value        ∂f/∂·" in english
    assert sorted(numbers(korean)) == sorted(numbers(english))
    run(capsys, "grad", "x*y", "--at", "x=1,y=2", "--json", "--lang", "ko")
    _, text, _ = run(capsys, "grad", "x*y", "--at", "x=1,y=2", "--json", "--lang", "ko")
    assert json.loads(text)["lang"] == "ko"


@pytest.mark.parametrize("argv, english, korean", [
    (["practice", "--check", "∂L/∂θ12 = X21 +* 2"],
     "--check 1: '*' needs something on its left (column 16)",
     "--check 1: '*'의 왼쪽에 무언가가 있어야 합니다 (16번째 글자)"),
    (["practice", "--explain", "zz"],
     "--explain 'zz': unknown name 'zz'; the names are X11…X32",
     "--explain 'zz': 'zz'는 알 수 없는 이름입니다. 쓸 수 있는 이름: X11…X32"),
    (["practice", "--config", "no/such/config.json"],
     "config no/such/config.json: no such file",
     "설정 파일 no/such/config.json: 그런 파일이 없습니다"),
    (["practice", "--predict", "1,a,2"],
     "--predict '1,a,2': entry 2 ('a') is not a number",
     "--predict '1,a,2': 2번째 값 'a'가 수가 아닙니다"),
    (["practice", "--paths", "3"],
     "--paths, --group and --max-formula go with --explain",
     "--paths, --group, --max-formula는 --explain과 함께 씁니다"),
    (["grad"], 'give an expression, e.g. grad "(x + y)*z"', '식을 주세요. 예: grad "(x + y)*z"'),
])
def test_command_line_errors_in_korean(capsys, argv, english, korean):
    code, _, err = run(capsys, *argv)
    assert code == 2 and english in err and err.startswith(f"tinygrad-lite {argv[0]}: error: ")
    code, _, err = run(capsys, *argv, "--lang", "ko")
    assert code == 2 and korean in err and err.startswith(f"tinygrad-lite {argv[0]}: 오류: ")


def test_config_and_json_errors_in_korean(capsys, tmp_path):
    config = tmp_path / "c.json"
    config.write_text('{"lr": 0.1, "foo": 1}', encoding="utf-8")
    _, _, err = run(capsys, "practice", "--config", str(config), "--lang", "ko")
    assert "알 수 없는 키 'foo'; 쓸 수 있는 키: X, y, theta" in err
    config.write_text('{"lr": 0.1', encoding="utf-8")
    _, _, err = run(capsys, "practice", "--config", str(config), "--lang", "ko")
    assert "올바른 JSON이 아닙니다: 1번째 줄" in err
    _, _, err = run(capsys, "practice", "--config", str(config))
    assert "not valid JSON: Expecting ',' delimiter at line 1, column 11" in err
    config.write_text('{"epochs": 1.5, "X": [[1, "a"], [2, 3], [4, 5]]}', encoding="utf-8")
    _, _, err = run(capsys, "practice", "--config", str(config), "--lang", "ko")
    assert '"X[0][1]": 유한한 수여야 하는데 "a"입니다' in err


@pytest.mark.parametrize("argv, english, korean", [
    (["practice", "--lr", "x"], "argument --lr: invalid float value: 'x'",
     "인자 --lr: 잘못된 float 값 'x'"),
    (["practice", "--bogus"], "unrecognized arguments: --bogus", "알 수 없는 인자: --bogus"),
    (["practice", "--grad"], "argument --grad: expected at least one argument",
     "인자 --grad: 값이 하나 이상 필요합니다"),
    (["bogus"], "invalid choice: 'bogus'", "잘못된 선택 'bogus'"),
])
def test_argparse_errors_in_korean(capsys, argv, english, korean):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and english in err and err.startswith("usage: ")
    with pytest.raises(SystemExit) as exit_:
        main(argv + ["--lang", "ko"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and korean in err and err.startswith("사용법: ")
    assert ": 오류: " in err


def test_a_korean_locale_gives_korean_argparse_errors():
    result = command("--lr", "x", env={"LANG": "ko_KR.UTF-8"})
    assert result.returncode == 2
    assert "인자 --lr: 잘못된 float 값 'x'" in result.stderr.decode("utf-8")


def test_the_korean_catalogue_uses_the_tutorials_terms():
    text = " ".join(LANGUAGES["ko"].values())
    for term in ("가중치", "편향", "손실 함수", "기울기", "학습률", "에폭", "순전파", "역전파"):
        assert term in text, term
    for other in ("그래디언트", "경사도", "바이어스", "웨이트", "에포크", "러닝 레이트"):
        assert other not in text, other


# ---- every error a user can meet is in the catalogue ------------------------------------------

def test_no_error_of_the_laboratory_or_the_command_line_is_english_only():
    """Each `raise FormulaError/ConfigError/UsageError/FileProblem(...)` says a Sentence (or passes
    on another error, which is one): a message written as a plain or f-string would stay
    English in a Korean report."""
    import ast
    errors = {"FormulaError", "ConfigError", "UsageError", "FileProblem", "VizError"}
    sources = sorted((ROOT / "tinygrad_lite" / "lab").glob("*.py")) + \
        [ROOT / "tinygrad_lite" / name for name in ("cli.py", "files.py", "viz.py")]
    plain = []
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                    and getattr(node.exc.func, "id", None) in errors and node.exc.args:
                first = node.exc.args[0]
                texts = [n for n in ast.walk(first) if isinstance(n, ast.JoinedStr)
                         or (isinstance(n, ast.Constant) and isinstance(n.value, str))]
                calls = [n for n in ast.walk(first) if isinstance(n, ast.Call)]
                if texts and not calls:
                    plain.append(f"{path.name}:{node.lineno}")
    assert plain == []


@pytest.mark.parametrize("argv, korean", [
    (["practice", "--check", "∂L/∂W1 = W2 X"],
     "행렬곱 (1×4)·(3×2)가 맞지 않습니다: 열 4개 대 행 3개 (13번째 글자)"),
    (["practice", "--check", "∂L/∂θ12 -(y1)"], "공식에는 성분과 식 사이에 '='가 하나 있어야 합니다"),
    (["practice", "--check", "∂L/∂θ12 = Σ_k (Σ_k X_{2k})"],
     "첨자 'k'는 이미 바깥쪽 합에 묶여 있습니다"),
    (["grad", "x*y", "--at", "x=1,y=a"], "--at: y = 'a'는 수가 아닙니다"),
    (["grad", "x*y", "--at", "x=1"], "'y'에 값이 없습니다: --at y=…로 주세요"),
])
def test_formula_and_expression_errors_in_korean(capsys, argv, korean):
    code, _, err = run(capsys, *argv, "--lang", "ko")
    assert code == 2 and korean in err, err


def test_a_ragged_config_in_korean(capsys, tmp_path):
    config = tmp_path / "c.json"
    config.write_text('{"X": [[1, 2], [3]]}', encoding="utf-8")
    _, _, err = run(capsys, "practice", "--config", str(config), "--lang", "ko")
    assert '"X": 모든 행의 열(데이터) 수가 같아야 하는데 행의 길이가 [2, 1]입니다' in err
    _, _, err = run(capsys, "practice", "--config", str(config))
    assert '"X": every row needs the same number of columns (data points), got rows of [2, 1]' in err


def test_help_in_korean_and_english_unchanged(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["grad", "--help"])
    english = capsys.readouterr().out
    assert english.startswith("usage: tinygrad-lite grad") and "show this help message" in english
    assert "  --at x=1,y=2          the point" in english
    with pytest.raises(SystemExit):
        main(["grad", "--help", "--lang", "ko"])
    korean = capsys.readouterr().out
    assert korean.startswith("사용법: tinygrad-lite grad") and "옵션:" in korean
    assert "  -h, --help            이 도움말을 보여 주고 끝냅니다" in korean
    assert "  --at x=1,y=2          미분하는 점" in korean
    from tinygrad_lite.console import columns
    assert max(columns(line) for line in korean.splitlines() if "--" in line) <= 80
