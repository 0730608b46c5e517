"""Data: small generated data sets (no downloads) and, later, mini-batch loading.

    make_moons(n, noise, seed)   two interleaving half circles, labels -1 / +1
"""

import math
import random

__all__ = ["make_moons"]


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
