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

import re

__all__ = ["parse_formula", "parse_name", "Formula", "FormulaError"]


class FormulaError(ValueError):
    """A formula that cannot be read: the message names the problem and the column."""

    def __init__(self, message, text=None, column=None):
        self.message, self.text, self.column = message, text, column
        where = f" (column {column})" if column is not None else ""
        detail = ""
        if text is not None and column is not None:
            detail = f"\n    {text}\n    {' ' * (column - 1)}^"
        super().__init__(f"{message}{where}{detail}")


# ---- names ----------------------------------------------------------------------------------

# spelling of a base (lower-cased) -> canonical base
BASES = {"θ": "θ", "theta": "θ", "\\theta": "θ", "ϑ": "θ",
         "δ": "δ", "delta": "δ", "\\delta": "δ",
         "x": "X", "y": "y", "p": "p", "q": "q", "b": "b", "d": "d", "l": "L"}

NAME = re.compile(r"""
    (?P<base>\\?[A-Za-z]+|[θϑδΘΔ])          # a word, a LaTeX command or a Greek letter
    (?:_?\{(?P<braced>[0-9]+(?:,[0-9]+)?)\} # _{12} or _{1,2}
      |_?(?P<plain>[0-9]+(?:,[0-9]+)?))?    # _12 or 12, or 1,10 past nine
    """, re.VERBOSE)


def canonical(base, index):
    """('theta', '12') -> 'θ12'; ('x', '2,1') -> 'X21'; None if the base is unknown."""
    base = BASES.get(base.lower())
    if base is None:
        return None
    if not index:
        return base
    parts = index.split(",")
    if len(parts) == 2 and all(len(p) == 1 for p in parts):
        return base + "".join(parts)
    return base + index


def parse_name(text, names):
    """The canonical name that ``text`` spells (the whole text must be one name)."""
    stripped = text.strip()
    match = NAME.fullmatch(stripped)
    name = canonical(match.group("base"), match.group("braced") or match.group("plain")) \
        if match else None
    if name is None or name not in names:
        raise FormulaError(f"unknown name {stripped!r}; {describe_names(names)}")
    return name


def describe_names(names):
    """A short list of the names a formula may use."""
    groups = {}
    for name in names:
        groups.setdefault(name.rstrip("0123456789,"), []).append(name)
    shown = []
    for members in groups.values():
        shown.append(members[0] if len(members) == 1 else f"{members[0]}…{members[-1]}")
    return "the names are " + ", ".join(shown)


# ---- tokens ---------------------------------------------------------------------------------

NUMBER, IDENT, OPERATOR, OPEN, CLOSE = "number", "name", "operator", "(", ")"
OPERATORS = {"+": "+", "-": "-", "−": "-", "*": "*", "·": "*", "⋅": "*", "×": "*",
             "\\cdot": "*", "\\times": "*", "/": "/", "^": "^", "**": "^"}
NUMBER_PATTERN = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
CLOSING = {"(": ")", "[": "]", "{": "}"}


def tokenize(text, names, offset=0, full_text=None):
    """[(kind, value, column)] for one side; names are resolved to their canonical spelling.
    ``offset`` and ``full_text`` place the side within the whole formula for error columns."""
    full_text = text if full_text is None else full_text
    tokens, i = [], 0
    while i < len(text):
        ch, column = text[i], offset + i + 1
        if ch.isspace():
            i += 1
            continue
        if text.startswith("\\left", i) or text.startswith("\\right", i):
            i += 5 if text.startswith("\\left", i) else 6
            continue
        if text.startswith("**", i):
            tokens.append((OPERATOR, "^", column))
            i += 2
            continue
        command = re.match(r"\\(cdot|times)(?![A-Za-z])", text[i:])
        if command:
            tokens.append((OPERATOR, "*", column))
            i += command.end()
            continue
        if ch in OPERATORS:
            tokens.append((OPERATOR, OPERATORS[ch], column))
            i += 1
            continue
        if ch in "([{":
            tokens.append((OPEN, ch, column))
            i += 1
            continue
        if ch in ")]}":
            tokens.append((CLOSE, ch, column))
            i += 1
            continue
        number = NUMBER_PATTERN.match(text, i)
        if number:
            tokens.append((NUMBER, float(number.group()), column))
            i = number.end()
            continue
        match = NAME.match(text, i)
        if match:
            spelled = match.group()
            name = canonical(match.group("base"), match.group("braced") or match.group("plain"))
            if name is None or name not in names:
                raise FormulaError(f"unknown name {spelled!r}; {describe_names(names)}",
                                   full_text, column)
            tokens.append((IDENT, name, column))
            i = match.end()
            continue
        raise FormulaError(f"unexpected character {ch!r}", full_text, column)
    return tokens


# ---- the parser: shunting-yard to reverse Polish notation -----------------------------------

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
RIGHT_ASSOCIATIVE = {"^", "neg"}


def to_rpn(tokens, text, side_column):
    """Reverse Polish notation for the tokens of one side, or a FormulaError with a column."""
    output, stack = [], []     # stack holds (operator, column) and ("(", bracket, column)
    expect_operand = True
    previous = None
    for kind, value, column in tokens:
        implicit = not expect_operand and kind in (IDENT, OPEN, NUMBER)
        if implicit and kind == NUMBER:
            raise FormulaError("a number cannot follow here without an operator", text, column)
        if implicit:   # (y1 - q11) δ12 or 2(y1 - q11): multiplication
            _push_operator(output, stack, "*", column)
            expect_operand = True
        if kind in (NUMBER, IDENT):
            output.append((kind, value, column))
            expect_operand = False
        elif kind == OPEN:
            stack.append(("(", value, column))
            expect_operand = True
        elif kind == CLOSE:
            if expect_operand:
                what = "nothing" if previous and previous[0] == OPEN else "an operand"
                raise FormulaError(f"'{value}' closes {what}: an operand is missing",
                                   text, column)
            while stack and stack[-1][0] != "(":
                output.append(stack.pop())
            if not stack:
                raise FormulaError(f"'{value}' has no matching opening bracket", text, column)
            _, bracket, opened = stack.pop()
            if CLOSING[bracket] != value:
                raise FormulaError(f"'{value}' closes the '{bracket}' opened at column "
                                   f"{opened}", text, column)
            expect_operand = False
        else:  # operator
            if expect_operand:
                if value == "-":
                    _push_operator(output, stack, "neg", column)
                    continue
                if value == "+":
                    continue
                raise FormulaError(f"'{value}' needs something on its left", text, column)
            _push_operator(output, stack, value, column)
            expect_operand = True
        previous = (kind, value, column)
    if expect_operand:
        if not tokens:
            raise FormulaError("this side of the formula is empty", text, side_column)
        kind, value, column = tokens[-1]
        raise FormulaError(f"'{value}' needs something on its right", text, column)
    while stack:
        item = stack.pop()
        if item[0] == "(":
            raise FormulaError(f"the '{item[1]}' opened here is never closed", text, item[2])
        output.append(item)
    return output


def _push_operator(output, stack, operator, column):
    while stack and stack[-1][0] != "(":
        top = stack[-1][0]
        if PRECEDENCE[top] > PRECEDENCE[operator] or (
                PRECEDENCE[top] == PRECEDENCE[operator] and operator not in RIGHT_ASSOCIATIVE):
            output.append(stack.pop())
        else:
            break
    stack.append((operator, column))


# ---- formulas -------------------------------------------------------------------------------

LEFT_SIDE = re.compile(r"""^\s*(?:
      (?:∂|d|\\partial\s*)\s*(?P<top1>[A-Za-z]+)\s*/\s*(?:∂|d|\\partial\s*)\s*(?P<wrt1>.+?)
    | \\frac\s*\{\s*(?:∂|d|\\partial)\s*(?P<top2>[A-Za-z]+)\s*\}\s*
        \{\s*(?:∂|d|\\partial)\s*(?P<wrt2>.+?)\s*\}
    | (?P<wrt3>.+?)
    )\s*$""", re.VERBOSE)


class Formula:
    """A parsed formula: the target entry (∂L/∂target) and the right side in RPN."""

    def __init__(self, text, target, rpn):
        self.text, self.target, self.rpn = text, target, rpn

    def names(self):
        """The names the right side uses."""
        return sorted({value for kind, value, _ in self.rpn if kind == IDENT})

    def evaluate(self, values):
        """The right side at a point: ``values`` maps every name to a number.  Raises
        ZeroDivisionError, ValueError or OverflowError where the formula is undefined."""
        stack = []
        for item in self.rpn:
            kind = item[0]
            if kind == NUMBER:
                stack.append(item[1])
            elif kind == IDENT:
                stack.append(float(values[item[1]]))
            elif kind == "neg":
                stack.append(-stack.pop())
            else:
                b, a = stack.pop(), stack.pop()
                stack.append(_apply(kind, a, b, item[1]))
        (result,) = stack
        return result

    def __repr__(self):
        return f"Formula({self.text!r})"


def _apply(operator, a, b, column):
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if operator == "/":
        if b == 0:
            raise ZeroDivisionError(f"division by zero (the '/' at column {column})")
        return a / b
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"0 to a negative power (the '^' at column {column})")
    if a < 0 and b != int(b):
        raise ValueError(f"a negative number to a fractional power (the '^' at column {column})")
    try:
        return a ** b
    except OverflowError:
        raise OverflowError(f"the '^' at column {column} overflows") from None


def parse_formula(text, names, output="L"):
    """Parse "∂L/∂θ12 = right side" against the known ``names`` (canonical spellings).

    The left side may be θ12, dL/dθ12, ∂L/∂θ12 or LaTeX (dL/d\\theta_{12},
    \\frac{\\partial L}{\\partial \\theta_{12}}); the target must not be ``output`` itself.
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {type(text).__name__}")
    if text.count("=") != 1:
        column = None if "=" not in text else text.index("=", text.index("=") + 1) + 1
        problem = "a formula needs one '=' between the entry and its expression, e.g. " \
                  "'∂L/∂θ12 = -(y1 - q11)·δ11·X21'" if column is None else \
                  "a formula has exactly one '='"
        raise FormulaError(problem, text, column)
    left, right = text.split("=")
    if not left.strip():
        raise FormulaError("the left side is empty: name the entry, e.g. ∂L/∂θ12",
                           text, 1)
    match = LEFT_SIDE.match(left)
    top = match.group("top1") or match.group("top2")
    group = next(g for g in ("wrt1", "wrt2", "wrt3") if match.group(g) is not None)
    wrt, wrt_column = match.group(group), match.start(group) + 1
    if top is not None and canonical(top, "") != output:
        raise FormulaError(f"the left side differentiates {top!r}; formulas here are "
                           f"for ∂{output}/∂(entry)", text, left.index(top) + 1)
    try:
        target = parse_name(wrt, names)
    except FormulaError as error:
        raise FormulaError(error.message, text, wrt_column) from None
    if target == output:
        raise FormulaError(f"∂{output}/∂{output} is 1; name an entry such as θ12",
                           text, wrt_column)
    side_column = len(left) + 2
    rpn = to_rpn(tokenize(right, names, offset=len(left) + 1, full_text=text), text, side_column)
    return Formula(text.strip(), target, rpn)


