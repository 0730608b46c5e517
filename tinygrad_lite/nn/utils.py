"""Gradient utilities.

    clip_grad_norm(parameters, max_norm, norm_type=2.0)   rescale gradients whose norm is too big
"""

import math

from ..engine import Value

__all__ = ["clip_grad_norm", "clip_grad_norm_", "grad_norm"]


def grad_norm(parameters, norm_type=2.0):
    """‖(p.grad for p in parameters)‖ in the given norm (math.inf for the max norm); a
    parameter whose .grad is None has no gradient and is left out, as in torch."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if norm_type == math.inf:
        return max((abs(g) for g in grads), default=0.0)
    return math.fsum(abs(g) ** norm_type for g in grads) ** (1.0 / norm_type)


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    """Scale all gradients by max_norm / (‖g‖ + 1e-6) when that is below 1, as PyTorch's
    torch.nn.utils.clip_grad_norm_ does; returns ‖g‖ before clipping.  The direction of the
    gradient is kept; only its length is capped — the usual cure for exploding gradients."""
    parameters = [parameters] if isinstance(parameters, Value) else list(parameters)
    for i, p in enumerate(parameters):
        if not isinstance(p, Value):
            raise TypeError(f"clip_grad_norm: parameter {i} is {type(p).__name__}, not a Value")
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or max_norm < 0:
        raise ValueError(f"clip_grad_norm: max_norm must be a number >= 0, got {max_norm!r}")
    if norm_type != math.inf and (not isinstance(norm_type, (int, float)) or norm_type <= 0):
        raise ValueError(f"clip_grad_norm: norm_type must be > 0 or math.inf, got {norm_type!r}")
    total = grad_norm(parameters, norm_type)
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        for p in parameters:
            if p.grad is not None:
                p.grad *= coefficient
    return total


clip_grad_norm_ = clip_grad_norm      # PyTorch's spelling (it works in place)
