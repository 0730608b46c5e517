"""tinygrad_lite.nn.functional: the stateless side of nn, as in torch.nn.functional.

Activations and softmax (from tinygrad_lite.functional), attention, and the losses.
"""

from ..functional import (relu, tanh, sigmoid, identity, softmax, log_softmax,  # noqa: F401
                          dot)
from ..losses import (mse_loss, rmse_loss, cross_entropy, binary_cross_entropy,  # noqa: F401
                      binary_cross_entropy_with_logits, half_sum_of_squares)
from .attention import scaled_dot_product_attention  # noqa: F401

__all__ = ["relu", "tanh", "sigmoid", "identity", "softmax", "log_softmax", "dot",
           "mse_loss", "rmse_loss", "cross_entropy", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "half_sum_of_squares",
           "scaled_dot_product_attention"]
