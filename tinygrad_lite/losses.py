"""Loss functions over Values, with PyTorch's names, arguments and reductions.

    half_sum_of_squares(input, target)          ½ Σ (target - input)²   (the tutorial's L)
    mse_loss(input, target, reduction)          mean (or sum) of (input - target)²
    rmse_loss(input, target)                    √MSE, with gradient 0 at zero error
    cross_entropy(logits, target, reduction)    -log softmax(logits)[target], per sample
    binary_cross_entropy(input, target)         -(y log p + (1-y) log(1-p)), log clamped at -100
    binary_cross_entropy_with_logits(...)       the same on logits, computed stably

``input`` and ``target`` are lists (one entry per sample) or single numbers/Values.
``reduction`` is "mean" (default), "sum" or "none" (a list of per-sample losses).
"""

from .engine import BINARY_CROSS_ENTROPY, SQRT_ZERO_AT_ZERO, Value, apply
from .functional import as_values, log_softmax

__all__ = ["half_sum_of_squares", "mse_loss", "rmse_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits"]


def _pair(input, target, where):
    single = isinstance(input, (Value, int, float))
    inputs = as_values([input] if single else input, f"{where}(input)")
    targets = as_values([target] if isinstance(target, (Value, int, float)) else target,
                        f"{where}(target)")
    if len(inputs) != len(targets):
        raise ValueError(f"{where}: input has {len(inputs)} entries, target {len(targets)}")
    if not inputs:
        raise ValueError(f"{where}: no samples")
    return inputs, targets


def _reduce(losses, reduction, where):
    if reduction == "none":
        return losses
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    if reduction == "sum":
        return total
    if reduction == "mean":
        return total / len(losses)
    raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def half_sum_of_squares(input, target):
    """L = ½ Σ_k (target_k - input_k)²: the tutorial's loss; dL/d input_k = -(target_k - input_k)."""
    inputs, targets = _pair(input, target, "half_sum_of_squares")
    return 0.5 * _reduce([(y - q) ** 2 for q, y in zip(inputs, targets)], "sum", "")


def mse_loss(input, target, reduction="mean"):
    """(1/n) Σ (input - target)² (or the sum, or the list)."""
    inputs, targets = _pair(input, target, "mse_loss")
    return _reduce([(q - y) ** 2 for q, y in zip(inputs, targets)], reduction, "mse_loss")


def rmse_loss(input, target):
    """√MSE.  Its derivative (input - target)/(n·RMSE) is undefined at zero error; like abs'(0)
    it is taken as 0 there, so a perfect fit gets a zero gradient rather than NaN.  (The rule
    is an op, so a compiled graph follows it at every run.)"""
    return apply(SQRT_ZERO_AT_ZERO, mse_loss(input, target))


def cross_entropy(input, target, reduction="mean"):
    """-log softmax(logits)[class] via a stable log-softmax.  ``input`` is one list of logits
    and ``target`` a class index, or a list of logit lists and a list of indices."""
    if input and isinstance(input[0], (list, tuple)):
        if isinstance(target, int) or len(input) != len(target):
            raise ValueError(f"cross_entropy: {len(input)} samples of logits need as many "
                             f"class indices, got {target!r}")
        losses = [_one_cross_entropy(logits, k, i) for i, (logits, k) in
                  enumerate(zip(input, target))]
        return _reduce(losses, reduction, "cross_entropy")
    return _one_cross_entropy(input, target, None)


def _one_cross_entropy(logits, k, sample):
    where = "cross_entropy" + (f" (sample {sample})" if sample is not None else "")
    logits = as_values(logits, where)
    if not logits:
        raise ValueError(f"{where}: no logits (an empty list); one per class is needed")
    log_p = log_softmax(logits)
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"{where}: the target must be a class index (int), got {k!r}")
    if not 0 <= k < len(log_p):
        raise IndexError(f"{where}: class index {k} is out of range for {len(log_p)} classes")
    return -log_p[k]


def binary_cross_entropy(input, target, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) for probabilities p and targets y in [0, 1], as torch's
    BCELoss: each log floored at -100, and the gradient (p - y) / max(p(1 - p), 1e-12), so
    that p = 0 or 1 gives a large finite gradient, not 0 or inf.  Either outside [0, 1] is
    an error."""
    inputs, targets = _pair(input, target, "binary_cross_entropy")
    for where, values in (("input", inputs), ("target", targets)):
        for i, v in enumerate(values):
            if not 0.0 <= v.data <= 1.0:
                hint = (" (use binary_cross_entropy_with_logits for logits)"
                        if where == "input" else "")
                raise ValueError(f"binary_cross_entropy: {where} {i} is {v.data!r}, not in "
                                 f"[0, 1]{hint}")
    losses = [apply(BINARY_CROSS_ENTROPY, p, y) for p, y in zip(inputs, targets)]
    return _reduce(losses, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE on logits x: softplus(x) - y·x, where softplus(x) = log(1 + e^x) is computed without
    overflow; the gradient is sigmoid(x) - y everywhere."""
    inputs, targets = _pair(input, target, "binary_cross_entropy_with_logits")
    losses = [x.softplus() - x * y for x, y in zip(inputs, targets)]
    return _reduce(losses, reduction, "binary_cross_entropy_with_logits")
