"""Embedding: a table of learned vectors, looked up by index.

    Embedding(num_embeddings, embedding_dim)    weight num_embeddings × embedding_dim, N(0, 1)
"""

from ..seeding import resolve_rng
from .checks import positive_int
from .init import normal
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """An index gives its row of ``weight`` (the Values themselves, so gradients reach them);
    a list of indices gives a list of rows.

    >>> from tinygrad_lite import nn
    >>> table = nn.Embedding(10, 3)
    >>> len(table(4)), len(table([1, 2, 2]))
    (3, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, rng=None):
        super().__init__()
        self.num_embeddings = positive_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = positive_int("Embedding", "embedding_dim", embedding_dim)
        self.register_parameter("weight", normal((num_embeddings, embedding_dim),
                                                 resolve_rng(rng, "Embedding")))

    def forward(self, indices):
        if isinstance(indices, (list, tuple)):
            return [self._row(i, k) for k, i in enumerate(indices)]
        return self._row(indices, None)

    def _row(self, index, position):
        where = f"Embedding({self.num_embeddings}, {self.embedding_dim})" + \
            (f": indices[{position}]" if position is not None else "")
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"{where}: an index must be an int, got {type(index).__name__} "
                            f"{index!r}")
        if not 0 <= index < self.num_embeddings:
            raise IndexError(f"{where}: index {index} is out of range 0…{self.num_embeddings - 1}")
        return list(self.weight[index])

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
