"""Loss modules with torch's names and arguments: each calls its function in tinygrad_lite.losses.

    MSELoss(reduction)                      RMSELoss(reduction)        L1Loss(reduction)
    HuberLoss(reduction, delta)             NLLLoss(weight, ignore_index, reduction)
    CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing)
    BCELoss(weight, reduction)              BCEWithLogitsLoss(weight, reduction, pos_weight)

``loss(input, target)``: input and target as the functions take them (one sample or a batch
of N, nested lists for N×C).  RMSELoss is ours (torch has none): √ of the MSE.
"""

from .. import losses
from .module import Module

__all__ = ["MSELoss", "RMSELoss", "L1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
           "BCELoss", "BCEWithLogitsLoss"]


class _Loss(Module):
    """A loss with fixed keyword arguments; ``forward(input, target)`` computes it."""
    function = None

    def __init__(self, **arguments):
        super().__init__()
        if arguments.get("reduction", "mean") not in losses.REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {arguments['reduction']!r}")
        self.arguments = arguments

    def forward(self, input, target):
        return type(self).function(input, target, **self.arguments)

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.arguments.items()
                         if v is not None and k != "reduction" or
                         (k == "reduction" and v != "mean"))


class MSELoss(_Loss):
    """mean (input − target)² (torch.nn.MSELoss)."""
    function = staticmethod(losses.mse_loss)

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)


class RMSELoss(_Loss):
    """√ of the mean squared error, gradient 0 at a perfect fit (not in torch)."""
    function = staticmethod(losses.rmse_loss)

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)


class L1Loss(_Loss):
    """mean |input − target| (torch.nn.L1Loss)."""
    function = staticmethod(losses.l1_loss)

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)


class HuberLoss(_Loss):
    """½d² where |d| < delta, else delta·(|d| − ½delta) (torch.nn.HuberLoss)."""
    function = staticmethod(losses.huber_loss)

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction, delta=delta)


class CrossEntropyLoss(_Loss):
    """−log softmax(input)[target] (torch.nn.CrossEntropyLoss): class indices or
    probabilities, per-class ``weight``, ``ignore_index``, ``label_smoothing``."""
    function = staticmethod(losses.cross_entropy)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    """−input[target] for log-probabilities (torch.nn.NLLLoss)."""
    function = staticmethod(losses.nll_loss)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction)


class BCELoss(_Loss):
    """Binary cross entropy of probabilities (torch.nn.BCELoss), logs floored at −100."""
    function = staticmethod(losses.binary_cross_entropy)

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(weight=weight, reduction=reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of logits, computed stably (torch.nn.BCEWithLogitsLoss)."""
    function = staticmethod(losses.binary_cross_entropy_with_logits)

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight=weight, reduction=reduction, pos_weight=pos_weight)
