"""Stateless functions over lists of Values: activations, dot products, softmax.

    dot(weights, inputs, start)     Σ w_i x_i + start
    relu, tanh, sigmoid, identity   elementwise over a list
    ACTIVATIONS, activation(name)   the activations by name
    softmax, log_softmax            numerically stable over a list
"""

from .engine import Value, linear, maximum

__all__ = ["dot", "relu", "tanh", "sigmoid", "identity", "activation", "ACTIVATIONS",
           "softmax", "log_softmax", "as_values"]


def as_values(xs, where):
    """xs as a list of Values (numbers become constants); a clear TypeError otherwise."""
    if isinstance(xs, (Value, int, float)):
        raise TypeError(f"{where}: expected a list of numbers or Values, got a single "
                        f"{type(xs).__name__}; wrap it in a list")
    try:
        items = list(xs)
    except TypeError:
        raise TypeError(f"{where}: expected a list of numbers or Values, got "
                        f"{type(xs).__name__}") from None
    out = []
    for i, x in enumerate(items):
        if isinstance(x, Value):
            out.append(x)
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            out.append(Value(x))
        else:
            raise TypeError(f"{where}: element {i} is {type(x).__name__} {x!r}, not a number "
                            "or a Value")
    return out


def dot(weights, inputs, start=None):
    """start + Σ_i weights[i]·inputs[i] as one graph node (engine.linear): the same floats as
    adding term by term from ``start``, left to right, at a fraction of the cost."""
    return linear(weights, inputs, start)


def identity(xs):
    return list(xs)


def relu(xs):
    return [x.relu() for x in xs]


def tanh(xs):
    return [x.tanh() for x in xs]


def sigmoid(xs):
    return [x.sigmoid() for x in xs]


def leaky_relu(xs, negative_slope=0.01):
    return [x.leaky_relu(negative_slope) for x in xs]


def gelu(xs):
    return [x.gelu() for x in xs]


def elu(xs, alpha=1.0):
    return [x.elu(alpha) for x in xs]


def silu(xs):
    return [x.silu() for x in xs]


ACTIVATIONS = {None: identity, "identity": identity, "relu": relu, "tanh": tanh,
               "sigmoid": sigmoid, "leaky_relu": leaky_relu, "gelu": gelu, "elu": elu,
               "silu": silu}


def activation(spec, where):
    """An activation from its name (None, "identity", "relu", "tanh", "sigmoid") or a callable
    applied to each element; a clear ValueError for anything else."""
    if callable(spec):
        return lambda xs: [spec(x) for x in xs]
    if spec in ACTIVATIONS:
        return ACTIVATIONS[spec]
    names = ", ".join(repr(k) for k in ACTIVATIONS)
    raise ValueError(f"{where}: unknown activation {spec!r}; use one of {names} or a callable")


def _nonempty(xs, where):
    if not xs:
        raise ValueError(f"{where}: no logits (an empty list)")
    return xs


def softmax(xs):
    """exp(x_i - max) / Σ exp(x_j - max): the max is subtracted so that exp never overflows."""
    xs = _nonempty(as_values(xs, "softmax"), "softmax")
    m = maximum(xs, detached=True)          # recomputed from the numbers, never differentiated
    exps = [(x - m).exp() for x in xs]
    total = sum(exps[1:], exps[0])
    return [e / total for e in exps]


def log_softmax(xs):
    """x_i - max - log Σ exp(x_j - max): stable for any size of logits."""
    xs = _nonempty(as_values(xs, "log_softmax"), "log_softmax")
    m = maximum(xs, detached=True)
    shifted = [x - m for x in xs]
    exps = [s.exp() for s in shifted]
    log_total = sum(exps[1:], exps[0]).log()
    return [s - log_total for s in shifted]


