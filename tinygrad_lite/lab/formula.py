"""Hand-written gradient formulas: a small parser of our own (never eval) and its evaluator.

    parse_formula(text, names)   -> Formula(target, expression): "∂L/∂θ12 = -(y1 - q11)·δ11·X21"
    parse_name(text, names)      -> the canonical name for θ12, theta_12, \\theta_{12}, x21, ...
    Formula.evaluate(values)     the right side at a point (a mapping name -> number)
    FormulaError                 what is wrong and the column where it is, with a caret line

The right side is arithmetic over named quantities and numbers: + - * / ^ ** (also · × ⋅ and
LaTeX \\cdot \\times), parentheses ( [ { and \\left( \\right), unary minus, and implicit
multiplication as people write it: 2(y1 - q11), (y1 - q11) δ12 X21, δ_{12} x_{21}.

Names are case-insensitive where that is unambiguous (X21 = x21, Y1 = y1) and may be spelled
with Greek letters, ASCII words or LaTeX: θ12 = theta12 = theta_12 = \\theta_{12}; δ likewise.
The parser is a shunting-yard over tokens and the evaluator a stack machine: no recursion, so
no input, however nested, can exhaust the stack; and no input is ever executed.
"""

import difflib
import math
import re

from ..console import visible
from ..messages import Sentence
from .errors import FormulaError  # noqa: F401 (read from here by the other readers too)
from .notation import normalize

__all__ = ["parse_formula", "parse_name", "Formula", "FormulaError", "arithmetic_token"]


# ---- names ----------------------------------------------------------------------------------

# spelling of a base (lower-cased) -> canonical base
BASES = {"θ": "θ", "theta": "θ", "\\theta": "θ", "ϑ": "θ",
         "δ": "δ", "delta": "δ", "\\delta": "δ",
         "x": "X", "y": "y", "p": "p", "q": "q", "b": "b", "d": "d", "l": "L",
         "ŷ": "ŷ"}

NAME = re.compile(r"""
    (?P<base>\\?[A-Za-z]+|[θϑδΘΔŷ])         # a word, a LaTeX command or a Greek letter
    (?:_?\{(?P<braced>[0-9]+(?:,[0-9]+)?)\} # _{12} or _{1,2}
      |_?(?P<plain>[0-9]+(?:,[0-9]+)?))?    # _12 or 12, or 1,10 past nine
    """, re.VERBOSE)


GENERIC_BASE = re.compile(r"[wbza][0-9]+_")


def canonical(base, index):
    """('theta', '12') -> 'θ12'; ('x', '2,1') -> 'X21'; ('w2_', '1,3') -> 'w2_13' (a textbook
    name: layer 2's weight 1,3); None if the base is unknown."""
    base = base.lower() if GENERIC_BASE.fullmatch(base.lower()) else BASES.get(base.lower())
    if base is None:
        return None
    if not index:
        return base
    if base == "ŷ":                     # ŷ_k, the prediction for data point k: q_{1k}
        base, index = "q", index if "," in index or len(index) > 1 else "1" + index
    parts = index.split(",")
    if len(parts) == 2 and all(len(p) == 1 for p in parts):
        return base + "".join(parts)
    return base + index


def parse_name(text, names, output="L"):
    """The canonical name that ``text`` spells (the whole text must be one name, in any of the
    spellings a formula accepts: θ23, theta23, theta_{23}, \\theta_{23}, θ₂₃, w1_12, p1,10,
    and as a derivative, ∂L/∂θ23, dL/dθ23, \\frac{\\partial L}{\\partial \\theta_{23}})."""
    stripped = text.strip()
    tokens = []
    if len(stripped) <= 200:
        try:
            plain = normalize(stripped).text.strip()
            match = DERIVATIVE.fullmatch(plain)
            if match and canonical(match.group("top"), "") == output:
                plain = match.group("wrt")
            tokens = tokenize(plain, names)
        except FormulaError:
            tokens = []
    if len(tokens) != 1 or tokens[0][0] != IDENT or tokens[0][1] == "n":
        raise FormulaError(unknown_name(stripped, names))
    return tokens[0][1]


def unknown_name(spelled, names, blocks=()):
    """"unknown name 'θ52'; the closest are θ12, θ42; the names are …" """
    closest = closest_names(spelled, list(names) + list(blocks))
    listing = describe_names(names)
    if closest:
        listing = Sentence("formula.closest", closest=", ".join(closest), names=listing)
    return Sentence("formula.unknown_name", name=repr(_short(spelled)), names=listing)


def closest_names(spelled, names, count=3):
    """The names most like ``spelled`` (compared as canonical spellings where it has one)."""
    key = spelled.strip()
    match = NAME.fullmatch(normalize(key).text.strip()) if len(key) <= 200 else None
    if match:
        key = canonical(match.group("base"), (match.group("braced") or match.group("plain")
                                              or "").replace(",", "")) or key
    spelled_out = {name.replace("θ", "theta").replace("δ", "delta"): name for name in names}
    close = difflib.get_close_matches(key, names, n=count, cutoff=0.5) or \
        difflib.get_close_matches(key.lower(), list(spelled_out), n=count, cutoff=0.6)
    return [spelled_out.get(name, name) for name in close]


def describe_names(names):
    """A short list of the names a formula may use."""
    groups = {}
    for name in names:
        groups.setdefault(name.rstrip("0123456789,"), []).append(name)
    shown = []
    for members in groups.values():
        shown.append(members[0] if len(members) == 1 else f"{members[0]}…{members[-1]}")
    return Sentence("formula.names", names=", ".join(shown))


# ---- tokens ---------------------------------------------------------------------------------

NUMBER, IDENT, TEMPLATE, OPERATOR, OPEN, CLOSE, SUM = \
    "number", "name", "template", "operator", "(", ")", "sum"
OPERATORS = {"+": "+", "-": "-", "−": "-", "*": "*", "·": "*", "⋅": "*", "×": "*",
             "/": "/", "^": "^"}
CLOSING = {"(": ")", "[": "]", "{": "}"}
MAX_LENGTH = 100_000        # characters in one formula
MAX_TERMS = 1_000_000       # tokens once every Σ is written out
MAX_RANGE = 100_000         # values one Σ index may take

SPACE = re.compile(r"\s+")
SKIPPED = re.compile(r"\\(?:left|right|big|Big|bigl|bigr|Bigl|Bigr)(?![A-Za-z])|\\[,;!: ]")
COMMAND = re.compile(r"\\(cdot|times)(?![A-Za-z])")
NUMBER_PATTERN = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
SUM_PATTERN = re.compile(r"""
    (?:\\sum|Σ|∑|sum)(?![A-Za-z])\s*
    (?:_\{\s*(?P<var1>[a-z])\s*(?:=\s*(?P<low1>[0-9]+)\s*)?\}|_(?P<var2>[a-z]))?\s*
    (?:\^\{\s*(?P<high1>[0-9]+|[nN])\s*\}|\^(?P<high2>[0-9]|[nN]))?
    """, re.VERBOSE)
TEMPLATE_NAME = re.compile(r"""
    (?P<base>\\?[A-Za-z]+|[θϑδΘΔŷ])
    (?:_\{\s*(?P<braced>[0-9a-z]+(?:\s*,\s*[0-9a-z]+)*)\s*\}   # _{12}, _{1k}, _{j,k}
      |_(?P<sub>[0-9]+(?:,[0-9]+)?|[a-z])                     # _12, _k
      |(?P<plain>[0-9]+(?:,[0-9]+)?))?                        # 12, or 1,10 past nine
    """, re.VERBOSE)
GENERIC_NAME = re.compile(r"""
    (?P<base>[wbzaWBZA][0-9]+_)                # a textbook name: w1_12, z2_{1k}, a1_3,10
    (?:\{\s*(?P<braced>[0-9a-z]+(?:\s*,\s*[0-9a-z]+)*)\s*\}
      |(?P<sub>[0-9]+(?:,[0-9]+)*|[a-z]{1,2}))
    """, re.VERBOSE)
LARGEST = 1.7976931348623157e308


def tokenize(text, names, offset=0, full_text=None):
    """[(kind, value, column)] for one side, in one pass (each pattern matched where the
    last one ended).  Names are resolved to their canonical spelling; a name with an index
    letter (q_{1k}) stays a template, resolved when its Σ is written out."""
    full_text = text if full_text is None else full_text
    tokens, i, size = [], 0, len(text)
    while i < size:
        ch, column = text[i], offset + i + 1
        match = SPACE.match(text, i) or SKIPPED.match(text, i)
        if match:
            i = match.end()
            continue
        token, end = arithmetic_token(text, i, column, full_text)
        if token is not None:
            tokens.append(token)
            i = end
            continue
        match = SUM_PATTERN.match(text, i)
        if match:
            var = match.group("var1") or match.group("var2")
            if var is None:
                raise FormulaError(Sentence("formula.sum_index"),
                                   full_text, column)
            low = int(match.group("low1") or 1)
            high = match.group("high1") or match.group("high2")
            high = None if high is None else ("n" if high in "nN" else int(high))
            tokens.append((SUM, (var, low, high), column))
            i = match.end()
            continue
        match = GENERIC_NAME.match(text, i) or TEMPLATE_NAME.match(text, i)
        if match:
            tokens.append(_name_token(match, names, full_text, column))
            i = match.end()
            continue
        raise FormulaError(Sentence("formula.unexpected", character=visible(repr(ch))), full_text, column)
    return tokens


def arithmetic_token(text, i, column, full_text):
    """(token, end) for an operator, a bracket or a number at ``i``, or (None, i): the part of
    tokenizing that formulas and expressions share."""
    ch = text[i]
    if text.startswith("**", i):
        return (OPERATOR, "^", column), i + 2
    match = COMMAND.match(text, i)
    if match:
        return (OPERATOR, "*", column), match.end()
    if ch in OPERATORS:
        return (OPERATOR, OPERATORS[ch], column), i + 1
    if ch in "([{":
        return (OPEN, ch, column), i + 1
    if ch in ")]}":
        return (CLOSE, ch, column), i + 1
    match = NUMBER_PATTERN.match(text, i)
    if match:
        number = float(match.group())
        if number > LARGEST:
            raise FormulaError(Sentence("formula.number_too_large", number=_short(match.group())),
                               full_text, column)
        return (NUMBER, number, column), match.end()
    return None, i


def _name_token(match, names, text, column):
    spelled, base = match.group(), match.group("base")
    index = match.group("braced") or match.group("sub") or \
        (match.group("plain") if "plain" in match.re.groupindex else None)
    if base in ("n", "N") and index is None:
        return (IDENT, "n", column)                      # the number of data points
    if index is not None and any(c.isalpha() for c in index):
        known = base.lower() if GENERIC_BASE.fullmatch(base.lower()) else BASES.get(base.lower())
        if known is None:
            raise FormulaError(Sentence("formula.unknown_name", name=repr(_short(spelled)),
                                        names=describe_names(names)),
                               text, column)
        parts = [p.strip() for p in index.split(",")] if "," in index else list(index)
        return (TEMPLATE, (known, tuple(parts), spelled), column)
    name = canonical(base, index.replace(" ", "") if index else index)
    if name is None or name not in names:
        raise FormulaError(unknown_name(spelled, names), text, column)
    return (IDENT, name, column)


def _short(text, limit=40):
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---- the parser: shunting-yard to reverse Polish notation -----------------------------------
# Precedence as in Python and in notes: unary minus binds less tightly than ^ on its right
# (-x^2 = -(x^2)) but an operand may itself start with a minus (2^-1 = 0.5); ^ is
# right-associative (a^b^c = a^(b^c)); juxtaposition multiplies (2(y1 - q11), δ12 X21).
# A Σ covers the product that follows it: Σ_k a_k b_k + c = (Σ_k a_k·b_k) + c.

PRECEDENCE = {"+": 1, "-": 1, "sum": 1.5, "*": 2, "/": 2, "neg": 3, "^": 4, "function": 5}
RIGHT_ASSOCIATIVE = {"^"}
PREFIX = {"neg", "sum", "function"}
FUNCTION = "function"      # exp(x), tanh(x): only in expressions (tinygrad_lite.lab.expression)


def to_rpn(tokens, text, side_column):
    """Reverse Polish notation for the tokens of one side, or a FormulaError with a column."""
    output, stack = [], []     # stack holds (operator, payload, column) and ("(", bracket, column)
    expect_operand = True
    previous = None
    for kind, value, column in tokens:
        implicit = not expect_operand and kind in (IDENT, TEMPLATE, OPEN, NUMBER, SUM, FUNCTION)
        if implicit and kind == NUMBER:
            raise FormulaError(Sentence("formula.number_follows"), text, column)
        if implicit:   # (y1 - q11) δ12 or 2(y1 - q11): multiplication
            _push_operator(output, stack, "*", None, column)
            expect_operand = True
        if kind in (NUMBER, IDENT, TEMPLATE):
            output.append((kind, value, column))
            expect_operand = False
        elif kind in (SUM, FUNCTION):
            stack.append((kind, value, column))           # a prefix: pops nothing
            expect_operand = True
        elif kind == OPEN:
            stack.append(("(", value, column))
            expect_operand = True
        elif kind == CLOSE:
            if expect_operand:
                what = Sentence("word.nothing") if previous and previous[0] == OPEN else \
                    Sentence("word.an_operand")
                raise FormulaError(Sentence("formula.closes_operand", value=value, what=what),
                                   text, column)
            while stack and stack[-1][0] != "(":
                output.append(stack.pop())
            if not stack:
                raise FormulaError(Sentence("formula.unopened", bracket=value), text, column)
            _, bracket, opened = stack.pop()
            if CLOSING[bracket] != value:
                raise FormulaError(Sentence("formula.closes_other", value=value, bracket=bracket,
                                            opened=opened), text, column)
            expect_operand = False
        else:  # operator
            if expect_operand:
                if value == "-":
                    stack.append(("neg", None, column))   # a prefix: pops nothing
                    previous = (kind, value, column)
                    continue
                if value == "+":
                    continue
                raise FormulaError(Sentence("formula.needs_left", what=value), text, column)
            _push_operator(output, stack, value, None, column)
            expect_operand = True
        previous = (kind, value, column)
    if expect_operand:
        if not tokens:
            raise FormulaError(Sentence("formula.side_empty"), text, side_column)
        kind, value, column = tokens[-1]
        what = "Σ" if kind == SUM else value if kind != FUNCTION else f"{value}("
        raise FormulaError(Sentence("formula.needs_right", what=what), text, column)
    return _drain(output, stack, text)


def _drain(output, stack, text):
    """The operators left on the stack, in order; an opening bracket left is never closed."""
    while stack:
        item = stack.pop()
        if item[0] == "(":
            raise FormulaError(Sentence("formula.unclosed", bracket=item[1]), text, item[2])
        output.append(item)
    return output


def _push_operator(output, stack, operator, payload, column, precedence=PRECEDENCE):
    """Shunting-yard: pop what binds tighter than ``operator`` (^ is right-associative)."""
    while stack and stack[-1][0] != "(":
        top = stack[-1][0]
        if precedence[top] > precedence[operator] or (
                precedence[top] == precedence[operator] and operator not in RIGHT_ASSOCIATIVE):
            output.append(stack.pop())
        else:
            break
    stack.append((operator, payload, column))


# ---- writing out the sums --------------------------------------------------------------------

def _tree(rpn):
    """The expression tree of an RPN sequence (nodes are tuples; built without recursion)."""
    stack = []
    for item in rpn:
        kind = item[0]
        if kind in (NUMBER, IDENT, TEMPLATE):
            stack.append(item)
        elif kind in PREFIX:
            stack.append((kind, item[1], item[2], stack.pop()))
        else:
            right, left = stack.pop(), stack.pop()
            stack.append((kind, None, item[2], left, right))
    (root,) = stack
    return root


def expand(rpn, names, n, text, readings=None):
    """The RPN with every Σ written out term by term and every index letter replaced by its
    value: only numbers, names and + - * / ^ neg remain.  ``readings`` (a Readings) gives the
    letters no sum binds the value the target fixes, and records what it read."""
    if not any(item[0] in (TEMPLATE, "sum") for item in rpn):
        return [(item[0], item[1], item[2]) for item in rpn]
    out = []
    work = [("visit", _tree(rpn), {})]
    while work:
        action, node, env = work.pop()
        if action == "emit":
            out.append(node)
            continue
        kind, payload, column = node[0], node[1], node[2]
        if kind == NUMBER:
            out.append(node)
        elif kind == IDENT:
            out.append((IDENT, payload, column))
        elif kind == TEMPLATE:
            out.append((IDENT, _resolve(payload, env, names, text, column, readings), column))
        elif kind == "neg":
            work.append(("emit", ("neg", None, column), None))
            work.append(("visit", node[3], env))
        elif kind == "sum":
            var, low, high = payload
            if var in env:
                raise FormulaError(Sentence("formula.index_bound", var=repr(var)),
                                   text, column)
            body = node[3]
            values = _range(var, low, high, body, env, names, n, text, column)
            for i in range(len(values) - 1, -1, -1):
                if i:
                    work.append(("emit", ("+", None, column), None))
                work.append(("visit", body, {**env, var: values[i]}))
        else:
            work.append(("emit", (kind, None, column), None))
            work.append(("visit", node[4], env))
            work.append(("visit", node[3], env))
        if len(out) + len(work) > MAX_TERMS:
            raise FormulaError(Sentence("formula.too_many_terms", limit=format(MAX_TERMS, ",")),
                               text,
                               column)
    return out


def _resolve(template, env, names, text, column, readings=None):
    base, parts, spelled = template
    values = []
    for position, part in enumerate(parts):
        if part.isalpha():
            if part not in env:
                value = readings.fixed(base, position, part) if readings else None
                if value is None:
                    raise FormulaError(Sentence("formula.unbound_index", part=repr(part),
                                                spelled=spelled, index=part), text, column)
                env = {**env, part: value}
            values.append(str(env[part]))
        else:
            values.append(part)
    name = canonical(base, ",".join(values) if len(values) > 1 else values[0])
    if name not in names:
        hint = _missing_index_hint(base, parts, names)
        raise FormulaError(Sentence("formula.not_a_name", spelled=spelled,
                                    bindings=_bindings(parts, env), name=name,
                                    names=hint or describe_names(names)), text, column)
    if readings is not None and any(p.isalpha() and p in readings.letters for p in parts):
        readings.record(spelled, name)
    return name


def _missing_index_hint(base, parts, names):
    """"q has two indices: q_{1k}" when a template lacks the output unit's index."""
    if len(parts) != 1:
        return None
    trial = canonical(base, "1,1") if base != "ŷ" else None
    if trial is None or trial not in names:
        return None
    letter = parts[0]
    shown = "X_{j" + letter + "}" if base == "X" else f"{base}_{{1{letter}}}"
    return Sentence("formula.two_indices", base=base, shown=shown)


class Readings:
    """Index letters no sum binds, read as the target fixes them: in ∂L/∂θ12, x_{d1} is the
    input θ12 reads, X21 (the tutorial writes d for it).  ``taken`` lists what was read."""

    def __init__(self, family, value):
        self.family, self.value = family, value     # the target's input family, its column
        self.letters, self.taken = set(), []

    def fixed(self, base, position, letter):
        if base != self.family or position != 0:
            return None
        self.letters.add(letter)
        return self.value

    def record(self, spelled, name):
        if (spelled, name) not in self.taken:
            self.taken.append((spelled, name))


WEIGHT = re.compile(r"(?P<family>θ|δ|w(?P<layer>[0-9]+)_)(?P<i>[0-9]+),?(?P<j>[0-9]+)")


def input_family(target):
    """(the base of what the weight ``target`` reads, its input index): θ12 reads X2·, δ13
    reads p3·, w2_13 reads a1_3·; None for an entry that is not a weight."""
    match = WEIGHT.fullmatch(target)
    if match is None:
        return None
    family, layer = match.group("family"), match.group("layer")
    base = {"θ": "X", "δ": "p"}.get(family) or ("X" if layer == "1" else f"a{int(layer) - 1}_")
    return base, int(match.group("j"))


def transpose_name(name, names):
    """θ21 for θ12 (w1_21 for w1_12): the same weight read as "from input i to unit j"."""
    match = WEIGHT.fullmatch(name)
    if match is None:
        return None
    swapped = canonical(match.group("family"), f"{match.group('j')},{match.group('i')}")
    return swapped if swapped in names else None


def _bindings(parts, env):
    return ", ".join(f"{p} = {env[p]}" for p in parts if p.isalpha())


def _range(var, low, high, body, env, names, n, text, column):
    """The values of a sum's index: low … high (high "n" = the number of data points), or,
    with no upper bound, as far as every name in the body that uses the index exists."""
    if high == "n":
        high = n
    if high is not None:
        if high < low:
            raise FormulaError(Sentence("formula.sum_empty", var=var, low=low, high=high),
                               text, column)
        if high - low >= MAX_RANGE:
            raise FormulaError(Sentence("formula.sum_too_long", var=var,
                                        limit=format(MAX_RANGE, ",")),
                               text, column)
        return list(range(low, high + 1))
    templates = [node[1] for node in _nodes(body) if node[0] == TEMPLATE and var in node[1][1]]
    if not templates:
        raise FormulaError(Sentence("formula.sum_unbounded", var=var), text, column)
    values, k = [], low
    while len(values) < MAX_RANGE:
        trial = {**env, var: k}
        if not all(_exists(t, trial, names) for t in templates):
            break
        values.append(k)
        k += 1
    if not values:
        hints = [_missing_index_hint(t[0], t[1], names) for t in templates
                 if not _exists(t, {**env, var: low}, names)]
        hint = next((h for h in hints if h), None)
        raise FormulaError(Sentence("formula.sum_no_name", var=var, low=low) if hint is None
                           else Sentence("formula.sum_no_name_hint", var=var, low=low,
                                         hint=hint), text, column)
    return values


def _exists(template, env, names):
    """Whether the template names something with these indices (inner indices taken at 1)."""
    base, parts, _ = template
    values = [str(env.get(p, 1)) if p.isalpha() else p for p in parts]
    return canonical(base, ",".join(values) if len(values) > 1 else values[0]) in names


def _nodes(root):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in node[3:] if isinstance(child, tuple))


# ---- formulas -------------------------------------------------------------------------------

DERIVATIVE = re.compile(r"(?:∂|d|\\partial)\s*(?P<top>[A-Za-z]+)\s*/\s*(?:∂|d|\\partial)\s*"
                        r"(?P<wrt>\S.*)", re.DOTALL)


class Formula:
    """A parsed formula: the target entry (∂L/∂target) and the right side in RPN, every sum
    written out (only numbers, names and + - * / ^ neg)."""

    def __init__(self, text, target, rpn, n=None, readings=(), transposed=False):
        self.text, self.target, self.rpn, self.n = text, target, rpn, n
        self.readings = list(readings)    # [(as written, read as)]: x_{d1} read as X21
        self.transposed = transposed      # read with θ_ij as "from input i to unit j"

    def names(self):
        """The names the right side uses."""
        return sorted({value for kind, value, _ in self.rpn if kind == IDENT and value != "n"})

    def evaluate(self, values):
        """The right side at a point: ``values`` maps every name to a number.  Raises
        ZeroDivisionError, ValueError or OverflowError where the formula is undefined."""
        stack = []
        for item in self.rpn:
            kind = item[0]
            if kind == NUMBER:
                stack.append(item[1])
            elif kind == IDENT:
                stack.append(float(self.n if item[1] == "n" else values[item[1]]))
            elif kind == "neg":
                stack.append(-stack.pop())
            elif kind == FUNCTION:
                stack.append(_call(item[1], stack.pop(), item[2]))
            else:
                b, a = stack.pop(), stack.pop()
                stack.append(_apply(kind, a, b, item[2]))
        (result,) = stack
        return result

    def substituted(self, old, new):
        """The same formula with the name ``old`` replaced by ``new`` everywhere."""
        rpn = [(IDENT, new, c) if kind == IDENT and value == old else (kind, value, c)
               for kind, value, c in self.rpn]
        return Formula(self.text, self.target, rpn, self.n, self.readings, self.transposed)

    def right_side(self):
        """The right side printed back with the fewest parentheses that keep its meaning
        (parsing it again gives the same value, to the last bit)."""
        stack = []                                  # (text, precedence)
        for kind, value, _ in self.rpn:
            if kind == NUMBER:
                stack.append((repr(value) if value != int(value) or value >= 1e16
                              else str(int(value)), 5))
            elif kind == IDENT:
                stack.append((value, 5))
            elif kind == "neg":
                text, p = stack.pop()
                stack.append(("-" + (text if p >= 3 else f"({text})"), 3))
            else:
                (b, pb), (a, pa) = stack.pop(), stack.pop()
                p = PRECEDENCE[kind]
                left = a if pa > p or (pa == p and kind not in RIGHT_ASSOCIATIVE) else f"({a})"
                right = b if pb > p or (pb == p and kind in RIGHT_ASSOCIATIVE) else f"({b})"
                if kind == "^" and pa == 3:
                    left = f"({a})"
                stack.append((f"{left} {kind} {right}" if kind in "+-" else f"{left}{kind}{right}"
                              if kind == "^" else f"{left}·{right}" if kind == "*"
                              else f"{left}/{right}", p))
        return stack[0][0]

    def to_latex(self):
        """The whole formula as LaTeX (\\frac, \\cdot, \\left( \\right), θ12 as \\theta_{12}):
        reading it back gives the same value, to the last bit."""
        stack = []                                  # (latex, precedence)
        for kind, value, _ in self.rpn:
            if kind == NUMBER:
                stack.append((repr(value) if value != int(value) or value >= 1e16
                              else str(int(value)), 5))
            elif kind == IDENT:
                stack.append((latex_name(value), 5))
            elif kind == "neg":
                text, p = stack.pop()
                stack.append(("-" + (text if p >= 3 else f"\\left({text}\\right)"), 3))
            elif kind == "/":
                (b, _), (a, _) = stack.pop(), stack.pop()
                stack.append((f"\\frac{{{a}}}{{{b}}}", 5))
            else:
                (b, pb), (a, pa) = stack.pop(), stack.pop()
                p = PRECEDENCE[kind]
                keep_left = pa > p or (pa == p and kind not in RIGHT_ASSOCIATIVE)
                keep_right = pb > p or (pb == p and kind in RIGHT_ASSOCIATIVE)
                left = a if keep_left and not (kind == "^" and pa == 3) else \
                    f"\\left({a}\\right)"
                right = b if keep_right or kind == "^" else f"\\left({b}\\right)"
                joined = f"{left}^{{{right}}}" if kind == "^" else \
                    f"{left} \\cdot {right}" if kind == "*" else f"{left} {kind} {right}"
                stack.append((joined, p))
        target = latex_name(self.target)
        return f"\\frac{{\\partial L}}{{\\partial {target}}} = {stack[0][0]}"

    def __repr__(self):
        return f"Formula({self.text!r})"


def latex_name(name):
    """θ12 -> \\theta_{12}, w1_12 -> w1_{12}, X1,10 -> X_{1,10}, L -> L."""
    match = re.fullmatch(r"(θ|δ|[A-Za-z]+[0-9]*_|[A-Za-z])([0-9,]+)", name)
    if match is None:
        return name
    base, index = match.groups()
    base = {"θ": "\\theta", "δ": "\\delta"}.get(base, base)
    return f"{base}{{{index}}}" if base.endswith("_") else f"{base}_{{{index}}}"


def _call(name, x, column):
    """A function of an expression's formula on a float; undefined is an error, as for /."""
    if name in ("log", "sqrt") and (x < 0 or (name == "log" and x == 0)):
        raise ValueError(Sentence("formula.eval.function", name=name, x=repr(x), column=column))
    try:
        return {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh,
                "sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v >= 0 else
                math.exp(v) / (1 + math.exp(v)),
                "relu": lambda v: max(v, 0.0), "abs": abs, "sin": math.sin, "cos": math.cos,
                "softplus": lambda v: v + math.log1p(math.exp(-v)) if v > 0 else
                math.log1p(math.exp(v))}[name](x)
    except OverflowError:
        raise OverflowError(Sentence("formula.eval.function_overflow", name=name, x=repr(x),
                                     column=column)) from None


def _apply(operator, a, b, column):
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if operator == "/":
        if b == 0:
            raise ZeroDivisionError(Sentence("formula.eval.divide", column=column))
        return a / b
    if a == 0 and b < 0:
        raise ZeroDivisionError(Sentence("formula.eval.zero_power", column=column))
    if not math.isfinite(b) or (a < 0 and b != math.floor(b)):
        raise ValueError(Sentence("formula.eval.fractional", column=column)
                         if math.isfinite(b) else
                         Sentence("formula.eval.power_of", b=repr(b), column=column))
    try:
        return a ** b
    except OverflowError:
        raise OverflowError(Sentence("formula.eval.power_overflow", column=column)) from None


def data_points(names):
    """n, the number of data points: how many labels y1 … yn there are."""
    return sum(1 for name in names if re.fullmatch(r"y[0-9]+", name))


def split_sides(text):
    """(left, right, column of '=') at the one '=' outside braces (_{k=1} is not it)."""
    depth, positions = 0, []
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == "=" and depth == 0:
            positions.append(i)
    if len(positions) != 1:
        problem = Sentence("formula.no_equals") if not positions else \
            Sentence("formula.two_equals")
        raise FormulaError(problem, text, positions[1] + 1 if len(positions) > 1 else None)
    i = positions[0]
    return text[:i], text[i + 1:], i + 1


def parse_formula(text, names, output="L", n=None, transposed=False):
    """Parse "∂L/∂θ12 = right side" against the known ``names`` (canonical spellings).

    The text may be plain, Unicode or LaTeX as pasted (tinygrad_lite.lab.notation): the left
    side θ12, dL/dθ12, ∂L/∂θ₁₂ or \\frac{\\partial L}{\\partial \\theta_{12}}; the target must
    not be ``output`` itself.  The right side may use sums over data points, Σ_k /
    \\sum_{k=1}^{n} / sum_k(...), with index letters in subscripts (q_{1k}); ``n`` is the number
    of data points.  An index letter no sum binds, in what a weight reads (x_{d1} in a formula
    for θ12), is the input that weight reads (X21); the reading is kept in ``readings``.
    ``transposed`` reads every weight θ_ij as θ_ji (the convention "from input i to unit j").
    """
    if not isinstance(text, str):
        raise FormulaError(Sentence("formula.not_text", kind=type(text).__name__))
    if len(text) > MAX_LENGTH:
        raise FormulaError(Sentence("formula.too_long", length=format(len(text), ","),
                                    limit=format(MAX_LENGTH, ",")))
    original = text[1:] if text.startswith("\ufeff") else text
    plain = normalize(original)
    try:
        return _parse_plain(plain.text, names, output, n, transposed, original)
    except FormulaError as error:
        raise plain.locate(error) from None


def _parse_plain(text, names, output, n, transposed, original):
    left, right, equals = split_sides(text)
    if not left.strip():
        raise FormulaError(Sentence("formula.left_empty"), text, 1)
    target, _ = _left_side(left, text, names, output)
    if transposed:
        target = transpose_name(target, names)
        if target is None:
            return None
    family = input_family(target)
    readings = Readings(*family) if family else None
    n = data_points(names) if n is None else n
    rpn = to_rpn(tokenize(right, names, offset=equals, full_text=text), text, equals + 1)
    rpn = expand(rpn, names, n, text, readings)
    if transposed:
        rpn = [(IDENT, transpose_name(value, names) or value, c) if kind == IDENT
               else (kind, value, c) for kind, value, c in rpn]
    return Formula(original.strip(), target, rpn, n, readings.taken if readings else (),
                   transposed)


def _left_side(left, text, names, output):
    """(the entry the left side names, its column)."""
    start = len(left) - len(left.lstrip())
    stripped = left.strip()
    match = DERIVATIVE.fullmatch(stripped)
    if match:
        top, wrt = match.group("top"), match.group("wrt")
        wrt_column = start + match.start("wrt") + 1
        if canonical(top, "") != output:
            raise FormulaError(Sentence("formula.wrong_top", top=repr(top),
                               output=output), text, start + match.start("top") + 1)
    else:
        wrt, wrt_column = stripped, start + 1
    try:
        target = parse_name(wrt, names)
    except FormulaError as error:
        raise FormulaError(error.message, text, wrt_column) from None
    if target == output:
        raise FormulaError(Sentence("formula.self", output=output),
                           text, wrt_column)
    return target, wrt_column
