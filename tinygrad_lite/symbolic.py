"""Symbols: expressions in named quantities that also carry their value.

    Sym.atom(name, value)    a named quantity, e.g. δ11 = 0.3
    Sym.number(x)            a constant
    arithmetic, ** and exp log sqrt sin cos tanh sigmoid relu abs   build simplified expressions

The engine's local-derivative rules are plain arithmetic on their arguments; given Syms instead
of floats they return the derivative as an expression, e.g. MUL's rule (b, a) on the atoms
δ11 and p11 gives "p11" and "δ11".  ``explain`` uses this to print each local derivative in
the named quantities.  Expressions are simplified as they are built — numbers folded, no
``1·x``, ``x + 0``, ``--x`` or ``x^1`` — and printed with the fewest parentheses.

>>> x, y = Sym.atom("x", 2.0), Sym.atom("y", 3.0)
>>> e = 0.5 * (2 * (y - x)) * -1
>>> str(e), e.data
('-(y - x)', -1.0)
"""

import math
import re

__all__ = ["Sym", "atom_text"]

# expression kinds
ATOM, NUMBER, SUM, PRODUCT, POWER, FUNCTION = "atom", "number", "sum", "product", "power", "function"


def _number_text(x):
    if not math.isfinite(x):
        return repr(x)               # inf, -inf, nan
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


class Sym:
    """An expression tree node plus its numeric value (``data``)."""

    __slots__ = ("kind", "data", "name", "parts", "coefficient", "size")

    def __init__(self, kind, data, name=None, parts=(), coefficient=1.0):
        self.kind = kind
        self.data = data
        self.name = name                  # atom name or function name
        self.parts = tuple(parts)         # terms, factors, (base, exponent) or (argument,)
        self.coefficient = coefficient    # numeric factor of a product
        # how many symbols the printed expression has: lets a caller stop a formula that grows
        # too long before it is ever printed
        self.size = 1 + sum(p.size for p in self.parts)

    # ---- building ---------------------------------------------------------------------------

    @staticmethod
    def atom(name, value):
        return Sym(ATOM, float(value), name=name)

    @staticmethod
    def number(x):
        return Sym(NUMBER, float(x))

    @staticmethod
    def lift(x):
        return x if isinstance(x, Sym) else Sym.number(x)

    @staticmethod
    def add(*items):
        """A sum, flattened, with numbers folded into one constant (kept where the first number
        stood) and like terms combined: h + h -> 2·h."""
        combined, order = {}, []          # key -> [coefficient, core]
        constant, constant_at = 0.0, None
        stack = list(reversed([Sym.lift(x) for x in items]))
        while stack:
            item = stack.pop()
            if item.kind == SUM:
                stack.extend(reversed(item.parts))
            elif item.kind == NUMBER:
                constant += item.data
                constant_at = len(order) if constant_at is None else constant_at
            else:
                c, core = (item.coefficient, Sym.multiply(*item.parts)) \
                    if item.kind == PRODUCT else (1.0, item)
                key = _text(core)
                if key not in combined:
                    combined[key] = [0.0, core]
                    order.append(key)
                combined[key][0] += c
        terms = [Sym.multiply(combined[key][0], combined[key][1]) for key in order]
        terms = [t for t in terms if not (t.kind == NUMBER and t.data == 0)]
        if constant != 0 or not terms:
            terms.insert(min(constant_at or 0, len(terms)), Sym.number(constant))
        if len(terms) == 1:
            return terms[0]
        return Sym(SUM, math.fsum(t.data for t in terms), parts=terms)

    @staticmethod
    def multiply(*items):
        """A product, flattened, with numbers folded into the coefficient and equal factors
        gathered into powers: h·h -> h^2, x·x^-1 -> 1."""
        gathered, order, coefficient = {}, [], 1.0   # key -> [base, exponent]
        stack = list(reversed([Sym.lift(x) for x in items]))
        while stack:
            item = stack.pop()
            if item.kind == PRODUCT:
                coefficient *= item.coefficient
                stack.extend(reversed(item.parts))
            elif item.kind == NUMBER:
                coefficient *= item.data
            else:
                base, exponent = item, 1.0
                if item.kind == POWER and item.parts[1].kind == NUMBER:
                    base, exponent = item.parts[0], item.parts[1].data
                key = _text(base)
                if key not in gathered:
                    gathered[key] = [base, 0.0]
                    order.append(key)
                gathered[key][1] += exponent
        factors = [Sym.power(*gathered[key]) for key in order if gathered[key][1] != 0]
        for f in [f for f in factors if f.kind == NUMBER]:
            coefficient *= f.data
        factors = [f for f in factors if f.kind != NUMBER]
        if coefficient == 0 or not factors:
            return Sym.number(coefficient if factors else coefficient)
        if coefficient == 1 and len(factors) == 1:
            return factors[0]
        value = coefficient
        for f in factors:
            value *= f.data
        return Sym(PRODUCT, value, parts=factors, coefficient=coefficient)

    @staticmethod
    def power(base, exponent):
        base, exponent = Sym.lift(base), Sym.lift(exponent)
        if exponent.kind == NUMBER:
            if exponent.data == 0:
                return Sym.number(1.0)
            if exponent.data == 1:
                return base
            if base.kind == NUMBER:
                return Sym.number(base.data ** exponent.data)
        try:
            value = base.data ** exponent.data
        except ZeroDivisionError:
            value = math.inf
        if isinstance(value, complex):
            value = math.nan
        return Sym(POWER, value, parts=(base, exponent))

    @staticmethod
    def function(name, arguments, value):
        """name(arguments...) with the given value; a number if every argument is one."""
        arguments = tuple(arguments) if isinstance(arguments, (tuple, list)) else (arguments,)
        if all(a.kind == NUMBER for a in arguments):
            return Sym.number(value)
        return Sym(FUNCTION, value, name=name, parts=arguments)

    # ---- the arithmetic the local-derivative rules use ---------------------------------------

    def __add__(self, other):
        return Sym.add(self, other)

    __radd__ = __add__

    def __sub__(self, other):
        return Sym.add(self, Sym.multiply(-1.0, other))

    def __rsub__(self, other):
        return Sym.add(other, Sym.multiply(-1.0, self))

    def __mul__(self, other):
        return Sym.multiply(self, other)

    def __rmul__(self, other):
        return Sym.multiply(other, self)

    def __truediv__(self, other):
        other = Sym.lift(other)
        if other.kind == NUMBER:
            return Sym.multiply(self, 1.0 / other.data)
        return Sym.multiply(self, Sym.power(other, -1.0))

    def __rtruediv__(self, other):
        return Sym.multiply(other, Sym.power(self, -1.0))

    def __neg__(self):
        return Sym.multiply(-1.0, self)

    def __pow__(self, other):
        return Sym.power(self, other)

    def __rpow__(self, other):
        return Sym.power(other, self)

    def exp(self):
        return Sym.function("exp", self, math.exp(self.data))

    def log(self):
        return Sym.function("log", self, math.log(self.data) if self.data > 0 else math.nan)

    def sqrt(self):
        return Sym.function("sqrt", self, math.sqrt(self.data) if self.data >= 0 else math.nan)

    def sin(self):
        return Sym.function("sin", self, math.sin(self.data))

    def erf(self):
        return Sym.function("erf", self, math.erf(self.data))

    def cos(self):
        return Sym.function("cos", self, math.cos(self.data))

    def sigmoid(self):
        x = self.data
        value = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        return Sym.function("sigmoid", self, value)

    # ---- printing ---------------------------------------------------------------------------

    def __str__(self):
        return _text(self)

    def __repr__(self):
        return f"Sym({_text(self)!r} = {self.data!r})"


# precedence: sum 1, product 2, unary minus 2, power 3, atoms and calls 4
def _precedence(e):
    if e.kind == SUM:
        return 1
    if e.kind == PRODUCT or (e.kind == NUMBER and e.data < 0):
        return 2
    if e.kind == POWER:
        return 3
    return 4


def _wrap(e, at_least):
    text = _text(e)
    return f"({text})" if _precedence(e) < at_least else text


def _text(e):
    """Print an expression.  Recursion here follows the nesting of one local derivative's
    formula, which is shallow by construction (the graph itself is never walked this way)."""
    if e.kind == ATOM:
        return atom_text(e.name)
    if e.kind == NUMBER:
        return _number_text(e.data)
    if e.kind == FUNCTION:
        return f"{e.name}({', '.join(_text(p) for p in e.parts)})"
    if e.kind == POWER:
        base, exponent = e.parts
        if exponent.kind == NUMBER and exponent.data < 0:
            return _product_text(Sym(PRODUCT, e.data, parts=(e,)))
        return f"{_wrap(base, 4)}^{_wrap(exponent, 4)}"
    if e.kind == SUM:
        out = _text(e.parts[0])
        for term in e.parts[1:]:
            negative = Sym.multiply(-1.0, term) if _is_negative(term) else None
            out += f" - {_wrap(negative, 2)}" if negative is not None else f" + {_wrap(term, 2)}"
        return out
    return _product_text(e)


PLAIN_NAME = re.compile(r"[\w,]+|\(.*\)")


def atom_text(name):
    """A name as it is printed in a formula: in parentheses when it is itself an expression
    (an expression's node named "1 + t6"), so that -f/(1 + t6) is not read as -f/1 + t6."""
    return name if PLAIN_NAME.fullmatch(name) else f"({name})"


def _is_negative(e):
    return (e.kind == PRODUCT and e.coefficient < 0) or (e.kind == NUMBER and e.data < 0)


def _product_text(e):
    numerator, denominator = [], []
    for f in e.parts:
        if f.kind == POWER and f.parts[1].kind == NUMBER and f.parts[1].data < 0:
            denominator.append(Sym.power(f.parts[0], -f.parts[1].data))
        else:
            numerator.append(f)
    c = e.coefficient
    pieces = ([] if abs(c) == 1 else [_number_text(abs(c))]) + [_wrap(f, 3) for f in numerator]
    text = "·".join(pieces) if pieces else "1"
    if denominator:
        below = "·".join(_wrap(f, 3) for f in denominator)
        text += f"/{below}" if len(denominator) == 1 else f"/({below})"
    return ("-" if c < 0 else "") + text
