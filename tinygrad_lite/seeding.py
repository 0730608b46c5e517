"""Random numbers for initialisation and dropout: explicit generators, reproducible by seed.

Every layer that draws random numbers takes an ``rng`` argument (a ``random.Random``).
Without one it uses the library's default generator, which ``manual_seed(s)`` resets, so that

    tinygrad_lite.manual_seed(0); model = build()

gives the same network on every machine (Python's Mersenne Twister and its uniform and
gauss draws are the same everywhere).
"""

import random

__all__ = ["manual_seed", "default_rng", "resolve_rng"]

_default = random.Random(0)


def manual_seed(seed):
    """Reset the default generator to ``seed`` (an int)."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"manual_seed(seed) needs an int, got {type(seed).__name__} {seed!r}")
    _default.seed(seed)
    return _default


def default_rng():
    """The library's default generator (what layers use when given no rng)."""
    return _default


def resolve_rng(rng, where):
    """rng itself, the default generator for None, or a clear TypeError."""
    if rng is None:
        return _default
    if not isinstance(rng, random.Random):
        raise TypeError(f"{where}: rng must be a random.Random (or None for the default "
                        f"generator), got {type(rng).__name__}")
    return rng
