"""Moved to ``tinygrad_lite.lab.check`` (the laboratory); this name keeps old imports working."""

from .lab.check import *  # noqa: F401,F403
from .lab.check import __all__  # noqa: F401
