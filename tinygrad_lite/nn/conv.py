"""Convolutions and pooling, channels first, with PyTorch's arguments and layouts.

    Conv1d / Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                    groups=1, bias=True, padding_mode="zeros")     weight out×(in/groups)×k…
    MaxPool1d / MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)
    AvgPool1d / AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
                          count_include_pad=True)
    Flatten(start_dim=0, end_dim=-1)

Every size may be an int or a tuple (one entry per spatial axis: kernel_size=(3,) for
Conv1d); padding may also be "valid" (none) or "same" (the output as long as the input, stride
1; an odd total is padded one more on the right, as torch does).  As in PyTorch a
"convolution" is a cross-correlation: out[o][t] = bias[o] + Σ_c Σ_j weight[o][c][j] ·
x[g·C/groups + c][t·stride + j·dilation − padding], zero padding (padded positions add no
term).  Inputs are one sample, [C, L] or [C, H, W], or a batch of them, [N, C, …], as torch
takes both.
"""

import itertools
import math

from ..engine import maximum
from ..functional import dot
from ..nested import shape_of
from ..seeding import resolve_rng
from .checks import as_grid, positive_int
from .init import uniform
from .module import Module

__all__ = ["Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "Flatten"]


def _sizes(layer, name, value, dims, minimum=1):
    """An int or a tuple of ``dims`` ints, as a tuple (torch's kernel_size=3, (3,), (3, 2))."""
    if isinstance(value, (tuple, list)):
        if len(value) != dims:
            raise ValueError(f"{layer}: {name} must be an int or {dims} ints, got {value!r}")
        return tuple(positive_int(layer, name, v, minimum) for v in value)
    return (positive_int(layer, name, value, minimum),) * dims


def _output_size(layer, size, kernel, stride, before, after, dilation, axis, ceil_mode=False):
    span = size + before + after - dilation * (kernel - 1) - 1
    if span < 0:
        raise ValueError(f"{layer}: the input's {axis} ({size}, padding {before}+{after}) is "
                         f"smaller than the kernel ({kernel}, dilation {dilation})")
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + before:
        out -= 1                    # the last window must start inside the input or its padding
    return out


AXES = ("length",), ("height", "width")


class _ConvNd(Module):
    """The convolution over ``dims`` spatial axes (1 or 2)."""

    dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", rng=None):
        super().__init__()
        name, d = type(self).__name__, self.dims
        self.in_channels = positive_int(name, "in_channels", in_channels)
        self.out_channels = positive_int(name, "out_channels", out_channels)
        self.groups = positive_int(name, "groups", groups)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {', '.join(PADDING_MODES)}, "
                             f"got {padding_mode!r}")
        self.padding_mode = padding_mode
        self.kernel_size = _sizes(name, "kernel_size", kernel_size, d)
        self.stride = _sizes(name, "stride", stride, d)
        self.dilation = _sizes(name, "dilation", dilation, d)
        if padding == "valid":
            self.padding, self._pads = padding, ((0, 0),) * d
        elif padding == "same":
            if any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' needs stride 1, as in torch")
            totals = [dl * (k - 1) for dl, k in zip(self.dilation, self.kernel_size)]
            self.padding, self._pads = padding, tuple((t // 2, t - t // 2) for t in totals)
        elif isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', got "
                             f"{padding!r}")
        else:
            self.padding = _sizes(name, "padding", padding, d, minimum=0)
            self._pads = tuple((p, p) for p in self.padding)
        rng = resolve_rng(rng, name)
        per_group = in_channels // groups
        bound = 1.0 / math.sqrt(per_group * math.prod(self.kernel_size))
        self.register_parameter("weight", uniform((out_channels, per_group, *self.kernel_size),
                                                  bound, rng))
        if bias:
            self.register_parameter("bias", uniform((out_channels,), bound, rng))
        else:
            self.bias = None

    def forward(self, x):
        d = self.dims
        if len(shape_of(x)) == d + 2:                   # a batch: [N, C, …]
            return [self.forward(sample) for sample in x]
        x = as_grid(self.describe(), x, self.in_channels, d + 1)
        sizes = shape_of(x)[1:]
        outs = [_output_size(self.describe(), n, k, s, before, after, dl, axis)
                for n, k, s, (before, after), dl, axis in
                zip(sizes, self.kernel_size, self.stride, self._pads, self.dilation, AXES[d - 1])]
        mode = self.padding_mode
        if mode == "reflect" and any(p >= n for (before, after), n in zip(self._pads, sizes)
                                     for p in (before, after)):
            raise ValueError(f"{self.describe()}: reflect padding {self.padding} must be smaller "
                             f"than the input's size {list(sizes)}, as torch requires")
        per_group_in = self.in_channels // self.groups
        per_group_out = self.out_channels // self.groups
        offsets = list(itertools.product(*(range(k) for k in self.kernel_size)))
        result = []
        for o in range(self.out_channels):
            first = (o // per_group_out) * per_group_in
            flat = []
            for position in itertools.product(*(range(n) for n in outs)):
                ws, xs = [], []
                for c in range(per_group_in):
                    kernel = self.weight[o][c]
                    plane = x[first + c]
                    for offset in offsets:
                        where = [_source(t * s + j * dl - before, n, mode) for
                                 t, s, j, dl, (before, _), n in
                                 zip(position, self.stride, offset, self.dilation, self._pads,
                                     sizes)]
                        if None not in where:
                            ws.append(_at(kernel, offset))
                            xs.append(_at(plane, where))
                flat.append(dot(ws, xs, self.bias[o] if self.bias else None))
            result.append(_shape(flat, outs))
        return result

    def describe(self):
        return f"{type(self).__name__}({self.in_channels}→{self.out_channels}, kernel " \
               f"{self.kernel_size if self.dims > 1 else self.kernel_size[0]})"

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")
        if any(dl != 1 for dl in self.dilation):
            text += f", dilation={self.dilation}"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode!r}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + (", bias=False" if self.bias is None else "")


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _source(w, n, mode):
    """The input position that padded position ``w`` of a size-``n`` axis reads (torch's
    padding modes), or None for a zero."""
    if 0 <= w < n:
        return w
    if mode == "zeros":
        return None
    if mode == "replicate":
        return 0 if w < 0 else n - 1
    if mode == "circular":
        return w % n
    return -w if w < 0 else 2 * (n - 1) - w               # reflect: the edge is not repeated


def _at(nested, index):
    for i in index:
        nested = nested[i]
    return nested


def _shape(flat, sizes):
    """A flat row-major list as nested lists of the given sizes."""
    for n in reversed(sizes[1:]):
        flat = [flat[i:i + n] for i in range(0, len(flat), n)]
    return flat


class Conv1d(_ConvNd):
    """1-D cross-correlation over a sequence of ``in_channels``-vectors (input [C, L])."""
    dims = 1


class Conv2d(_ConvNd):
    """2-D cross-correlation over an image of ``in_channels`` planes (input [C, H, W])."""
    dims = 2


class _PoolNd(Module):
    """Max or average over each window of each channel, over ``dims`` spatial axes."""

    dims = 1
    kind = "max"

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        name, d = type(self).__name__, self.dims
        self.kernel_size = _sizes(name, "kernel_size", kernel_size, d)
        self.stride = _sizes(name, "stride", stride, d) if stride is not None \
            else self.kernel_size
        self.padding = _sizes(name, "padding", padding, d, minimum=0)
        self.dilation = _sizes(name, "dilation", dilation, d)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding {self.padding} must be at most half the "
                             f"kernel size {self.kernel_size}")

    def forward(self, x):
        name, d = type(self).__name__, self.dims
        if not isinstance(x, (list, tuple)) or not x or not isinstance(x[0], (list, tuple)):
            raise TypeError(f"{name} expected an input of shape "
                            f"{'[C, L]' if d == 1 else '[C, H, W]'} (or a batch of them)")
        if len(shape_of(x)) == d + 2:                   # a batch: [N, C, …]
            return [self.forward(sample) for sample in x]
        x = as_grid(name, x, len(x), d + 1)
        sizes = shape_of(x)[1:]
        outs = [_output_size(name, n, k, s, p, p, dl, axis, self.ceil_mode)
                for n, k, s, p, dl, axis in zip(sizes, self.kernel_size, self.stride,
                                                self.padding, self.dilation, AXES[d - 1])]
        result = []
        for plane in x:
            flat = []
            for position in itertools.product(*(range(n) for n in outs)):
                starts = [t * s - p for t, s, p in zip(position, self.stride, self.padding)]
                window = []
                for offset in itertools.product(*(range(k) for k in self.kernel_size)):
                    where = [b + j * dl for b, j, dl in zip(starts, offset, self.dilation)]
                    if all(0 <= w < n for w, n in zip(where, sizes)):
                        window.append(_at(plane, where))
                flat.append(maximum(window) if self.kind == "max" else
                            self._average(window, starts, sizes))
            result.append(_shape(flat, outs))
        return result

    def _average(self, window, starts, sizes):
        """Σ window / the divisor torch uses: the window's extent within the padded input
        (count_include_pad), or within the input itself."""
        divisor = 1
        for b, k, p, n in zip(starts, self.kernel_size, self.padding, sizes):
            end = min(b + k, n + p)
            divisor *= (end - b) if self.count_include_pad else (min(end, n) - max(b, 0))
        total = window[0]
        for v in window[1:]:
            total = total + v
        return total / divisor

    def extra_repr(self):
        text = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        if self.kind == "max" and any(dl != 1 for dl in self.dilation):
            text += f", dilation={self.dilation}"
        text += ", ceil_mode=True" if self.ceil_mode else ""
        if self.kind != "max" and not self.count_include_pad:
            text += ", count_include_pad=False"
        return text


class MaxPool1d(_PoolNd):
    """The maximum over each window (input [C, L]): the gradient flows to the arg-max alone
    (the first one on ties, as torch's max-pooling), padding never wins."""
    dims, kind = 1, "max"

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        super().__init__(kernel_size, stride, padding, dilation, ceil_mode)


class MaxPool2d(_PoolNd):
    """The maximum over each window (input [C, H, W]), one ``maximum`` node per window: the
    gradient flows to the arg-max alone (the first one on ties, as torch's max-pooling),
    chosen afresh at every backward; padding never wins."""
    dims, kind = 2, "max"

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        super().__init__(kernel_size, stride, padding, dilation, ceil_mode)


class AvgPool1d(_PoolNd):
    """The mean over each window (input [C, L]), torch's divisor (count_include_pad)."""
    dims, kind = 1, "avg"

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__(kernel_size, stride, padding, 1, ceil_mode, count_include_pad)


class AvgPool2d(_PoolNd):
    """The mean over each window (input [C, H, W]), torch's divisor (count_include_pad)."""
    dims, kind = 2, "avg"

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__(kernel_size, stride, padding, 1, ceil_mode, count_include_pad)


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
