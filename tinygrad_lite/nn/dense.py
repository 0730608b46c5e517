"""Dense (Linear) layers and the activation modules.

    Dense(in_features, out_features, bias=True, activation=None)   y = σ(W x + b)
    Linear                                                          the same class
    ReLU, Tanh, Sigmoid, Identity                                   activations as modules
"""

import math

from ..engine import Value
from ..functional import dot, activation as lookup_activation, as_values, \
    softmax as _softmax, log_softmax as _log_softmax
from ..nested import full, leaves_of_shape, map_leaves, shape_of
from ..seeding import resolve_rng
from .module import Module, Sequential

__all__ = ["Dense", "Linear", "ReLU", "Tanh", "Sigmoid", "Identity", "LeakyReLU", "GELU", "ELU",
           "SiLU", "Softmax", "LogSoftmax", "MLP", "tutorial_name"]


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
        if isinstance(x, (list, tuple)) and x and isinstance(x[0], (list, tuple)):
            return [self.forward(row) for row in x]      # a batch: N × in_features
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
        name = type(self).__name__

        def apply(v):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                v = Value(v)
            if not isinstance(v, Value):
                raise TypeError(f"{name}: expected numbers or Values, got {type(v).__name__}")
            return self.one(v)
        return map_leaves(apply, x)

    def one(self, v):
        """The function on one Value (a subclass with a parameter overrides this)."""
        return type(self).function(v)


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


class LeakyReLU(_Elementwise):
    """x for x > 0, else negative_slope·x, elementwise (torch.nn.LeakyReLU)."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope
        Value(0.0).leaky_relu(negative_slope)          # refuses a slope that is not a number

    def one(self, v):
        return v.leaky_relu(self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELU(_Elementwise):
    """x·Φ(x) elementwise (torch.nn.GELU): approximate='none' is exact (the engine's gelu op);
    approximate='tanh' is torch's ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), composed of ops."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def one(self, v):
        if self.approximate == "none":
            return v.gelu()
        inner = (v + v * v * v * 0.044715) * math.sqrt(2.0 / math.pi)
        return v * 0.5 * (inner.tanh() + 1.0)

    def extra_repr(self):
        return "" if self.approximate == "none" else "approximate='tanh'"


class ELU(_Elementwise):
    """x for x > 0, else alpha·(e^x − 1), elementwise (torch.nn.ELU)."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha
        Value(0.0).elu(alpha)

    def one(self, v):
        return v.elu(self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class SiLU(_Elementwise):
    """x·σ(x) elementwise (torch.nn.SiLU)."""
    function = Value.silu


class _AlongAxis(Module):
    """A function of a whole vector, applied along one axis of a nested list (torch's ``dim``,
    negative counting from the end).  ``dim=None`` is torch's legacy choice, with its warning
    left out: axis 0 for 0-, 1- and 3-dimensional input, else axis 1."""
    function = None

    def __init__(self, dim=None):
        super().__init__()
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)):
            raise ValueError(f"{type(self).__name__}: dim must be an int or None, got {dim!r}")
        self.dim = dim

    def forward(self, x):
        name = type(self).__name__
        if not isinstance(x, (list, tuple)) or not x:
            raise TypeError(f"{name}: expected a non-empty list, got {type(x).__name__}")
        shape = shape_of(x)
        rank = len(shape)
        dim = (0 if rank in (0, 1, 3) else 1) if self.dim is None else self.dim
        if not -rank <= dim < rank:
            raise ValueError(f"{name}(dim={self.dim}): the input has {rank} dimensions "
                             f"(shape {list(shape)})")
        dim %= rank
        flat = leaves_of_shape(x, shape, name)
        stride = 1
        for size in shape[dim + 1:]:
            stride *= size
        out = list(flat)
        length, block = shape[dim], shape[dim] * stride
        for start in range(0, len(flat), block):            # every vector along the axis
            for offset in range(stride):
                positions = [start + offset + k * stride for k in range(length)]
                for position, y in zip(positions,
                                       type(self).function([flat[p] for p in positions])):
                    out[position] = y
        rows = out
        for size in reversed(shape[1:]):
            rows = [rows[i:i + size] for i in range(0, len(rows), size)]
        return rows

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongAxis):
    """softmax along ``dim`` (torch.nn.Softmax)."""
    function = staticmethod(lambda xs: _softmax(xs))


class LogSoftmax(_AlongAxis):
    """log softmax along ``dim`` (torch.nn.LogSoftmax), computed stably."""
    function = staticmethod(lambda xs: _log_softmax(xs))


class MLP(Sequential):
    """micrograd's MLP as a ready module: Dense layers in_features → sizes…, the activation
    after every layer but the last (micrograd's MLP(2, [16, 16, 1]) is MLP(2, [16, 16, 1]));
    its state_dict keys are Sequential's: "0.weight", "0.bias", "1.weight", …"""

    def __init__(self, in_features, sizes, activation="relu", rng=None):
        if not isinstance(sizes, (list, tuple)) or not sizes:
            raise ValueError(f"MLP: sizes must be a non-empty list of layer sizes, got {sizes!r}")
        dims = [in_features] + list(sizes)
        super().__init__(*[Dense(a, b, activation=activation if k < len(sizes) - 1 else None,
                                 rng=rng) for k, (a, b) in enumerate(zip(dims, dims[1:]))])
