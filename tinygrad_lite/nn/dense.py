"""Dense (Linear) layers and the activation modules.

    Dense(in_features, out_features, bias=True, activation=None)   y = σ(W x + b)
    Linear                                                          the same class
    ReLU, Tanh, Sigmoid, Identity                                   activations as modules
"""

import math

from ..engine import Value
from ..functional import dot, activation as lookup_activation, as_values
from ..nested import full, map_leaves
from ..seeding import resolve_rng
from .module import Module

__all__ = ["Dense", "Linear", "ReLU", "Tanh", "Sigmoid", "Identity", "tutorial_name"]


def tutorial_name(symbol, *indices):
    """The tutorial's names: ("θ", 1, 2) -> "θ12"; past 9, indices are comma-separated."""
    if all(i < 10 for i in indices):
        return symbol + "".join(str(i) for i in indices)
    return symbol + ",".join(str(i) for i in indices)


class Dense(Module):
    """A fully connected layer: y = σ(W x + b), one output per row of W.

    ``weight`` is out_features × in_features (row = neuron, column = input, as in the tutorial
    and PyTorch); ``bias`` has out_features entries.  Both start from PyTorch's default,
    U(-1/√in, 1/√in).  ``activation`` is None/"identity", "relu", "tanh", "sigmoid" or a
    callable applied to each output.  ``names=("θ", "b")`` names the parameters after the
    tutorial: weight[i][j] is θ(i+1)(j+1), bias[i] is b(i+1).

    >>> from tinygrad_lite import nn
    >>> layer = nn.Dense(3, 4, names=("θ", "b"))
    >>> layer.weight[0][1].name, layer.bias[3].name
    ('θ12', 'b4')
    """

    def __init__(self, in_features, out_features, bias=True, activation=None, names=None,
                 rng=None):
        super().__init__()
        for arg, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Dense: {arg} must be a positive int, got {value!r}")
        self.in_features, self.out_features = in_features, out_features
        self.activation_name = activation if isinstance(activation, (str, type(None))) else \
            getattr(activation, "__name__", "callable")
        self._activation = lookup_activation(activation, "Dense")
        rng = resolve_rng(rng, "Dense")
        weight_symbol, bias_symbol = names if names is not None else (None, None)
        bound = 1.0 / math.sqrt(in_features)

        def weight(index):
            i, j = index
            name = tutorial_name(weight_symbol, i + 1, j + 1) if weight_symbol else None
            return Value(rng.uniform(-bound, bound), name=name)

        def bias_entry(index):
            (i,) = index
            name = tutorial_name(bias_symbol, i + 1) if bias_symbol else None
            return Value(rng.uniform(-bound, bound), name=name)

        self.register_parameter("weight", full((out_features, in_features), weight))
        if bias:
            self.register_parameter("bias", full((out_features,), bias_entry))
        else:
            self.bias = None

    def forward(self, x):
        x = as_values(x, f"Dense({self.in_features}→{self.out_features})")
        if len(x) != self.in_features:
            raise ValueError(f"Dense({self.in_features}→{self.out_features}) expected "
                             f"{self.in_features} inputs, got {len(x)}")
        bias = self.bias or [None] * self.out_features
        z = [dot(row, x, b) for row, b in zip(self.weight, bias)]
        return self._activation(z)

    def extra_repr(self):
        text = f"in_features={self.in_features}, out_features={self.out_features}"
        if self.bias is None:
            text += ", bias=False"
        if self.activation_name not in (None, "identity"):
            text += f", activation={self.activation_name!r}"
        return text


Linear = Dense


class _Elementwise(Module):
    """A function applied to every entry of a Value, a list or a nested list ([C, H, W])."""
    function = None

    def forward(self, x):
        function, name = type(self).function, type(self).__name__

        def apply(v):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                v = Value(v)
            if not isinstance(v, Value):
                raise TypeError(f"{name}: expected numbers or Values, got {type(v).__name__}")
            return function(v)
        return map_leaves(apply, x)


class ReLU(_Elementwise):
    """max(x, 0) elementwise."""
    function = Value.relu


class Tanh(_Elementwise):
    """tanh elementwise."""
    function = Value.tanh


class Sigmoid(_Elementwise):
    """The logistic sigmoid elementwise."""
    function = Value.sigmoid


class Identity(_Elementwise):
    """The identity: returns its input."""
    function = staticmethod(lambda v: v)
