"""lazy_gc: fewer pauses of Python's cyclic garbage collector while a big graph is alive (opt-in).

Python starts a collection of young objects every 700 new container objects, and a full one
whenever the survivors have grown by a quarter.  Building a graph makes one Value per op, so a
65,000-node training step is interrupted ~90 times, and the live graph itself is walked again
and again, though it holds no reference cycles (reference counting frees it when the step
ends).  Inside ``lazy_gc()`` a collection starts only every ``threshold`` new objects: the
micrograd demo step runs ~35% faster (benchmarks/engine.py reports it beside the default).

The threshold is process-wide (``gc.set_threshold``), so this is never done behind a user's
back: only inside the block, restored on leaving it (also on an exception), re-entrant.  Open
it from one thread at a time; cycles made elsewhere in the program wait longer to be freed.

    >>> import gc
    >>> from tinygrad_lite import lazy_gc
    >>> before = gc.get_threshold()
    >>> with lazy_gc():
    ...     gc.get_threshold()[0] >= 100_000
    True
    >>> gc.get_threshold() == before
    True
"""

import gc

__all__ = ["lazy_gc"]


class lazy_gc:
    """Context manager (and decorator): the collector's first threshold raised to at least
    ``threshold`` new objects inside the block, the previous thresholds restored after it."""

    def __init__(self, threshold=100_000):
        if threshold.__class__ is not int or threshold < 1:
            raise ValueError(f"lazy_gc(threshold={threshold!r}): a whole number of objects "
                             ">= 1")
        self.threshold = threshold
        self._saved = []            # one entry per open use of this instance (re-entrant)

    def __enter__(self):
        before = gc.get_threshold()
        self._saved.append(before)
        gc.set_threshold(max(self.threshold, before[0]), *before[1:])
        return self

    def __exit__(self, *exc_info):
        gc.set_threshold(*self._saved.pop())
        return False

    def __call__(self, function):
        def wrapper(*args, **kwargs):
            with lazy_gc(self.threshold):
                return function(*args, **kwargs)
        wrapper.__name__ = function.__name__
        wrapper.__doc__ = function.__doc__
        return wrapper
