"""Convolutions and pooling, channels first, with PyTorch's layouts.

    Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0)   weight out×in×k
    Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0)   weight out×in×kh×kw
    MaxPool2d(kernel_size, stride=None, padding=0)                        gradient to the arg-max
    Flatten()                                                             nested list -> vector

As in PyTorch (and most frameworks) a "convolution" is a cross-correlation: the kernel is not
flipped.  out[o][t] = bias[o] + Σ_c Σ_j weight[o][c][j] · x[c][t·stride + j - padding], with
zero padding (padded positions contribute no term).
"""

import math

from ..engine import maximum
from ..functional import dot
from ..nested import shape_of, entries
from ..seeding import resolve_rng
from .checks import as_grid, pair, positive_int
from .init import uniform
from .module import Module

__all__ = ["Conv1d", "Conv2d", "MaxPool2d", "Flatten"]


def _output_size(layer, size, kernel, stride, padding, axis):
    out = (size + 2 * padding - kernel) // stride + 1
    if out < 1:
        raise ValueError(f"{layer}: the input's {axis} ({size}, padding {padding}) is smaller "
                         f"than the kernel ({kernel})")
    return out


def _register_kernel(module, name, in_channels, out_channels, kernel_shape, bias, rng):
    """weight out×in×(kernel) and bias, U(-1/√fan_in, 1/√fan_in) as PyTorch initialises them."""
    rng = resolve_rng(rng, name)
    bound = 1.0 / math.sqrt(in_channels * math.prod(kernel_shape))
    module.register_parameter("weight", uniform((out_channels, in_channels, *kernel_shape),
                                                bound, rng))
    if bias:
        module.register_parameter("bias", uniform((out_channels,), bound, rng))
    else:
        module.bias = None


class Conv1d(Module):
    """1-D cross-correlation over a sequence of ``in_channels``-vectors (input [C, L])."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 rng=None):
        super().__init__()
        name = "Conv1d"
        self.in_channels = positive_int(name, "in_channels", in_channels)
        self.out_channels = positive_int(name, "out_channels", out_channels)
        self.kernel_size = positive_int(name, "kernel_size", kernel_size)
        self.stride = positive_int(name, "stride", stride)
        self.padding = positive_int(name, "padding", padding, minimum=0)
        _register_kernel(self, name, in_channels, out_channels, (kernel_size,), bias, rng)

    def forward(self, x):
        x = as_grid(self.describe(), x, self.in_channels, 2)
        length = len(x[0])
        k, s, p = self.kernel_size, self.stride, self.padding
        out_length = _output_size(self.describe(), length, k, s, p, "length")
        out = []
        for o in range(self.out_channels):
            row = []
            for t in range(out_length):
                ws, xs = [], []
                for c in range(self.in_channels):
                    for j in range(k):
                        position = t * s + j - p
                        if 0 <= position < length:
                            ws.append(self.weight[o][c][j])
                            xs.append(x[c][position])
                row.append(dot(ws, xs, self.bias[o] if self.bias else None))
            out.append(row)
        return out

    def describe(self):
        return f"Conv1d({self.in_channels}→{self.out_channels}, kernel {self.kernel_size})"

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class Conv2d(Module):
    """2-D cross-correlation over an image of ``in_channels`` planes (input [C, H, W])."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 rng=None):
        super().__init__()
        name = "Conv2d"
        self.in_channels = positive_int(name, "in_channels", in_channels)
        self.out_channels = positive_int(name, "out_channels", out_channels)
        self.kernel_size = pair(name, "kernel_size", kernel_size)
        self.stride = pair(name, "stride", stride)
        self.padding = pair(name, "padding", padding, minimum=0)
        _register_kernel(self, name, in_channels, out_channels, self.kernel_size, bias, rng)

    def forward(self, x):
        x = as_grid(self.describe(), x, self.in_channels, 3)
        height, width = len(x[0]), len(x[0][0])
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        out_h = _output_size(self.describe(), height, kh, sh, ph, "height")
        out_w = _output_size(self.describe(), width, kw, sw, pw, "width")
        out = []
        for o in range(self.out_channels):
            plane = []
            for i in range(out_h):
                row = []
                for j in range(out_w):
                    ws, xs = [], []
                    for c in range(self.in_channels):
                        for a in range(kh):
                            r = i * sh + a - ph
                            if not 0 <= r < height:
                                continue
                            for b in range(kw):
                                q = j * sw + b - pw
                                if 0 <= q < width:
                                    ws.append(self.weight[o][c][a][b])
                                    xs.append(x[c][r][q])
                    row.append(dot(ws, xs, self.bias[o] if self.bias else None))
                plane.append(row)
            out.append(plane)
        return out

    def describe(self):
        return f"Conv2d({self.in_channels}→{self.out_channels}, kernel {self.kernel_size})"

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class MaxPool2d(Module):
    """The maximum over each window of each channel (input [C, H, W]), one ``maximum`` node per
    window: the gradient flows to the arg-max alone (the first one on ties, as in PyTorch),
    chosen afresh at every backward; padding is -inf (it never wins)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = pair("MaxPool2d", "kernel_size", kernel_size)
        self.stride = pair("MaxPool2d", "stride", stride) if stride is not None \
            else self.kernel_size
        self.padding = pair("MaxPool2d", "padding", padding, minimum=0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"MaxPool2d: padding {self.padding} must be at most half the "
                             f"kernel size {self.kernel_size}")

    def forward(self, x):
        if not isinstance(x, (list, tuple)) or not x or not isinstance(x[0], (list, tuple)):
            raise TypeError("MaxPool2d expected an input of shape [C, H, W]")
        channels = len(x)
        x = as_grid("MaxPool2d", x, channels, 3)
        height, width = len(x[0]), len(x[0][0])
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        out_h = _output_size("MaxPool2d", height, kh, sh, ph, "height")
        out_w = _output_size("MaxPool2d", width, kw, sw, pw, "width")
        out = []
        for c in range(channels):
            plane = []
            for i in range(out_h):
                row = []
                for j in range(out_w):
                    window = [x[c][r][q] for r in range(i * sh - ph, i * sh - ph + kh)
                              for q in range(j * sw - pw, j * sw - pw + kw)
                              if 0 <= r < height and 0 <= q < width]
                    row.append(maximum(window))
                plane.append(row)
            out.append(plane)
        return out

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Flatten(Module):
    """The axes start_dim … end_dim of a nested list merged into one, in row-major order.

    The input is one sample (no batch axis), so the default start_dim is 0: a [C, H, W]
    sample becomes one vector, as torch's Flatten() (start_dim=1) does to each sample of a
    batch.  Negative dims count from the end, as in torch."""

    def __init__(self, start_dim=0, end_dim=-1):
        super().__init__()
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Flatten: {name} must be an int, got {value!r}")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        if not isinstance(x, (list, tuple)):
            raise TypeError(f"Flatten expected a nested list, got {type(x).__name__}")
        rank = len(shape_of(x))
        start = self.start_dim % rank if -rank <= self.start_dim < rank else None
        end = self.end_dim % rank if -rank <= self.end_dim < rank else None
        if start is None or end is None or start > end:
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) "
                             f"does not fit an input of {rank} axes")
        return _flatten_axes(x, start, end)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def _flatten_axes(x, start, end):
    """Merge axes start … end of a nested list (an axis is a level of nesting)."""
    if start == 0:
        merged = [x]
        for _ in range(end + 1):
            merged = [item for sub in merged for item in sub]
        return merged
    return [_flatten_axes(sub, start - 1, end - 1) for sub in x]
