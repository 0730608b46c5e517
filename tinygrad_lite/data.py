"""Data: mini-batches drawn without replacement, and small generated data sets (no downloads).

    DataLoader(dataset, batch_size, shuffle, seed, drop_last)   an epoch is a permutation
    make_moons(n, noise, seed)                                  two half circles, labels -1 / +1
"""

import math
import random

__all__ = ["DataLoader", "make_moons"]


class DataLoader:
    """Mini-batches of a dataset, each epoch a fresh permutation (sampling without replacement).

    ``dataset`` is any sequence (``len`` and indexing).  Iterating gives the batches of one
    epoch: every example exactly once (the last batch smaller unless ``drop_last``).  With
    ``shuffle`` the order is a new permutation each epoch, drawn from a ``random.Random`` seeded
    with ``seed``: the same seed gives the same sequence of epochs on every machine.  Examples
    that are pairs (x, y) are collated into a pair of lists (xs, ys), as PyTorch does; other
    examples come as a list.

    >>> loader = DataLoader([(1, "a"), (2, "b"), (3, "c")], batch_size=2, shuffle=False)
    >>> list(loader)
    [([1, 2], ['a', 'b']), ([3], ['c'])]
    """

    def __init__(self, dataset, batch_size=1, shuffle=True, seed=None, drop_last=False):
        if isinstance(dataset, (dict, set, frozenset, str, bytes)) or \
                not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: the dataset must be a sequence indexed 0 … n-1 (a "
                            f"list or tuple of examples, e.g. [(x, y), ...]), got "
                            f"{type(dataset).__name__}; for a dict use list(d.items()) or "
                            "list(zip(inputs, targets))")
        try:
            self.size = len(dataset)
        except TypeError:
            raise TypeError(f"DataLoader: the dataset must be a sequence with len(), got "
                            f"{type(dataset).__name__}") from None
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.rng = random.Random(seed)
        self.epoch = 0

    def __len__(self):
        """The number of batches in an epoch."""
        full, rest = divmod(self.size, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def order(self):
        """The indices of the next epoch (a permutation when shuffling)."""
        indices = list(range(self.size))
        if self.shuffle:
            self.rng.shuffle(indices)
        self.epoch += 1
        return indices

    def __iter__(self):
        indices = self.order()
        for start in range(0, self.size, self.batch_size):
            chunk = indices[start:start + self.batch_size]
            if len(chunk) < self.batch_size and self.drop_last:
                return
            yield collate([self.dataset[i] for i in chunk])

    def state_dict(self):
        """Where the loader is: the epoch count and its generator's state (JSON-able)."""
        version, internal, gauss = self.rng.getstate()
        return {"epoch": self.epoch, "rng": [version, list(internal), gauss]}

    def load_state_dict(self, state):
        """Continue exactly where ``state_dict`` was taken."""
        version, internal, gauss = state["rng"]
        self.rng.setstate((version, tuple(internal), gauss))
        self.epoch = int(state["epoch"])


def collate(examples):
    """[(x1, y1), (x2, y2)] -> ([x1, x2], [y1, y2]); anything else stays a list."""
    if examples and all(isinstance(e, tuple) and len(e) == 2 for e in examples):
        return [e[0] for e in examples], [e[1] for e in examples]
    return list(examples)


def make_moons(n_samples=100, noise=0.1, seed=0):
    """Two interleaving half circles in 2-D, as in scikit-learn's make_moons.

    Returns (X, y): X a list of [x1, x2] floats, y a list of labels -1 (upper moon) and
    +1 (lower moon).  Gaussian noise of standard deviation ``noise`` is added to each point.
    The same seed gives the same points on every machine.
    """
    if not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"make_moons: n_samples must be a positive int, got {n_samples!r}")
    if noise < 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise!r}")
    rng = random.Random(seed)
    n_upper = n_samples // 2 + n_samples % 2
    points, labels = [], []
    for i in range(n_samples):
        upper = i < n_upper
        count = n_upper if upper else n_samples - n_upper
        k = i if upper else i - n_upper
        t = math.pi * k / max(count - 1, 1)
        if upper:
            x1, x2, label = math.cos(t), math.sin(t), -1
        else:
            x1, x2, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1
        points.append([x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)])
        labels.append(label)
    order = list(range(n_samples))
    rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]
