"""Derivatives of any order: gradients that are themselves Values.

    grad(output, inputs, create_graph=False)   d output / d input for each input
    hessian(f, point)                          the matrix of second derivatives of f at point
    hvp(f, point, vector)                      Hessian-vector product H·v, without forming H

``grad`` runs the same local-derivative rules as ``backward()`` (each Op's ``local``), but
collects the gradients in a mapping instead of ``.grad``.  With ``create_graph=True`` the
rules run on the Values themselves, so every gradient is a Value recorded in a new graph
that reaches back to the inputs, and can be differentiated again:

>>> from tinygrad_lite import Value
>>> from tinygrad_lite.autograd import grad
>>> x = Value(2.0)
>>> y = x ** 3
>>> (dy,) = grad(y, [x], create_graph=True)    # 3x² = 12
>>> (d2y,) = grad(dy, [x], create_graph=True)  # 6x = 12
>>> (d3y,) = grad(d2y, [x])                    # 6
>>> dy.data, d2y.data, d3y
(12.0, 12.0, 6.0)

At the conventional non-differentiable points the local rules are piecewise constants
(relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope), so every higher derivative there is 0.
``.grad`` is left untouched by all three functions.
"""

from .engine import Value, backward_order

__all__ = ["grad", "hessian", "hvp"]


def grad(output, inputs, create_graph=False):
    """The derivative of ``output`` with respect to each of ``inputs`` (a list of Values).

    Returns a list: floats, or Values in a new graph when ``create_graph=True``.  An input the
    output does not depend on gets 0.0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    inputs = list(inputs) if not isinstance(inputs, Value) else [inputs]
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] is {type(x).__name__}, not a Value")
    grads = {id(output): Value(1.0) if create_graph else 1.0}
    for node in backward_order(output):      # interior nodes, in backward()'s own order
        g = grads.get(id(node))
        if g is None:
            continue
        operands = node.operands
        if create_graph:
            local = node.op.derivatives(operands, node)
        else:
            local = node.op.derivatives([v.data for v in operands], node.data)
        for operand, d in zip(operands, local):
            contribution = g if (d.__class__ is float and d == 1.0) else d * g
            key = id(operand)
            grads[key] = contribution if key not in grads else grads[key] + contribution
    return [grads.get(id(x), 0.0) for x in inputs]


def _leaves(point, where):
    from .gradcheck import _unpack_point
    numbers, labels = _unpack_point(point, None)
    return [Value(x, name=label) for x, label in zip(numbers, labels)]


def hessian(f, point):
    """H[i][j] = ∂²f/∂x_i∂x_j at ``point`` (a list of numbers), f taking one Value per input."""
    xs = _leaves(point, "hessian")
    y = f(*xs)
    if not isinstance(y, Value):
        raise TypeError(f"hessian: f must return a Value, got {type(y).__name__}")
    first = grad(y, xs, create_graph=True)
    return [grad(g, xs) if isinstance(g, Value) else [0.0] * len(xs) for g in first]


def hvp(f, point, vector):
    """H·v at ``point``: the derivative of (∇f · v), one reverse pass over a first-order graph."""
    xs = _leaves(point, "hvp")
    vector = [float(v) for v in vector]
    if len(vector) != len(xs):
        raise ValueError(f"hvp: the vector has {len(vector)} entries for {len(xs)} inputs")
    y = f(*xs)
    first = grad(y, xs, create_graph=True)
    total = None
    for g, v in zip(first, vector):
        if isinstance(g, Value):
            total = g * v if total is None else total + g * v
    return grad(total, xs) if total is not None else [0.0] * len(xs)
