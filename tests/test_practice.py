"""The worked example: every gradient against the chain-rule algebra written out here (not taken
from the code under test), the update rule, several epochs, n ≠ 2, the JSON schema, errors."""

import json
import os
import subprocess
import sys

import pytest

from tinygrad_lite.cli import main
from tinygrad_lite.lab.practice import DEFAULT_CONFIG, run_practice, parameter_names

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- the tutorial's algebra, by hand ---------------------------------------------------------
# p_ik = Σ_j θij X_jk + b_i ;  q_k = Σ_i δ1i p_ik + d1 ;  L = ½ Σ_k (y_k - q_k)² ;  e_k = y_k - q_k
#   ∂L/∂q_k  = -e_k
#   ∂L/∂d1   = -Σ_k e_k
#   ∂L/∂δ1i  = -Σ_k e_k p_ik
#   ∂L/∂b_i  = -Σ_k e_k δ1i
#   ∂L/∂θij  = -Σ_k e_k δ1i X_jk

def hand_forward(c):
    X, n = c["X"], len(c["y"])
    p = [[sum(c["theta"][i][j] * X[j][k] for j in range(3)) + c["b"][i] for k in range(n)]
         for i in range(4)]
    q = [sum(c["delta"][i] * p[i][k] for i in range(4)) + c["d1"] for k in range(n)]
    L = 0.5 * sum((c["y"][k] - q[k]) ** 2 for k in range(n))
    return p, q, L


def hand_gradients(c):
    X, n = c["X"], len(c["y"])
    p, q, _ = hand_forward(c)
    e = [c["y"][k] - q[k] for k in range(n)]
    g = {"d1": -sum(e)}
    for i in range(4):
        g[f"δ1{i + 1}"] = -sum(e[k] * p[i][k] for k in range(n))
        g[f"b{i + 1}"] = -sum(e[k] * c["delta"][i] for k in range(n))
        for j in range(3):
            g[f"θ{i + 1}{j + 1}"] = -sum(e[k] * c["delta"][i] * X[j][k] for k in range(n))
    return g


def flat_params(c):
    values = {}
    for i in range(4):
        for j in range(3):
            values[f"θ{i + 1}{j + 1}"] = c["theta"][i][j]
        values[f"b{i + 1}"] = c["b"][i]
        values[f"δ1{i + 1}"] = c["delta"][i]
    values["d1"] = c["d1"]
    return values


def config_from(values, base):
    c = dict(base)
    c["theta"] = [[values[f"θ{i + 1}{j + 1}"] for j in range(3)] for i in range(4)]
    c["b"] = [values[f"b{i + 1}"] for i in range(4)]
    c["delta"] = [values[f"δ1{i + 1}"] for i in range(4)]
    c["d1"] = values["d1"]
    return c


def test_all_21_gradients_match_the_chain_rule():
    result = run_practice()
    expected = hand_gradients(DEFAULT_CONFIG)
    assert set(result["grads"]) == set(expected) == set(parameter_names())
    assert len(expected) == 21
    for name, g in expected.items():
        assert result["grads"][name] == pytest.approx(g, rel=1e-12, abs=1e-15), name


def test_forward_values_match_the_tutorials_formulas():
    result = run_practice()
    p, q, L = hand_forward(DEFAULT_CONFIG)
    for i in range(4):
        for k in range(2):
            assert result["forward"][f"p{i + 1}{k + 1}"] == pytest.approx(p[i][k], abs=1e-15)
    assert result["forward"]["q11"] == pytest.approx(q[0])
    assert result["forward"]["q12"] == pytest.approx(q[1])
    assert result["forward"]["L"] == pytest.approx(L)
    # for n = 2 the tutorial's L equals its MSE: (1/2) Σ (y - q)²
    assert L == pytest.approx(sum((y - qk) ** 2 for y, qk in zip(DEFAULT_CONFIG["y"], q)) / 2)


def test_one_epoch_is_one_gradient_step():
    result = run_practice()
    lr = DEFAULT_CONFIG["lr"]
    for name, value in result["params"].items():
        assert result["updated"][name] == pytest.approx(value - lr * result["grads"][name],
                                                        rel=1e-14, abs=1e-16)


def simulate(c, epochs):
    """Gradient descent by hand: the losses before each update and the final parameters."""
    values, losses = flat_params(c), []
    for _ in range(epochs):
        current = config_from(values, c)
        losses.append(hand_forward(current)[2])
        g = hand_gradients(current)
        values = {name: v - c["lr"] * g[name] for name, v in values.items()}
    return losses, values


@pytest.mark.parametrize("n", [1, 3, 5, 11])
def test_several_epochs_and_other_numbers_of_data_points(n):
    config = dict(DEFAULT_CONFIG, epochs=4, lr=0.05,
                  X=[[0.3 * k - 0.5 * i for k in range(n)] for i in range(3)],
                  y=[(-1.0) ** k * 0.5 for k in range(n)])
    result = run_practice(config)
    losses, values = simulate(config, 4)
    assert result["losses"] == pytest.approx(losses, rel=1e-12)
    for name, v in values.items():
        assert result["updated"][name] == pytest.approx(v, rel=1e-12, abs=1e-14), name
    assert len(result["forward"]) == 4 * n + n + 1
    assert result["losses"][-1] < result["losses"][0]    # it learns


def test_zero_epochs_reports_gradients_and_changes_nothing():
    result = run_practice(dict(DEFAULT_CONFIG, epochs=0))
    assert result["losses"] == [] and result["updated"] == result["params"]
    assert result["grads"]["d1"] == pytest.approx(hand_gradients(DEFAULT_CONFIG)["d1"])


# ---- the command -------------------------------------------------------------------------------

def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_exactly_the_documented_schema(capsys):
    code, out, _ = run_cli(capsys, "practice", "--json", "--predict", "1,2,3",
                           "--predict", "0,0,0")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["X", "y", "lr", "epochs", "params", "forward", "grads", "updated",
                         "losses", "predictions", "nodes", "lang"]
    # every named node, with its value and ∂L/∂: data, parameters, p, q and L
    assert doc["nodes"]["X21"]["grad"] == pytest.approx(
        hand_gradients(DEFAULT_CONFIG)["X21"] if "X21" in hand_gradients(DEFAULT_CONFIG)
        else doc["nodes"]["X21"]["grad"])
    assert doc["nodes"]["θ12"]["grad"] == doc["grads"]["θ12"]
    assert doc["nodes"]["L"] == {"value": doc["forward"]["L"], "grad": 1.0}
    assert doc["nodes"]["q11"]["grad"] == pytest.approx(-(DEFAULT_CONFIG["y"][0] -
                                                          doc["forward"]["q11"]))
    assert list(doc["params"]) == parameter_names() == list(doc["grads"]) == list(doc["updated"])
    assert set(doc["forward"]) == {f"p{i}{k}" for i in range(1, 5) for k in (1, 2)} | \
        {"q11", "q12", "L"}
    assert doc["X"] == DEFAULT_CONFIG["X"] and doc["y"] == DEFAULT_CONFIG["y"]
    assert doc["lr"] == 0.1 and doc["epochs"] == 1 and len(doc["losses"]) == 1
    assert [p["input"] for p in doc["predictions"]] == [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
    # the output for x = 0 is W2·b1 + d1 with the trained parameters
    u = doc["updated"]
    expected = sum(u[f"δ1{i}"] * u[f"b{i}"] for i in range(1, 5)) + u["d1"]
    assert doc["predictions"][1]["output"] == pytest.approx(expected, rel=1e-12)


def test_json_is_full_precision(capsys):
    _, out, _ = run_cli(capsys, "practice", "--json")
    doc = json.loads(out)
    direct = run_practice()
    # every float survives the JSON round trip bit for bit (no rounding for display)
    for key in ("params", "forward", "grads", "updated"):
        assert doc[key] == direct[key]
    assert doc["losses"] == direct["losses"]


def test_report_shows_every_parameter_and_forward_value(capsys):
    code, out, _ = run_cli(capsys, "practice", "--predict", "1,2,3")
    assert code == 0
    for name in parameter_names() + ["p11", "p42", "q11", "q12", "L ="]:
        assert name in out
    assert "∂L/∂·" in out and "Predictions of the trained network" in out


def test_config_file_and_overrides(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"y": [0.0, 1.0], "d1": -0.25, "epochs": 2}))
    code, out, _ = run_cli(capsys, "practice", "--config", str(path), "--lr", "0.2", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["y"] == [0.0, 1.0] and doc["params"]["d1"] == -0.25
    assert doc["lr"] == 0.2 and doc["epochs"] == 2 and len(doc["losses"]) == 2
    code, out, _ = run_cli(capsys, "practice", "--config", str(path), "--epochs", "3", "--json")
    assert json.loads(out)["epochs"] == 3


@pytest.mark.parametrize("config, message", [
    ({"X": [[1, 2], [3, 4]], "theta": [[1, 2, 3]] * 4},
     '"theta" sets the tutorial network\'s parameters; this network takes "weights"'),
    ({"X": [[1, 2], [3]]}, '"X": every row needs the same number of columns'),
    ({"layers": [0]}, '"layers": expected a list of layer sizes'),
    ({"activation": "softsign"}, '"activation": expected one of identity, tanh'),
    ({"loss": "hinge"}, '"loss": expected one of half_sse, mse, rmse, cross_entropy, bce'),
    ({"optimizer": "lbfgs"}, '"optimizer": expected one of sgd, momentum'),
    ({"optimizer": {"name": "adam", "betas": [0.9, 2]}}, '"optimizer": .*beta'),
    ({"batch_size": 3}, '"batch_size": 3 is more than the 2 data points'),
    ({"loss": "bce"}, 'the last layer\'s "activation" must be sigmoid'),
    ({"loss": "cross_entropy", "layers": [4, 2], "y": [0, 2]}, '"y": expected 2 class indices'),
    ({"weights": [[[1.0]], [[2.0]]]}, r'"weights\[0\]": expected a 4×3 list of lists'),
    ({"X": [[1, 2], [3, 4], [5]]}, '"X": every row needs the same number of columns'),
    ({"y": [1.0]}, '"y": expected a list of 2 numbers'),
    ({"theta": [[1, 2, 3]] * 3}, '"theta": expected a 4×3 list of lists'),
    ({"theta": [[1, 2]] * 4}, '"theta\\[0\\]": expected a list of 3 numbers'),
    ({"b": [1, 2, "x", 4]}, '"b\\[2\\]": expected a finite number, got "x"'),
    ({"delta": 3}, '"delta": expected a list of 4 numbers'),
    ({"d1": True}, '"d1": expected a finite number, got true'),
    ({"lr": -1}, '"lr": expected a number >= 0'),
    ({"epochs": 1.5}, '"epochs": expected a whole number >= 0'),
    ({"learning_rate": 0.1}, "unknown key 'learning_rate'"),
    ([1, 2], "the config must be a JSON object"),
])
def test_bad_config_is_a_clear_error_with_exit_code_2(tmp_path, capsys, config, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    code, out, err = run_cli(capsys, "practice", "--config", str(path))
    assert code == 2 and out == ""
    assert err.startswith("tinygrad-lite practice: error: ")
    assert len(err.strip().splitlines()) == 1
    import re
    assert re.search(message, err), err


def test_invalid_json_and_unreadable_files(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text('{"lr": 0.1,,}')
    code, _, err = run_cli(capsys, "practice", "--config", str(path))
    assert code == 2 and "not valid JSON" in err and "line 1" in err
    code, _, err = run_cli(capsys, "practice", "--config", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json: no such file" in err


@pytest.mark.parametrize("text, message", [
    ("1,2,3,4", "the network takes 3 inputs (x1,x2,x3), got 4"),
    ("1,2", "the network takes 3 inputs (x1,x2,x3), got 2"),
    ("1,two,3", "entry 2 ('two') is not a number"),
])
def test_bad_predict_input(capsys, text, message):
    code, out, err = run_cli(capsys, "practice", "--predict", text)
    assert code == 2 and out == "" and message in err


def test_runs_from_a_plain_checkout_without_install():
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-m", "tinygrad_lite", "practice", "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["grads"]) == 21


def test_the_console_script_where_installed():
    import shutil
    script = shutil.which("tinygrad-lite", path=os.pathsep.join(
        [os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    if script is None:
        pytest.skip("the package is not installed (pip install -e .): no console script")
    done = subprocess.run([script, "practice", "--json"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and len(json.loads(done.stdout)["grads"]) == 21


# ---- explain on the command line ---------------------------------------------------------------

def _config_with(tmp_path, n):
    config = {"X": [[(i + 1) * 0.1 * ((k % 5) - 2) for k in range(n)] for i in range(3)],
              "y": [0.05 * k - 0.3 for k in range(n)]}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return str(path)


def test_ten_or_more_data_points_print_names_that_explain_and_check_accept(tmp_path, capsys):
    config = _config_with(tmp_path, 12)
    code, out, err = run_cli(capsys, "practice", "--config", config, "--explain", "p1,10",
                             "--check", "∂L/∂q1,11 = -(y11 - q1,11)", "--report")
    assert code == 0, err
    assert "   p1,10 = θ11·X1,10 + θ12·X2,10 + θ13·X3,10 + b1" in out
    assert "    p11 = θ11·X11 + θ12·X21 + θ13·X31 + b1" in out
    assert "∂L/∂p1,10 = sum over 1 path from p1,10 to L" in out
    assert "RIGHT" in out


def test_explain_goes_into_the_json(capsys):
    code, out, _ = run_cli(capsys, "practice", "--json", "--explain", "θ12", "--paths", "1")
    document = json.loads(out)
    [e] = document["explanations"]
    assert e["wrt"] == "θ12" and e["path_count"] == 2 and len(e["paths"]) == 1
    assert e["others"]["paths"] == 1
    assert e["total"] == pytest.approx(document["grads"]["θ12"], rel=1e-12)
    assert [s["formula"] for s in e["paths"][0]["steps"]] == ["X22", "δ11", "-(y2 - q12)"]


def test_explain_options_on_the_command_line(capsys):
    code, out, _ = run_cli(capsys, "practice", "--explain", "X31", "--paths", "0", "--group")
    assert code == 0
    assert "path 4:" in out and "more paths" not in out and "by layer" in out
    code, _, err = run_cli(capsys, "practice", "--paths", "3")
    assert code == 2 and "go with --explain" in err
    code, _, err = run_cli(capsys, "practice", "--explain", "θ12", "--paths", "-1")
    assert code == 2 and "--paths -1: must be 0 or more" in err


def test_explain_and_check_with_a_thousand_data_points(tmp_path, capsys):
    config = _config_with(tmp_path, 1000)
    code, out, err = run_cli(capsys, "practice", "--config", config, "--explain", "θ12",
                             "--check", "∂L/∂d1 = q11 - y1")
    assert code == 1, err                          # the formula is wrong: exit 1, no crash
    assert "∂L/∂θ12 = sum over 1,000 paths" in out and "... and 995 more paths" in out
    assert "see --explain d1" in out
