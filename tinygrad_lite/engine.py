"""The Value engine: scalars that remember how they were computed, and reverse-mode backward.

Contents
    Op          one primitive operation: its forward on floats and its local derivative
    the ops     the primitive operations, each forward beside its local derivative
    Value       a scalar node of the graph; operators and elementary functions
    linear      Σ w_i·x_i + b as a single node (the dot products of the layers)
    maximum     max(x_1 … x_n) as a single node (pooling; softmax's shift, detached)
    backward    reverse-mode accumulation over the recorded graph, without recursion
    no_grad     a context in which operations are computed but not recorded

Every Value made by an operation keeps its operands, in order (``a * a`` keeps ``a`` twice),
and the Op that made it.  ``backward()`` walks that graph once from the output and applies
the chain rule: each operand receives ``local derivative * gradient of the result``.

A local derivative is written once, as plain arithmetic on the operands and the result.
The same rule therefore runs on floats (ordinary ``backward``), on Values (derivatives of
derivatives, see ``tinygrad_lite.autograd``) and on symbols (``tinygrad_lite.explain``).

Gradient semantics (as in PyTorch): a leaf (a Value no operation produced: parameters,
inputs, constants) *accumulates* its gradient across ``backward()`` calls, so gradients
of several samples add up; an interior node holds the gradient of the latest
``backward()`` alone: the sum of its shares, the first kept exactly as it arrived (a share of
-0.0 stays -0.0, as in PyTorch).  Reset leaves with ``zero_grad(values)`` (or a Module's or
an optimizer's ``zero_grad()``); a leaf starts at 0.0 (PyTorch: None; a leaf whose ``.grad``
is set to None receives its gradient as in PyTorch).  A plain number in an expression is a
constant leaf shared by every use of that number: its ``.grad`` means nothing (x + c and
x * c hand it no share at all).

Conventions at non-differentiable points follow PyTorch: relu'(0) = 0, abs'(0) = 0,
leaky_relu'(0) = negative_slope, sqrt'(0) = +inf, d/dx x**c at x = 0 is +inf for 0 < c < 1
and 0 for c = 0, and d/db a**b at a = 0 is 0.
"""

import math
import operator
import threading
import weakref
from collections import Counter
from functools import lru_cache
from itertools import chain, repeat

from .messages import Sentence

__all__ = ["Value", "Op", "linear", "maximum", "no_grad", "enable_grad", "is_grad_enabled",
           "zero_grad"]


# ================================================================================================
# Op: a primitive operation
# ================================================================================================

class Op:
    """A primitive operation: ``forward`` on floats and ``local``, its local derivative.

    For a unary op ``local(a, out)`` returns d out / d a; for a binary op
    ``local(a, b, out)`` returns the pair (d out / d a, d out / d b); for an n-ary op
    (arity -1) ``local(operands, out)`` returns one derivative per operand.  The operands
    and ``out`` may be floats, Values or symbols: the rule is plain arithmetic on them.
    """

    __slots__ = ("name", "arity", "forward", "local", "param")

    def __init__(self, name, arity, forward, local, param=None):
        self.name = name          # how the op is printed: "+", "exp", "**2", ...
        self.arity = arity        # 1 or 2 operands, or -1 for any number (linear, max)
        self.forward = forward    # floats -> float; raises on a domain error
        self.local = local        # local derivative rule (see the class docstring)
        self.param = param        # the constant of a parameterised op: exponent, slope

    def __repr__(self):
        return f"Op({self.name!r})"

    def derivatives(self, operands, out):
        """The local derivatives as a tuple, one per operand, whatever the arity."""
        if self.arity == 1:
            return (self.local(operands[0], out),)
        if self.arity == 2:
            return self.local(operands[0], operands[1], out)
        return self.local(tuple(operands), out)


class _Alias(Op):
    """An op that reads as another, its ``base``, everywhere (name, arity, forward, local,
    param, read from the base each time) but in backward()'s identity tests; ``Value.op``
    hands out the base."""

    __slots__ = ("base",)

    def __init__(self, base):          # (Op's own fields are not set: they are read through)
        self.base = base

    name = property(lambda self: self.base.name)
    arity = property(lambda self: self.base.arity)
    forward = property(lambda self: self.base.forward)
    local = property(lambda self: self.base.local)
    param = property(lambda self: self.base.param)

    def derivatives(self, operands, out):
        return self.base.derivatives(operands, out)

    def __repr__(self):
        return repr(self.base)


class _NamedOp(_Alias):
    """The op of an op node that has been given a name, carrying that name: a named node keeps
    its name here, so that no node pays a slot for one.  ``inner`` is the node's op as it was
    before it was named (ADD_CONSTANT, say), which backward() goes by."""

    __slots__ = ("inner", "node_name")

    def __init__(self, inner, node_name):
        super().__init__(inner.base if isinstance(inner, _Alias) else inner)
        self.inner = inner
        self.node_name = node_name


def _checked_name(name):
    if name is not None and not isinstance(name, str):
        raise TypeError(f"Value(name=...) must be a str or None, got {type(name).__name__} "
                        f"{name!r}")
    return name


def _number(x):
    """The float behind a float, a Value or a symbol (used where a rule branches on a sign)."""
    return x if x.__class__ is float else x.data


def _call(method, fallback):
    """A unary function that works on floats (``fallback``) and on Values or symbols (``method``)."""
    def function(x):
        return fallback(x) if x.__class__ is float else getattr(x, method)()
    function.__name__ = method
    return function


_exp = _call("exp", math.exp)
_log = _call("log", math.log)
_sigmoid = _call("sigmoid", lambda x: _sigmoid_forward(x))
_sin = _call("sin", math.sin)
_cos = _call("cos", math.cos)
_erf = _call("erf", math.erf)


# ================================================================================================
# The primitive ops.  Each forward checks its domain; each local derivative sits beside it.
# ================================================================================================

def _divide(a, b):
    if b == 0:
        raise ZeroDivisionError(Sentence("engine.divide", a=repr(a), b=repr(b)))
    return a / b


def _power(a, b):
    """a ** b on floats, refusing what has no real answer."""
    if a == 0 and b < 0:
        raise ZeroDivisionError(Sentence("engine.zero_power", b=repr(b)))
    if a < 0 and b != math.floor(b):
        raise ValueError(Sentence("engine.negative_base", a=repr(a), b=repr(b)))
    try:
        return a ** b
    except OverflowError:
        raise OverflowError(Sentence("engine.power_overflow", a=repr(a), b=repr(b))) from None


def _power_local_base(a, b):
    """d(a**b)/da = b * a**(b-1), with 0 for b = 0 and +inf at a = 0 for 0 < b < 1."""
    b_ = _number(b)
    if b_ == 0:
        return 0.0
    if _number(a) == 0 and b_ < 1:
        return math.inf
    return b * a ** (b - 1)


def _power_local_exponent(a, out):
    """d(a**b)/db = a**b * log(a), taken as 0 at a = 0 (PyTorch's convention)."""
    return 0.0 if _number(a) == 0 else out * _log(a)


def _value_power(a, b):
    """a ** b where the exponent is itself a Value: needs a >= 0 so that log(a) exists."""
    if a < 0:
        raise ValueError(Sentence("engine.value_power", a=repr(a), b=repr(b)))
    return _power(a, b)


def _exp_forward(x):
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(Sentence("engine.exp_overflow", x=repr(x))) from None


def _log_forward(x):
    if x <= 0:
        raise ValueError(Sentence("engine.log_domain", x=repr(x)))
    return math.log(x)


def _sqrt_forward(x):
    if x < 0:
        raise ValueError(Sentence("engine.sqrt_domain", x=repr(x)))
    return math.sqrt(x)


def _sigmoid_forward(x):
    # Two branches so that exp never overflows: sigmoid(-1000) = 0, sigmoid(1000) = 1.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


ADD = Op("+", 2, operator.add, lambda a, b, out: (1.0, 1.0))
SUB = Op("-", 2, operator.sub, lambda a, b, out: (1.0, -1.0))
MUL = Op("*", 2, operator.mul, lambda a, b, out: (b, a))
DIV = Op("/", 2, _divide, lambda a, b, out: (1.0 / b, -out / b))
POW = Op("**", 2, _value_power,
         lambda a, b, out: (_power_local_base(a, b), _power_local_exponent(a, out)))
# x + c and x * c for a plain number c (the + 0.000001 and * 1.000001 of a chain): + and *
# themselves to everything but backward(), which hands the constant c no share (nothing
# differentiates it) and so spends nothing on it.
ADD_CONSTANT = _Alias(ADD)
MUL_CONSTANT = _Alias(MUL)
NEG = Op("neg", 1, operator.neg, lambda a, out: -1.0)
EXP = Op("exp", 1, _exp_forward, lambda a, out: out)
LOG = Op("log", 1, _log_forward, lambda a, out: 1.0 / a)
SQRT = Op("sqrt", 1, _sqrt_forward, lambda a, out: 0.5 / out if _number(out) != 0 else math.inf)
TANH = Op("tanh", 1, math.tanh, lambda a, out: 1.0 - out * out)
SIGMOID = Op("sigmoid", 1, _sigmoid_forward, lambda a, out: out * (1.0 - out))
RELU = Op("relu", 1, lambda x: x if x > 0 else 0.0,
          lambda a, out: 1.0 if _number(a) > 0 else 0.0)
ABS = Op("abs", 1, abs,
         lambda a, out: 1.0 if _number(a) > 0 else (-1.0 if _number(a) < 0 else 0.0))
SIN = Op("sin", 1, math.sin, lambda a, out: _cos(a))
COS = Op("cos", 1, math.cos, lambda a, out: -_sin(a))


def _linear_forward(operands):
    """w1·x1 + … + wn·xn (+ b), for operands (w1…wn, x1…xn[, b]), added left to right from b
    exactly as the chain b + w1·x1 + w2·x2 + … would be: the same floats, bit for bit."""
    n = len(operands) // 2
    total = operands[-1] if len(operands) % 2 else None
    for w, x in zip(operands[:n], operands[n:2 * n]):
        term = w * x
        total = term if total is None else total + term
    return total


def _linear_local(operands, out):
    """∂/∂w_i = x_i, ∂/∂x_i = w_i, ∂/∂b = 1."""
    n = len(operands) // 2
    return operands[n:2 * n] + operands[:n] + ((1.0,) if len(operands) % 2 else ())


# A dot product as one node instead of 2n - 1: a Dense layer's neurons, convolutions, RNNs.
LINEAR = Op("linear", -1, _linear_forward, _linear_local)


def _max_local(operands, out):
    """∂max/∂x_i = 1 for the first i where x_i is the maximum, 0 elsewhere.

    On ties this is what torch does for ``max(dim)`` and max-pooling (the gradient goes to
    one arg-max); torch's full reduction ``x.max()`` instead splits it evenly among the tied
    entries.  Pooling is what this op serves, so it follows pooling."""
    values = [_number(x) for x in operands]
    first = values.index(max(values))
    return tuple(1.0 if i == first else 0.0 for i in range(len(operands)))


def _softplus_forward(x):
    # log(1 + e^x) without overflow: x + log(1 + e^-x) for x > 0
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


# max(x_1 … x_n) as one node: a max-pooling window.  Its gradient goes to the arg-max, chosen
# afresh from the numbers at every backward (so a compiled graph pools correctly too).
MAX = Op("max", -1, max, _max_local)
# The same maximum with no gradient at all: the shift that keeps softmax from overflowing,
# which must follow the numbers but not be differentiated.
MAX_DETACHED = Op("max (detached)", -1, max, lambda operands, out: (0.0,) * len(operands))
SOFTPLUS = Op("softplus", 1, _softplus_forward, lambda a, out: _sigmoid(a))
ERF = Op("erf", 1, math.erf, lambda a, out: _TWO_OVER_SQRT_PI * _exp(-(a * a)))

# GELU, exact (torch's default, approximate='none'): x·Φ(x), Φ the normal CDF.  Forward and
# derivative in torch's order of operations: x·0.5·(1 + erf(x/√2)), and Φ(x) + x·φ(x).
_SQRT1_2 = math.sqrt(0.5)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_NORMAL_PDF = _TWO_OVER_SQRT_PI * _SQRT1_2 * 0.5        # 1/√(2π), as torch computes it
GELU = Op("gelu", 1, lambda x: x * 0.5 * (1.0 + math.erf(x * _SQRT1_2)),
          lambda a, out: 0.5 * (1.0 + _erf(a * _SQRT1_2)) + a * (_exp(-0.5 * a * a) * _NORMAL_PDF))
# SiLU: x·σ(x); derivative σ(x)·(1 + x·(1 − σ(x))), as torch's backward writes it
SILU = Op("silu", 1, lambda x: x * _sigmoid_forward(x),
          lambda a, out: _sigmoid(a) * (1.0 + a * (1.0 - _sigmoid(a))))


# ---- the losses' kinks, as ops: a branch inside an op follows its input at every run, where
# a Python ``if`` in the loss would be frozen into a compiled graph.

def _root_local_zero_at_zero(a, out):
    """d√x/dx = 1/(2√x), taken as 0 at x = 0: RMSE's convention for a perfect fit."""
    return 0.5 / out if _number(out) != 0 else 0.0


# √x for RMSE: the value of sqrt, but a zero gradient at zero error rather than inf (whose
# product with MSE's zero gradient would be NaN).
SQRT_ZERO_AT_ZERO = Op("sqrt (0 at 0)", 1, _sqrt_forward, _root_local_zero_at_zero)

# torch's floor for p(1 - p) in the gradient of binary cross entropy: 1e-12 held in a C float
BCE_EPS = 9.999999960041972e-13
BCE_LOG_FLOOR = -100.0   # torch's floor for log p and log(1 - p) in its value


def _floored_log(x):
    """max(log x, -100), with log 0 = -100: how torch's BCELoss takes its logarithms."""
    x_ = _number(x)
    return _log(x) if x_ > 0 and math.log(x_) > BCE_LOG_FLOOR else BCE_LOG_FLOOR


def _bce_forward(p, y):
    if not 0.0 <= p <= 1.0:
        raise ValueError(Sentence("engine.bce_input", p=repr(p)))
    if not 0.0 <= y <= 1.0:
        raise ValueError(Sentence("engine.bce_target", y=repr(y)))
    return (y - 1.0) * _floored_log(1.0 - p) - y * _floored_log(p)


def _bce_local(p, y, out):
    """∂/∂p = (p - y) / max(p(1 - p), 1e-12) and ∂/∂y = log(1 - p) - log p (±inf at p = 0 or
    1), as torch's binary_cross_entropy backward."""
    p_ = _number(p)
    spread = p * (1.0 - p) if p_ * (1.0 - p_) > BCE_EPS else BCE_EPS
    if p_ == 0.0 or p_ == 1.0:
        return (p - y) / spread, (math.inf if p_ == 0.0 else -math.inf)
    return (p - y) / spread, _log(1.0 - p) - _log(p)


# -(y log p + (1 - y) log(1 - p)) for one probability p and target y, as torch computes it.
BINARY_CROSS_ENTROPY = Op("binary_cross_entropy", 2, _bce_forward, _bce_local)


def apply(op, *operands):
    """The node op(operands) for a unary or binary op (Values or plain numbers)."""
    values = [v if isinstance(v, Value) else _to_constant(v, f"{op.name}: operand {i}")
              for i, v in enumerate(operands)]
    if op.arity == 1:
        return _unary(op, *values)
    if op.arity == 2:
        return _binary(op, *values)
    return _nary(op, tuple(values))


@lru_cache(maxsize=1024)
def power_op(c):
    """The op x ** c for a plain-number exponent c: d/dx = c * x**(c-1)."""
    if not math.isfinite(c):
        raise ValueError(f"x ** {c!r}: the exponent must be a finite number (x ** {c!r} is "
                         "0, 1, inf or nan depending on x, and has no derivative)")
    return Op(f"**{_short(c)}", 1, lambda x: _power(x, c),
              lambda a, out: _power_local_base(a, c), param=c)


@lru_cache(maxsize=64)
def leaky_relu_op(slope):
    """The op leaky_relu(x) = x if x > 0 else slope*x: d/dx = 1 if x > 0 else slope."""
    if not math.isfinite(slope):
        raise ValueError(f"leaky_relu(negative_slope={slope!r}): the slope must be a finite "
                         "number")
    return Op(f"leaky_relu({_short(slope)})", 1, lambda x: x if x > 0 else slope * x,
              lambda a, out: 1.0 if _number(a) > 0 else slope, param=slope)


@lru_cache(maxsize=64)
def elu_op(alpha):
    """The op elu(x) = x if x > 0 else alpha·(e^x − 1): d/dx = 1 if x > 0 else alpha·e^x."""
    if not math.isfinite(alpha):
        raise ValueError(f"elu(alpha={alpha!r}): alpha must be a finite number")
    return Op(f"elu({_short(alpha)})", 1,
              lambda x: x if x > 0 else alpha * math.expm1(x),
              lambda a, out: 1.0 if _number(a) > 0 else alpha * _exp(a), param=alpha)


@lru_cache(maxsize=64)
def huber_op(delta):
    """The op huber(d) = ½d² where |d| < delta, else delta·(|d| − ½·delta) (torch's HuberLoss):
    d/dd = d where |d| < delta, else delta·sign(d)."""
    if not (math.isfinite(delta) and delta > 0):
        raise ValueError(f"huber_loss(delta={delta!r}): delta must be a positive number")
    return Op(f"huber({_short(delta)})", 1,
              lambda d: 0.5 * d * d if abs(d) < delta else delta * (abs(d) - 0.5 * delta),
              lambda a, out: a if abs(_number(a)) < delta else
              (delta if _number(a) > 0 else -delta), param=delta)


def _short(c):
    """2.0 -> '2', 0.5 -> '0.5': exponents and slopes as people write them."""
    return str(int(c)) if math.isfinite(c) and c == int(c) and abs(c) < 1e15 else repr(c)


# ================================================================================================
# Recording on or off
# ================================================================================================

# Grad mode is per thread, as in PyTorch: a ``no_grad`` block in one thread never stops
# another thread from recording.  Every op asks whether to record, so the question must cost
# next to nothing: ``_blocks_open`` counts the no_grad/enable_grad blocks open in *any*
# thread, and while it is 0 (nearly always) an op records without looking further; only
# while some block is open does it read this thread's own flag.  (A ContextVar would also
# follow asyncio tasks, but reading it costs a call per op; see benchmarks/engine.py.)

class _GradMode(threading.local):
    def __init__(self):      # runs once in each thread that uses it
        self.enabled = True  # a new thread starts with recording on
        self.outer = []      # the modes of the enclosing blocks, innermost last


_mode = _GradMode()
_blocks_open = 0
_blocks_lock = threading.Lock()


class no_grad:
    """Context manager (and decorator) in which operations compute values but record no graph.

    The mode belongs to the thread that enters the block (as in PyTorch): other threads go
    on recording.  Re-entrant and nestable; one instance may be used by several threads.

    >>> from tinygrad_lite import Value, no_grad
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.is_leaf
    True
    """

    _enabled_inside = False

    def __enter__(self):
        global _blocks_open
        _mode.outer.append(_mode.enabled)
        with _blocks_lock:
            _blocks_open += 1
        _mode.enabled = self._enabled_inside

    def __exit__(self, *exc_info):
        global _blocks_open
        _mode.enabled = _mode.outer.pop()
        with _blocks_lock:
            _blocks_open -= 1
        return False

    def __call__(self, function):
        def wrapper(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)
        wrapper.__name__ = function.__name__
        wrapper.__doc__ = function.__doc__
        return wrapper


class enable_grad(no_grad):
    """Context manager that turns recording back on inside a ``no_grad`` block."""
    _enabled_inside = True


def is_grad_enabled():
    """True when operations in this thread record the graph (outside any ``no_grad`` block)."""
    return _blocks_open == 0 or _mode.enabled


# ================================================================================================
# Value
# ================================================================================================

_value_classes = weakref.WeakSet()      # every subclass of Value (see Value.__init_subclass__)


class Value:
    """A scalar that records the operations that produced it, for reverse-mode differentiation.

    >>> from tinygrad_lite import Value
    >>> x = Value(3.0, name="x")
    >>> y = x * x + 2 * x        # y = x² + 2x
    >>> y.backward()
    >>> x.grad                   # dy/dx = 2x + 2 = 8
    8.0
    """

    # Five slots keep a node small (no __dict__; 72 bytes with the collector's header).  _a and
    # _b are the operands of the op that made this node: _a None for a leaf, whose _b then
    # holds its name; _b None for a unary op; _b _NARY for an n-ary op, whose operands are the
    # tuple in _a.  An op node's name, if it is given one, rides on its op (a _NamedOp), so
    # the millions of unnamed nodes carry no slot for it.  During backward() ``grad`` also
    # marks how far a node is (see _count_consumers); at rest it is a number (or None, on a
    # leaf whose gradient a user cleared as torch does).
    __slots__ = ("data", "grad", "_op", "_a", "_b")

    __array_ufunc__ = None  # numpy defers to our reflected operators (np.float64(2) * v)

    def __init_subclass__(cls, **kwargs):
        """Every subclass is known to nodes_are_keys(), which asks whether they all compare
        and hash by identity."""
        super().__init_subclass__(**kwargs)
        _value_classes.add(cls)

    def __init__(self, data, name=None):
        self.data = _to_float(data, "Value(data)")
        self.grad = 0.0
        self._op = None
        self._a = None
        self._b = _checked_name(name)

    @property
    def name(self):
        """What reports call this Value (a str), or None."""
        if self._a is None:
            return self._b
        op = self._op
        return op.node_name if type(op) is _NamedOp else None

    @name.setter
    def name(self, name):
        name = _checked_name(name)
        if self._a is None:
            self._b = name
        else:
            op = self._op
            if type(op) is _NamedOp:
                op = op.inner
            self._op = op if name is None else _NamedOp(op, name)

    # ---- what the node is ------------------------------------------------------------------

    @property
    def op(self):
        """The Op that produced this Value, or None for a leaf."""
        op = self._op
        return op.base if isinstance(op, _Alias) else op

    @property
    def operands(self):
        """The Values this one was computed from, in order, duplicates kept: () for a leaf."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._a,)
        if self._b is _NARY:
            return self._a
        return (self._a, self._b)

    @property
    def is_leaf(self):
        """True for a Value no recorded operation produced (parameters, inputs, constants)."""
        return self._a is None

    def label(self):
        """The name if there is one, else the number: how messages refer to this Value."""
        return self.name if self.name is not None else _short_number(self.data)

    def __repr__(self):
        parts = [f"data={self.data!r}", f"grad={self.grad!r}"]
        if self.name is not None:
            parts.append(f"name={self.name!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        return f"Value({', '.join(parts)})"

    def detach(self):
        """A new leaf with the same data: the graph behind this Value is cut off."""
        return Value(self.data, name=self.name)

    def __deepcopy__(self, memo):
        """A copy of the whole graph behind this Value (data, gradients, names, the same ops),
        made without recursion, so a graph of any depth can be copied (copy.deepcopy would
        otherwise recurse once per node)."""
        nodes, operands_of, _ = numbered(self)
        copies = []
        for node, operands in zip(nodes, operands_of):
            twin = memo.get(id(node))
            if twin is None:
                twin = _new(node.__class__)
                twin.data, twin.grad, twin._op = node.data, node.grad, node._op
                inputs = tuple(copies[j] for j in operands)
                if node._a is None:
                    twin._a, twin._b = None, node._b          # a leaf's _b is its name
                elif node._b is _NARY:
                    twin._a, twin._b = inputs, _NARY
                else:
                    twin._a, twin._b = inputs[0], (inputs[1] if len(inputs) == 2 else None)
                memo[id(node)] = twin
            copies.append(twin)
        return copies[-1]

    # ---- arithmetic ------------------------------------------------------------------------
    # Each operator lifts a plain number to a constant leaf; an unsupported type returns
    # NotImplemented so that Python raises its usual TypeError naming the operator.

    def __add__(self, other):
        # + and * are every dot product's ops, so their node is built right here: one
        # function call less per node is a sixth of the forward time (benchmarks/engine.py).
        # A float operand (the 1.000001 of a chain) is looked up as a constant without a call.
        cls = type(other)
        if cls is Value:
            op = ADD
        elif cls is float:
            op, other = ADD_CONSTANT, _constants.get(other) or _constant(other)
        elif isinstance(other, Value):
            op = ADD
        else:
            op, other = ADD_CONSTANT, _constant(other)
            if other is None:
                return NotImplemented
        node = _new(Value)
        node.data = self.data + other.data      # ADD.forward
        node.grad = 0.0
        if _blocks_open == 0 or _mode.enabled:
            node._op, node._a, node._b = op, self, other
        else:
            node._op = node._a = node._b = None
        return node

    def __mul__(self, other):
        cls = type(other)
        if cls is Value:
            op = MUL
        elif cls is float:
            op, other = MUL_CONSTANT, _constants.get(other) or _constant(other)
        elif isinstance(other, Value):
            op = MUL
        else:
            op, other = MUL_CONSTANT, _constant(other)
            if other is None:
                return NotImplemented
        node = _new(Value)
        node.data = self.data * other.data      # MUL.forward
        node.grad = 0.0
        if _blocks_open == 0 or _mode.enabled:
            node._op, node._a, node._b = op, self, other
        else:
            node._op = node._a = node._b = None
        return node

    def __radd__(self, other):
        other = _constant(other)
        return NotImplemented if other is None else _binary(ADD, other, self)

    def __rmul__(self, other):
        other = _constant(other)
        return NotImplemented if other is None else _binary(MUL, other, self)

    def __sub__(self, other):
        other = other if isinstance(other, Value) else _constant(other)
        return NotImplemented if other is None else _binary(SUB, self, other)

    def __rsub__(self, other):
        other = _constant(other)
        return NotImplemented if other is None else _binary(SUB, other, self)

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else _constant(other)
        return NotImplemented if other is None else _binary(DIV, self, other)

    def __rtruediv__(self, other):
        other = _constant(other)
        return NotImplemented if other is None else _binary(DIV, other, self)

    def __pow__(self, other):
        if isinstance(other, Value):
            return _binary(POW, self, other)
        c = _plain_number(other)
        return NotImplemented if c is None else _unary(power_op(c), self)

    def __rpow__(self, other):
        other = _constant(other)
        return NotImplemented if other is None else _binary(POW, other, self)

    def __neg__(self):
        return _unary(NEG, self)

    def __pos__(self):
        return self

    # ---- elementary functions --------------------------------------------------------------

    def exp(self):
        """e**x; d/dx = e**x."""
        return _unary(EXP, self)

    def log(self):
        """Natural logarithm, for x > 0; d/dx = 1/x."""
        return _unary(LOG, self)

    def sqrt(self):
        """Square root, for x >= 0; d/dx = 1/(2 sqrt x), +inf at 0."""
        return _unary(SQRT, self)

    def tanh(self):
        """Hyperbolic tangent; d/dx = 1 - tanh²x."""
        return _unary(TANH, self)

    def sigmoid(self):
        """Logistic sigmoid 1/(1+e**-x), stable for large |x|; d/dx = σ(x)(1 - σ(x))."""
        return _unary(SIGMOID, self)

    def relu(self):
        """max(x, 0); d/dx = 1 for x > 0, else 0 (0 at x = 0, as in PyTorch)."""
        return _unary(RELU, self)

    def leaky_relu(self, negative_slope=0.01):
        """x for x > 0, else negative_slope*x; d/dx = 1 for x > 0, else negative_slope."""
        slope = _plain_number(negative_slope)
        if slope is None:
            raise TypeError(f"leaky_relu(negative_slope=...) must be a number, got "
                            f"{negative_slope!r}")
        return _unary(leaky_relu_op(slope), self)

    def __abs__(self):
        """|x|; d/dx = sign(x), 0 at x = 0 (as in PyTorch)."""
        return _unary(ABS, self)

    abs = __abs__

    def softplus(self):
        """log(1 + e^x), stable for large |x|; d/dx = sigmoid(x)."""
        return _unary(SOFTPLUS, self)

    def gelu(self):
        """x·Φ(x), Φ the standard normal CDF (torch's exact GELU); d/dx = Φ(x) + x·φ(x)."""
        return _unary(GELU, self)

    def silu(self):
        """x·σ(x) (SiLU, swish); d/dx = σ(x)·(1 + x·(1 − σ(x)))."""
        return _unary(SILU, self)

    def elu(self, alpha=1.0):
        """x for x > 0, else alpha·(e^x − 1); d/dx = 1 for x > 0, else alpha·e^x."""
        a = _plain_number(alpha)
        if a is None:
            raise TypeError(f"elu(alpha=...) must be a number, got {alpha!r}")
        return _unary(elu_op(a), self)

    def erf(self):
        """The error function; d/dx = 2/√π·e^(−x²)."""
        return _unary(ERF, self)

    def item(self):
        """The number, as torch's ``tensor.item()``: the same as ``.data``."""
        return self.data

    def sin(self):
        """sin x; d/dx = cos x."""
        return _unary(SIN, self)

    def cos(self):
        """cos x; d/dx = -sin x."""
        return _unary(COS, self)

    # ---- differentiation -------------------------------------------------------------------

    def backward(self, gradient=1.0):
        """Accumulate d(self)/d(node) * gradient into ``.grad`` of every node of the graph.

        Leaves add to what they hold (as in PyTorch); interior nodes are overwritten.
        Runs in time linear in the graph and without recursion, so any depth works.
        """
        seed = _to_float(gradient, "backward(gradient)")
        try:
            node, g = _down_the_chain(self, seed)
            _count_consumers(node)
            _propagate(node, g)
        except BaseException:
            _reset_marks(self)
            raise


# ================================================================================================
# Making nodes
# ================================================================================================

_new = object.__new__


def _unary(op, a):
    """The node op(a): compute the forward on floats and record a as the operand."""
    try:
        data = op.forward(a.data)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise type(error)(_with_names(error, a)) from None
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    if _blocks_open == 0 or _mode.enabled:
        node._op, node._a, node._b = op, a, None
    else:
        node._op = node._a = node._b = None
    return node


def _binary(op, a, b):
    """The node a (op) b.  (The node is filled in here rather than in a shared helper:
    one function call less per node is a tenth of the engine's forward time.)"""
    try:
        data = op.forward(a.data, b.data)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise type(error)(_with_names(error, a, b)) from None
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    if _blocks_open == 0 or _mode.enabled:
        node._op, node._a, node._b = op, a, b
    else:
        node._op = node._a = node._b = None
    return node


class _Nary:
    """The marker in ``_b`` of a node whose ``_a`` holds a tuple of operands (an n-ary op)."""
    __slots__ = ()

    def __repr__(self):
        return "_NARY"


_NARY = _Nary()


def maximum(values, detached=False):
    """The largest of ``values`` as one node: the gradient goes to the first arg-max (as
    torch's ``max(dim)`` and max-pooling do; torch's ``x.max()`` would split it among ties), or
    nowhere with ``detached=True`` (a shift that must follow the numbers, as softmax's).

    >>> a, b = Value(1.0), Value(3.0)
    >>> m = maximum([a, b]); m.backward(); (m.data, a.grad, b.grad)
    (3.0, 0.0, 1.0)
    """
    operands = []
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            v = _to_constant(v, f"maximum: values[{i}]")
        operands.append(v)
    if not operands:
        raise ValueError("maximum: no values")
    return _nary(MAX_DETACHED if detached else MAX, tuple(operands))


def linear(weights, inputs, bias=None):
    """Σ_i weights[i]·inputs[i] (+ bias) as one node: the same value, to the last bit, as the
    chain bias + w1·x1 + w2·x2 + …, but one node instead of 2n, so a Dense layer builds and
    differentiates several times faster.  Plain numbers are lifted to constants.

    >>> w, x = [Value(2.0), Value(3.0)], [Value(0.5), Value(-1.0)]
    >>> y = linear(w, x, Value(1.0))
    >>> y.data, y.op.name, len(y.operands)
    (-1.0, 'linear', 5)
    """
    weights, inputs = list(weights), list(inputs)
    if len(weights) != len(inputs):
        raise ValueError(f"linear: {len(weights)} weights for {len(inputs)} inputs")
    operands = (*weights, *inputs)
    if operands and bias.__class__ is Value and set(map(type, operands)) == _JUST_VALUES:
        return _nary(LINEAR, operands + (bias,))      # Values throughout: nothing to check
    operands = []
    for where, items in (("weights", weights), ("inputs", inputs)):
        for i, v in enumerate(items):
            if not isinstance(v, Value):
                c = _constant(v)
                if c is None:
                    raise TypeError(f"linear: {where}[{i}] is {type(v).__name__} {v!r}, not a "
                                    "number or a Value")
                v = c
            operands.append(v)
    if bias is not None:
        operands.append(bias if isinstance(bias, Value) else _to_constant(bias, "linear: bias"))
    if not operands:
        return Value(0.0)
    if len(operands) == 1:
        return operands[0]
    return _nary(LINEAR, tuple(operands))


_JUST_VALUES = {Value}


def _nary(op, operands):
    """The node op(operands) for an n-ary op: the operands are kept as one tuple in ``_a``."""
    node = _new(Value)
    node.data = op.forward(tuple(map(_data, operands)))
    node.grad = 0.0
    if _blocks_open == 0 or _mode.enabled:
        node._op, node._a, node._b = op, operands, _NARY
    else:
        node._op = node._a = node._b = None
    return node


_data = operator.attrgetter("data")


def _to_constant(x, where):
    c = _constant(x)
    if c is None:
        raise TypeError(f"{where} is {type(x).__name__} {x!r}, not a number or a Value")
    return c


def _with_names(error, *operands):
    """The error's message, plus the names of the operands where they have one."""
    named = [f"{v.name} = {v.data!r}" for v in operands if v.name is not None]
    message = error.args[0] if error.args and isinstance(error.args[0], Sentence) else str(error)
    return Sentence("engine.named", error=message, names=", ".join(named)) if named else message


def _plain_number(x):
    """x as a float if it is a real number (int, float, bool, numpy scalar, Fraction...), else None."""
    cls = x.__class__
    if cls is float:
        return x
    if cls is int:
        return float(x)
    if isinstance(x, (str, bytes, complex, Value)) or not hasattr(type(x), "__float__"):
        return None
    try:
        return float(x)
    except (TypeError, ValueError):   # e.g. a numpy array of more than one element
        return None


# Plain numbers in expressions (the 2 in 2 * x, the 1e-6 of a chain) become constant leaves.
# One leaf serves every use of the same number, so a graph with a million "* 1.000001" holds
# one constant instead of a million: half the objects for the garbage collector to walk.
# (Zero and NaN are not shared: 0.0 == -0.0 and NaN != NaN would mix them up.)  Nothing
# differentiates a constant, so its .grad means nothing: x + c and x * c (ADD_CONSTANT,
# MUL_CONSTANT) hand it no share at all; other ops add theirs to it.
_constants = {}
MAX_CONSTANTS = 4096


def _constant(x):
    """A plain number lifted to a constant leaf, or None if x is not a real number."""
    c = _plain_number(x)
    if c is None:
        return None
    shared = _constants.get(c) if c != 0.0 and c == c else None
    if shared is not None:
        return shared
    node = _new(Value)
    node.data = c
    node.grad = 0.0
    node._op = node._a = node._b = None
    if c != 0.0 and c == c:
        if len(_constants) >= MAX_CONSTANTS:
            _constants.clear()
        _constants[c] = node
    return node


def _to_float(x, where):
    c = _plain_number(x)
    if c is None:
        hint = "; use v.data for its number or use v itself" if isinstance(x, Value) else ""
        raise TypeError(f"{where} must be a real number (int, float or anything with "
                        f"__float__), got {type(x).__name__} {x!r}{hint}")
    return c


def _short_number(x):
    return f"{x:.6g}"


# ================================================================================================
# backward: Kahn's algorithm on consumer counts, with an explicit stack
# ================================================================================================
# Pass 0 hands the gradient down the chain of single-operand nodes (unary ops, x * c, x + c)
# that starts at the output, as far as it goes: there every node's one share is its gradient,
# so nothing needs counting (a 1M-op chain's backward is this pass alone, in half the time).
# Pass 1 finds every interior node reachable from the output and how many times it is used as
# an operand (a * a uses a twice); leaves are not counted, since nothing waits for them.  The
# counts live in the nodes' ``grad`` for the length of the backward(): _FIRST on a node used
# once, a _Shares on a node used more often.  Pass 2 starts at the output; an interior node is
# processed once all its consumers have been, i.e. in reverse topological order, and hands
# each operand local derivative * its own gradient.  A node's first share is kept as it is and
# the later ones are added, as torch does: that is -0.0 + share to the bit (-0.0 is IEEE's
# additive identity; 0.0 + share would turn a share of -0.0 into +0.0), costs no addition,
# and lets + hand its gradient on without making a new float.  A leaf adds its shares to what
# it holds (None, as torch's optimizers leave it with set_to_none, counts as nothing yet).
# When pass 2 finishes every interior gradient is a number again.
#
# Both passes keep the next node in a local when there is one (a chain never touches the
# stack), and loop with ``while True``: CPython 3.11 specialises a function's bytecode at a
# backward jump, which ``while stack:`` does not make, so a single call over a million nodes
# would otherwise run unspecialised to the end (the 1M-op chain's backward: twice the time).


class _First:
    """The mark in ``grad``, while backward() runs, of a node used once, awaiting its share."""
    __slots__ = ()

    def __repr__(self):
        return "<backward(): awaiting the one share>"


_FIRST = _First()


class _Shares:
    """In ``grad``, while backward() runs, of a node used more than once: how many shares are
    still to come and the sum of those that came (from -0.0, IEEE's additive identity)."""
    __slots__ = ("left", "total")

    def __init__(self):
        self.left = 2
        self.total = -0.0       # -0.0 + share is the share, to the bit (see above)

    def __repr__(self):
        return f"<backward(): {self.left} shares to come, {self.total!r} so far>"


def _down_the_chain(node, g):
    """Pass 0: from the output down the chain of nodes with a single interior operand (a
    unary op, x * c, x + c) as far as it goes; returns where it stops and that node's
    gradient.  No counting is needed there: each node of such a chain is reachable from the
    output only through the node above it, so its one share is its whole gradient.  The same
    arithmetic, in the same order, as _propagate, which takes over where the chain stops.
    Interrupted, it leaves the node it was at and every interior node under it at 0.0, as
    the counting passes leave what they had not done."""
    Named = _NamedOp
    try:
        while True:
            a = node._a
            if a is None:
                return node, g
            b = node._b
            op = node._op
            if type(op) is Named:
                op = op.inner
            if b is None:
                share = op.local(a.data, node.data) * g
            elif op is MUL_CONSTANT:
                share = b.data * g
            elif op is ADD_CONSTANT:
                share = g
            else:
                return node, g
            node.grad = g
            node = a
            g = share
    except BaseException:
        for below in numbered(node)[0]:
            if below._a is not None:
                below.grad = 0.0
        raise


def _count_consumers(root):
    """Pass 1: mark every interior node under ``root`` (see above)."""
    if root._a is None:
        return                           # a leaf: nothing to count
    FIRST, Shares = _FIRST, _Shares
    stack = []                           # only interior nodes are ever pushed
    push, pop = stack.append, stack.pop
    node = root
    while True:
        a = node._a
        b = node._b
        following = None
        if b is _NARY:
            for child in a:
                if child._a is not None:
                    g = child.grad
                    if g is FIRST:
                        child.grad = Shares()
                    elif type(g) is Shares:
                        g.left += 1
                    else:                # first time it is reached
                        child.grad = FIRST
                        push(child)
        else:
            if a._a is not None:
                g = a.grad
                if g is FIRST:
                    a.grad = Shares()
                elif type(g) is Shares:
                    g.left += 1
                else:
                    a.grad = FIRST
                    following = a
            if b is not None and b._a is not None:
                g = b.grad
                if g is FIRST:
                    b.grad = Shares()
                elif type(g) is Shares:
                    g.left += 1
                else:
                    b.grad = FIRST
                    if following is None:
                        following = b
                    else:
                        push(b)
        if following is None:
            if not stack:
                return
            following = pop()
        node = following


def _propagate(root, seed):
    """Pass 2: hand every share down, each node once all its consumers are done."""
    if root._a is None:                  # a leaf accumulates, even as the output
        root.grad = seed if root.grad is None else root.grad + seed
        return
    root.grad = seed
    FIRST, Named = _FIRST, _NamedOp
    stack = []
    push, pop = stack.append, stack.pop
    node = root
    while True:
        a = node._a
        g = node.grad
        b = node._b
        op = node._op
        # + and * are most of every graph: tested first, their local derivatives (1, 1) and
        # (b, a) written out (no call, no tuple; the same arithmetic as their rules)
        if op is ADD:
            share_a = share_b = g
        elif op is MUL:
            share_a = b.data * g
            share_b = a.data * g
        else:
            if type(op) is Named:        # a named node goes by its op
                op = op.inner
            if b is None or op is MUL_CONSTANT or op is ADD_CONSTANT:
                # one share, to a: a unary op, or x * c, x + c (the constant c takes none)
                if b is None:
                    share = op.local(a.data, node.data) * g
                elif op is MUL_CONSTANT:
                    share = b.data * g
                else:
                    share = g
                ga = a.grad
                if ga is FIRST:          # a's one share: a is next
                    a.grad = share
                    node = a
                    continue
                if a._a is None:         # a leaf adds (None: it had no gradient yet)
                    a.grad = share if ga is None else ga + share
                else:
                    ga.total = total = ga.total + share
                    left = ga.left - 1
                    if not left:
                        a.grad = total
                        node = a
                        continue
                    ga.left = left
                if not stack:
                    return
                node = pop()
                continue
            if b is _NARY:
                derivatives = op.local(tuple(map(_data, a)), node.data)
                for child, d in zip(a, derivatives):
                    gc = child.grad
                    if child._a is None:     # a leaf (a dot product's weights) adds
                        child.grad = d * g if gc is None else gc + d * g
                    elif gc is FIRST:
                        child.grad = d * g
                        push(child)
                    else:
                        gc.total = total = gc.total + d * g
                        left = gc.left - 1
                        if left:
                            gc.left = left
                        else:
                            child.grad = total
                            push(child)
                if not stack:
                    return
                node = pop()
                continue
            if op is ADD:                # a named + or *
                share_a = share_b = g
            elif op is MUL:
                share_a = b.data * g
                share_b = a.data * g
            else:
                da, db = op.local(a.data, b.data, node.data)
                share_a = da * g
                share_b = db * g
        # a binary node: shares go to a, then b; b is pushed before a, so a is processed first
        ready = False
        ga = a.grad
        if ga is FIRST:
            a.grad = share_a
            ready = True
        elif a._a is None:
            a.grad = share_a if ga is None else ga + share_a
        else:
            ga.total = total = ga.total + share_a
            left = ga.left - 1
            if left:
                ga.left = left
            else:
                a.grad = total
                ready = True
        gb = b.grad
        if gb is FIRST:
            b.grad = share_b
            push(b)
        elif b._a is None:
            b.grad = share_b if gb is None else gb + share_b
        else:
            gb.total = total = gb.total + share_b
            left = gb.left - 1
            if left:
                gb.left = left
            else:
                b.grad = total
                push(b)
        if ready:
            node = a
            continue
        if not stack:
            return
        node = pop()


def nodes_are_keys():
    """True if Value and every subclass of it compare and hash by identity, as object does
    (asked now: an == or hash() of a mixin, or one set on a class later, counts too): then
    a walk may key its dicts by the nodes themselves, which is twice as fast as by id()."""
    eq, hash_ = object.__eq__, object.__hash__
    return all(cls.__eq__ is eq and cls.__hash__ is hash_
               for cls in (Value, *_value_classes))


def numbered(root):
    """Every node of ``root``'s graph once, operands before results (iterative depth-first
    post-order), numbered so that a graph can be walked as lists of integers: returns
    (nodes, operands_of, index) with operands_of[i] the numbers of node i's operands and
    index[id(node)] a node's number."""
    # index[id(node)] is -1 once its operands are pushed, its number once it is numbered.  A
    # node whose operands are pushed but not numbered is below the top of the stack, so it is
    # never an operand of the node on top (that would be a cycle): "not in index" is "not done"
    nodes, operands_of, index, stack = [], [], {}, [root]
    push, pop = stack.append, stack.pop
    while True:                          # (while True: specialised within the first call)
        if not stack:
            break
        node = stack[-1]
        key = id(node)
        number = index.get(key)
        a, b = node._a, node._b
        if number is None and a is not None:     # first visit: its operands go on top of it
            index[key] = -1
            if b is _NARY:
                for child in reversed(a):
                    if id(child) not in index:
                        push(child)
            else:
                if b is not None and id(b) not in index:
                    push(b)
                if id(a) not in index:
                    push(a)
            continue
        pop()
        if number is not None and number >= 0:  # reached again through another consumer
            continue
        # a leaf, or a node whose operands are numbered: (one and two operands written out,
        # without a loop: a third of the time)
        index[key] = len(nodes)
        nodes.append(node)
        if a is None:
            operands_of.append(())
        elif b is None:
            operands_of.append((index[id(a)],))
        elif b is _NARY:
            operands_of.append(tuple([index[id(child)] for child in a]))
        else:
            operands_of.append((index[id(a)], index[id(b)]))
    return nodes, operands_of, index


def forward_order(root):
    """Every node of ``root``'s graph once, operands before results."""
    return numbered(root)[0]


def backward_positions(root, operands_of, nary):
    """backward()'s order on a numbered graph: the interior nodes' numbers (each after all of
    its consumers), from ``root``'s number, operands_of[i] the numbers of node i's operands
    and ``nary`` the numbers of n-ary nodes; every node numbered is reachable from ``root``
    (as numbered() numbers a graph).  The same counts and the same stack discipline as
    _count_consumers and _propagate, kept in a list so the graph itself is not touched."""
    if not operands_of[root]:
        return []
    # each node's consumers, counted in C (a leaf's count is never read)
    uses = Counter(chain.from_iterable(operands_of))
    pending = list(map(uses.get, range(len(operands_of)), repeat(0)))
    order, stack = [], [root]
    push, pop, visit = stack.append, stack.pop, order.append
    while True:                          # (while True: specialised within the first call)
        i = pop()
        visit(i)
        # _propagate pushes the operands of an n-ary node in order, and b before a otherwise
        for j in (operands_of[i] if i in nary else reversed(operands_of[i])):
            if operands_of[j]:
                left = pending[j] - 1
                pending[j] = left
                if not left:
                    push(j)
        if not stack:
            return order


def backward_order(root):
    """The interior nodes of ``root``'s graph in the order backward() processes them (each
    after all of its consumers), for pictures that replay it step by step."""
    nodes, operands_of, _ = numbered(root)
    nary = {i for i, node in enumerate(nodes) if node._b is _NARY}
    return [nodes[i] for i in backward_positions(len(nodes) - 1, operands_of, nary)]


def _reset_marks(root):
    """After an interrupted backward(): every gradient still marked (see _count_consumers) is
    0.0 again, so the graph can be used as before."""
    for node in numbered(root)[0]:
        g = node.grad
        if g is _FIRST or g.__class__ is _Shares:
            node.grad = 0.0


def zero_grad(values):
    """Set ``.grad`` of every Value in ``values`` to 0.0."""
    for v in values:
        v.grad = 0.0
