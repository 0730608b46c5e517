"""The page's evaluator, generated from the engine's op table: each op's local derivative is
the engine's own rule, run once on JavaScript stand-ins, so the page differentiates with the
same rules as Python (no second set of derivative rules, as compiled graphs generate Python
from them and JAX lowers one set of rules to many backends).

    program(nodes, index)   -> {"ops": {key: {"f": js, "d": [js, …]}}, "code": [[node, key,
                               [operand node ids]], …]} for the drawn graph, or None when an op
                               cannot be written in JavaScript (the page then is not editable)

A forward is written the same way where it is arithmetic (+ − × ÷, neg, linear, relu, max);
the elementary functions (exp, log, tanh, the sigmoid, sqrt, sin, cos, abs, a power) are
lowered to JavaScript's Math, the one place where the two languages meet: a domain error in
Python is NaN in the page, shown as "not a number".  A browser test edits numbers at random
and compares every number on the page with the library's.
"""

import math

from .. import engine
from ..compiled.rules import _Condition, _NeedsValue, every_way, joined

__all__ = ["program", "op_code"]


class _JS:
    """Stands in for a float while an engine rule runs: collects JavaScript text."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    @property
    def data(self):            # engine._number(x) on a stand-in: itself
        return self

    def __bool__(self):
        raise _NeedsValue

    def _compare(symbol):
        def compare(self, other):
            return _Condition(f"({self.text} {symbol} {_js(other)})")
        return compare

    __eq__, __ne__ = _compare("==="), _compare("!==")
    __lt__, __le__ = _compare("<"), _compare("<=")
    __gt__, __ge__ = _compare(">"), _compare(">=")
    __hash__ = None

    def _binary(symbol, swap=False):
        def apply(self, other):
            a, b = (_js(other), self.text) if swap else (self.text, _js(other))
            return _JS(f"({a} {symbol} {b})")
        return apply

    __add__, __radd__ = _binary("+"), _binary("+", True)
    __sub__, __rsub__ = _binary("-"), _binary("-", True)
    __mul__, __rmul__ = _binary("*"), _binary("*", True)
    __truediv__, __rtruediv__ = _binary("/"), _binary("/", True)

    def __pow__(self, other):
        return _JS(f"Math.pow({self.text}, {_js(other)})")

    def __rpow__(self, other):
        return _JS(f"Math.pow({_js(other)}, {self.text})")

    def __neg__(self):
        return _JS(f"(-{self.text})")

    def exp(self):
        return _JS(f"Math.exp({self.text})")

    def log(self):
        return _JS(f"Math.log({self.text})")

    def sin(self):
        return _JS(f"Math.sin({self.text})")

    def cos(self):
        return _JS(f"Math.cos({self.text})")

    def sigmoid(self):
        return _JS(f"(1 / (1 + Math.exp(-{self.text})))")


def _js(x):
    if isinstance(x, _JS):
        return x.text
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise _NeedsValue
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "(-Infinity)"
    return repr(float(x))


def _derive(rule, args):
    """``rule(*args)`` on stand-ins, once per way through its comparisons (the compiled
    graphs' own enumeration, rules.every_way): JavaScript text (or a list), or None."""
    def call():
        result = rule(*args)
        return [_js(r) for r in result] if isinstance(result, (tuple, list)) else _js(result)
    runs = every_way(call)
    return None if runs is None else \
        joined(runs, lambda condition, yes, no: f"({condition} ? {yes} : {no})")


# The elementary functions: Python's math lowered to JavaScript's Math (a forward only; every
# local derivative comes from the engine's rule).
LOWERED = {
    math.tanh: "Math.tanh({0})", engine._exp_forward: "Math.exp({0})",
    engine._log_forward: "Math.log({0})", engine._sqrt_forward: "Math.sqrt({0})",
    math.sin: "Math.sin({0})", math.cos: "Math.cos({0})", abs: "Math.abs({0})",
    engine._sigmoid_forward: "(1 / (1 + Math.exp(-{0})))", engine._divide: "({0} / {1})",
}


def op_code(op, arity):
    """{"f": forward, "d": [local derivative per operand]} in JavaScript, with the operands as
    a[0], a[1], … and the result as o; None if the op cannot be written so."""
    marks = [_JS(f"a[{k}]") for k in range(arity)]
    out = _JS("o")
    if op.arity == -1:
        derivatives = _derive(op.local, (tuple(marks), out))
        forward = _derive(op.forward, (tuple(marks),))
    else:
        derivatives = _derive(op.local, (*marks, out))
        if derivatives is not None and op.arity == 1:
            derivatives = [derivatives]
        lowered = LOWERED.get(op.forward)
        if lowered is not None:
            forward = lowered.format(*(m.text for m in marks))
        elif op.param is not None and op.name.startswith("**"):
            forward = f"Math.pow(a[0], {_js(float(op.param))})"
        else:
            forward = _derive(op.forward, tuple(marks))
    if forward is None or derivatives is None or not isinstance(forward, str):
        return None
    return {"f": forward, "d": list(derivatives)}


def program(nodes, index):
    """The drawn graph as code the page runs: every op node in an order where operands come
    first, with the ids of its operands (constants as numbers); None if any op cannot be
    written in JavaScript or an operand is not drawn."""
    ops, code = {}, []
    for node in reversed(nodes):            # nodes are output first: operands come later
        if node._op is None:
            continue
        operands = node.operands
        key = f"{node._op.name}/{len(operands)}/{node._op.param!r}"
        if key not in ops:
            found = op_code(node._op, len(operands))
            if found is None:
                return None
            ops[key] = found
        refs = []
        for u in operands:
            if id(u) in index:
                refs.append(index[id(u)])
            elif u._op is None:
                refs.append(["c", u.data])           # a constant lifted from a plain number
            else:
                return None
        code.append([index[id(node)], key, refs])
    return {"ops": ops, "code": _ordered(code)}


def _ordered(code):
    """The code in an order where each node comes after its operands (Kahn's walk)."""
    position = {entry[0]: k for k, entry in enumerate(code)}
    waiting = [sum(1 for r in entry[2] if not isinstance(r, list) and r in position)
               for entry in code]
    users = {}
    for k, entry in enumerate(code):
        for r in entry[2]:
            if not isinstance(r, list) and r in position:
                users.setdefault(r, []).append(k)
    ready = [k for k, w in enumerate(waiting) if w == 0]
    ordered = []
    while ready:
        k = ready.pop()
        ordered.append(code[k])
        for user in users.get(code[k][0], ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return ordered
