"""The command line under hostile or careless use (issue 31): any console encoding, any file
name, names that shadow functions, text that could drive a terminal, runs too large to finish."""

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_lite.cli import Progress, main
from tinygrad_lite.files import FileProblem, FileSystemProblem, write_atomically
from tinygrad_lite.lab.practice import ConfigError, MAX_WORK, run_practice

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*argv, env=None):
    return subprocess.run([sys.executable, "-m", "tinygrad_lite", *argv], cwd=ROOT,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=120)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- any console --------------------------------------------------------------------------------

@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1"},
                                 {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0",
                                  "PYTHONIOENCODING": ""}])
@pytest.mark.parametrize("argv", [["--help"], ["practice", "--help"], ["grad", "--help"],
                                  ["practice", "--help", "--lang", "ko"],
                                  ["grad", "--help", "--lang", "ko"], ["practice", "--bogus"]])
def test_help_and_argparse_errors_survive_any_console_encoding(env, argv):
    done = run_cli(*argv, env=env)
    assert b"Traceback" not in done.stderr and b"UnicodeEncodeError" not in done.stderr
    assert done.returncode in (0, 2)
    assert (done.stdout + done.stderr).strip()


def test_the_caret_stays_on_its_character_in_the_ascii_fallback():
    done = run_cli("grad", "θ*x + y", "--at", "θ=1,x=2", env={"PYTHONIOENCODING": "ascii"})
    lines = done.stderr.decode("ascii").splitlines()
    shown, caret = lines[-2], lines[-1]
    assert shown.strip() == "theta*x + y" and shown[caret.index("^")] == "y"


# ---- any file name ------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--html", "--dot"])
def test_an_empty_file_name_is_an_error(capsys, flag):
    code, out, err = run(capsys, "practice", flag, "")
    assert code == 2 and "the file name is empty" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("flag", ["--html", "--dot"])
def test_a_name_too_long_for_the_system_is_one_line(capsys, tmp_path, flag):
    code, out, err = run(capsys, "practice", flag, str(tmp_path / ("x" * 300 + ".html")))
    assert code == 2 and "cannot write" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("flag", ["--html", "--dot"])
def test_a_read_only_file_is_left_as_it_is(capsys, tmp_path, flag):
    path = tmp_path / "kept.html"
    path.write_text("mine", encoding="utf-8")
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    code, out, err = run(capsys, "practice", flag, str(path))
    assert code == 2 and "read-only" in err
    assert path.read_text(encoding="utf-8") == "mine"


def test_a_missing_folder_is_an_oserror_a_bad_content_a_valueerror(tmp_path):
    with pytest.raises(OSError) as info:
        write_atomically(tmp_path / "no" / "such" / "page.html", "x")
    assert isinstance(info.value, FileSystemProblem) and isinstance(info.value, FileProblem)
    from tinygrad_lite.files import read_json
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        read_json(bad, 100)
    assert not isinstance(info.value, OSError)
    with pytest.raises(OSError):
        read_json(tmp_path / "missing.json", 100)


# ---- names that are taken --------------------------------------------------------------------------

@pytest.mark.parametrize("expression, at, says", [
    ("exp(x)", "exp=1,x=2", "exp is a function"),
    ("sqrt(x)", "sqrt=4,x=2", "sqrt is a function"),
    ("f*x", "f=2,x=3", "f is the expression's own value"),
])
def test_at_names_that_shadow_a_function_or_the_output_are_refused(capsys, expression, at,
                                                                    says):
    code, out, err = run(capsys, "grad", expression, "--at", at)
    assert code == 2 and says in err and out == ""


def test_an_exercise_file_cannot_shadow_either(capsys, tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"expression": "exp(x)", "at": {"exp": 1, "x": 2}}))
    code, _, err = run(capsys, "grad", "--file", str(path))
    assert code == 2 and "exp is a function" in err


# ---- text that could drive a terminal ---------------------------------------------------------------

def test_an_exercise_files_source_is_escaped(capsys, tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"expression": "x*y", "at": {"x": 1, "y": 2},
                                "source": "evil \x1b[2J\x07 \u202eright-to-left"}))
    code, out, _ = run(capsys, "grad", "--file", str(path))
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[2J\\x07" in out and "\\u202e" in out


def test_a_combining_mark_in_an_error_is_escaped(capsys):
    code, _, err = run(capsys, "grad", "x\u0301", "--at", "x=1")
    assert code == 2 and "'\\u0301'" in err and "\u0301" not in err


# ---- runs too large to finish ---------------------------------------------------------------------

def test_a_run_that_cannot_finish_is_refused_up_front_with_an_estimate(capsys):
    code, out, err = run(capsys, "practice", "--epochs", "1000000000000")
    assert code == 2 and "minutes here" in err and out == ""
    with pytest.raises(ConfigError, match="minutes"):
        run_practice({"epochs": MAX_WORK})


def test_a_network_too_large_to_hold_is_refused_up_front(capsys, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"layers": [10000, 1], "X": [[0.1] * 1000, [0.2] * 1000],
                                "y": [0.0] * 1000}))
    code, out, err = run(capsys, "practice", "--config", str(path))
    assert code == 2 and "operand links" in err and "Traceback" not in err


def test_explain_of_a_large_expression_explains_some_and_says_so(capsys):
    names = [f"x{i}" for i in range(1000)]
    code, out, _ = run(capsys, "grad", " + ".join(names), "--at",
                       ",".join(f"{n}=1" for n in names), "--explain")
    assert code == 0 and "of the 1000 inputs are explained" in out
    assert out.count("sum over") < 1000


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_long_run_shows_progress_on_a_terminal_only():
    long_run = {"epochs": 200_000}
    assert Progress.for_run(long_run | {"X": [[1.0]] * 3, "y": [1.0], "lr": 0.1,
                                        "theta": [[0.1] * 3] * 4, "b": [0.0] * 4,
                                        "delta": [0.1] * 4, "d1": 0.0}, "en",
                            io.StringIO()) is None                  # not a terminal
    from tinygrad_lite.lab.practice import validate_config
    config = validate_config({"epochs": 200_000})
    stream = Terminal()
    progress = Progress.for_run(config, "en", stream)
    assert progress is not None
    progress(1, 4, 1)
    progress(4, 4, 4)
    assert "training: 100% done (epoch 4), about 0 s left" in stream.getvalue()
    assert Progress.for_run(validate_config({}), "en", Terminal()) is None    # a short run
    seen = []
    run_practice({"epochs": 3}, progress=lambda step, steps, epoch: seen.append((step, steps)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
