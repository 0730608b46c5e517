"""tinygrad_lite: a scalar reverse-mode autograd engine for seeing, checking and trusting backprop.

    Value, no_grad, zero_grad      the engine (tinygrad_lite.engine)
    gradcheck                      compare backward() with central differences
    grad, hessian, hvp             derivatives of any order (tinygrad_lite.autograd)
    explain                        a gradient as a sum over paths of named nodes
    viz.to_html                    the interactive page of any graph (also Value._repr_html_)
    check_formula                  a verdict on a hand-derived formula of the worked example
    placeholder, compile           compiled graphs: build once, feed many times
    lazy_gc                        opt-in: fewer garbage-collector pauses while a big graph lives
    manual_seed                    one seed for every layer's initialisation
    nn, optim, data, losses        layers, optimizers, mini-batches, loss functions
"""

from .engine import Value, no_grad, enable_grad, is_grad_enabled, zero_grad
from .gradcheck import gradcheck, GradcheckError
from .seeding import manual_seed
from .autograd import grad, hessian, hvp
from .explain import explain
from .compiled import placeholder, compile as compile  # tinygrad_lite.compile, like torch.compile
from .collector import lazy_gc
from . import nn, optim, data, losses
from .lab.check import check_formula
from .page import notebook_html

# In a notebook a Value displays as the interactive page of its graph (as micrograd's users
# draw_dot); attached here, at the top, so that the engine imports nothing above it.
Value._repr_html_ = notebook_html

__version__ = "0.1.0"

# `compile` is left out of __all__ so that `from tinygrad_lite import *` never hides the builtin.
__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled", "zero_grad",
           "gradcheck", "GradcheckError", "manual_seed", "grad", "hessian", "hvp", "explain",
           "check_formula", "placeholder", "lazy_gc", "nn", "optim", "data", "losses"]
