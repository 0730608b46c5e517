"""Check a hand-derived gradient formula for the worked example: a verdict that cannot be
wrong by arithmetic, and, for a wrong formula, what the mistake is.

    check_formula(text, config, points=20, seed=0)   -> CheckResult (bool(result) is its verdict)
    read_formula_file(path)                          the formulas of a file, one a line

A formula is compared with the true gradient (reverse mode) at the example's own point AND at
``points`` random points — X, y and all 21 parameters redrawn uniformly from [-2, 2], with
p, q and L recomputed — because a wrong formula can agree with the truth at one point by
chance.  The verdicts:

    RIGHT      it agrees at every point: |yours − true| ≤ 1e-9 · max(|true|, 1e-6 · G), where
               G is the largest |∂L/∂entry| at that point (so a gradient that is truly 0 is
               compared at the scale of the others); the closeness is reported
    WRONG      it differs at some point; the checker then tests the usual slips at every point
               — the sign, a constant factor (a missing ½ or 1/n), one path of the chain rule
               left out, doubled or with its sign flipped, an index swapped (X21 for X12),
               another entry's gradient — and says which one explains it, if one does
    UNDEFINED  its value is not a finite number at some point (inf, NaN, an overflow, a
               division by zero): never RIGHT

Every diagnosis is checked at all the points before it is said.  The student's value and the
true value at the example's own point are always shown.
"""

import math
import random
import re
from fractions import Fraction

from .. import files
from ..compiled import compile as compile_graph
from ..explain import explain
from .expression import BRACED, build, tokenize as tokenize_expression
from .formula import (DERIVATIVE, Formula, FormulaError, WEIGHT, parse_formula, split_sides,
                      to_rpn)
from .notation import normalize
from .matrix_formula import parse_matrix_formula
from ..messages import Sentence, say, message_of
from .practice import DEFAULT_CONFIG, Practice, PracticeNetwork, _flat, validate_config

__all__ = ["check_formula", "check_expression", "CheckResult", "read_formula_file", "practice_names",
           "RTOL", "SCALE_FLOOR"]

RTOL = 1e-9           # agreement relative to the size of the true gradient
SCALE_FLOOR = 1e-6    # ... but never tighter than this fraction of the largest gradient entry
MAX_PATHS = 64        # paths of the chain rule tried one by one as the missing or extra term
MAX_SWAPS = 2000      # one-name substitutions tried as a swapped index


def practice_names(n):
    """Every named quantity of the worked example with n data points."""
    config = dict(DEFAULT_CONFIG, X=[[0.0] * n for _ in range(3)], y=[0.0] * n)
    practice = Practice(PracticeNetwork(validate_config(config)), config["X"], config["y"])
    return list(practice.nodes)


def _random_config(config, rng):
    """Another point: X, the labels and every parameter redrawn uniformly from [-2, 2] (labels
    of binary cross entropy from [0, 1]; class indices and probability targets are kept)."""
    def draws(count, low=-2.0, high=2.0):
        return [rng.uniform(low, high) for _ in range(count)]

    n = len(config["X"][0])
    point = dict(config, X=[draws(n) for _ in config["X"]])
    y = config["y"]
    if config["loss"] != "cross_entropy":
        low = 0.0 if config["loss"] == "bce" else -2.0
        point["y"] = [draws(n, low) for _ in y] if isinstance(y[0], list) else draws(n, low)
    weights, biases = [], []
    for w, b in zip(config["weights"], config["biases"]):
        weights.append([draws(len(row)) for row in w])
        biases.append(draws(len(b)))
    point["weights"], point["biases"] = weights, biases
    return point


class _Points:
    """The exercise's graph, recorded once with X and y as placeholders, rerun at each point:
    every named value and every true gradient, to the last bit what a fresh graph gives."""

    def __init__(self, config):
        self.network = PracticeNetwork(config)
        self.practice = Practice(self.network, config["X"], config["y"], placeholders=True)
        self.inputs = [v for row in self.practice.X for v in row] + \
            [v for v in _flat(self.practice.y) if not isinstance(v, int)]
        self.graph = compile_graph(self.practice.L, inputs=self.inputs, params=self.network)
        self.slots = [(name, self.graph._slot(v)) for name, v in self.practice.nodes.items()]

    def move_to(self, config):
        """Set the parameters and the placeholders to the point ``config``: the recorded graph
        (whose inner nodes hold the example's values) is consistent again at the example."""
        self.network.load_state_dict({f"{l}.{part}": values for l, (w, b) in
                                      enumerate(zip(config["weights"], config["biases"]))
                                      for part, values in (("weight", w), ("bias", b))})
        feed = [x for row in config["X"] for x in row]
        if len(self.inputs) > len(feed):
            feed += [float(v) for v in _flat(config["y"])]
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


class _Point:
    """One point of the comparison: every named value, every true gradient, their scale."""

    def __init__(self, values, truth):
        self.values, self.truth = values, truth
        self.factors = {}         # more quantities a formula may lack as a factor: σ'(z)
        self.scale = max((abs(g) for g in truth.values() if math.isfinite(g)), default=0.0)

    def tolerance(self, true):
        return RTOL * max(abs(true), SCALE_FLOOR * self.scale)

    def agrees(self, yours, true):
        """Never for a non-finite number (NaN or inf equals nothing)."""
        return math.isfinite(yours) and math.isfinite(true) and \
            abs(yours - true) <= self.tolerance(true)

    def relative(self, yours, true):
        return abs(yours - true) / max(abs(true), SCALE_FLOOR * self.scale, 1e-300)


class CheckResult:
    """The verdict on one formula; ``bool(result)`` is True only when it is RIGHT."""

    def __init__(self, formula, target, verdict, points, agreeing, max_abs_error,
                 max_rel_error, worst_point, matches, correct, undefined, yours, true,
                 diagnosis):
        self.formula = formula            # the text as given
        self.target = target              # the entry the left side names, e.g. "θ12"
        self.verdict = verdict            # "right", "wrong" or "undefined"
        self.points = points              # how many points were compared
        self.agreeing = agreeing          # at how many points it equals the target
        self.max_abs_error = max_abs_error    # |yours − true| where it is relatively largest
        self.max_rel_error = max_rel_error    # that difference relative to the true size
        self.worst_point = worst_point    # 0 = the example's own point, k = random point k
        self.matches = matches            # entries the formula equals at every point
        self.correct = correct            # the correct formula for the target (text)
        self.undefined = undefined        # why it is undefined, if it is
        self.yours = yours                # your formula at the example's own point (or None)
        self.true = true                  # the true gradient there
        self.diagnosis = diagnosis        # what the mistake is: [(kind, sentence)]
        self.entry_verdicts = None        # for a block (∂L/∂W1 = …): {entry: verdict}
        self.output = "L"                 # what is differentiated: L, or f for an expression
        self.readings = []                # [(as written, read as)]: x_{d1} read as X21

    @property
    def ok(self):
        return self.verdict == "right"

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return (f"<CheckResult {self.verdict.upper()}: {self.formula!r} for ∂{self.output}/∂{self.target} "
                f"at {self.points} points>")

    def to_json(self):
        """Every field, numbers in full precision (a non-finite one as null: strict JSON)."""
        def number(x):
            return x if x is not None and math.isfinite(x) else None
        return {"formula": self.formula, "target": self.target, "verdict": self.verdict,
                "ok": self.ok, "points": self.points, "agreeing": self.agreeing,
                "max_abs_error": number(self.max_abs_error),
                "max_rel_error": number(self.max_rel_error), "worst_point": self.worst_point,
                "matches": self.matches, "yours": number(self.yours), "true": number(self.true),
                "undefined": self.undefined, "correct": self.correct,
                "diagnosis": [{"kind": kind, "text": text} for kind, text in self.diagnosis],
                "readings": [{"written": written, "read": read}
                             for written, read in self.readings],
                "rtol": RTOL, "entries": self.entry_verdicts}

    def __str__(self):
        return self.text("en")

    def text(self, lang="en"):
        """The verdict for people, in ``lang`` ("en" or "ko"; the diagnoses are English)."""
        lines = [say("check.title", lang, formula=self.formula)]
        readings = [say("check.reading", lang, readings=", ".join(
            say("check.read_as", lang, spelled=written, name=read)
            for written, read in self.readings), target=self.target)] if self.readings else []
        where = say("check.where.example", lang) if self.worst_point == 0 else \
            say("check.where.random", lang, k=self.worst_point)
        sizes = dict(points=self.points, random=self.points - 1, rtol=f"{RTOL:.0e}",
                     output=self.output, target=self.target)
        if self.ok:
            rel = f"{self.max_rel_error:.1e}"
            if self.entry_verdicts is not None:
                lines.append(say("check.right.entries", lang, entries=len(self.entry_verdicts),
                                 rel=rel, **sizes))
            else:
                lines.append(say("check.right", lang, rel=rel, **sizes))
            return "\n".join(lines + readings)
        if self.verdict == "numbers":
            lines.append(say("check.numbers", lang, true=f"{self.true:.6g}", **sizes))
            return "\n".join(lines)
        if self.verdict == "undefined":
            lines.append(say("check.undefined", lang, where=where, reason=self.undefined))
        else:
            lines.append(say("check.wrong.entries", lang, **sizes)
                         if self.entry_verdicts is not None else
                         say("check.wrong.all" if not self.agreeing else "check.wrong", lang,
                             differing=self.points - self.agreeing,
                             where=where, abs=f"{self.max_abs_error:.6g}",
                             rel=f"{self.max_rel_error:.3g}", **sizes))
            if self.agreeing:
                lines.append(say("check.agrees.one" if self.agreeing == 1 else
                                 "check.agrees.many", lang, count=self.agreeing))
        if self.entry_verdicts is None:
            yours = say("check.undefined.value", lang) if self.yours is None else \
                f"{self.yours:.6g}"
            lines.append(say("check.at_example", lang, yours=yours, true=f"{self.true:.6g}",
                             **sizes))
        lines += readings
        for _, text in self.diagnosis:
            lines.append("  " + (text.in_(lang) if isinstance(text, Sentence) else text))
        if self.verdict == "wrong" and not self.diagnosis and self.entry_verdicts is None:
            lines.append(say("check.no_slip", lang))
        correct = self.correct.in_(lang) if isinstance(self.correct, Sentence) else self.correct
        lines.append(say("check.correct", lang, correct=correct, **sizes))
        return "\n".join(lines)


def check_formula(text, config=None, points=20, seed=0):
    """Check one formula "∂L/∂entry = expression" for the worked example (see module doc)."""
    config = validate_config(config or {})
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise ValueError(f"check_formula: points must be a positive int, got {points!r}")
    if not isinstance(text, str):
        raise FormulaError(Sentence("formula.not_text", kind=type(text).__name__))
    example = _Points(config)
    names = [name for name, _ in example.slots]
    n = len(config["X"][0])
    formula, block = _read(text, names, n, config)
    rng = random.Random(seed)
    evaluations = [_Point(*example.evaluate(config))]
    for _ in range(points):
        evaluations.append(_Point(*example.evaluate(_random_config(config, rng))))
    if block is not None:
        return _check_block(block, evaluations)
    target = formula.target
    _add_derivative_factors(evaluations, config)

    def explanation():
        example.move_to(config)
        return explain(example.practice.L, example.practice.nodes[target], max_paths=MAX_PATHS)

    def transposed():
        try:
            return parse_formula(text, names, n=n, transposed=True)
        except FormulaError:
            return None
    return _judge(text, formula, names, evaluations, explanation, transposed=transposed)


def _read(text, names, n, config):
    """(scalar formula, None) or (None, matrix formula): the reading that reads the whole text.
    A left side that is both an entry and a block (d1, 1×1) is read as whichever fits the
    right side; if neither does, the scalar reading's error, unless it stopped at a name
    that the matrix reading read further."""
    try:
        return parse_formula(text, names, n=n), None
    except FormulaError as error:
        scalar_error = error
    try:
        block = parse_matrix_formula(text, n, config)
    except FormulaError as matrix_error:
        if getattr(scalar_error.message, "key", None) == "formula.unknown_name" and \
                (matrix_error.column or 0) > (scalar_error.column or 0):
            raise                 # a block's name (Q, Y) the scalar reading did not know
        raise scalar_error from None
    if block is None:
        raise scalar_error
    return None, block


ACTIVATION_SLOPES = {"tanh": lambda a: 1.0 - a * a, "sigmoid": lambda a: a * (1.0 - a)}


def _add_derivative_factors(evaluations, config):
    """σ'(z) of each hidden unit, as a factor a formula may lack: σ'(z1_21) = 1 − a1_21² for
    tanh, a(1 − a) for the sigmoid (from the unit's own value at each point)."""
    for point in evaluations:
        point.factors = {}
        if config["tutorial"]:
            continue
        for layer, activation in enumerate(config["activation"], 1):
            slope = ACTIVATION_SLOPES.get(activation)
            if slope is None:
                continue
            prefix = f"a{layer}_"
            for name, value in point.values.items():
                if name.startswith(prefix):
                    point.factors[f"σ'(z{layer}_{name[len(prefix):]})"] = slope(value)


def check_expression(text, expression, at, points=20, seed=0):
    """Check "∂f/∂x = …" for the expression ``expression`` (tinygrad_lite.lab.expression) at
    the point ``at`` and at ``points`` random points (every variable drawn from [-2, 2]; a
    point where the expression is undefined is drawn again).  The right side may use the
    variables and f, the expression's value."""
    if not isinstance(text, str):
        raise FormulaError(Sentence("formula.not_text", kind=type(text).__name__))
    circuit = build(expression, at)
    plain = normalize(text)
    try:
        target, rpn = _read_expression_formula(plain.text, circuit)
    except FormulaError as error:
        raise plain.locate(error) from None
    formula = Formula(text.strip(), target, rpn)
    rng = random.Random(seed)

    def point(circuit):
        values = {name: v.data for name, v in circuit.variables.items()}
        values["f"] = circuit.output.data
        return _Point(values, {name: v.grad for name, v in circuit.variables.items()})
    evaluations = [point(circuit)]
    for _ in range(points):
        for _ in range(20):
            try:
                other = build(expression, {name: rng.uniform(-2.0, 2.0) for name in at})
            except FormulaError:
                continue
            evaluations.append(point(other))
            break

    def explanation():
        return explain(circuit.output, circuit.variables[target], max_paths=MAX_PATHS)
    return _judge(text, formula, list(circuit.variables) + ["f"], evaluations, explanation,
                  output="f")


def _read_expression_formula(text, circuit):
    """(the variable the left side names, the right side in RPN) of "∂f/∂x = …"."""
    left, right, equals = split_sides(text)
    match = DERIVATIVE.fullmatch(left.strip())
    target = BRACED.sub(r"\1", match.group("wrt").strip() if match and match.group("top") == "f"
                        else left.strip())
    if target not in circuit.variables:
        raise FormulaError(Sentence("check.left_names", left=repr(left.strip()[:40]),
                                    variables=', '.join(circuit.variables)), text, 1)
    names = dict.fromkeys(list(circuit.variables) + ["f"])
    return target, to_rpn(tokenize_expression(right, names, offset=equals, full_text=text),
                          text, equals + 1)


def _judge(text, formula, names, evaluations, explanation, output="L", transposed=None):
    """The verdict on a scalar formula compared at ``evaluations``, and what its mistake is.
    ``transposed()``, if given, reads the formula with every weight's indices the other way
    round (θ_ij from input i to unit j), to say so when that reading is right."""
    target = formula.target
    yours, undefined, undefined_at = [], None, None
    for k, point in enumerate(evaluations):
        try:
            value = formula.evaluate(point.values)
        except (ZeroDivisionError, ValueError, OverflowError) as error:
            value, reason = math.nan, message_of(error)
        else:
            reason = None if math.isfinite(value) else f"its value is {value!r}"
        if reason is not None and undefined is None:
            undefined, undefined_at = reason, k
        yours.append(value)
    truth = [point.truth[target] for point in evaluations]
    agree = [p.agrees(y, t) for p, y, t in zip(evaluations, yours, truth)]
    errors = [abs(y - t) if math.isfinite(y) else math.inf for y, t in zip(yours, truth)]
    relative = [p.relative(y, t) if math.isfinite(y) else math.inf
                for p, y, t in zip(evaluations, yours, truth)]
    numbers_only = not formula.names()
    if undefined is not None:
        verdict, worst = "undefined", undefined_at
    else:
        verdict = "right" if all(agree) else "numbers" if numbers_only and agree[0] else "wrong"
        worst = max(range(len(relative)), key=relative.__getitem__)
    matches = [] if undefined is not None else [
        m for m in evaluations[0].truth
        if all(p.agrees(y, p.truth[m]) for p, y in zip(evaluations, yours))]

    diagnosis, correct = [], None
    if verdict not in ("right", "numbers"):
        explained = explanation()
        correct = _correct_text(explained, target)
        if verdict == "wrong" and numbers_only:
            diagnosis = [("numbers", Sentence("check.numbers.wrong"))]
        elif verdict == "wrong":
            diagnosis = _transposed_reading(transposed, evaluations, target) or \
                _diagnose(formula, target, names, evaluations, yours, truth, explained,
                          matches, output)
    result = CheckResult(text.strip(), target, verdict, len(evaluations), sum(agree),
                         errors[worst], relative[worst], worst, matches, correct, undefined,
                         yours[0] if math.isfinite(yours[0]) else None, truth[0], diagnosis)
    result.output = output
    result.readings = formula.readings
    return result


def _transposed_reading(transposed, evaluations, target):
    """[("transposed", sentence)] if the formula is right with θ_ij read as θ_ji, else []."""
    formula = transposed() if transposed is not None else None
    if formula is None:
        return []
    try:
        if not all(p.agrees(formula.evaluate(p.values), p.truth[formula.target])
                   for p in evaluations):
            return []
    except (ZeroDivisionError, ValueError, OverflowError):
        return []
    written = WEIGHT.fullmatch(target)
    return [("transposed", Sentence("diag.transposed", target=target, i=written.group("i"),
                                    j=written.group("j")))]


def _check_block(formula, evaluations):
    """The verdict on a matrix formula, entry by entry: RIGHT only if every entry agrees with
    its gradient at every point."""
    entries = formula.entries()
    verdicts = {name: "right" for _, _, name in entries}
    undefined, undefined_at, worst, worst_rel, worst_abs = None, None, 0, 0.0, 0.0
    example_values = None
    for k, point in enumerate(evaluations):
        try:
            matrix = formula.evaluate(point.values)
        except (ZeroDivisionError, ValueError, OverflowError) as error:
            matrix, reason = None, message_of(error)
        else:
            reason = None
        if k == 0:
            example_values = matrix
        for i, j, name in entries:
            value = math.nan if matrix is None else matrix[i][j]
            if not math.isfinite(value):
                verdicts[name] = "undefined"
                if undefined is None:
                    undefined = reason or f"entry {name} is {value!r}"
                    undefined_at = k
                continue
            true = point.truth[name]
            if not point.agrees(value, true):
                if verdicts[name] == "right":
                    verdicts[name] = "wrong"
                relative = point.relative(value, true)
                if relative > worst_rel:
                    worst, worst_rel, worst_abs = k, relative, abs(value - true)
    wrong = [name for name, v in verdicts.items() if v != "right"]
    verdict = "undefined" if undefined is not None else "wrong" if wrong else "right"
    right_count = len(entries) - len(wrong)
    lines = []
    if verdict != "right":
        listed = ", ".join(wrong[:12]) + (" …" if len(wrong) > 12 else "")
        lines.append(("entries", Sentence("check.entries." + verdict, right=right_count,
                                          entries=len(entries), listed=listed)))
        for i, j, name in entries:
            if verdicts[name] != "right" and example_values is not None and \
                    len(lines) <= 6:
                lines.append(("entry", Sentence(
                    "check.entry", name=name, yours=f"{example_values[i][j]:.6g}",
                    true=f"{evaluations[0].truth[name]:.6g}")))
    if verdict == "wrong" and example_values is not None:
        lines += _block_slips(formula, evaluations)
    result = CheckResult(formula.text, formula.target, verdict, len(evaluations),
                         len(evaluations) if verdict == "right" else 0, worst_abs,
                         worst_rel, undefined_at if undefined is not None else worst, [],
                         None if verdict == "right" else MATRIX_ANSWERS[formula.target]
                         if formula.target in MATRIX_ANSWERS and formula.blocks.tutorial
                         else Sentence("check.entry_by_entry", entry=formula.entries()[0][2]),
                         undefined, None, None, lines)
    result.entry_verdicts = verdicts
    return result


def _block_slips(formula, evaluations):
    """The sign or a constant factor of the whole block, checked at every entry and point."""
    flat_points, yours, truth = [], [], []
    for point in evaluations:
        matrix = formula.evaluate(point.values)
        for i, j, name in formula.entries():
            flat_points.append(point)
            yours.append(matrix[i][j])
            truth.append(point.truth[name])
    if any(abs(t) > p.tolerance(t) for p, t in zip(flat_points, truth)) and all(
            p.agrees(y, -t) for p, y, t in zip(flat_points, yours, truth)):
        return [("sign", Sentence("diag.sign.block", target=formula.target))]
    ratio = _constant_ratio(flat_points, yours, truth)
    if ratio is not None:
        return [("factor", _factor_sentence(ratio, formula.target, formula.n))]
    return []


# the correct block formulas, as the chain rule gives them in matrix form
MATRIX_ANSWERS = {"W1": "-W2ᵀ(Y − Q)Xᵀ", "W2": "-(Y − Q)Pᵀ", "b": "-W2ᵀ(Y − Q)1_n",
                  "d1": "-(Y − Q)1_n",
                  "P": "-W2ᵀ(Y − Q)", "Q": "-(Y − Q)"}


def _correct_text(explanation, target):
    """The chain rule's formula for ∂L/∂target, or what it is a sum of when too long to print."""
    if explanation.formula is not None:
        return str(explanation.formula)
    return (f"a sum over {explanation.path_count:,} paths, too long to print here; "
            f"see --explain {target}")


# ---- what the mistake is ---------------------------------------------------------------------

def _diagnose(formula, target, names, evaluations, yours, truth, explanation, matches,
              output="L"):
    """[(kind, sentence)]: each a relation to the truth that holds at every point."""
    found = []
    nonzero = [abs(t) > p.tolerance(t) for p, t in zip(evaluations, truth)]

    def everywhere(relation):
        return all(relation(p, y, t) for p, y, t in zip(evaluations, yours, truth))

    if any(nonzero) and everywhere(lambda p, y, t: p.agrees(y, -t)):
        found.append(("sign", Sentence("diag.sign", output=output, target=target)))
    else:
        ratio = _constant_ratio(evaluations, yours, truth)
        if ratio is not None:
            found.append(("factor", _factor_sentence(ratio, target, formula.n, output)))
    if not found:
        found += _name_factor(target, evaluations, yours, truth, output)
    if not found:
        found += _path_slips(explanation, target, names, evaluations, yours, truth, formula.n)
    if not found:
        found += _swaps(formula, names, evaluations, truth)
    others = [m for m in matches if m != target]
    if others:
        listed = ", ".join(f"∂{output}/∂{m}" for m in others)
        found.append(("other entry", Sentence("diag.other", listed=listed,
                                              others=tuple(others), target=target)))
    return found


def _constant_ratio(evaluations, yours, truth):
    """r if yours = r · true at every point (r ≠ 1), else None."""
    pairs = [(p, y, t) for p, y, t in zip(evaluations, yours, truth)]
    usable = [(p, y, t) for p, y, t in pairs if abs(t) > 1e-3 * max(p.scale, 1e-300)]
    if len(usable) < 3:
        return None
    p0, y0, t0 = usable[0]
    ratio = y0 / t0
    if not math.isfinite(ratio) or abs(ratio - 1) < 1e-6 or ratio == 0:
        return None
    if all(p.agrees(y, ratio * t) for p, y, t in pairs):
        nice = Fraction(ratio).limit_denominator(1000)
        if abs(float(nice) - ratio) <= 1e-9 * abs(ratio):
            return nice
        return ratio
    return None


MAX_FACTORS = 5000     # quantities tried as a missing or extra factor


def _name_factor(target, evaluations, yours, truth, output):
    """A factor that is a quantity of the example (δ11, X21, σ'(z1_2)) missing or extra:
    yours × v = true, or yours = v × true, at every point (true ≠ 0 at three at least)."""
    if sum(abs(t) > p.tolerance(t) for p, t in zip(evaluations, truth)) < 3:
        return []
    first = evaluations[0]
    candidates = [name for name in list(first.values) + list(first.factors)
                  if name != output][:MAX_FACTORS]

    def value(point, name):
        return point.values[name] if name in point.values else point.factors[name]
    for name in candidates:
        if all(p.agrees(y * value(p, name), t) for p, y, t in zip(evaluations, yours, truth)):
            return [("missing factor", Sentence("diag.factor_missing", factor=name,
                                                output=output, target=target))]
        if all(p.agrees(y, value(p, name) * t) for p, y, t in zip(evaluations, yours, truth)):
            return [("extra factor", Sentence("diag.factor_extra", factor=name,
                                              output=output, target=target))]
    return []


def _factor_sentence(ratio, target, n, output="L"):
    if isinstance(ratio, Fraction):
        shown = str(ratio.numerator) if ratio.denominator == 1 else \
            f"{ratio.numerator}/{ratio.denominator}"
    else:
        shown = f"{ratio:.6g}"
    hint = "diag.hint.none"
    if output == "L":
        hints = {Fraction(2): "diag.hint.half_missing", Fraction(1, 2): "diag.hint.half_extra",
                 Fraction(-1, 2): "diag.hint.sign_half_extra",
                 Fraction(-2): "diag.hint.sign_half_missing"}
        if n == 2:             # ½ and 1/n are the same number: name both
            hints.update({Fraction(2): "diag.hint.half_or_n_missing",
                          Fraction(1, 2): "diag.hint.half_or_n_extra"})
        elif n:
            hints.setdefault(Fraction(n), "diag.hint.n_missing")
            hints.setdefault(Fraction(1, n), "diag.hint.n_extra")
        hint = hints.get(ratio, hint)
    return Sentence("diag.factor", shown=shown, output=output, target=target,
                    hint=Sentence(hint, n=n))


def _path_slips(explanation, target, names, evaluations, yours, truth, n):
    """A path of the chain rule left out, counted twice or with its sign flipped."""
    if not explanation.paths or len(explanation.paths) != explanation.path_count:
        return []
    found = []
    for path in explanation.paths:
        text = str(path.formula())
        try:
            term = parse_formula(f"∂L/∂{target} = {text}", names, n=n)
            values = [term.evaluate(p.values) for p in evaluations]
        except (FormulaError, ZeroDivisionError, ValueError, OverflowError):
            continue
        if not any(abs(v) > p.tolerance(v) for p, v in zip(evaluations, values)):
            continue
        route = " → ".join(path.labels)
        for factor, kind, what in ((-1.0, "missing path", "diag.path.missing"),
                                   (1.0, "doubled path", "diag.path.doubled"),
                                   (-2.0, "path sign", "diag.path.sign")):
            if all(p.agrees(y, t + factor * v) for p, y, t, v in
                   zip(evaluations, yours, truth, values)):
                found.append((kind, Sentence(what, route=route, term=text)))
                return found
    return found


def _swaps(formula, names, evaluations, truth):
    """One name put for another of its family (X21 for X12) that makes the formula right."""
    families = {}
    for name in names:
        match = FAMILY.fullmatch(name)
        if match:
            families.setdefault(match.group(1), []).append((name, _index_parts(match.group(2))))
    tried = 0
    for used in formula.names():
        match = FAMILY.fullmatch(used)
        if match is None:
            continue
        base, parts = match.group(1), _index_parts(match.group(2))
        for other, other_parts in families.get(base, []):
            if other == used or len(other_parts) != len(parts):
                continue
            differing = sum(a != b for a, b in zip(parts, other_parts))
            if differing != 1 and sorted(parts) != sorted(other_parts):
                continue
            tried += 1
            if tried > MAX_SWAPS:
                return []
            candidate = formula.substituted(used, other)
            try:
                if all(p.agrees(candidate.evaluate(p.values), t)
                       for p, t in zip(evaluations, truth)):
                    kind = "diag.swap.swapped" if sorted(parts) == sorted(other_parts) \
                        else "diag.swap.wrong"
                    return [("swap", Sentence("diag.swap", other=other, used=used,
                                              kind=Sentence(kind)))]
            except (ZeroDivisionError, ValueError, OverflowError):
                continue
    return []


FAMILY = re.compile(r"(.*_|\D+?)([0-9,]*)")    # θ|12, w1_|12, X|1,10: a name's base and index


def _index_parts(index):
    if not index:
        return ()
    return tuple(index.split(",")) if "," in index else tuple(index)


def read_formula_file(path):
    """The formulas in a file: one a line; blank lines and # comments are skipped.  The file
    must be UTF-8 text of at most files.FORMULA_FILE_LIMIT bytes."""
    try:
        lines = files.read_text(path, files.FORMULA_FILE_LIMIT, "formula file").splitlines()
    except files.FileProblem as error:
        raise FormulaError(error.args[0]) from None
    formulas = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            formulas.append((number, text))
    return formulas
