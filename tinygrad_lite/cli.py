"""The command line: ``tinygrad-lite practice`` (or ``python -m tinygrad_lite practice``).

    practice     the tutorial's worked example: data, parameters, forward values, all 21
                 gradients, the update, losses and predictions (a report, or --json)

Errors in what the user typed (a bad config, a malformed --predict) are one line on stderr
and exit code 2; no traceback.
"""

import argparse
import json
import sys

from .check import check_formula, read_formula_file
from .explain import explain
from .formula import FormulaError, parse_name
from .nn.dense import tutorial_name
from .viz import VizError, render, to_dot
from .practice import (ConfigError, DEFAULT_CONFIG, N_INPUTS, Practice, PracticeNetwork,
                       load_config, parameter_names, run_practice, validate_config)

__all__ = ["main"]

PROG = "tinygrad-lite"


class UsageError(Exception):
    """Something the user typed is wrong; reported in one line, exit code 2."""


def _fmt(x):
    """A number for people: rounded to 10 decimals (so float noise such as 2.8e-17 shows as 0),
    then 6 significant digits.  --json gives the full precision."""
    x = round(x, 10)
    return "0" if x == 0 else f"{x:.6g}"


def parse_vector(text):
    """'1, 2.5,3' -> [1.0, 2.5, 3.0], or a UsageError naming the bad entry."""
    parts = [part.strip() for part in text.split(",")]
    values = []
    for i, part in enumerate(parts, 1):
        try:
            values.append(float(part))
        except ValueError:
            raise UsageError(f"--predict {text!r}: entry {i} ({part!r}) is not a number") from None
    return values


# ---- the report ------------------------------------------------------------------------------

def _matrix_lines(title, names, values, indent="  "):
    width = max(len(n) for row in names for n in row)
    lines = [title]
    for name_row, value_row in zip(names, values):
        cells = [f"{n:>{width}} = {_fmt(v):>9}" for n, v in zip(name_row, value_row)]
        lines.append(indent + "   ".join(cells))
    return lines


def format_report(result):
    """The human-readable report of run_practice's result."""
    X, y = result["X"], result["y"]
    n = len(y)
    params, grads, updated = result["params"], result["grads"], result["updated"]
    lines = ["The tutorial's worked example: Dense 3→4 (θ, b) → Dense 4→1 (δ, d1), "
             "identity activations,",
             f"L = ½·Σ_k (y_k − q_1k)², plain gradient descent θ ← θ − η·∂L/∂θ with "
             f"η = {_fmt(result['lr'])}, {result['epochs']} epoch"
             f"{'' if result['epochs'] == 1 else 's'}, full batch.", ""]

    lines += _matrix_lines(f"Data: X is 3×{n} (rows = attributes, columns = data points), "
                           f"y has {n} labels",
                           [[tutorial_name("X", i + 1, k + 1) for k in range(n)]
                            for i in range(3)], X)
    lines += _matrix_lines("", [[tutorial_name("y", k + 1) for k in range(n)]], [y])
    lines.append("")

    names = parameter_names()
    theta = [names[3 * i:3 * i + 3] for i in range(4)]
    lines += _matrix_lines("Initial parameters: W1 (4×3) and b1", theta,
                           [[params[m] for m in row] for row in theta])
    lines += _matrix_lines("", [names[12:16]], [[params[m] for m in names[12:16]]])
    lines += _matrix_lines("W2 (1×4) and d1", [names[16:21]], [[params[m] for m in names[16:21]]])
    lines.append("")

    forward = result["forward"]
    lines.append("Forward pass at the initial parameters")
    for k in range(1, n + 1):
        for i in range(1, 5):
            name = tutorial_name("p", i, k)
            formula = " + ".join(f"θ{i}{j}·{tutorial_name('X', j, k)}"
                                 for j in range(1, 4)) + f" + b{i}"
            lines.append(f"  {name:>6} = {formula:<44} = {_fmt(forward[name]):>10}")
        q = tutorial_name("q", 1, k)
        formula = " + ".join(f"δ1{i}·{tutorial_name('p', i, k)}"
                             for i in range(1, 5)) + " + d1"
        lines.append(f"  {q:>6} = {formula:<44} = {_fmt(forward[q]):>10}")
    lines.append(f"  {'L':>6} = {'½·Σ_k (y_k − q_1k)²':<44} = {_fmt(forward['L']):>10}")
    lines.append("")

    lines.append("Gradients at the initial parameters, and the update θ ← θ − η·∂L/∂θ")
    lines.append(f"  {'parameter':>9} {'initial':>11} {'∂L/∂·':>12} {'after training':>15}")
    for name in names:
        lines.append(f"  {name:>9} {_fmt(params[name]):>11} {_fmt(grads[name]):>12} "
                     f"{_fmt(updated[name]):>15}")
    lines.append("")

    lines.append("Loss")
    for epoch, loss in enumerate(result["losses"], 1):
        lines.append(f"  epoch {epoch:>3}: L = {_fmt(loss)} before the update")
    lines.append(f"  after training: L = {_fmt(result['final_loss'])}")
    if result["predictions"]:
        lines.append("")
        lines.append("Predictions of the trained network")
        for p in result["predictions"]:
            inputs = ", ".join(_fmt(x) for x in p["input"])
            lines.append(f"  x = [{inputs}]  →  q = {_fmt(p['output'])}")
    return "\n".join(lines)


def json_document(result):
    """Exactly the documented keys, full precision."""
    keys = ["X", "y", "lr", "epochs", "params", "forward", "grads", "updated", "losses",
            "predictions"]
    return {key: result[key] for key in keys}


# ---- the commands ----------------------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(prog=PROG, description="tinygrad_lite: see, check and "
                                     "trust backpropagation.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    practice = commands.add_parser(
        "practice", help="the tutorial's worked example: every forward value and gradient",
        description="Run the tutorial's worked example (Dense 3→4, Dense 4→1, "
                    "L = ½·Σ(y − q)², gradient descent) and show every number by name.")
    practice.add_argument("--config", metavar="FILE.json",
                          help="JSON with any of: " + ", ".join(DEFAULT_CONFIG))
    practice.add_argument("--lr", type=float, help="learning rate η (overrides the config)")
    practice.add_argument("--epochs", type=int, help="epochs (overrides the config)")
    practice.add_argument("--predict", action="append", default=[], metavar='"x1,x2,x3"',
                          help="the trained network's output for this input (repeatable)")
    practice.add_argument("--check", action="append", default=[], metavar='"∂L/∂θ12 = …"',
                          help="check a hand-derived formula against the true gradient "
                               "(repeatable); exit code 1 if any is wrong")
    practice.add_argument("--check-file", action="append", default=[], metavar="FILE",
                          help="check every formula in FILE (one a line, # comments)")
    practice.add_argument("--explain", action="append", default=[], metavar="ENTRY",
                          help="show ∂L/∂ENTRY as the sum over paths of local derivatives "
                               "(e.g. θ12, theta_12, p11; repeatable)")
    practice.add_argument("--paths", type=int, default=None, metavar="N",
                          help="with --explain: show the N paths with the largest |product| "
                               "(default 5; 0 shows all of them)")
    practice.add_argument("--group", action="store_true",
                          help="with --explain: also add up the paths through each named "
                               "node, layer by layer")
    practice.add_argument("--max-formula", type=int, default=None, metavar="N",
                          help="with --explain: symbols a local derivative's formula may have "
                               "before only its number is shown (default 40)")
    practice.add_argument("--dot", metavar="FILE",
                          help="write the example's graph (at the initial parameters, with "
                               "gradients): Graphviz DOT text, or a picture for .svg/.png "
                               "(needs the viz extra)")
    practice.add_argument("--compiled", action="store_true",
                          help="run the training on a compiled graph (placeholders for X and "
                               "y, fed each epoch): the same numbers, to the last bit")
    practice.add_argument("--json", action="store_true",
                          help="print one JSON object (full precision) instead of the report")
    return parser


def write_graph(config, path):
    """The worked example's graph, after backward, as DOT text or (for .svg/.png) a picture."""
    practice = Practice(PracticeNetwork(config), config["X"], config["y"])
    practice.L.backward()
    text = to_dot(practice.L, title="tinygrad_lite practice: L = ½·Σ(y − q)²")
    try:
        if path.lower().endswith((".svg", ".png")):
            render(text, path)
        else:
            with open(path, "w", encoding="utf-8") as file:
                file.write(text)
    except VizError as error:
        raise UsageError(f"--dot {path}: {error}") from None
    except OSError as error:
        raise UsageError(f"--dot {path}: cannot write: {error.strerror or error}") from None


def _explain_options(args):
    """explain()'s keyword arguments from --paths, --group and --max-formula."""
    options = {"group": args.group}
    for flag, value, key in (("--paths", args.paths, "max_paths"),
                             ("--max-formula", args.max_formula, "max_formula")):
        if value is None:
            continue
        if value < 0:
            raise UsageError(f"{flag} {value}: must be 0 or more")
        options[key] = None if (key == "max_paths" and value == 0) else value
    if not args.explain and (args.group or args.paths is not None
                             or args.max_formula is not None):
        raise UsageError("--paths, --group and --max-formula go with --explain")
    return options


def run_practice_command(args):
    config = load_config(args.config) if args.config else validate_config({})
    overrides = {}
    if args.lr is not None:
        overrides["lr"] = args.lr
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    if overrides:
        config = validate_config({**config, **overrides})
    inputs = []
    for text in args.predict:
        x = parse_vector(text)
        if len(x) != N_INPUTS:
            raise UsageError(f"--predict {text!r}: the network takes {N_INPUTS} inputs "
                             f"(x1,x2,x3), got {len(x)}")
        inputs.append(x)
    formulas = [(f"--check {i}", text) for i, text in enumerate(args.check, 1)]
    for path in args.check_file:
        formulas += [(f"{path}:{line}", text) for line, text in read_formula_file(path)]
    checks = []
    for where, text in formulas:
        try:
            checks.append(check_formula(text, config))
        except FormulaError as error:
            raise UsageError(f"{where}: {error}") from None
    explanations = []
    options = _explain_options(args)
    if args.explain:
        practice = Practice(PracticeNetwork(config), config["X"], config["y"])
        for text in args.explain:
            try:
                name = parse_name(text, [n for n in practice.nodes if n != "L"])
            except FormulaError as error:
                raise UsageError(f"--explain {text!r}: {error}") from None
            explanations.append(explain(practice.L, practice.nodes[name], **options))
    if args.dot:
        write_graph(config, args.dot)
    result = run_practice(config, predict=inputs, compiled=args.compiled)
    failed = any(not c.ok for c in checks)
    if args.json:
        document = json_document(result)
        if checks:
            document["checks"] = [c.to_json() for c in checks]
        if explanations:
            document["explanations"] = [e.to_json() for e in explanations]
        return json.dumps(document, ensure_ascii=False, indent=2), failed
    sections = [format_report(result)]
    sections += [str(e) for e in explanations]
    sections += [str(c) for c in checks]
    return "\n\n".join(sections), failed


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "practice":
            output, failed = run_practice_command(args)
    except (ConfigError, UsageError) as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return 2
    print(output)
    return 1 if failed else 0
