"""An op's rules worked out once as code: each forward and local-derivative rule is run on
code-building stand-ins (_Code), which write out the same arithmetic the rule does on floats.

    Rule(rule, arity, many, with_out)   .texts: str.format patterns ({0}, {1}, … the operands,
                                        {o} the result), or None when the rule must be called
                                        at run time; .spilled, .reads, .reads_out

A rule that branches on a comparison (relu's ``x > 0``) is run once per way through it and
becomes a conditional expression; one that must look at a number otherwise (a domain check)
is called as a function at run time instead.
"""

import math
import re

__all__ = ["Rule", "value_mark", "every_way", "joined"]

# ---- code-building stand-ins -------------------------------------------------------------------

class _NeedsValue(Exception):
    """A rule looked at a number (a branch or a check): call it at run time instead."""


class _Code:
    """Stands in for a float while a rule runs at compile time; collects the arithmetic.
    An expression nested deeper than MAX_DEPTH is spilled into a temporary (``t3 = …``), so a
    long dot product never meets the parser's limit on nested parentheses."""

    __slots__ = ("text", "depth")
    MAX_DEPTH = 40
    spilled = []          # statements to emit before the line that uses them

    def __init__(self, text, depth=0):
        self.text = text
        self.depth = depth

    @property
    def data(self):
        return self             # a rule's _number(x): the stand-in itself

    def __bool__(self):
        raise _NeedsValue

    def _comparison(symbol):
        def compare(self, other):
            return _Condition(f"({self.text} {symbol} {_text(other)})")
        return compare

    __eq__, __ne__ = _comparison("=="), _comparison("!=")
    __lt__, __le__ = _comparison("<"), _comparison("<=")
    __gt__, __ge__ = _comparison(">"), _comparison(">=")
    __hash__ = None

    def _binary(symbol, swap=False):
        def apply(self, o):
            a, b = (_text(o), self.text) if swap else (self.text, _text(o))
            return _combine(f"({a} {symbol} {b})", self, o)
        return apply

    __add__, __radd__ = _binary("+"), _binary("+", True)
    __sub__, __rsub__ = _binary("-"), _binary("-", True)
    __mul__, __rmul__ = _binary("*"), _binary("*", True)
    __truediv__, __rtruediv__ = _binary("/"), _binary("/", True)

    def __neg__(self):
        return _combine(f"(-{self.text})", self, None)

    def __pow__(self, o):
        raise _NeedsValue       # Python's float ** has cases (negative bases): keep the call

    __rpow__ = __pow__

    def exp(self):
        return _Code(f"_exp({self.text})")

    def log(self):
        return _Code(f"_log({self.text})")

    def sin(self):
        return _Code(f"_sin({self.text})")

    def cos(self):
        return _Code(f"_cos({self.text})")


class _Condition:
    """A comparison of stand-ins (relu's ``x > 0``): a rule that branches on it is run once
    for each way the branch can go, and the results become a conditional expression."""

    __slots__ = ("text",)
    decisions = None     # the branches to take in this run, then the ones taken

    def __init__(self, text):
        self.text = text

    def __bool__(self):
        taken, planned = _Condition.decisions
        if len(taken) == MAX_BRANCHES:
            raise _NeedsValue
        go = planned[len(taken)] if len(taken) < len(planned) else True
        taken.append((self.text, go))
        return go


MAX_BRANCHES = 3     # comparisons one rule may branch on (at most 2**3 runs); beyond: a call


def _combine(text, a, b):
    depth = 1 + max(a.depth, b.depth if isinstance(b, _Code) else 0)
    if depth <= _Code.MAX_DEPTH:
        return _Code(text, depth)
    name = f"t{len(_Code.spilled)}"
    _Code.spilled.append(f"{name} = {text}")
    return _Code(name, 0)


def _text(x):
    if isinstance(x, _Code):
        return x.text
    if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
        return repr(float(x))
    raise _NeedsValue


def _derive(rule, *args):
    """The rule run on stand-ins: its result as code texts, or None if it needs the numbers.
    Statements for spilled temporaries are left in _Code.spilled for the caller to emit.
    A rule that branches on comparisons is run once per way through them, and each result
    becomes ``(a if condition else b)``: the same comparison, the same arithmetic."""
    def call():
        _Code.spilled = []
        result = rule(*args)
        texts = [_text(r) for r in result] if isinstance(result, tuple) else _text(result)
        return texts, list(_Code.spilled)
    runs = every_way(call)
    if runs is None or (len(runs) > 1 and any(spilled for _, (_, spilled) in runs)):
        return None                              # temporaries of several runs would clash
    _Code.spilled = runs[-1][1][1] if len(runs) == 1 else []
    return joined([(taken, texts) for taken, (texts, _) in runs],
                  lambda condition, yes, no: f"({yes} if {condition} else {no})")


def every_way(call):
    """[(decisions, call())] for each way through the comparisons ``call`` branches on (each a
    _Condition, whose decisions the run records), or None if it needs the numbers otherwise
    (a domain check, a power) or branches more than MAX_BRANCHES times."""
    runs, pending = [], [[]]
    while pending:
        planned = pending.pop()
        _Condition.decisions = ([], planned)
        try:
            result = call()
        except (_NeedsValue, TypeError, AttributeError, ValueError, ArithmeticError):
            return None                          # it needs the numbers (or checks a domain)
        finally:
            taken, _ = _Condition.decisions
            _Condition.decisions = None
        runs.append((taken, result))
        pending += [[go for _, go in taken[:depth]] + [False]
                    for depth in range(len(planned), len(taken))]
        if len(runs) > 2 ** MAX_BRANCHES:
            return None
    return runs


def joined(runs, choose):
    """One text (or one per operand) from every_way's runs: ``choose(condition, yes, no)``
    writes a conditional expression in the language being generated."""
    if len(runs) == 1:
        return runs[0][1]
    if isinstance(runs[0][1], list):
        return [_branches([(taken, texts[n]) for taken, texts in runs], 0, choose)
                for n in range(len(runs[0][1]))]
    return _branches(runs, 0, choose)


def _branches(runs, depth, choose):
    """The conditional expression choosing among ``runs`` [(decisions, text)] from ``depth``."""
    if len(runs) == 1:
        return runs[0][1]
    condition = runs[0][0][depth][0]
    yes = [run for run in runs if run[0][depth][1]]
    no = [run for run in runs if not run[0][depth][1]]
    return choose(condition, _branches(yes, depth + 1, choose), _branches(no, depth + 1, choose))


MARK = re.compile(r"@(\d+|o)@")     # an operand's (or the result's) place in a worked-out rule


class Rule:
    """An op's rule worked out once on marked stand-ins, as ``str.format`` patterns: ``{0}``,
    ``{1}``, … stand for the operands and ``{o}`` for the result.  ``texts`` holds the
    result (one pattern, or one per operand for a local derivative), or is None when the rule
    must be called at run time; ``spilled`` the temporaries to write first; ``reads`` the
    operand positions the patterns use, and ``reads_out`` whether they use the result."""

    __slots__ = ("texts", "spilled", "reads", "reads_out")

    def __init__(self, rule, arity, many, with_out):
        marks = [_Code(f"@{n}@") for n in range(arity)]
        extra = (_Code("@o@"),) if with_out else ()
        found = _derive(rule, tuple(marks), *extra) if many else _derive(rule, *marks, *extra)
        spilled = list(_Code.spilled) if found is not None else []
        texts = [found] if isinstance(found, str) else found
        marks = {m for text in (texts or []) + spilled for m in MARK.findall(text)}
        self.reads = tuple(sorted(int(m) for m in marks if m != "o"))
        self.reads_out = "o" in marks
        self.spilled = [_pattern(line) for line in spilled]
        self.texts = None if found is None else [_pattern(text) for text in texts]


def _pattern(text):
    """A worked-out text with @n@ marks as a str.format pattern."""
    return MARK.sub(r"{\1}", text.replace("{", "{{").replace("}", "}}"))


def value_mark(pattern):
    """n if the pattern is exactly operand n's value (a dot product's derivative), else None."""
    if pattern.startswith("{") and pattern.endswith("}") and pattern[1:-1].isdigit():
        return int(pattern[1:-1])
    return None


