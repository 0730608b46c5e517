"""RNN: the Elman recurrence, with PyTorch's parameter names and layouts.

    RNN(input_size, hidden_size, nonlinearity="tanh", bias=True)
        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        weight_ih_l0 (hidden × input), weight_hh_l0 (hidden × hidden), bias_ih_l0, bias_hh_l0
"""

import math

from ..engine import Value
from ..functional import dot
from ..seeding import resolve_rng
from .checks import as_vector, positive_int
from .init import uniform
from .module import Module

__all__ = ["RNN"]


class RNN(Module):
    """One recurrent layer over a sequence of vectors.

    ``forward(sequence, h0=None)`` takes a list of ``input_size``-vectors and returns
    ``(outputs, h_last)``: every hidden state h_1 … h_T, and h_T.  h0 defaults to zeros.
    All parameters start U(-1/√hidden, 1/√hidden), as in PyTorch.
    """

    def __init__(self, input_size, hidden_size, nonlinearity="tanh", bias=True, rng=None):
        super().__init__()
        self.input_size = positive_int("RNN", "input_size", input_size)
        self.hidden_size = positive_int("RNN", "hidden_size", hidden_size)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        rng = resolve_rng(rng, "RNN")
        bound = 1.0 / math.sqrt(hidden_size)
        self.register_parameter("weight_ih_l0", uniform((hidden_size, input_size), bound, rng))
        self.register_parameter("weight_hh_l0", uniform((hidden_size, hidden_size), bound, rng))
        self.has_bias = bool(bias)
        if bias:
            self.register_parameter("bias_ih_l0", uniform((hidden_size,), bound, rng))
            self.register_parameter("bias_hh_l0", uniform((hidden_size,), bound, rng))

    def forward(self, sequence, h0=None):
        layer = f"RNN({self.input_size}→{self.hidden_size})"
        if not isinstance(sequence, (list, tuple)) or not sequence:
            raise TypeError(f"{layer} expected a non-empty list of input vectors")
        h = [Value(0.0) for _ in range(self.hidden_size)] if h0 is None else \
            as_vector(layer, h0, self.hidden_size, "h0")
        outputs = []
        for t, x in enumerate(sequence):
            x = as_vector(layer, x, self.input_size, f"sequence[{t}]")
            new = []
            for i in range(self.hidden_size):
                b_ih = self.bias_ih_l0[i] if self.has_bias else None
                b_hh = self.bias_hh_l0[i] if self.has_bias else None
                z = dot(self.weight_ih_l0[i], x, b_ih) + dot(self.weight_hh_l0[i], h, b_hh)
                new.append(z.tanh() if self.nonlinearity == "tanh" else z.relu())
            h = new
            outputs.append(h)
        return outputs, h

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r}"
