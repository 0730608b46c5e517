"""Initialisation: PyTorch's default schemes, drawing from an explicit random.Random.

    uniform(shape, bound, rng)      U(-bound, bound) entries (Linear/Conv/RNN defaults)
    xavier_uniform(shape, rng)      U(-a, a), a = √(6 / (fan_in + fan_out))  (attention in-proj)
    normal(shape, rng)              N(0, 1) entries (Embedding)
    zeros(shape)
"""

import math

from ..engine import Value
from ..nested import full

__all__ = ["uniform", "xavier_uniform", "normal", "zeros"]


def uniform(shape, bound, rng):
    return full(shape, lambda index: Value(rng.uniform(-bound, bound)))


def xavier_uniform(shape, rng):
    fan_out, fan_in = shape[0], shape[1]
    return uniform(shape, math.sqrt(6.0 / (fan_in + fan_out)), rng)


def normal(shape, rng):
    return full(shape, lambda index: Value(rng.gauss(0.0, 1.0)))


def zeros(shape):
    return full(shape, lambda index: Value(0.0))
