"""Matrix formulas: a whole block of gradients at once, as students derive them.

    parse_matrix_formula(text, n)   -> MatrixFormula, or None if the left side is not a block
    MatrixFormula.shape()           the shape of the right side (a FormulaError if a product
                                    does not fit: "(1×4)·(3×2)")
    MatrixFormula.evaluate(values)  the right side at a point, a list of rows
    MatrixFormula.entries()         [(row, column, name)]: which gradient each entry is
    BLOCKS                          the blocks of the worked example and their entries

The worked example in matrix form (n data points, column k is data point k):

    X  3×n  (X_jk)     P = W1·X + b      4×n  (p_ik)     W1 = Θ  4×3  (θ_ij)    b   4×1  (b_i)
    Y  1×n  (y_k)      Q = W2·P + d1     1×n  (q_1k)     W2 = Δ  1×4  (δ_1i)    d1  1×1

and, for instance, ∂L/∂W2 = -(Y − Q)·Pᵀ, ∂L/∂W1 = -W2ᵀ(Y − Q)Xᵀ, ∂L/∂b = -W2ᵀ(Y − Q)·1_n.

The left side is ∂L/∂W1 (also Θ, \\Theta), ∂L/∂W2 (Δ, \\Delta), ∂L/∂b (the bias vector;
b1 is its first entry, as the tutorial names them), ∂L/∂P or ∂L/∂Q.  The right side knows
X Y P Q W1 W2 b d1, the ones vector 1_n (n×1), numbers and n; transpose (Aᵀ, A^T, A^{T},
A'); matrix products (juxtaposition, · or *); the elementwise product (⊙, ∘, \\odot, \\circ);
+ and − (a column vector is added to every column, as in W1·X + b; a 1×1 to every entry);
/ by a number; unary minus; Σ_k A, the sum over the data points (the columns).  As in
formula.py: our own parser (never eval), linear time, errors with their column.
"""

import math
import re

from ..console import visible
from ..messages import Sentence
from .formula import DERIVATIVE, FormulaError, MAX_LENGTH, _drain, _push_operator, split_sides
from .notation import normalize
from ..nn.dense import tutorial_name

__all__ = ["parse_matrix_formula", "MatrixFormula", "BLOCKS", "network_blocks", "blocks_for",
           "block_named", "block_entries"]

# block -> (rows, columns as a function of n, name of entry (i, j) counted from 0)
# the tutorial's blocks: name -> (rows, columns as a function of n, entry (i, j) from 0)
BLOCKS = {
    "W1": (4, lambda n: 3, lambda i, j: tutorial_name("θ", i + 1, j + 1)),
    "W2": (1, lambda n: 4, lambda i, j: tutorial_name("δ", 1, j + 1)),
    "b": (4, lambda n: 1, lambda i, j: tutorial_name("b", i + 1)),
    "d1": (1, lambda n: 1, lambda i, j: "d1"),
    "X": (3, lambda n: n, lambda i, j: tutorial_name("X", i + 1, j + 1)),
    "Y": (1, lambda n: n, lambda i, j: tutorial_name("y", j + 1)),
    "P": (4, lambda n: n, lambda i, j: tutorial_name("p", i + 1, j + 1)),
    "Q": (1, lambda n: n, lambda i, j: tutorial_name("q", 1, j + 1)),
}
TARGETS = ("W1", "W2", "b", "d1", "P", "Q")

BLOCK_PATTERN = re.compile(r"""
      (?P<W1>W_?\{?1\}?|Θ|\\Theta|Theta)(?![A-Za-z0-9])
    | (?P<W2>W_?\{?2\}?|Δ|\\Delta|Delta)(?![A-Za-z0-9])
    | (?P<b>\\mathbf\{b\}|b)(?![A-Za-z0-9_])
    | (?P<d1>d_?\{?1\}?)(?![A-Za-z0-9])
    | (?P<X>X)(?![A-Za-z0-9_])
    | (?P<Y>Y)(?![A-Za-z0-9_])
    | (?P<P>P)(?![A-Za-z0-9_])
    | (?P<Q>Q)(?![A-Za-z0-9_])
    | (?P<ones>1_\{?n\}?|𝟏|\\mathbf\{1\})
    | (?P<n>n)(?![A-Za-z0-9_])
    """, re.VERBOSE)
# any other network: W1 W2 … (weights), b1 b2 … (biases), Z1 … and A1 … (sums and
# activations, units × data points), X and Y
NETWORK_PATTERN = re.compile(r"""
      (?P<block>(?:W|b|Z|A)_?\{?[0-9]+\}?|X|Y)(?![A-Za-z0-9_])
    | (?P<ones>1_\{?n\}?|𝟏|\\mathbf\{1\})
    | (?P<n>n)(?![A-Za-z0-9_])
    """, re.VERBOSE)


class Blocks:
    """The blocks a matrix formula may use, their shapes and which gradient each entry is."""

    def __init__(self, shapes, targets, pattern, tutorial):
        self.shapes = shapes          # name -> (rows, columns, entry name of (i, j))
        self.targets = targets        # the blocks a left side may name
        self.pattern = pattern
        self.tutorial = tutorial

    def name(self, match):
        """The canonical block name of a match (W_{1} -> W1), or "ones" / "n"."""
        if self.tutorial or match.lastgroup != "block":
            return match.lastgroup
        return re.sub(r"[_{}]", "", match.group("block"))


def tutorial_blocks(n):
    return Blocks({k: (r, c(n), e) for k, (r, c, e) in BLOCKS.items()}, TARGETS, BLOCK_PATTERN,
                  True)


def network_blocks(config):
    """The blocks of any configured network, in its textbook names."""
    n, sizes = len(config["X"][0]), [len(config["X"])] + config["layers"]
    shapes = {"X": (sizes[0], n, lambda i, j: tutorial_name("X", i + 1, j + 1))}
    y = config["y"]
    if not (config["loss"] == "cross_entropy" and isinstance(y[0], int)):
        shapes["Y"] = (sizes[-1], n, (lambda i, j: tutorial_name("y", i + 1, j + 1))
                       if isinstance(y[0], list) else (lambda i, j: tutorial_name("y", j + 1)))
    for l, (a, b) in enumerate(zip(sizes, sizes[1:]), 1):
        shapes[f"W{l}"] = (b, a, lambda i, j, l=l: f"w{l}_" + tutorial_name("", i + 1, j + 1))
        shapes[f"b{l}"] = (b, 1, lambda i, j, l=l: f"b{l}_" + tutorial_name("", i + 1))
        shapes[f"Z{l}"] = (b, n, lambda i, j, l=l: f"z{l}_" + tutorial_name("", i + 1, j + 1))
        shapes[f"A{l}"] = (b, n, lambda i, j, l=l: f"a{l}_" + tutorial_name("", i + 1, j + 1))
    targets = tuple(k for k in shapes if k not in ("X", "Y"))
    return Blocks(shapes, targets, NETWORK_PATTERN, False)


TRANSPOSE = re.compile(r"\^\s*\{\s*T\s*\}|\^\s*T(?![A-Za-z])|ᵀ|'")
OPERATOR = re.compile(r"\\odot|\\circ|\\cdot|\\times|\*\*|[-+*/^·⋅×⊙∘−]")
SUM = re.compile(r"(?:\\sum|Σ|∑|sum)_\{?k(?:=1)?\}?(?:\^\{?n\}?)?")
NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
SPACE = re.compile(r"\s+|\\left|\\right")
SPELLINGS = {"\\odot": "⊙", "∘": "⊙", "\\circ": "⊙", "\\cdot": "@", "·": "@", "⋅": "@",
             "*": "@", "\\times": "@", "×": "@", "−": "-", "**": "^"}
PRECEDENCE = {"+": 1, "-": 1, "sum": 1.5, "@": 2, "⊙": 2, "/": 2, "neg": 3, "^": 4}


def parse_matrix_formula(text, n, config=None):
    """A MatrixFormula if the left side names a block (∂L/∂W1, ∂L/∂Θ, …), else None.  The
    blocks are the tutorial's, or those of the configured network ``config``."""
    if len(text) > MAX_LENGTH:
        return None
    plain = normalize(text)
    try:
        formula = _parse_plain(plain.text, n, config)
    except FormulaError as error:
        raise plain.locate(error) from None
    if formula is not None:
        formula.text = text.strip()
    return formula


def blocks_for(config, n):
    """The blocks of the configured network ``config`` (the tutorial's when it is the
    tutorial's network, or None), with n data points."""
    return network_blocks(config) if config is not None and not config["tutorial"] \
        else tutorial_blocks(n)


def _parse_plain(text, n, config):
    blocks = blocks_for(config, n)
    left, right, equals = split_sides(text)
    target = _target(left, blocks)
    if target is None:
        return None
    rpn = _to_rpn(_tokenize(right, equals, text, blocks), text, equals + 1)
    formula = MatrixFormula(text.strip(), target, rpn, n, blocks)
    rows, columns = formula.shape()
    expected = blocks.shapes[target][:2]
    if (rows, columns) != expected:
        raise FormulaError(Sentence("matrix.shape", rows=rows, columns=columns, target=target,
                                    expected_rows=expected[0], expected_columns=expected[1]),
                           text, equals + 1)
    return formula


def _target(left, blocks):
    name = block_named(left, blocks)
    return name if name in blocks.targets else None


def block_named(text, blocks):
    """The block that ``text`` names (W1, W_{1}, Θ, ∂L/∂W1, \\frac{\\partial L}{\\partial W_1}),
    as its canonical name, or None."""
    stripped = normalize(text).text.strip()
    match = DERIVATIVE.fullmatch(stripped)
    wrt = (match.group("wrt") if match and match.group("top") == "L" else stripped).strip()
    block = blocks.pattern.fullmatch(wrt)
    return None if block is None else blocks.name(block)


def block_entries(name, blocks):
    """The entry names of the block ``name``, row by row."""
    rows, columns, entry = blocks.shapes[name]
    return [entry(i, j) for i in range(rows) for j in range(columns)]


# ---- tokens and precedence -------------------------------------------------------------------

def _tokenize(text, offset, full_text, blocks):
    """[(kind, value, column)] in one pass; kinds: block, ones, number, op, T, sum, (, )."""
    tokens, i = [], 0
    while i < len(text):
        column = offset + i + 1
        for kind, pattern in (("space", SPACE), ("T", TRANSPOSE), ("sum", SUM),
                              ("block", blocks.pattern), ("number", NUMBER), ("op", OPERATOR)):
            match = pattern.match(text, i)
            if match:
                break
        else:
            match = None
        if match is None:
            ch = text[i]
            if ch in "([{":
                tokens.append(("(", ch, column))
            elif ch in ")]}":
                tokens.append((")", ch, column))
            else:
                raise FormulaError(Sentence("matrix.unexpected", character=visible(repr(ch)),
                                            blocks=' '.join(blocks.shapes)), full_text, column)
            i += 1
            continue
        i = match.end()
        if kind == "space":
            continue
        if kind == "number":
            value = float(match.group())
            if not math.isfinite(value):
                raise FormulaError(Sentence("matrix.number_too_large", number=match.group()[:40]),
                                   full_text, column)
            tokens.append(("number", value, column))
        elif kind == "block":
            name = blocks.name(match)
            if name in ("ones", "n"):
                tokens.append((name, None, column))
            elif name not in blocks.shapes:
                raise FormulaError(Sentence("matrix.not_block", block=repr(match.group()),
                                            blocks=' '.join(blocks.shapes)), full_text, column)
            else:
                tokens.append(("block", name, column))
        elif kind == "op":
            tokens.append(("op", SPELLINGS.get(match.group(), match.group()), column))
        else:
            tokens.append((kind, None, column))
    return tokens


def _to_rpn(tokens, text, side_column):
    output, stack, expect_operand = [], [], True
    for kind, value, column in tokens:
        if not expect_operand and kind in ("block", "ones", "number", "n", "(", "sum"):
            _push_operator(output, stack, "@", None, column, PRECEDENCE)  # juxtaposition
            expect_operand = True
        if kind in ("block", "ones", "number", "n"):
            output.append((kind, value, column))
            expect_operand = False
        elif kind == "T":
            if expect_operand:
                raise FormulaError(Sentence("matrix.transpose"), text, column)
            output.append(("T", None, column))            # postfix: applies to what is done
        elif kind == "sum":
            stack.append(("sum", None, column))
            expect_operand = True
        elif kind == "(":
            stack.append(("(", value, column))
            expect_operand = True
        elif kind == ")":
            if expect_operand:
                raise FormulaError(Sentence("matrix.closes_nothing", value=value), text,
                                   column)
            while stack and stack[-1][0] != "(":
                output.append(stack.pop())
            if not stack:
                raise FormulaError(Sentence("formula.unopened", bracket=value), text, column)
            stack.pop()
            expect_operand = False
        else:
            if expect_operand:
                if value == "-":
                    stack.append(("neg", None, column))
                    continue
                if value == "+":
                    continue
                raise FormulaError(Sentence("formula.needs_left", what=value), text, column)
            _push_operator(output, stack, value, None, column, PRECEDENCE)
            expect_operand = True
    if expect_operand:
        column = tokens[-1][2] if tokens else side_column
        raise FormulaError(Sentence("matrix.ends_early") if tokens else
                           Sentence("formula.side_empty"), text, column)
    return _drain(output, stack, text)


# ---- shapes and values -----------------------------------------------------------------------

class MatrixFormula:
    """∂L/∂(block) = a matrix expression; evaluated as lists of rows."""

    def __init__(self, text, target, rpn, n, blocks=None):
        self.text, self.target, self.rpn, self.n = text, target, rpn, n
        self.blocks = blocks or tutorial_blocks(n)

    def entries(self):
        """[(i, j, name)]: the gradient entry at row i, column j of the target block."""
        rows, columns, name = self.blocks.shapes[self.target]
        return [(i, j, name(i, j)) for i in range(rows) for j in range(columns)]

    def shape(self):
        """The shape of the right side, or a FormulaError naming what does not fit."""
        return _shape(self._run(_ShapeOnly(self.n, self.blocks)))

    def evaluate(self, values):
        """The right side at a point (``values``: every named entry's number) as rows."""
        return self._run(_Values(self.n, values, self.blocks))

    def _run(self, algebra):
        stack = []
        for kind, value, column in self.rpn:
            if kind == "block":
                stack.append(algebra.block(value))
            elif kind == "ones":
                stack.append(algebra.ones())
            elif kind in ("number", "n"):
                stack.append(algebra.scalar(float(self.n) if kind == "n" else value))
            elif kind == "T":
                stack.append(algebra.transpose(stack.pop()))
            elif kind == "neg":
                stack.append(algebra.scale(stack.pop(), -1.0))
            elif kind == "sum":
                stack.append(algebra.sum_columns(stack.pop()))
            else:
                b, a = stack.pop(), stack.pop()
                stack.append(algebra.binary(kind, a, b, self.text, column))
        (result,) = stack
        return result


def _shape(m):
    return (len(m), len(m[0]))


class _Values:
    """Matrix arithmetic on numbers (lists of rows)."""

    def __init__(self, n, values, blocks):
        self.n, self.values, self.blocks = n, values, blocks

    def block(self, name):
        rows, columns, entry = self.blocks.shapes[name]
        return [[float(self.values[entry(i, j)]) for j in range(columns)] for i in range(rows)]

    def ones(self):
        return [[1.0] for _ in range(self.n)]

    @staticmethod
    def scalar(x):
        return [[x]]

    @staticmethod
    def transpose(a):
        return [list(row) for row in zip(*a)]

    @staticmethod
    def scale(a, c):
        return [[c * x for x in row] for row in a]

    @staticmethod
    def sum_columns(a):
        return [[math.fsum(row)] for row in a]

    def binary(self, op, a, b, text, column):
        shape_a, shape_b = _shape(a), _shape(b)
        _check(op, shape_a, shape_b, text, column)
        if op == "@" and shape_a != (1, 1) and shape_b != (1, 1):
            columns = list(zip(*b))
            return [[sum(x * y for x, y in zip(row, col)) for col in columns] for row in a]
        if op == "^":
            c = b[0][0]
            return [[_power(x, c, text, column) for x in row] for row in a]
        if op == "/":
            c = b[0][0]
            if c == 0:
                raise ZeroDivisionError(f"division by zero (the '/' at column {column})")
            return [[x / c for x in row] for row in a]
        rows, columns = max(shape_a[0], shape_b[0]), max(shape_a[1], shape_b[1])

        def at(m, i, j):
            return m[i if len(m) > 1 else 0][j if len(m[0]) > 1 else 0]
        function = {"+": lambda x, y: x + y, "-": lambda x, y: x - y,
                    "⊙": lambda x, y: x * y, "@": lambda x, y: x * y}[op]
        return [[function(at(a, i, j), at(b, i, j)) for j in range(columns)]
                for i in range(rows)]


def _power(x, c, text, column):
    if x == 0 and c < 0:
        raise ZeroDivisionError(f"0 to a negative power (the '^' at column {column})")
    if x < 0 and c != math.floor(c):
        raise ValueError(f"a negative number to a fractional power (the '^' at column {column})")
    try:
        return x ** c
    except OverflowError:
        raise OverflowError(f"the '^' at column {column} overflows") from None


class _ShapeOnly(_Values):
    """The same arithmetic on shapes alone: a matrix stands for zeros of its shape."""

    def __init__(self, n, blocks):
        super().__init__(n, None, blocks)

    def block(self, name):
        rows, columns, _ = self.blocks.shapes[name]
        return [[0.0] * columns for _ in range(rows)]

    def binary(self, op, a, b, text, column):
        shape_a, shape_b = _shape(a), _shape(b)
        _check(op, shape_a, shape_b, text, column)
        if op == "@" and shape_a != (1, 1) and shape_b != (1, 1):
            rows, columns = shape_a[0], shape_b[1]
        elif op in ("/", "^"):
            rows, columns = shape_a
        else:
            rows, columns = max(shape_a[0], shape_b[0]), max(shape_a[1], shape_b[1])
        return [[0.0] * columns for _ in range(rows)]


def _check(op, a, b, text, column):
    """A FormulaError if the shapes a and b do not fit the operation."""
    def show(s):
        return f"({s[0]}×{s[1]})"
    scalar_a, scalar_b = a == (1, 1), b == (1, 1)
    if op == "@":
        if not (scalar_a or scalar_b) and a[1] != b[0]:
            columns = Sentence("matrix.column" if a[1] == 1 else "matrix.columns", n=a[1])
            rows = Sentence("matrix.row" if b[0] == 1 else "matrix.rows", n=b[0])
            raise FormulaError(Sentence("matrix.product", left=show(a), right=show(b),
                                        columns=columns, rows=rows), text, column)
    elif op in ("/", "^"):
        if not scalar_b:
            raise FormulaError(Sentence("matrix.scalar_power", op=op, shape=show(b)),
                               text, column)
    else:
        fits = all(x == y or x == 1 or y == 1 for x, y in zip(a, b))
        if not fits:
            name = Sentence("matrix.elementwise") if op == "⊙" else f"'{op}'"
            raise FormulaError(Sentence("matrix.mismatch", name=name, left=show(a),
                               right=show(b)), text, column)
