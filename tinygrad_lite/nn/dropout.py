"""Dropout: inverted dropout in training mode, the identity in evaluation mode.

    Dropout(p=0.5, rng=None)
"""

from ..engine import Value
from ..seeding import resolve_rng
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """In training mode each entry is zeroed with probability ``p`` and the others are scaled
    by 1/(1 - p), so the expected output equals the input; in eval mode the input passes
    unchanged.  Reproducible: the draws come from ``rng`` (or the default generator)."""

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        object.__setattr__(self, "rng", resolve_rng(rng, "Dropout"))

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        return self._drop(x, scale)

    def _drop(self, x, scale):
        if isinstance(x, (list, tuple)):
            return [self._drop(item, scale) for item in x]
        if not isinstance(x, (Value, int, float)) or isinstance(x, bool):
            raise TypeError(f"Dropout: expected numbers or Values, got {type(x).__name__}")
        x = x if isinstance(x, Value) else Value(x)
        return x * (0.0 if self.rng.random() < self.p else scale)

    def extra_repr(self):
        return f"p={self.p}"
