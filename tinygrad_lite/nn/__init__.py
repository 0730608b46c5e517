"""tinygrad_lite.nn: layers built from Values, with PyTorch's names and parameter layouts.

    Module, Sequential             module.py
    Dense (= Linear), activations  dense.py
"""

from .module import Module, Sequential, StateDictError
from .dense import Dense, Linear, ReLU, Tanh, Sigmoid, Identity

__all__ = ["Module", "Sequential", "StateDictError", "Dense", "Linear", "ReLU", "Tanh",
           "Sigmoid", "Identity"]
