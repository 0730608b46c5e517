"""Hypothesis strategies shared by the tests: random expression graphs kept inside each op's domain.

An expression graph is drawn as a *program*: a list of instructions, each applying one op to
earlier results (any earlier result, so subexpressions are shared and the graph is a DAG, not
a tree).  The program can be replayed on Values (to differentiate) and on plain floats with the
math module (an independent forward reference), so the same draw checks both the forward
values and, through finite differences, every gradient.

Each op is only applied where it is smooth with a margin: log and sqrt of values > 0.1,
division by |b| > 0.1, exp of values < 4, relu and abs away from their kink, and so on.  Where
a drawn op would leave its domain, the instruction becomes a tanh, which is smooth everywhere.
"""

import math
from dataclasses import dataclass

from hypothesis import strategies as st

from tinygrad_lite.engine import linear, maximum

UNARY = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "sin", "cos",
         "leaky_relu", "pow_const", "softplus", "gelu", "silu", "elu", "erf"]
BINARY = ["add", "sub", "mul", "div", "pow", "radd", "rsub", "rmul", "rdiv", "addc", "mulc",
          "linear", "max"]
EXPONENTS = [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 1.5]
LIMIT = 50.0  # results are kept below this size, so finite differences stay accurate


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


# name -> (on Values, on floats, is the input inside the smooth domain?)
UNARY_OPS = {
    "neg": (lambda v, c: -v, lambda x, c: -x, lambda x, c: True),
    "exp": (lambda v, c: v.exp(), lambda x, c: math.exp(x), lambda x, c: x < 4),
    "log": (lambda v, c: v.log(), lambda x, c: math.log(x), lambda x, c: x > 0.1),
    "sqrt": (lambda v, c: v.sqrt(), lambda x, c: math.sqrt(x), lambda x, c: x > 0.1),
    "tanh": (lambda v, c: v.tanh(), lambda x, c: math.tanh(x), lambda x, c: True),
    "sigmoid": (lambda v, c: v.sigmoid(), lambda x, c: _sigmoid(x), lambda x, c: True),
    "relu": (lambda v, c: v.relu(), lambda x, c: max(x, 0.0), lambda x, c: abs(x) > 1e-3),
    "abs": (lambda v, c: abs(v), lambda x, c: abs(x), lambda x, c: abs(x) > 1e-3),
    "sin": (lambda v, c: v.sin(), lambda x, c: math.sin(x), lambda x, c: True),
    "cos": (lambda v, c: v.cos(), lambda x, c: math.cos(x), lambda x, c: True),
    "leaky_relu": (lambda v, c: v.leaky_relu(0.1), lambda x, c: x if x > 0 else 0.1 * x,
                   lambda x, c: abs(x) > 1e-3),
    "softplus": (lambda v, c: v.softplus(), lambda x, c: math.log1p(math.exp(x)),
                 lambda x, c: x < 30),
    "gelu": (lambda v, c: v.gelu(), lambda x, c: x * 0.5 * (1 + math.erf(x / math.sqrt(2))),
             lambda x, c: True),
    "silu": (lambda v, c: v.silu(), lambda x, c: x * _sigmoid(x), lambda x, c: abs(x) < 30),
    "elu": (lambda v, c: v.elu(), lambda x, c: x if x > 0 else math.expm1(x),
            lambda x, c: abs(x) > 1e-3),
    "erf": (lambda v, c: v.erf(), lambda x, c: math.erf(x), lambda x, c: True),
    "pow_const": (lambda v, c: v ** c, lambda x, c: x ** c,
                  lambda x, c: (c == int(c) or x > 0.1) and (c >= 0 or abs(x) > 0.1)),
}

# name -> (on Values, on floats, are the inputs inside the smooth domain?)
BINARY_OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, lambda a, b: True),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, lambda a, b: True),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, lambda a, b: True),
    "div": (lambda a, b: a / b, lambda a, b: a / b, lambda a, b: abs(b) > 0.1),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b, lambda a, b: a > 0.1 and abs(b) < 3),
    # an operand mixed with a plain number, on the number's side: 2.5 + v, 2.5 - v, ...
    "radd": (lambda a, b: 2.5 + a, lambda a, b: 2.5 + a, lambda a, b: True),
    "rsub": (lambda a, b: 2.5 - a, lambda a, b: 2.5 - a, lambda a, b: True),
    "rmul": (lambda a, b: 2.5 * a, lambda a, b: 2.5 * a, lambda a, b: True),
    "rdiv": (lambda a, b: 2.5 / a, lambda a, b: 2.5 / a, lambda a, b: abs(a) > 0.1),
    # and on the right: v + 2.5, v * 2.5 (the engine's constant ops)
    "addc": (lambda a, b: a + 2.5, lambda a, b: a + 2.5, lambda a, b: True),
    "mulc": (lambda a, b: a * 2.5, lambda a, b: a * 2.5, lambda a, b: True),
    # the n-ary op: a + a·b + b·a as one node, operands (a, b, b, a, a): shared and repeated
    "linear": (lambda a, b: linear([a, b], [b, a], a), lambda a, b: a + a * b + b * a,
               lambda a, b: True),
    # an n-ary max, its kink kept at a distance
    "max": (lambda a, b: maximum([a, b, a]), lambda a, b: max(a, b), lambda a, b: abs(a - b) > 1e-3),
}


@dataclass
class Program:
    """Inputs and instructions (op, operand indices, constant); replayable on Values or floats."""
    inputs: list
    instructions: list

    def run(self, args, on_values=True):
        """Every intermediate result, inputs first; the output is the sum of the unused ones."""
        results = list(args)
        for op, i, j, c in self.instructions:
            if op in UNARY_OPS:
                f = UNARY_OPS[op][0 if on_values else 1]
                results.append(f(results[i], c))
            else:
                f = BINARY_OPS[op][0 if on_values else 1]
                results.append(f(results[i], results[j]))
        return results

    def sinks(self):
        used = {k for _, i, j, _ in self.instructions for k in (i, j)}
        n = len(self.inputs) + len(self.instructions)
        return [k for k in range(len(self.inputs), n) if k not in used] or [n - 1]

    def output(self, results):
        total = results[self.sinks()[0]]
        for k in self.sinks()[1:]:
            total = total + results[k]
        return total

    def __call__(self, *args):
        return self.output(self.run(args))

    def __repr__(self):
        return f"Program(inputs={self.inputs}, instructions={self.instructions})"


@st.composite
def programs(draw, max_inputs=4, max_ops=12, ops=None, recent=None):
    """A random expression DAG over all ops, every node inside its op's smooth domain.
    With ``recent``, each operand is one of the last ``recent`` results: a deep graph."""
    n_inputs = draw(st.integers(1, max_inputs))
    inputs = [draw(st.floats(-2.0, 2.0, allow_nan=False).filter(lambda x: abs(x) > 1e-2))
              for _ in range(n_inputs)]
    names = ops or (UNARY + BINARY)
    values = list(inputs)
    instructions = []
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(names))
        low = 0 if recent is None else max(0, len(values) - recent)
        i = draw(st.integers(low, len(values) - 1))
        j = draw(st.integers(low, len(values) - 1))
        c = draw(st.sampled_from(EXPONENTS)) if op == "pow_const" else None
        x, y = values[i], values[j]
        try:
            if op in UNARY_OPS:
                ok = UNARY_OPS[op][2](x, c)
                out = UNARY_OPS[op][1](x, c) if ok else None
            else:
                ok = BINARY_OPS[op][2](x, y)
                out = BINARY_OPS[op][1](x, y) if ok else None
        except (OverflowError, ZeroDivisionError, ValueError):
            ok = False
        if not ok or isinstance(out, complex) or not abs(out) < LIMIT:
            op, c, out = "tanh", None, math.tanh(x)
        instructions.append((op, i, j, c))
        values.append(out)
    return Program(inputs, instructions)
