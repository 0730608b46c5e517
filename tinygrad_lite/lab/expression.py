"""Any expression as a graph: the small circuits of a backprop lecture, every gradient by name.

    parse_at(text)                     "x=-2,y=5,z=-4" -> {"x": -2.0, "y": 5.0, "z": -4.0}
    build(text, at, output="f")        -> Circuit: the expression as named Values, backward done
    Circuit.rows()                     every node: name, what it computes, value, ∂f/∂·
    load_exercise(path)                {"expression": …, "at": {…}} from a JSON file

The expression is read by the formula checker's own parser (never eval), with free variable
names (letters, digits, _; Greek letters too), numbers, + − * / ^ (also **, ·, ×), unary minus,
implicit multiplication and the functions exp log sqrt tanh sigmoid relu abs sin cos softplus.
Every intermediate result is named by what it computes — (x + y), tanh(w0·x0) — or, when that
is long, t1, t2, … in the order they are computed, so explain() and the report show each step.
"""

import math
import re

from .. import files
from ..engine import Value
from ..console import visible
from ..messages import Sentence, message_of
from .formula import (FUNCTION, IDENT, NUMBER, FormulaError, MAX_LENGTH, _apply, _call,
                      arithmetic_token, to_rpn)
from .notation import normalize

__all__ = ["parse_at", "build", "Circuit", "load_exercise", "FUNCTIONS"]

FUNCTIONS = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "sin", "cos", "softplus")
VARIABLE = re.compile(r"[A-Za-z_\u0370-\u03ff](?:_\{[A-Za-z0-9,]+\}|[A-Za-z0-9_\u0370-\u03ff])*")
BRACED = re.compile(r"_\{([A-Za-z0-9,]+)\}")
SPACE = re.compile(r"\s+")
MAX_VARIABLES = 1000
OUTPUT = "f"               # the expression's own name: ∂f/∂x
LABEL_LENGTH = 24          # a node named by its expression while the text is this short


def parse_at(text):
    """{name: value} from "x=-2, y=5" (a ',' or ';' between assignments)."""
    values = {}
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        name, equals, number = part.partition("=")
        name = BRACED.sub(r"\1", normalize(name.strip()).text.strip())     # θ₁₂, θ_{12}: θ12
        if not equals or not VARIABLE.fullmatch(name):
            raise FormulaError(Sentence("expression.not_pair", part=repr(part.strip()[:40])))
        try:
            value = float(number)
        except ValueError:
            raise FormulaError(Sentence("expression.not_number", name=name,
                                        number=repr(number.strip()[:40]))) \
                from None
        if not math.isfinite(value):
            raise FormulaError(Sentence("expression.not_finite", name=name, number=number.strip()))
        if name in values:
            raise FormulaError(Sentence("expression.twice", name=name))
        _not_taken(name)
        values[name] = value
    if len(values) > MAX_VARIABLES:
        raise FormulaError(Sentence("expression.too_many", limit=MAX_VARIABLES))
    return values


def _not_taken(name):
    """A variable may not be called like a function (exp=1 would read exp(x) as exp·x) or
    like the expression itself (f)."""
    if name in FUNCTIONS:
        raise FormulaError(Sentence("expression.shadows_function", name=name,
                                    functions=", ".join(FUNCTIONS)))
    if name == OUTPUT:
        raise FormulaError(Sentence("expression.shadows_output", name=name))


def tokenize(text, variables, offset=0, full_text=None):
    """Tokens of an expression: numbers, variables (which must be in ``variables``),
    functions, operators and brackets; one pass, each pattern matched where the last ended.
    ``offset`` and ``full_text`` place it within a longer text for error columns."""
    where = text if full_text is None else full_text
    if len(text) > MAX_LENGTH:
        raise FormulaError(Sentence("expression.too_long", length=format(len(text), ","),
                                    limit=format(MAX_LENGTH, ",")))
    tokens, i = [], 0
    while i < len(text):
        ch, column = text[i], offset + i + 1
        match = SPACE.match(text, i)
        if match:
            i = match.end()
            continue
        token, end = arithmetic_token(text, i, column, where)
        if token is not None:
            tokens.append(token)
            i = end
            continue
        match = VARIABLE.match(text, i)
        if match:
            word = _spelled(match.group(), variables)
            if word in FUNCTIONS:
                tokens.append((FUNCTION, word, column))
            elif word in variables:
                tokens.append((IDENT, word, column))
            else:
                known = ", ".join(sorted(variables)) or "none"
                raise FormulaError(Sentence("expression.no_value", word=repr(word[:40]),
                                            short=word[:20], known=known,
                                            functions=', '.join(FUNCTIONS)), where, column)
            i = match.end()
            continue
        raise FormulaError(Sentence("formula.unexpected", character=visible(repr(ch))), where, column)
    return tokens


def _spelled(word, variables):
    """The variable ``word`` spells: θ_{12} is θ12 (or θ_12) when that is the one given."""
    if word in variables or "{" not in word:
        return word
    for candidate in (BRACED.sub(r"\1", word), BRACED.sub(r"_\1", word)):
        if candidate in variables:
            return candidate
    return word


class Circuit:
    """The expression as a graph of named Values, after backward(): ``output``, ``variables``
    (name -> Value) and ``nodes`` (every node, inputs first)."""

    def __init__(self, text, output, variables, nodes):
        self.text, self.output, self.variables, self.nodes = text, output, variables, nodes

    def rows(self):
        """(name, what it computes, value, gradient) for every node, inputs first."""
        rows = []
        for node in self.nodes:
            what = "input" if node.name in self.variables else \
                "constant" if node.is_leaf else node.op.name
            rows.append((node.name, what, node.data, node.grad))
        return rows

    def to_json(self):
        return {"expression": self.text, "output": self.output.name,
                "value": self.output.data,
                "nodes": [{"name": name, "op": what, "value": value, "grad": grad}
                          for name, what, value, grad in self.rows()],
                "grads": {name: v.grad for name, v in self.variables.items()}}


def build(text, at, output=OUTPUT):
    """The expression at the point ``at`` ({name: number}) as named Values, differentiated.

    The text may be written as in notes (θ₁₂, x², ½, \\frac{1}{2}, \\cdot: see
    tinygrad_lite.lab.notation).  A part that no variable reaches (2, 1/2, -1) stays a plain
    number, so x^2 is x ** 2.0, defined for a negative x with d/dx = 2x; only an exponent that
    depends on a variable makes a Value power (whose base must be >= 0)."""
    variables = {name: Value(value, name=name) for name, value in at.items()}
    plain = normalize(text) if isinstance(text, str) and len(text) <= MAX_LENGTH else None
    try:
        rpn = to_rpn(tokenize(plain.text if plain else text, variables), plain.text if plain
                     else text, 1)
    except FormulaError as error:
        raise (plain.locate(error) if plain else error) from None
    stack, labels, count = [], [], 0        # labels: (text, precedence) beside each operand
    nodes = list(variables.values())
    used = set()
    for kind, value, column in rpn:
        if kind == NUMBER:
            stack.append(value)             # a plain number until a variable meets it
            labels.append((_number(value), 5))
            continue
        if kind == IDENT:
            stack.append(variables[value])
            labels.append((value, 5))
            used.add(value)
            continue
        try:
            if kind == FUNCTION:
                (a,), (la,) = [stack.pop()], [labels.pop()]
                result = _call(value, a, column) if isinstance(a, float) else \
                    _function(value, a)
                label = (f"{value}({la[0]})", 5)
            elif kind == "neg":
                a, la = stack.pop(), labels.pop()
                result, label = -a, (f"-{_wrap(la, 3)}", 3)
            else:
                b, a = stack.pop(), stack.pop()
                lb, la = labels.pop(), labels.pop()
                if isinstance(a, float) and isinstance(b, float):
                    result = _apply(kind, a, b, column)
                elif kind == "/" and isinstance(b, float) and b == 0:
                    raise ZeroDivisionError(Sentence("formula.eval.divide", column=column))
                else:
                    result = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                              "/": lambda: a / b, "^": lambda: a ** b}[kind]()
                symbol = {"*": "·"}.get(kind, kind)
                p = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}[kind]
                right_p = p + (0 if kind == "^" else 1)
                left = _wrap(la, p + (1 if kind == "^" else 0))
                joined = f"{left} {symbol} {_wrap(lb, right_p)}" if kind in "+-" else \
                    f"{left}{symbol}{_wrap(lb, right_p)}"
                label = (joined, p)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            raise FormulaError(Sentence("expression.undefined", error=message_of(error)), text,
                               plain.column(column) if plain else column) from None
        if isinstance(result, float):       # numbers only: folded, no node
            stack.append(result)
            labels.append(label if len(label[0]) <= LABEL_LENGTH else (_number(result), 5))
            continue
        count += 1
        if result.name is None:
            result.name = label[0] if len(label[0]) <= LABEL_LENGTH else f"t{count}"
        stack.append(result)
        labels.append(label if len(label[0]) <= LABEL_LENGTH else (result.name, 5))
        nodes.append(result)
    (result,) = stack
    if isinstance(result, float):
        result = Value(result)
    if result.is_leaf:                            # "x" alone: the output is that variable
        result = result * 1.0
        nodes.append(result)
    result.name = output
    result.backward()
    unused = sorted(set(variables) - used)
    if unused:
        raise FormulaError(Sentence("expression.unused", names=', '.join(unused)))
    return Circuit(text, result, variables, nodes)


def _function(name, a):
    try:
        return getattr(a, name)()
    except AttributeError:          # abs is __abs__
        return abs(a)


def _wrap(label, at_least):
    text, precedence = label
    return text if precedence >= at_least else f"({text})"


def _number(x):
    return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)


def load_exercise(path):
    """An exercise file: {"expression": "…", "at": {"x": -2, …}, "source": "…"}."""
    try:
        document = files.read_json(path, files.CONFIG_LIMIT, "exercise")
    except files.FileProblem as error:
        raise FormulaError(error.args[0]) from None
    if not isinstance(document, dict) or not isinstance(document.get("expression"), str) \
            or not isinstance(document.get("at"), dict):
        raise FormulaError(Sentence("expression.exercise_shape", path=path))
    at = {}
    for name, value in document["at"].items():
        if not VARIABLE.fullmatch(str(name)) or isinstance(value, bool) or \
                not isinstance(value, (int, float)) or not math.isfinite(value):
            raise FormulaError(Sentence("expression.exercise_at", path=path, name=repr(name),
                                        value=repr(value)))
        _not_taken(name)
        at[name] = float(value)
    return document["expression"], at, document.get("source")
