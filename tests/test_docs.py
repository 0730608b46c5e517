"""The docs never rot: every Python block in README.md and docs/*.md runs, and every output
block shown after a command is what that command prints today."""

import glob
import io
import os
import re
import shlex
import subprocess
import sys
import tokenize

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCUMENTS = [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "README.ko.md")] + \
    sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + \
    sorted(glob.glob(os.path.join(ROOT, "docs", "reference", "*.md"))) + \
    sorted(glob.glob(os.path.join(ROOT, "docs", "ko", "*.md")))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(path):
    with open(path, encoding="utf-8") as file:
        text = file.read()
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1)
            for m in FENCE.finditer(text)]


PYTHON = [(os.path.relpath(p, ROOT), line, code) for p in DOCUMENTS
          for kind, code, line in blocks(p) if kind == "python"]
SHOWN = []   # (document, line, command, expected output): each ```text block is output of the
for p in DOCUMENTS:   # latest ```bash command above it (```console blocks are not checked)
    command = None
    for kind, code, line in blocks(p):
        if kind == "bash":
            runnable = code.strip().startswith("python3") and " pip " not in code
            command = code.strip() if runnable else None
        elif kind == "text" and command is not None:
            SHOWN.append((os.path.relpath(p, ROOT), line, command, code))


@pytest.mark.parametrize("document, line, code", PYTHON,
                         ids=[f"{d}:{n}" for d, n, _ in PYTHON])
def test_python_blocks_run(document, line, code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(ROOT)
    try:
        exec(compile(code, f"{document}:{line}", "exec"), {"__name__": "__docs__"})
    except ModuleNotFoundError as error:
        if error.name not in OPTIONAL:
            raise
        pytest.skip(f"{document}:{line} needs the optional {error.name} (an extra)")


OPTIONAL = {"torch", "matplotlib", "graphviz", "tqdm", "micrograd"}


@pytest.mark.parametrize("document, line, command, output", SHOWN,
                         ids=[f"{d}:{n}" for d, n, _, _ in SHOWN])
def test_shown_output_is_what_the_command_prints(document, line, command, output):
    argv = shlex.split(command)
    argv[0] = sys.executable
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    printed = {l.rstrip() for l in (done.stdout + done.stderr).splitlines()}
    checked = 0
    for expected in output.splitlines():
        if expected.strip() in ("", "...") or expected.strip().startswith("..."):
            continue
        assert expected.rstrip() in printed, f"{document}:{line}: not printed: {expected!r}"
        checked += 1
    assert checked, f"{document}:{line}: an output block with nothing to check"


def test_the_docs_have_blocks_to_check():
    assert len(PYTHON) >= 3 and len(SHOWN) >= 6


def test_ci_runs_exactly_the_readmes_test_command():
    readme = [code.strip() for kind, code, _ in blocks(DOCUMENTS[0]) if kind == "bash"]
    command = next(c for c in readme if "pytest" in c)
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as file:
        lines = [line.strip() for line in file]
    assert command in lines


def test_the_korean_readme_gives_the_same_two_commands_first():
    def commands(path):
        return [code.strip() for kind, code, _ in blocks(path) if kind == "bash"][:2]
    english, korean = commands(DOCUMENTS[0]), commands(DOCUMENTS[1])
    assert korean == [english[0] + " --lang ko", english[1]]
    with open(DOCUMENTS[0], encoding="utf-8") as file:
        assert "[한국어](README.ko.md)" in file.read().split("\n```", 1)[0]


# ---- the Korean pages (docs/ko) -----------------------------------------------------------------

KOREAN_PAGES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "docs", "ko", "*.md")))


def test_every_english_page_has_a_korean_one():
    english = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
    assert KOREAN_PAGES == english


def without_comments(code):
    """The tokens of a Python block, its comments left out (a Korean page comments in Korean)."""
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [(t.type, t.string) for t in tokens
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)]


def comments(code):
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [t.string for t in tokens if t.type == tokenize.COMMENT]


@pytest.mark.parametrize("page", KOREAN_PAGES)
def test_a_korean_page_runs_the_same_code_as_its_english_page(page):
    def code(path):
        return [without_comments(text) for kind, text, _ in blocks(path) if kind == "python"]
    korean = code(os.path.join(ROOT, "docs", "ko", page))
    assert korean == code(os.path.join(ROOT, "docs", page))
    with open(os.path.join(ROOT, "docs", "ko", page), encoding="utf-8") as file:
        text = file.read()
    assert f"[English](../{page})" in text
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):   # every link and picture
        assert os.path.exists(os.path.join(ROOT, "docs", "ko", target)), (page, target)


@pytest.mark.parametrize("path", [os.path.join(ROOT, "docs", "ko", page) for page in KOREAN_PAGES]
                         + [DOCUMENTS[1]])
def test_korean_pages_comment_in_korean_and_show_korean_output(path):
    for kind, text, line in blocks(path):
        if kind in ("python", "bash"):
            for comment in (comments(text) if kind == "python" else
                            re.findall(r"#.*", text)):
                assert not re.search(r"[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}", comment), \
                    (path, line, comment)
        if kind == "text":             # Korean output: no English sentence (glosses aside)
            shown = re.sub(r"\((?:loss function|gradient|epoch|activation function|learning "
                           r"rate|placeholder|backpropagation)\)", "", text)
            assert not re.search(r"[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}", shown), \
                (path, line, "sample output not in Korean")


def test_the_korean_pages_use_the_tutorials_terms():
    text = ""
    for page in KOREAN_PAGES:
        if page == "glossary.md":                 # it names the words not to use
            continue
        with open(os.path.join(ROOT, "docs", "ko", page), encoding="utf-8") as file:
            text += file.read()
    for term in ("가중치", "편향", "손실 함수", "기울기", "학습률", "에폭", "비복원 추출",
                 "활성화 함수", "연쇄 법칙", "순전파", "역전파"):
        assert term in text, term
    for other in ("그래디언트", "경사도", "바이어스", "웨이트", "에포크", "러닝 레이트"):
        assert other not in text, other      # one word for one idea

