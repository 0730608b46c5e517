"""Moved to ``tinygrad_lite.lab.formula`` (the laboratory); this name keeps old imports working."""

from .lab.formula import *  # noqa: F401,F403
from .lab.formula import __all__  # noqa: F401
