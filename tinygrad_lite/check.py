"""Check a hand-derived gradient formula for the worked example, and say what is wrong.

    check_formula(text, config, points=20, seed=0)   -> CheckResult
    read_formula_file(path)                          the formulas of a file, one a line

A formula is compared with the true gradient (reverse mode) at the example's current point AND
at ``points`` random points — X, y and all 21 parameters redrawn uniformly from [-2, 2], with
p, q and L recomputed — because a wrong formula can agree with the truth at one point by
chance.  When it fails, the checker says which other entries it equals at every point (the
tutorial's "∂L/∂θ13" formula is really ∂L/∂δ13) and shows the correct formula, built from
the chain rule by ``tinygrad_lite.explain``.
"""

import math
import random

from .explain import explain
from .formula import parse_formula, FormulaError
from . import files
from .compiled import compile as compile_graph
from .practice import DEFAULT_CONFIG, Practice, PracticeNetwork, validate_config

__all__ = ["check_formula", "CheckResult", "read_formula_file", "practice_names"]

RTOL = 1e-9
ATOL = 1e-9


def practice_names(n):
    """Every named quantity of the worked example with n data points."""
    config = dict(DEFAULT_CONFIG, X=[[0.0] * n for _ in range(3)], y=[0.0] * n)
    practice = Practice(PracticeNetwork(validate_config(config)), config["X"], config["y"])
    return list(practice.nodes)


def _random_config(config, rng):
    n = len(config["y"])
    def draws(count):
        return [rng.uniform(-2.0, 2.0) for _ in range(count)]

    return dict(config, X=[draws(n) for _ in range(3)], y=draws(n),
                theta=[draws(3) for _ in range(4)], b=draws(4), delta=draws(4), d1=draws(1)[0])


class _Points:
    """The example's graph, recorded once with X and y as placeholders, rerun at each point:
    every named value and every true gradient, to the last bit what a fresh graph gives."""

    def __init__(self, config):
        self.network = PracticeNetwork(config)
        self.practice = Practice(self.network, config["X"], config["y"], placeholders=True)
        self.inputs = [v for row in self.practice.X for v in row] + self.practice.y
        self.graph = compile_graph(self.practice.L, inputs=self.inputs, params=self.network)
        self.slots = [(name, self.graph._slot(name)) for name in self.practice.nodes]

    def move_to(self, config):
        """Set the parameters and the placeholders to the point ``config``: the recorded graph
        (whose inner nodes hold the example's values) is consistent again at the example."""
        self.network.load_state_dict({"0.weight": config["theta"], "0.bias": config["b"],
                                      "1.weight": [config["delta"]], "1.bias": [config["d1"]]})
        feed = [x for row in config["X"] for x in row] + list(config["y"])
        for v, x in zip(self.inputs, feed):
            v.data = x
        return feed

    def evaluate(self, config):
        """(values of every named quantity, true ∂L/∂(each)) at the point ``config``."""
        feed = self.move_to(config)
        self.network.zero_grad()
        for v in self.inputs:
            v.grad = 0.0
        graph = self.graph
        graph.run(feed)
        graph.backward()
        values = {name: graph.values[i] for name, i in self.slots}
        truth = {name: graph.grads[i] for name, i in self.slots if name != "L"}
        return values, truth


def _close(a, b):
    return abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b))


class CheckResult:
    """The verdict on one formula."""

    def __init__(self, formula, target, ok, max_abs_error, worst_point, points, matches,
                 correct, undefined, agreeing):
        self.formula = formula            # the text as given
        self.target = target              # the entry the left side names, e.g. "θ12"
        self.ok = ok
        self.max_abs_error = max_abs_error
        self.worst_point = worst_point    # 0 = the example's own point, k = random point k
        self.points = points              # how many points were compared
        self.matches = matches            # entries the formula equals at every point
        self.correct = correct            # the correct formula for the target (text)
        self.undefined = undefined        # a message if the formula is undefined somewhere
        self.agreeing = agreeing          # at how many points it equals the target

    def to_json(self):
        return {"formula": self.formula, "target": self.target, "ok": self.ok,
                "max_abs_error": self.max_abs_error, "points": self.points,
                "matches": self.matches}

    def __str__(self):
        lines = [f"check: {self.formula}"]
        if self.ok:
            lines.append(f"  RIGHT: equals ∂L/∂{self.target} at all {self.points} points "
                         f"(the example's own and {self.points - 1} random ones; largest "
                         f"difference {self.max_abs_error:.1e})")
            return "\n".join(lines)
        where = "the example's own point" if self.worst_point == 0 else \
            f"random point {self.worst_point}"
        if self.undefined:
            lines.append(f"  WRONG: the formula is undefined at {where}: {self.undefined}")
        else:
            lines.append(f"  WRONG: differs from ∂L/∂{self.target} at {self.points - self.agreeing}"
                         f" of {self.points} points; largest difference "
                         f"{self.max_abs_error:.6g}, at {where}")
            if self.agreeing:
                lines.append(f"  (It agrees at {self.agreeing} point"
                             f"{'' if self.agreeing == 1 else 's'}: one point proves nothing.)")
        others = [m for m in self.matches if m != self.target]
        if others:
            names = ", ".join(f"∂L/∂{m}" for m in others)
            lines.append(f"  It equals {names} at every point: it is the formula for "
                         f"{' and '.join(others)}, not {self.target}.")
        else:
            lines.append("  It does not equal any other gradient entry either.")
        lines.append(f"  The correct formula: ∂L/∂{self.target} = {self.correct}")
        return "\n".join(lines)


def check_formula(text, config=None, points=20, seed=0):
    """Check one formula "∂L/∂entry = expression" for the worked example (see module doc)."""
    config = validate_config(config or {})
    if not isinstance(points, int) or points < 1:
        raise ValueError(f"check_formula: points must be a positive int, got {points!r}")
    example = _Points(config)
    values, truth = example.evaluate(config)
    formula = parse_formula(text, list(values))
    rng = random.Random(seed)
    evaluations = [(values, truth)]
    for _ in range(points):
        evaluations.append(example.evaluate(_random_config(config, rng)))

    errors, undefined, matches, agreeing = [], None, set(truth), 0
    for point_values, point_truth in evaluations:
        try:
            result = formula.evaluate(point_values)
        except (ZeroDivisionError, ValueError, OverflowError) as error:
            undefined, matches = str(error), set()
            errors.append(math.inf)
            break
        errors.append(abs(result - point_truth[formula.target]))
        agreeing += _close(result, point_truth[formula.target])
        matches = {m for m in matches if _close(result, point_truth[m])}
    max_error = max(errors)
    worst = errors.index(max_error)
    ok = undefined is None and formula.target in matches
    example.move_to(config)
    correct = _correct_formula(example.practice, formula.target) if not ok else None
    ordered = [m for m in truth if m in matches]
    return CheckResult(text.strip(), formula.target, ok, max_error, worst, len(evaluations),
                       ordered, correct, undefined, agreeing)


def _correct_formula(practice, target):
    """The chain rule's formula for ∂L/∂target, or what it is a sum of when too long to print."""
    explanation = explain(practice.L, practice.nodes[target], max_paths=64)
    if explanation.formula is not None:
        return str(explanation.formula)
    return (f"a sum over {explanation.path_count:,} paths, too long to print here; "
            f"see --explain {target}")


def read_formula_file(path):
    """The formulas in a file: one a line; blank lines and # comments are skipped.  The file
    must be UTF-8 text of at most files.FORMULA_FILE_LIMIT bytes."""
    try:
        lines = files.read_text(path, files.FORMULA_FILE_LIMIT, "formula file").splitlines()
    except files.FileProblem as error:
        raise FormulaError(str(error)) from None
    formulas = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            formulas.append((number, text))
    return formulas
