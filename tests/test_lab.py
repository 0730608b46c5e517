"""The laboratory: any configured network, every gradient by name — checked against the chain
rule written out here on plain floats (itself checked by finite differences), against the
published numbers of textbook exercises, and against the optimizers' documented equations."""

import json
import math
import os

import pytest

from tinygrad_lite.cli import main
from tinygrad_lite.lab.check import check_formula
from tinygrad_lite.lab.expression import build, parse_at
from tinygrad_lite.lab.formula import FormulaError
from tinygrad_lite.lab.practice import ConfigError, run_practice, validate_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXERCISES = os.path.join(ROOT, "examples", "exercises")


# ---- the chain rule on plain floats, written out ------------------------------------------------

def act(name, z):
    return {"identity": z, "tanh": math.tanh(z), "relu": max(z, 0.0),
            "sigmoid": 1 / (1 + math.exp(-z)), "leaky_relu": z if z > 0 else 0.01 * z}[name]


def dact(name, z, a):
    return {"identity": 1.0, "tanh": 1 - a * a, "relu": 1.0 if z > 0 else 0.0,
            "sigmoid": a * (1 - a), "leaky_relu": 1.0 if z > 0 else 0.01}[name]


def point_loss(loss, out, label):
    """(loss of one point, its derivative by each output)."""
    m = len(out)
    if loss == "half_sse":
        return 0.5 * sum((y - o) ** 2 for o, y in zip(out, label)), \
            [o - y for o, y in zip(out, label)]
    if loss in ("mse", "rmse"):
        return sum((o - y) ** 2 for o, y in zip(out, label)) / m, \
            [2 * (o - y) / m for o, y in zip(out, label)]
    if loss == "bce":
        return sum(-(y * math.log(o) + (1 - y) * math.log(1 - o)) for o, y in zip(out, label)) / m, \
            [(o - y) / (o * (1 - o)) / m for o, y in zip(out, label)]
    top = max(out)                                   # cross entropy
    exps = [math.exp(o - top) for o in out]
    soft = [e / sum(exps) for e in exps]
    target = [1.0 if i == label else 0.0 for i in range(m)] if isinstance(label, int) else label
    return -sum(t * math.log(s) for t, s in zip(target, soft)), \
        [s * sum(target) - t for s, t in zip(soft, target)]


def forward(config, k):
    """(sums, activations) of every layer for data point k; activations[0] is the input."""
    zs, as_ = [], [[row[k] for row in config["X"]]]
    for w, b, name in zip(config["weights"], config["biases"], config["activation"]):
        z = [sum(wi * xi for wi, xi in zip(row, as_[-1])) + bi for row, bi in zip(w, b)]
        zs.append(z)
        as_.append([act(name, v) for v in z])
    return zs, as_


def reference(config, points=None):
    """(L, {parameter name: ∂L/∂parameter}) by backpropagation written out on floats."""
    X, W, B, acts = config["X"], config["weights"], config["biases"], config["activation"]
    n = len(X[0])
    points = range(n) if points is None else points
    gW = [[[0.0] * len(row) for row in w] for w in W]
    gB = [[0.0] * len(b) for b in B]
    losses = []
    for k in points:
        zs, as_ = forward(config, k)
        y = config["y"]
        label = y[k] if not isinstance(y[0], list) else [row[k] for row in y]
        label = [label] if isinstance(label, float) else label
        value, d_out = point_loss(config["loss"], as_[-1], label)
        losses.append((value, d_out))
    count = len(losses)
    total = sum(v for v, _ in losses)
    if config["loss"] == "half_sse":
        L, scale = total, 1.0
    elif config["loss"] == "rmse":
        L = math.sqrt(total / count)
        scale = 0.0 if L == 0 else 1 / (2 * L) / count
    else:
        L, scale = total / count, 1.0 / count
    for c, k in enumerate(points):                   # backward, point by point
        zs, as_ = forward(config, k)
        delta = [g * scale * dact(acts[-1], z, a)
                 for g, z, a in zip(losses[c][1], zs[-1], as_[-1])]
        for l in range(len(W) - 1, -1, -1):
            for i, d in enumerate(delta):
                gB[l][i] += d
                for j, a in enumerate(as_[l]):
                    gW[l][i][j] += d * a
            if l:
                back = [sum(W[l][i][j] * delta[i] for i in range(len(delta)))
                        for j in range(len(as_[l]))]
                delta = [g * dact(acts[l - 1], z, a) for g, z, a in zip(back, zs[l - 1], as_[l])]
    return L, gW, gB


def named(config, gW, gB):
    """The reference gradients under the laboratory's names."""
    out = {}
    for l, (w, b) in enumerate(zip(gW, gB), 1):
        for i, row in enumerate(w, 1):
            for j, g in enumerate(row, 1):
                out[f"w{l}_{i}{j}"] = g
            out[f"b{l}_{i}"] = b[i - 1]
    return out


CONFIGS = [
    {"X": [[0.5, -1.0, 2.0, 0.3], [1.5, 0.25, -0.5, 0.8]], "y": [1.0, -0.5, 0.25, 2.0],
     "layers": [3, 1], "activation": "tanh", "loss": "mse", "seed": 1},
    {"X": [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], "y": [[0.2, 0.9, 0.4], [0.7, 0.1, 0.5]],
     "layers": [3, 2], "activation": ["relu", "sigmoid"], "loss": "bce", "seed": 2},
    {"X": [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], "y": [2, 0, 1],
     "layers": [4, 3], "activation": ["leaky_relu", "identity"], "loss": "cross_entropy",
     "seed": 3},
    {"X": [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], "y": [[0.0, 1.0, 0.2], [1.0, 0.0, 0.8]],
     "layers": [2], "activation": "identity", "loss": "cross_entropy", "seed": 4},
    {"X": [[0.5, -1.0], [1.5, 0.25], [0.1, 0.2]], "y": [[1.0, 0.0], [0.5, 0.5]],
     "layers": [2, 2, 2], "activation": ["sigmoid", "tanh", "identity"], "loss": "half_sse",
     "seed": 5},
    {"X": [[0.5, -1.0, 2.0]], "y": [1.0, 3.0, -2.0], "layers": [2, 1], "activation": "tanh",
     "loss": "rmse", "seed": 6},
]


@pytest.mark.parametrize("raw", CONFIGS, ids=[f"{c['loss']}-{c['activation']}" for c in CONFIGS])
def test_every_parameter_gradient_equals_the_chain_rule_written_out(raw):
    config = validate_config(raw)
    result = run_practice(dict(raw, epochs=0))
    L, gW, gB = reference(config)
    assert result["forward"]["L"] == pytest.approx(L, rel=1e-12)
    expected = named(config, gW, gB)
    assert set(result["grads"]) == set(expected)
    for name, g in expected.items():
        assert result["grads"][name] == pytest.approx(g, rel=1e-9, abs=1e-12), name


def test_the_written_out_chain_rule_agrees_with_finite_differences():
    config = validate_config(CONFIGS[1])
    _, gW, gB = reference(config)
    h = 1e-6
    for l, w in enumerate(config["weights"]):
        for i, row in enumerate(w):
            for j in range(len(row)):
                saved = row[j]
                row[j] = saved + h
                up = reference(config)[0]
                row[j] = saved - h
                down = reference(config)[0]
                row[j] = saved
                assert (up - down) / (2 * h) == pytest.approx(gW[l][i][j], rel=1e-5, abs=1e-8)


def test_every_named_node_has_its_gradient_by_finite_differences():
    # ∂L/∂(an activation) by nudging it: rebuild the loss from the nudged activation on
    raw = dict(CONFIGS[0], epochs=0)
    result = run_practice(raw)
    nodes = result["nodes"]
    config = validate_config(raw)
    W2, b2 = config["weights"][1], config["biases"][1]
    for k in range(4):
        a = [nodes[f"a1_{i}{k + 1}"][0] for i in (1, 2, 3)]

        def loss_with(i, d):
            nudged = list(a)
            nudged[i] += d
            out = math.tanh(sum(w * x for w, x in zip(W2[0], nudged)) + b2[0])
            others = sum(nodes[f"L{j + 1}"][0] for j in range(4) if j != k)
            return (others + (out - config["y"][k]) ** 2) / 4
        for i in range(3):
            fd = (loss_with(i, 1e-6) - loss_with(i, -1e-6)) / 2e-6
            assert nodes[f"a1_{i + 1}{k + 1}"][1] == pytest.approx(fd, rel=1e-6, abs=1e-9)


# ---- training: optimizers by their documented equations, mini-batches without replacement -------

def step_by_hand(name, params, grads, state, lr):
    """One update of every parameter by the optimizer's documented equations (PyTorch's)."""
    t = state.setdefault("t", 0) + 1
    state["t"] = t
    for key in params:
        g = grads[key]
        s = state.setdefault(key, {"v": 0.0, "m": 0.0, "sum": 0.0, "sq": 0.0})
        if name == "sgd":
            params[key] -= lr * g
        elif name in ("momentum", "nesterov"):
            s["v"] = g if t == 1 else 0.9 * s["v"] + g
            params[key] -= lr * (g + 0.9 * s["v"] if name == "nesterov" else s["v"])
        elif name == "adagrad":
            s["sum"] += g * g
            params[key] -= lr * g / (math.sqrt(s["sum"]) + 1e-10)
        elif name == "rmsprop":
            s["sq"] = 0.99 * s["sq"] + 0.01 * g * g
            params[key] -= lr * g / (math.sqrt(s["sq"]) + 1e-8)
        else:                                                  # adam
            s["m"] = 0.9 * s["m"] + 0.1 * g
            s["v"] = 0.999 * s["v"] + 0.001 * g * g
            m_hat, v_hat = s["m"] / (1 - 0.9 ** t), s["v"] / (1 - 0.999 ** t)
            params[key] -= lr * m_hat / (math.sqrt(v_hat) + 1e-8)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_training_with_each_optimizer_and_mini_batches_follows_the_equations(optimizer):
    raw = dict(CONFIGS[0], optimizer=optimizer, lr=0.05, batch_size=2, epochs=3)
    result = run_practice(raw)
    config = validate_config(raw)
    steps = result["steps"]
    assert len(steps) == 6
    for epoch in (1, 2, 3):                          # each epoch uses every point exactly once
        used = sorted(p for s in steps if s["epoch"] == epoch for p in s["points"])
        assert used == [1, 2, 3, 4]
    params = {}
    for l, (w, b) in enumerate(zip(config["weights"], config["biases"]), 1):
        for i, row in enumerate(w, 1):
            for j, v in enumerate(row, 1):
                params[f"w{l}_{i}{j}"] = v
            params[f"b{l}_{i}"] = b[i - 1]
    state = {}
    for s in steps:                                   # replay the same batches by hand
        current = dict(config)
        current["weights"] = [[[params[f"w{l}_{i}{j}"] for j in range(1, len(row) + 1)]
                               for i, row in enumerate(w, 1)]
                              for l, w in enumerate(config["weights"], 1)]
        current["biases"] = [[params[f"b{l}_{i}"] for i in range(1, len(b) + 1)]
                             for l, b in enumerate(config["biases"], 1)]
        L, gW, gB = reference(current, [p - 1 for p in s["points"]])
        assert s["loss"] == pytest.approx(L, rel=1e-9)
        step_by_hand(optimizer, params, named(config, gW, gB), state, 0.05)
    for name, value in params.items():
        assert result["updated"][name] == pytest.approx(value, rel=1e-8, abs=1e-12), name


def test_mini_batches_are_reproducible_for_a_seed_and_differ_between_seeds():
    raw = dict(CONFIGS[0], batch_size=1, epochs=2)
    first = [s["points"] for s in run_practice(raw)["steps"]]
    assert first == [s["points"] for s in run_practice(raw)["steps"]]
    assert first != [s["points"] for s in run_practice(dict(raw, seed=99))["steps"]]


def test_the_report_says_which_points_each_step_used(capsys):
    code = main(["practice", "--config", _write(dict(CONFIGS[0], batch_size=2, epochs=2))])
    out = capsys.readouterr().out
    assert code == 0
    assert "mini-batches of 2 drawn without replacement (seed 1)" in out
    assert out.count(", data points ") == 4


def _write(config, name="config.json"):
    import tempfile
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as file:
        json.dump(config, file)
    return path


# ---- textbook exercises: their published numbers ------------------------------------------------

def test_mazur_step_by_step_backpropagation():
    # Matt Mazur, "A Step by Step Backpropagation Example" (2015): the article's numbers
    with open(os.path.join(EXERCISES, "mazur.json"), encoding="utf-8") as file:
        raw = json.load(file)
    result = run_practice(raw)
    assert result["forward"]["L"] == pytest.approx(0.298371109, abs=5e-10)
    assert result["forward"]["a2_11"] == pytest.approx(0.75136507, abs=5e-9)
    assert result["forward"]["a2_21"] == pytest.approx(0.772928465, abs=5e-10)
    assert result["grads"]["w2_11"] == pytest.approx(0.082167041, abs=5e-10)
    assert result["grads"]["w1_11"] == pytest.approx(0.000438568, abs=5e-10)
    published = {"w2_11": 0.35891648, "w2_12": 0.408666186, "w2_21": 0.511301270,
                 "w2_22": 0.561370121, "w1_11": 0.149780716, "w1_12": 0.19956143,
                 "w1_21": 0.24975114, "w1_22": 0.29950229}
    for name, value in published.items():
        assert result["updated"][name] == pytest.approx(value, abs=5e-9), name


@pytest.mark.parametrize("exercise, value, grads", [
    ("cs231n_circuit.json", -12.0, {"x": -4.0, "y": -4.0, "z": 3.0}),
    ("cs231n_neuron.json", 0.73, {"x0": 0.39, "x1": -0.59, "w0": -0.20, "w1": -0.39,
                                  "w2": 0.20}),
])
def test_cs231n_circuits(exercise, value, grads, capsys):
    code = main(["grad", "--file", os.path.join(EXERCISES, exercise), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["value"] == pytest.approx(value, abs=0.005)
    for name, g in grads.items():
        assert document["grads"][name] == pytest.approx(g, abs=0.005)


# ---- names, in Unicode and ASCII, everywhere ----------------------------------------------------

def test_grad_entries_in_unicode_and_ascii(capsys):
    code = main(["practice", "--grad", "θ23", "theta23", "\\theta_{23}", "p21", "L"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and len(lines) == 5
    assert lines[0] == lines[1] == lines[2] == "θ23 =         0.2    ∂L/∂θ23 = -0.238"
    assert lines[4].strip() == "L =    0.426025    ∂L/∂L = 1"
    code = main(["practice", "--grad", "θ99"])
    assert code == 2 and "unknown name 'θ99'" in capsys.readouterr().err


def test_textbook_names_of_any_network_work_in_check_explain_and_grad(capsys):
    path = os.path.join(EXERCISES, "mazur.json")
    right = "∂L/∂w2_11 = (a2_11 - y11)·a2_11·(1 - a2_11)·a1_11"
    code = main(["practice", "--config", path, "--check", right, "--explain", "w1_11",
                 "--grad", "w2_11", "z1_11", "a2_11"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == f"check: {right}"                  # the verdict first
    row = next(line for line in out.splitlines() if line.startswith("w2_11 ="))
    assert row.split() == ["w2_11", "=", "0.4", "∂L/∂w2_11", "=", "0.082167"]
    code = main(["practice", "--config", path, "--check", right, "--explain", "w1_11"])
    out = capsys.readouterr().out
    assert code == 0 and "RIGHT" in out and "∂L/∂w1_11 = sum over 2 paths" in out


def test_sums_with_textbook_names():
    config = dict(CONFIGS[0])
    right = "∂L/∂b2_1 = (2/n) Σ_k (a2_{1k} - y_k)(1 - a2_{1k}^2)"     # tanh output, MSE
    assert check_formula(right, config)
    half = check_formula("∂L/∂b2_1 = (1/n) Σ_k (a2_{1k} - y_k)(1 - a2_{1k}^2)", config)
    assert not half and ("factor", "Your formula is 1/2 × ∂L/∂b2_1 at every point (a ½ too "
                                   "many?)") in half.diagnosis


def test_the_tutorial_network_with_another_activation_keeps_its_names():
    raw = {"activation": ["tanh", "identity"], "epochs": 0}
    result = run_practice(raw)
    assert "z1_11" in result["nodes"] and "p11" in result["nodes"] and "θ11" in result["grads"]
    assert result["nodes"]["z1_11"][0] == pytest.approx(0.45)            # θ11·X11 + … + b1
    assert result["nodes"]["p11"][0] == pytest.approx(math.tanh(0.45))
    assert check_formula("∂L/∂z1_11 = -(y1 - q11)·δ11·(1 - p11^2)", raw)


# ---- expressions -------------------------------------------------------------------------------

def test_every_node_of_an_expression(capsys):
    code = main(["grad", "(x + y)*z", "--at", "x=-2,y=5,z=-4"])
    out = capsys.readouterr().out
    assert code == 0
    assert "  x + y                      +                       3           -4" in out
    assert "∂f/∂x = -4   ∂f/∂y = -4   ∂f/∂z = 3" in out


def test_expression_errors_are_one_line(capsys):
    for argv, message in [
        (["grad", "x*q", "--at", "x=1"], "'q' has no value: give it with --at q=…"),
        (["grad", "x*x", "--at", "x=1,y=2"], "--at gives y, which the expression does not use"),
        (["grad", "log(x)", "--at", "x=-1"], "the expression is undefined at this point"),
        (["grad", "x +", "--at", "x=1"], "'+' needs something on its right"),
        (["grad", "x", "--at", "x=one"], "--at: x = 'one' is not a number"),
        (["grad", "--at", "x=1"], "give an expression"),
    ]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (argv, err)


def test_expression_functions_and_precedence_against_closed_forms():
    at = parse_at("x=0.5, y=-1.5")
    circuit = build("tanh(x)^2 - 2^-1·exp(x*y) + sigmoid(y)/relu(x)", at)
    x, y = 0.5, -1.5
    s = 1 / (1 + math.exp(-y))
    assert circuit.output.data == pytest.approx(math.tanh(x) ** 2 - 0.5 * math.exp(x * y) + s / x)
    dx = 2 * math.tanh(x) * (1 - math.tanh(x) ** 2) - 0.5 * y * math.exp(x * y) - s / x ** 2
    dy = -0.5 * x * math.exp(x * y) + s * (1 - s) / x
    assert circuit.variables["x"].grad == pytest.approx(dx, rel=1e-12)
    assert circuit.variables["y"].grad == pytest.approx(dy, rel=1e-12)


def test_a_configured_network_that_does_not_fit_its_loss_is_refused():
    with pytest.raises(ConfigError, match="must be sigmoid"):
        validate_config({"loss": "bce"})
    with pytest.raises(ConfigError, match="--compiled trains full batches only"):
        run_practice(dict(CONFIGS[0], batch_size=2), compiled=True)
    with pytest.raises(FormulaError):
        parse_at("x")


def test_no_module_is_only_a_re_export_shim():
    import importlib
    import pkgutil
    import tinygrad_lite
    from tinygrad_lite.lab import check as lab_check
    assert lab_check.check_formula is tinygrad_lite.check_formula
    for name in ("check", "formula", "practice", "matrix_formula"):
        with pytest.raises(ImportError):
            importlib.import_module(f"tinygrad_lite.{name}")
    import ast
    namespaces = {"tinygrad_lite.nn.functional"}    # torch.nn.functional's counterpart, as F
    for module in pkgutil.walk_packages(tinygrad_lite.__path__, "tinygrad_lite."):
        if module.ispkg or module.name in namespaces:
            continue
        path = importlib.util.find_spec(module.name).origin
        with open(path, encoding="utf-8") as file:
            body = ast.parse(file.read()).body
        statements = [s for s in body if not (isinstance(s, ast.Expr) and
                                              isinstance(s.value, ast.Constant))]
        only_imports = all(isinstance(s, (ast.Import, ast.ImportFrom)) or
                           (isinstance(s, ast.Assign) and
                            [t.id for t in s.targets if isinstance(t, ast.Name)] == ["__all__"])
                           for s in statements)
        assert not only_imports, f"{module.name} only re-exports"


def test_results_answer_to_every_spelling_of_a_name():
    result = run_practice()
    assert result["grads"]["theta23"] == result["grads"]["θ23"] == result["grads"]["\\theta_{23}"]
    assert result["forward"]["p_{21}"] == result["forward"]["p21"]
    with pytest.raises(KeyError):
        result["grads"]["θ99"]


def test_derivatives_of_an_expression_are_checked_and_diagnosed(capsys):
    from tinygrad_lite.lab.check import check_expression
    neuron = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
    at = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    assert check_expression("∂f/∂w0 = f(1 - f)x0", neuron, at)       # σ' = σ(1 − σ)
    flipped = check_expression("∂f/∂w0 = -f(1 - f)x0", neuron, at)
    assert not flipped and flipped.diagnosis[0][0] == "sign"
    assert "The sign is flipped: your formula is −∂f/∂w0" in str(flipped)
    swapped = check_expression("∂f/∂x1 = f(1 - f)w0", neuron, at)
    assert ("swap", "It is right with w1 in place of w0 (a wrong index).") in swapped.diagnosis
    code = main(["grad", "(x + y)*z", "--at", "x=-2,y=5,z=-4", "--check", "∂f/∂x = z",
                 "--check", "df/dy = -z"])
    out = capsys.readouterr().out
    assert code == 1 and "RIGHT: equals ∂f/∂x" in out and "WRONG: differs from ∂f/∂y" in out
    assert main(["grad", "(x + y)*z", "--at", "x=-2,y=5,z=-4", "--check", "∂f/∂q = 1"]) == 2
    assert "write ∂f/∂(one of x, y, z)" in capsys.readouterr().err


def test_matrix_formulas_for_any_configured_network():
    with open(os.path.join(EXERCISES, "mazur.json"), encoding="utf-8") as file:
        raw = json.load(file)
    sigma = "A2 ⊙ (1 - A2)"                              # sigmoid' in terms of its output
    output_delta = f"((A2 - Y) ⊙ {sigma})"
    assert check_formula(f"∂L/∂W2 = {output_delta} A1ᵀ", raw)
    assert check_formula(f"∂L/∂b2 = {output_delta}", raw)
    assert check_formula(f"∂L/∂W_1 = ((W2ᵀ{output_delta}) ⊙ A1 ⊙ (1 - A1)) X^T", raw)
    flipped = check_formula(f"∂L/∂W2 = -{output_delta} A1ᵀ", raw)
    assert not flipped and "Right for 0 of 4 entries; wrong at w2_11, w2_12, w2_21, w2_22." \
        in str(flipped)
    with pytest.raises(FormulaError, match=r"the matrix product \(2×1\)·\(2×1\) does not fit"):
        check_formula("∂L/∂W2 = A1 Y A1", raw)
    with pytest.raises(FormulaError, match="'P' is not a block of this network|unexpected 'P'"):
        check_formula("∂L/∂W2 = P", raw)


# ---- fuzzing: any config and any expression give a result or the laboratory's own error ---------

from hypothesis import given, settings, strategies as st  # noqa: E402

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 5) | st.floats(-3, 3, allow_nan=False) |
    st.sampled_from(["tanh", "relu", "sigmoid", "identity", "leaky_relu", "mse", "bce",
                     "cross_entropy", "rmse", "half_sse", "adam", "sgd", "nesterov", "x"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["name", "lr", "momentum", "betas", "eps", "x"]), inner, max_size=3),
    max_leaves=12)
CONFIG_KEYS = ["X", "y", "layers", "activation", "loss", "optimizer", "batch_size", "seed",
               "weights", "biases", "theta", "b", "delta", "d1", "lr", "epochs", "source", "zz"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(CONFIG_KEYS), JSON_VALUES, max_size=5))
def test_random_configs_run_or_raise_only_a_config_error(raw):
    if "epochs" in raw and isinstance(raw["epochs"], int) and raw["epochs"] > 3:
        raw["epochs"] = 3
    try:
        config = validate_config(raw)
    except ConfigError:
        return
    result = run_practice(config)                    # a run, or a divergence: never a crash
    assert result["diverged"] is not None or result["final_loss"] is not None


EXPRESSION_TOKENS = ["x", "y", "2", "0.5", "+", "-", "*", "/", "^", "**", "(", ")", "exp",
                     "log", "tanh", "sqrt", "relu", "·", " ", "$", "q", "1e400"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(EXPRESSION_TOKENS), max_size=15))
def test_random_expressions_raise_only_formula_errors(tokens):
    try:
        circuit = build("".join(tokens), {"x": 0.5, "y": -1.5})
    except FormulaError:
        return
    assert circuit.output.name == "f"
