"""Normalisation layers, as torch.nn has them: LayerNorm, BatchNorm1d and BatchNorm2d.

    LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)
        y = (x − mean) / √(var + eps) · weight + bias over the last dimensions (each sample
        on its own; var is the biased variance, as torch's)
    BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)
        y = (x − mean_c) / √(var_c + eps) · weight_c + bias_c per channel c over the batch (and
        the length, for (N, C, L) input); in training the batch's statistics are used and the
        running ones updated (running_var with the unbiased variance), in eval the running ones
    BatchNorm2d(num_features, …)
        the same for (N, C, H, W) input, statistics per channel over N, H and W

All are compositions of the engine's ops (sum, ×, the power −½), so every gradient comes from
the rules already in the op table.  Inputs are nested lists of numbers or Values with torch's
layout; the parameters and buffers have torch's names, so state_dict() loads into torch.
"""

import math

from ..engine import Value
from ..nested import shape_of
from .module import Module

__all__ = ["LayerNorm", "BatchNorm1d", "BatchNorm2d"]


def _normalised(xs, eps):
    """(x − mean) / √(var + eps) for the list ``xs`` (var biased: the mean of the squares)."""
    n = len(xs)
    mean = sum(xs[1:], xs[0]) * (1.0 / n)
    centred = [x - mean for x in xs]
    var = sum((c * c for c in centred[1:]), centred[0] * centred[0]) * (1.0 / n)
    scale = (var + eps) ** -0.5
    return centred, mean, var, scale


class LayerNorm(Module):
    """Normalise each sample over its last ``len(normalized_shape)`` dimensions
    (torch.nn.LayerNorm); ``weight`` starts at 1 and ``bias`` at 0."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        if not shape or any(isinstance(d, bool) or not isinstance(d, int) or d < 1
                            for d in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be positive whole numbers, got "
                             f"{normalized_shape!r}")
        if not (isinstance(eps, (int, float)) and eps > 0):
            raise ValueError(f"LayerNorm: eps must be a positive number, got {eps!r}")
        self.normalized_shape, self.eps = shape, float(eps)
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.register_parameter("weight", _filled(shape, 1.0))
            if bias:
                self.register_parameter("bias", _filled(shape, 0.0))
        self.has_bias = elementwise_affine and bias

    def forward(self, x):
        shape = shape_of(x)
        k = len(self.normalized_shape)
        if shape[len(shape) - k:] != self.normalized_shape or len(shape) < k:
            raise ValueError(f"LayerNorm{list(self.normalized_shape)}: the input's last "
                             f"dimensions are {list(shape[len(shape) - k:])} (input shape "
                             f"{list(shape)})")
        return _map_blocks(x, len(shape) - k, self._one)

    def _one(self, block):
        flat = _flatten(block)
        centred, _, _, scale = _normalised(flat, self.eps)
        out = [c * scale for c in centred]
        if self.elementwise_affine:
            weights = _flatten(self.weight)
            biases = _flatten(self.bias) if self.has_bias else None
            out = [o * w + b for o, w, b in zip(out, weights, biases)] if biases else \
                [o * w for o, w in zip(out, weights)]
        return _unflatten(out, self.normalized_shape)

    def extra_repr(self):
        return (f"{tuple(self.normalized_shape)}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}" +
                (", bias=False" if self.elementwise_affine and not self.has_bias else ""))


class _BatchNorm(Module):
    """Normalise each channel over the batch and the positions (torch's _BatchNorm).  In
    training mode the batch's mean and (biased) variance are used, and running_mean and
    running_var move towards the batch's (running_var with the unbiased variance) by
    ``momentum``; in eval mode the running statistics are used.  momentum=None is torch's
    cumulative average.  A batch of one value per channel is refused in training, as torch
    refuses it (no variance to estimate)."""

    ranks = ()                                   # the input ranks a subclass accepts

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True):
        super().__init__()
        name = type(self).__name__
        if isinstance(num_features, bool) or not isinstance(num_features, int) or \
                num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive whole number, got "
                             f"{num_features!r}")
        if momentum is not None and not (isinstance(momentum, (int, float)) and
                                         0 <= momentum <= 1):
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.num_features, self.eps, self.momentum = num_features, float(eps), momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.register_parameter("weight", _filled((num_features,), 1.0))
            self.register_parameter("bias", _filled((num_features,), 0.0))
        if track_running_stats:
            self.register_buffer("running_mean", [0.0] * num_features)
            self.register_buffer("running_var", [1.0] * num_features)
            self.register_buffer("num_batches_tracked", 0)

    def _expected(self):
        c = self.num_features
        shapes = {2: f"(N, {c})", 3: f"(N, {c}, L)", 4: f"(N, {c}, H, W)"}
        return " or ".join(shapes[r] for r in self.ranks)

    def forward(self, x):
        shape, name = shape_of(x), type(self).__name__
        if len(shape) not in self.ranks or shape[1] != self.num_features:
            raise ValueError(f"{name}({self.num_features}): expected input "
                             f"{self._expected()}, got shape {list(shape)}")
        n, positions = shape[0], shape[2:]
        size = math.prod(positions)
        per_channel = [[v for i in range(n) for v in _flatten([x[i][c]])]
                       for c in range(self.num_features)]
        use_batch = self.training or not self.track_running_stats
        if use_batch and n * size < 2:
            raise ValueError(f"{name}: expected more than 1 value per channel when "
                             f"training, got input size {list(shape)}")
        columns = []
        for c, values in enumerate(per_channel):
            if use_batch:
                centred, mean, var, scale = _normalised(values, self.eps)
                if self.training and self.track_running_stats:
                    self._track(c, _number(mean), _number(var), len(values))
            else:
                mean, var = self.running_mean[c], self.running_var[c]
                scale = (var + self.eps) ** -0.5
                centred = [v - mean for v in values]
            out = [d * scale for d in centred]
            if self.affine:
                out = [o * self.weight[c] + self.bias[c] for o in out]
            columns.append(out)
        if self.training and self.track_running_stats:
            self.register_buffer("num_batches_tracked", self.num_batches_tracked + 1)
        if not positions:
            return [[columns[c][i] for c in range(self.num_features)] for i in range(n)]
        return [[_unflatten(columns[c][i * size:(i + 1) * size], positions)
                 for c in range(self.num_features)] for i in range(n)]

    def _track(self, c, mean, var, count):
        momentum = self.momentum if self.momentum is not None else \
            1.0 / (self.num_batches_tracked + 1)
        unbiased = var * count / (count - 1)
        self.running_mean[c] = (1 - momentum) * self.running_mean[c] + momentum * mean
        self.running_var[c] = (1 - momentum) * self.running_var[c] + momentum * unbiased

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """torch.nn.BatchNorm1d: input (N, C) or (N, C, L), statistics per channel over N (and L)."""
    ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """torch.nn.BatchNorm2d: input (N, C, H, W), statistics per channel over N, H and W."""
    ranks = (4,)


def _number(v):
    return v.data if isinstance(v, Value) else float(v)


def _filled(shape, value):
    """A nested list of new Values of ``shape``, each ``value``."""
    if len(shape) == 1:
        return [Value(value) for _ in range(shape[0])]
    return [_filled(shape[1:], value) for _ in range(shape[0])]


def _flatten(nested):
    out, stack = [], [nested]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def _unflatten(flat, shape):
    if len(shape) == 1:
        return list(flat)
    step = math.prod(shape[1:])
    return [_unflatten(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _map_blocks(x, depth, function):
    """``function`` applied to every block ``depth`` levels down in ``x`` (depth 0: x itself)."""
    if depth == 0:
        return function(x)
    return [_map_blocks(item, depth - 1, function) for item in x]
