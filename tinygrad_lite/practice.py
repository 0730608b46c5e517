"""Moved to ``tinygrad_lite.lab.practice`` (the laboratory); this name keeps old imports working."""

from .lab.practice import *  # noqa: F401,F403
from .lab.practice import __all__  # noqa: F401
