"""python -m tinygrad_lite: the command line (see tinygrad_lite.cli)."""

import sys

from .cli import main

sys.exit(main())
