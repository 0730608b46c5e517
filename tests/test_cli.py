"""The command line under real use: divergence as a finding, Ctrl-C, pipes, narrow consoles,
endless or odd files, strict JSON, long inputs.  Exit codes: 0, 1 wrong formula, 2 bad input,
3 diverged, 130 interrupted, 141 reader gone."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tinygrad_lite.cli import main
from tinygrad_lite.data import DataLoader
from tinygrad_lite.training import fit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(capsys, *argv):
    code = main(["practice", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def command(*argv, env=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "tinygrad_lite", "practice", *argv], cwd=ROOT,
                          capture_output=True, env={**os.environ, **(env or {})}, **kwargs)


# ---- training that diverges is a finding --------------------------------------------------------

@pytest.mark.parametrize("lr, epochs, reason", [
    ("0.5", "100", "the gradient of θ11 is nan"),
    ("5", "20", "the forward pass failed: (1.46108e+187) ** 2.0 overflows|the forward pass failed"),
])
def test_a_diverging_run_is_reported_with_exit_code_3(capsys, lr, epochs, reason):
    code, out, err = run(capsys, "--lr", lr, "--epochs", epochs)
    assert code == 3 and err == ""
    assert "Training diverged at epoch" in out
    assert any(r in out for r in reason.split("|"))
    assert f"Try a smaller learning rate, such as --lr {float(lr) / 10:g} (a tenth" in out
    # words that are true: no claim about the tutorial, the largest finite gradient before it
    assert "experiment" not in out and "the largest finite gradient before it (epoch" in out
    assert "= nan" not in out and "= inf" not in out


def test_divergence_in_json_is_strict_and_complete(capsys):
    code, out, _ = run(capsys, "--lr", "0.5", "--epochs", "100", "--json")
    assert code == 3
    document = json.loads(out)                      # strict: no NaN or Infinity literals
    diverged = document["diverged"]
    assert diverged["epoch"] == 26 and len(diverged["losses"]) == 25
    assert diverged["losses"] == document["losses"]
    assert diverged["largest_gradient"] == {"name": "θ11", "value": None, "nonfinite": "nan"}
    assert diverged["hint"].startswith("a smaller learning rate")


def test_a_first_pass_that_overflows_is_reported_too(tmp_path, capsys):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"X": [[1e308, 1.0], [1.0, 1.0], [1.0, 1.0]]}))
    code, out, _ = run(capsys, "--config", str(path))
    assert code == 3
    assert "Training diverged at epoch 1: the forward pass failed" in out
    assert "smaller inputs or initial parameters" in out


def test_strict_json_for_a_non_finite_prediction(capsys):
    code, out, _ = run(capsys, "--json", "--predict", "nan,1,2")
    assert code == 0
    document = json.loads(out)
    assert document["predictions"][0] == {"input": [None, 1.0, 2.0], "output": None}
    assert document["nonfinite"] == {"predictions[0].input[0]": "nan",
                                     "predictions[0].output": "nan"}


# ---- Ctrl-C and pipes ----------------------------------------------------------------------------

def test_ctrl_c_prints_one_line_and_exits_130():
    process = subprocess.Popen([sys.executable, "-m", "tinygrad_lite", "practice", "--epochs",
                                "5000000"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)         # minutes of work, in budget
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.decode().strip().splitlines() == ["tinygrad-lite practice: interrupted"]


def test_a_closed_pipe_ends_quietly(tmp_path):
    path = tmp_path / "many.json"                   # a report far larger than a pipe's buffer
    path.write_text(json.dumps({"X": [[0.001 * k for k in range(3000)]] * 3,
                                "y": [0.0] * 3000}))
    process = subprocess.Popen([sys.executable, "-m", "tinygrad_lite", "practice", "--config",
                                str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.readline()                       # read one line, then go away (as head -1)
    process.stdout.close()
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert process.returncode in (0, 141)


# ---- consoles that cannot show every character ---------------------------------------------------

@pytest.mark.parametrize("encoding", ["cp949", "ascii"])
def test_a_narrow_console_gets_a_readable_report(encoding):
    done = command("--explain", "θ12", "--check", "∂L/∂d1 = q11 + q12 - y1 - y2", "--report",
                   env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr.decode(encoding, "replace")
    text = done.stdout.decode(encoding)             # it decodes: nothing unencodable was sent
    assert "Traceback" not in done.stderr.decode(encoding, "replace")
    if encoding == "cp949":
        assert "∂L/∂θ12" in text and "−" not in text and "·Σ_k (y_k - q_1k)²" in text
    else:
        assert "dL/dtheta12" in text and "θ" not in text


# ---- endless, deep, odd and long input -----------------------------------------------------------

@pytest.mark.parametrize("flag", ["--config", "--check-file"])
def test_dev_zero_is_refused_quickly(capsys, flag):
    start = time.perf_counter()
    code, out, err = run(capsys, flag, "/dev/zero")
    assert code == 2 and out == ""
    assert "a binary file" in err and len(err.splitlines()) == 1
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("flag, limit", [("--config", "10,485,760"), ("--check-file", "2,097,152")])
def test_a_file_over_the_size_limit_is_refused(tmp_path, capsys, flag, limit):
    path = tmp_path / "big.txt"
    path.write_text(" " * (11 * 2 ** 20))
    code, _, err = run(capsys, flag, str(path))
    assert code == 2 and f"larger than the limit of {limit} bytes" in err


def test_a_deeply_nested_config_is_one_line(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run(capsys, "--config", str(path))
    assert code == 2 and "nested too deeply" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe\x00t", "a binary file"),
    (b"\xe9t\xe9 = 1", "not UTF-8 text (byte 1 is 0xe9)"),
])
def test_odd_formula_files_are_one_line_errors(tmp_path, capsys, content, message):
    path = tmp_path / "formulas.txt"
    path.write_bytes(content)
    code, _, err = run(capsys, "--check-file", str(path))
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_missing_file_and_directory(tmp_path, capsys):
    code, _, err = run(capsys, "--check-file", str(tmp_path / "nope.txt"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "--check-file", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_a_long_input_is_not_echoed_whole(tmp_path, capsys):
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"y": ["x"] * 1_000_000}))       # a 5 MB line
    code, _, err = run(capsys, "--config", str(path))
    assert code == 2 and '"y"' in err
    assert len(err) < 1000 and "…" in err and "characters)" in err


# ---- fit on what is not a dataset ----------------------------------------------------------------

def test_fit_on_an_empty_loader_is_an_error():
    from tinygrad_lite import nn, optim
    from tinygrad_lite.losses import mse_loss
    model = nn.Dense(1, 1)
    with pytest.raises(ValueError, match="the loader gave no examples"):
        fit(model, lambda o, y: mse_loss([v[0] for v in o], y), optim.SGD(model.parameters(), lr=0.1),
            DataLoader([]), epochs=2, progress=False)


def test_a_dict_dataset_says_what_the_loader_accepts():
    with pytest.raises(TypeError, match=r"a sequence indexed 0 … n-1.*list\(d.items\(\)\)"):
        DataLoader({"a": 1, "b": 2})


def test_a_formula_file_with_a_bom_and_control_characters(tmp_path, capsys):
    path = tmp_path / "formulas.txt"
    path.write_bytes("\ufeff∂L/∂d1 = q11 + q12 - y1 - y2\n".encode("utf-8"))
    code, out, _ = run(capsys, "--check-file", str(path))
    assert code == 0 and "RIGHT" in out
    path.write_bytes("∂L/∂d1 = q11 \x1b[2J\x07\n".encode("utf-8"))
    code, out, err = run(capsys, "--check-file", str(path))
    assert code == 2 and "\x1b" not in err and "\x07" not in err and "\\x1b" in err


@pytest.mark.parametrize("formula", ["θ12 = 1e400", "θ12 = " + "9" * 400])
def test_a_formula_beyond_a_float_is_unreadable_not_right(capsys, formula):
    code, out, err = run(capsys, "--check", formula)
    assert code == 2 and "RIGHT" not in out and "beyond the largest float" in err
