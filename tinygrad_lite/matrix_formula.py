"""Moved to ``tinygrad_lite.lab.matrix_formula`` (the laboratory); this name keeps old imports working."""

from .lab.matrix_formula import *  # noqa: F401,F403
from .lab.matrix_formula import __all__  # noqa: F401
