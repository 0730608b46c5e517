"""tinygrad_lite: a scalar reverse-mode autograd engine for seeing, checking and trusting backprop.

    Value, no_grad, zero_grad      the engine (tinygrad_lite.engine)
    gradcheck                      compare backward() with central differences
"""

from .engine import Value, no_grad, enable_grad, is_grad_enabled, zero_grad
from .gradcheck import gradcheck, GradcheckError
from .seeding import manual_seed

__version__ = "0.1.0"

__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled", "zero_grad",
           "gradcheck", "GradcheckError", "manual_seed"]
