"""Gradient checking: compare backward() with central finite differences, input by input.

    gradcheck(f, point)      -> GradcheckResult (truthy when every partial derivative agrees)
    GradcheckResult          the rows (input, analytic, numeric, errors) and a readable table
    GradcheckError           raised instead of returning when raise_exception=True

The numeric derivative of f in input i is the central difference
    (f(x + eps·e_i) - f(x - eps·e_i)) / (2·eps),
exact up to O(eps²) for smooth f.  A row passes when
    |analytic - numeric| <= atol + rtol·|numeric|,
the criterion of torch.autograd.gradcheck, whose defaults (eps=1e-6, atol=1e-5, rtol=1e-3)
are used here too.  Near a kink (relu at 0, abs at 0) a central difference straddles both
sides and disagrees with any one-sided convention: check such points on purpose, not by chance.
"""

import math
from collections import namedtuple

from .engine import Value, no_grad

__all__ = ["gradcheck", "GradcheckResult", "GradcheckRow", "GradcheckError"]


class GradcheckError(AssertionError):
    """Raised by gradcheck(..., raise_exception=True) when a partial derivative disagrees."""


GradcheckRow = namedtuple(
    "GradcheckRow", "index name point analytic numeric abs_error rel_error ok note")
GradcheckRow.__doc__ = "One input of a gradient check: both derivatives, their errors, the verdict."


class GradcheckResult:
    """The outcome of gradcheck: a row per input; true when every row passes."""

    def __init__(self, function_name, rows, eps, atol, rtol):
        self.function_name = function_name
        self.rows = rows
        self.eps, self.atol, self.rtol = eps, atol, rtol

    @property
    def ok(self):
        return all(row.ok for row in self.rows)

    @property
    def failures(self):
        return [row for row in self.rows if not row.ok]

    def __bool__(self):
        return self.ok

    def __str__(self):
        verdict = "all partial derivatives agree" if self.ok else \
            f"{len(self.failures)} of {len(self.rows)} partial derivatives disagree"
        lines = [f"gradcheck of {self.function_name}: {verdict} "
                 f"(eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})",
                 f"  {'input':<12} {'at':>12} {'analytic':>14} {'numeric':>14} "
                 f"{'abs error':>10} {'rel error':>10}  verdict"]
        for r in self.rows:
            lines.append(
                f"  {r.name:<12} {r.point:>12.6g} {r.analytic:>14.8g} {r.numeric:>14.8g} "
                f"{r.abs_error:>10.2e} {r.rel_error:>10.2e}  {'ok' if r.ok else 'WRONG'}"
                + (f" ({r.note})" if r.note else ""))
        return "\n".join(lines)

    def __repr__(self):
        return str(self)


def gradcheck(f, point, *, eps=1e-6, atol=1e-5, rtol=1e-3, names=None, raise_exception=False):
    """Check every partial derivative of ``f`` at ``point`` against a central difference.

    ``f`` takes one Value per input and returns a Value.  ``point`` is a sequence of numbers
    or Values (their data and names are used); a single number is one input.

    >>> from tinygrad_lite import gradcheck
    >>> result = gradcheck(lambda x, y: x * y.exp(), [2.0, 0.5], names=["x", "y"])
    >>> result.ok
    True
    """
    if eps <= 0 or atol < 0 or rtol < 0:
        raise ValueError(f"gradcheck: need eps > 0, atol >= 0 and rtol >= 0, "
                         f"got eps={eps!r}, atol={atol!r}, rtol={rtol!r}")
    numbers, labels = _unpack_point(point, names)
    function_name = getattr(f, "__name__", repr(f))

    leaves = [Value(x, name=label) for x, label in zip(numbers, labels)]
    out = _evaluate(f, leaves, function_name)
    out.backward()

    rows = []
    for i, (x, label, leaf) in enumerate(zip(numbers, labels, leaves)):
        analytic = leaf.grad
        try:
            numeric = _central_difference(f, numbers, i, eps, function_name)
            note = ""
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            numeric, note = math.nan, f"f is undefined at x ± eps: {error}"
        abs_error = abs(analytic - numeric)
        rel_error = abs_error / abs(numeric) if numeric != 0 else abs_error
        ok = math.isfinite(analytic) and abs_error <= atol + rtol * abs(numeric)
        if not math.isfinite(analytic) and not note:
            note = "the analytic derivative is not finite"
        rows.append(GradcheckRow(i, label, x, analytic, numeric, abs_error, rel_error, ok, note))

    result = GradcheckResult(function_name, rows, eps, atol, rtol)
    if raise_exception and not result.ok:
        raise GradcheckError(str(result))
    return result


def _unpack_point(point, names):
    if isinstance(point, (int, float, Value)):
        point = [point]
    numbers, labels = [], []
    for i, x in enumerate(point):
        if isinstance(x, Value):
            numbers.append(x.data)
            labels.append(x.name if x.name is not None else f"x{i}")
        else:
            numbers.append(Value(x, name=f"x{i}").data)   # same type check as Value
            labels.append(f"x{i}")
    if names is not None:
        names = list(names)
        if len(names) != len(numbers):
            raise ValueError(f"gradcheck: {len(names)} names for {len(numbers)} inputs")
        labels = [str(n) for n in names]
    if not numbers:
        raise ValueError("gradcheck: the point has no inputs")
    return numbers, labels


def _evaluate(f, args, function_name):
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: {function_name} must return a Value, "
                        f"got {type(out).__name__} {out!r}")
    return out


def _central_difference(f, numbers, i, eps, function_name):
    with no_grad():
        shifted = list(numbers)
        shifted[i] = numbers[i] + eps
        f_plus = _evaluate(f, [Value(x) for x in shifted], function_name).data
        shifted[i] = numbers[i] - eps
        f_minus = _evaluate(f, [Value(x) for x in shifted], function_name).data
    return (f_plus - f_minus) / (2 * eps)
