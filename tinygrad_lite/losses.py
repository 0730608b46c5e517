"""Loss functions over Values, with PyTorch's names, arguments and reductions.

    half_sum_of_squares(input, target)          ½ Σ (target - input)²   (the tutorial's L)
    mse_loss(input, target, reduction)          mean (or sum) of (input - target)²
    rmse_loss(input, target, reduction)         √MSE, with gradient 0 at zero error
    l1_loss(input, target, reduction)           mean |input - target|
    huber_loss(input, target, reduction, delta) ½d² where |d| < delta, else delta·(|d| − ½delta)
    cross_entropy(logits, target, weight, ignore_index, reduction, label_smoothing)
                                                -log softmax(logits)[target] (or probabilities)
    nll_loss(log_probs, target, weight, ignore_index, reduction)   -log_probs[target]
    binary_cross_entropy(input, target, weight, reduction)      log clamped at -100, as torch
    binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)

``input`` and ``target`` are lists (one entry per sample, or nested lists of the same shape)
or single numbers/Values.  ``reduction`` is "mean" (default), "sum" or "none" (a list of
per-entry losses), with torch's meaning of "mean" where weights are given (divided by the
sum of the weights of the samples' classes).  The module forms are in tinygrad_lite.nn.
"""

import math

from .engine import BINARY_CROSS_ENTROPY, SQRT_ZERO_AT_ZERO, Value, apply, huber_op
from .functional import as_values, log_softmax
from .nested import leaves_of_shape, shape_of

__all__ = ["half_sum_of_squares", "mse_loss", "rmse_loss", "l1_loss", "huber_loss",
           "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "REDUCTIONS"]

REDUCTIONS = ("mean", "sum", "none")


def _pair(input, target, where):
    """(inputs, targets) flattened, and the input's shape (torch's reduction='none' gives the
    losses back in it); a number's shape is ()."""
    shape = shape_of(input) if isinstance(input, (list, tuple)) else ()
    if isinstance(input, (list, tuple)) and input and isinstance(input[0], (list, tuple)):
        # a batch: N×C nested lists, flattened
        try:
            input = leaves_of_shape(input, shape, "input")
            target = leaves_of_shape(target, shape, "target")
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
    single = isinstance(input, (Value, int, float))
    inputs = as_values([input] if single else input, f"{where}(input)")
    targets = as_values([target] if isinstance(target, (Value, int, float)) else target,
                        f"{where}(target)")
    if len(inputs) != len(targets):
        raise ValueError(f"{where}: input has {len(inputs)} entries, target {len(targets)}")
    if not inputs:
        raise ValueError(f"{where}: no samples")
    return inputs, targets, shape


def _reduce(losses, reduction, where, shape=None):
    """The losses' mean or sum, or (reduction='none') the losses in the input's ``shape``: a
    nested list for a nested input, one Value for one number, as torch returns them."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    if reduction == "none":
        if shape == ():
            return losses[0]
        return _shaped(losses, shape) if shape and len(shape) > 1 else losses
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    if reduction == "sum":
        return total
    if reduction == "mean":
        return total / len(losses)
    raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _shaped(flat, shape):
    """The flat list ``flat`` as a nested list of ``shape`` (row-major)."""
    rows = list(flat)
    for size in reversed(shape[1:]):
        rows = [rows[i:i + size] for i in range(0, len(rows), size)]
    return rows


def half_sum_of_squares(input, target):
    """L = ½ Σ_k (target_k - input_k)²: the tutorial's loss; dL/d input_k = -(target_k - input_k)."""
    inputs, targets, _ = _pair(input, target, "half_sum_of_squares")
    return 0.5 * _reduce([(y - q) ** 2 for q, y in zip(inputs, targets)], "sum", "")


def mse_loss(input, target, reduction="mean"):
    """(1/n) Σ (input - target)² (or the sum, or the list)."""
    inputs, targets, shape = _pair(input, target, "mse_loss")
    return _reduce([(q - y) ** 2 for q, y in zip(inputs, targets)], reduction, "mse_loss",
                   shape)


def rmse_loss(input, target, reduction="mean"):
    """√MSE.  Its derivative (input - target)/(n·RMSE) is undefined at zero error; like abs'(0)
    it is taken as 0 there, so a perfect fit gets a zero gradient rather than NaN.  (The rule
    is an op, so a compiled graph follows it at every run.)  The reduction applies to the
    squared errors under the root: √mean, √sum, or each entry's √((input − target)²)."""
    if reduction == "none":
        inputs, targets, shape = _pair(input, target, "rmse_loss")
        return _reduce([apply(SQRT_ZERO_AT_ZERO, (q - y) ** 2) for q, y in zip(inputs, targets)],
                       "none", "rmse_loss", shape)
    return apply(SQRT_ZERO_AT_ZERO, mse_loss(input, target, reduction))


def l1_loss(input, target, reduction="mean"):
    """mean |input - target| (torch's L1Loss); the derivative at 0 is 0, as torch's sign."""
    inputs, targets, shape = _pair(input, target, "l1_loss")
    return _reduce([abs(q - y) for q, y in zip(inputs, targets)], reduction, "l1_loss", shape)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """½d² where |d| < delta, else delta·(|d| − ½·delta), d = input − target (torch's
    HuberLoss).  The branch is an op, so a compiled graph follows it at every input."""
    inputs, targets, shape = _pair(input, target, "huber_loss")
    op = huber_op(float(delta))
    return _reduce([apply(op, q - y) for q, y in zip(inputs, targets)], reduction,
                   "huber_loss", shape)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """-log softmax(logits)[class] via a stable log-softmax, as torch's cross_entropy.

    ``input`` is one list of logits and ``target`` a class index (or a list of class
    probabilities), or a list of logit lists and a list of indices (or of probability lists).
    ``weight``: one weight per class; ``ignore_index``: a class index whose samples count for
    nothing; ``label_smoothing`` ε: the target is (1 − ε)·target + ε/C.  One sample with
    reduction='none' gives one Value, as torch gives a 0-d tensor.  Input (N, C, d1, …) with
    target (N, d1, …) (or probabilities (N, C, d1, …)) has a class per position, as torch's:
    the positions are samples, and 'none' gives the losses in (N, d1, …)."""
    shape = shape_of(input) if isinstance(input, (list, tuple)) else ()
    if len(shape) >= 3:
        samples, targets = _per_position(input, target, shape, "cross_entropy", soft=True)
        result = _cross_entropy(samples, targets, weight, ignore_index, reduction,
                                label_smoothing)
        return _shaped(result, shape[:1] + shape[2:]) if reduction == "none" else result
    result = _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    return _one_sample(input, reduction, result)


def _per_position(input, target, shape, where, soft):
    """(N, C, d1, …) scores as N·d1·… samples of C, and their targets: class indices of shape
    (N, d1, …) or, where ``soft``, probabilities of the input's shape (torch's layout)."""
    n, classes, rest = shape[0], shape[1], shape[2:]
    try:
        scores = leaves_of_shape(input, shape, "input")
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    positions = len(scores) // (n * classes)

    def by_position(flat):
        return [[flat[(k * classes + c) * positions + p] for c in range(classes)]
                for k in range(n) for p in range(positions)]
    probabilities = soft and shape_of(target) == shape
    try:
        flat = leaves_of_shape(target, shape if probabilities else (n,) + rest, "target")
    except ValueError as error:
        wanted = " (or probabilities {})".format(list(shape)) if soft else ""
        raise ValueError(f"{where}: the target must be class indices of shape "
                         f"{[n] + list(rest)}{wanted}: {error}") from None
    return by_position(scores), by_position(flat) if probabilities else flat


def _one_sample(input, reduction, result):
    """torch's 0-d result for one unbatched sample with reduction='none'."""
    batch = bool(input) and isinstance(input[0], (list, tuple))
    return result[0] if reduction == "none" and not batch and isinstance(result, list) else \
        result


def _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing):
    where = "cross_entropy"
    batch = bool(input) and isinstance(input[0], (list, tuple))
    samples = input if batch else [input]
    if batch and (isinstance(target, int) or not isinstance(target, (list, tuple)) or
                  len(input) != len(target)):
        raise ValueError(f"{where}: {len(input)} samples of logits need as many class indices "
                         f"(or probability lists), got {target!r}")
    targets = target if batch else [target]
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    log_ps = []
    for i, logits in enumerate(samples):
        at = where + (f" (sample {i})" if batch else "")
        logits = as_values(logits, at)
        if not logits:
            raise ValueError(f"{at}: no logits (an empty list); one per class is needed")
        log_ps.append(log_softmax(logits))
    classes = len(log_ps[0])
    w = _class_weights(weight, classes, where)
    if targets and isinstance(targets[0], (list, tuple)):
        return _soft_cross_entropy(log_ps, targets, w, reduction, label_smoothing, where)
    losses, used = _pick(log_ps, targets, w, ignore_index, where, batch)
    kept = [loss for loss in losses if loss is not None]
    if not batch and reduction == "mean" and w is None and not label_smoothing and kept:
        return kept[0]                                   # one sample: its loss
    if not label_smoothing:
        return _reduce_picked(losses, used, reduction, where)
    smooth = [-_sum([lp if w is None else lp * wc for lp, wc in zip(log_p, w or log_p)])
              for log_p, loss in zip(log_ps, losses) if loss is not None]
    eps, C = label_smoothing, classes
    if reduction == "none":
        it = iter(smooth)
        return [(1 - eps) * loss + (eps / C) * next(it) if loss is not None else Value(0.0)
                for loss in losses]
    nll, smoothed = _sum(kept), _sum(smooth)
    if reduction == "mean":
        total_weight = len(kept) if w is None else math.fsum(used)
        nll, smoothed = nll / total_weight, smoothed / total_weight
    return (1 - eps) * nll + (eps / C) * smoothed


def _soft_cross_entropy(log_ps, targets, w, reduction, eps, where):
    """Cross entropy against class probabilities (torch's probability targets)."""
    losses = []
    for i, (log_p, t) in enumerate(zip(log_ps, targets)):
        t = [float(v.data if isinstance(v, Value) else v) for v in t]
        if len(t) != len(log_p):
            raise ValueError(f"{where} (sample {i}): {len(t)} probabilities for {len(log_p)} "
                             "classes")
        t = [v * (1 - eps) + eps / len(t) for v in t] if eps else t
        terms = [lp * tc if w is None else lp * (tc * wc) for lp, tc, wc in
                 zip(log_p, t, w or t)]
        losses.append(-_sum(terms))
    return _reduce(losses, reduction, where)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-log_probs[class] (torch's NLLLoss): ``input`` holds log-probabilities (the output of
    log_softmax), one list per sample (or one sample: with reduction='none', one Value).
    Input (N, C, d1, …) with target (N, d1, …) has a class per position, as torch's."""
    shape = shape_of(input) if isinstance(input, (list, tuple)) else ()
    if len(shape) >= 3:
        samples, targets = _per_position(input, target, shape, "nll_loss", soft=False)
        result = _nll_loss(samples, targets, weight, ignore_index, reduction)
        return _shaped(result, shape[:1] + shape[2:]) if reduction == "none" else result
    return _one_sample(input, reduction, _nll_loss(input, target, weight, ignore_index,
                                                   reduction))


def _nll_loss(input, target, weight, ignore_index, reduction):
    where = "nll_loss"
    batch = bool(input) and isinstance(input[0], (list, tuple))
    samples, targets = (input, target) if batch else ([input], [target])
    if len(samples) != len(targets):
        raise ValueError(f"{where}: {len(samples)} samples need as many class indices")
    w = _class_weights(weight, len(samples[0]), where)
    rows = [as_values(row, where) for row in samples]
    losses, used = _pick(rows, targets, w, ignore_index, where, batch)
    return _reduce_picked(losses, used, reduction, where)


def _pick(rows, targets, w, ignore_index, where, batch):
    """−row[k]·w[k] for each sample's class k (None where k is ignore_index), and the class
    weights used: what cross entropy and NLL take from log-probabilities."""
    losses, used = [], []
    for i, (row, k) in enumerate(zip(rows, targets)):
        at = where + (f" (sample {i})" if batch else "")
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f"{at}: the target must be a class index (int), got {k!r}")
        if k == ignore_index:
            losses.append(None)
            continue
        if not 0 <= k < len(row):
            raise IndexError(f"{at}: class index {k} is out of range for {len(row)} classes")
        losses.append(-row[k] if w is None else -row[k] * w[k])
        used.append(1.0 if w is None else w[k])
    return losses, used


def _reduce_picked(losses, used, reduction, where):
    """torch's reduction of picked losses: "mean" divides by the weights used (ignored
    samples count for nothing: NaN if every one is ignored)."""
    if reduction == "none":
        return [loss if loss is not None else Value(0.0) for loss in losses]
    _reduce([Value(0.0)], reduction, where)             # checks the reduction's name
    kept = [loss for loss in losses if loss is not None]
    if not kept:
        return Value(math.nan) if reduction == "mean" else Value(0.0)
    total = _sum(kept)
    return total if reduction == "sum" else total / math.fsum(used)


def _class_weights(weight, classes, where):
    if weight is None:
        return None
    values = [float(v.data if isinstance(v, Value) else v) for v in weight]
    if len(values) != classes:
        raise ValueError(f"{where}: weight has {len(values)} entries for {classes} classes")
    return values


def _sum(values):
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) for probabilities p and targets y in [0, 1], as torch's
    BCELoss: each log floored at -100, and the gradient (p - y) / max(p(1 - p), 1e-12), so
    that p = 0 or 1 gives a large finite gradient, not 0 or inf.  Either outside [0, 1] is
    an error.  ``weight`` multiplies each entry's loss."""
    inputs, targets, shape = _pair(input, target, "binary_cross_entropy")
    for where, values in (("input", inputs), ("target", targets)):
        for i, v in enumerate(values):
            if not 0.0 <= v.data <= 1.0:
                hint = (" (use binary_cross_entropy_with_logits for logits)"
                        if where == "input" else "")
                raise ValueError(f"binary_cross_entropy: {where} {i} is {v.data!r}, not in "
                                 f"[0, 1]{hint}")
    losses = [apply(BINARY_CROSS_ENTROPY, p, y) for p, y in zip(inputs, targets)]
    return _reduce(_weighted(losses, weight, "binary_cross_entropy", shape), reduction,
                   "binary_cross_entropy", shape)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """BCE on logits x: softplus(x) - y·x, where softplus(x) = log(1 + e^x) is computed without
    overflow; the gradient is sigmoid(x) - y everywhere.  With ``pos_weight`` p (one number, or
    one per entry of a sample) the positive term weighs p times: (1 − y)·x +
    (1 + (p − 1)·y)·softplus(−x), as torch computes it; ``weight`` multiplies each loss."""
    inputs, targets, shape = _pair(input, target, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        losses = [x.softplus() - x * y for x, y in zip(inputs, targets)]
    else:
        pw = _broadcast(pos_weight, shape, "binary_cross_entropy_with_logits: pos_weight")
        losses = [(1 - y) * x + (1 + (p - 1) * y) * (-x).softplus()
                  for x, y, p in zip(inputs, targets, pw)]
    return _reduce(_weighted(losses, weight, "binary_cross_entropy_with_logits", shape),
                   reduction, "binary_cross_entropy_with_logits", shape)


def _broadcast(values, shape, where):
    """``values`` (a number, or a nested list) broadcast as torch broadcasts it against a loss
    of ``shape`` (dimensions aligned at the right, each 1 or equal), flattened row-major."""
    count = 1
    for size in shape:
        count *= size
    if isinstance(values, (int, float, Value)) and not isinstance(values, bool):
        return [values] * max(count, 1)
    own = shape_of(values)
    if len(own) > len(shape) or any(a not in (1, b) for a, b in
                                    zip(own[::-1], shape[::-1])):
        raise ValueError(f"{where}: shape {list(own)} does not broadcast to the loss's shape "
                         f"{list(shape)}")
    flat = leaves_of_shape(values, own, where)
    full = (1,) * (len(shape) - len(own)) + tuple(own)
    return [flat[_flat_index(k, shape, full)] for k in range(max(count, 1))]


def _flat_index(k, shape, full):
    """The row-major position in a tensor of shape ``full`` that entry k of ``shape`` reads."""
    position, stride, rest = 0, 1, k
    for size, mine in zip(reversed(shape), reversed(full)):
        at = rest % size
        rest //= size
        position += (0 if mine == 1 else at) * stride
        stride *= mine
    return position


def _weighted(losses, weight, where, shape=None):
    if weight is None:
        return losses
    shape = shape if shape else (len(losses),)
    return [loss * w for loss, w in zip(losses, _broadcast(weight, shape, where + ": weight"))]
