"""Embedding: a table of learned vectors, looked up by index.

    Embedding(num_embeddings, embedding_dim, padding_idx=None)
        weight num_embeddings × embedding_dim, N(0, 1); the padding row starts at zeros and
        gets no gradient, as in torch
"""

from ..engine import Value
from ..seeding import resolve_rng
from .checks import positive_int
from .init import normal
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """An index gives its row of ``weight`` (the Values themselves, so gradients reach them);
    indices nested to any depth give rows nested the same way (torch's index tensors of any
    shape).  The row of ``padding_idx`` (negative counts from the end, as in torch) is zeros
    at the start and is looked up as constants, so no gradient ever reaches it.

    >>> from tinygrad_lite import nn
    >>> table = nn.Embedding(10, 3)
    >>> len(table(4)), len(table([1, 2, 2]))
    (3, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, rng=None):
        super().__init__()
        self.num_embeddings = positive_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = positive_int("Embedding", "embedding_dim", embedding_dim)
        self.register_parameter("weight", normal((num_embeddings, embedding_dim),
                                                 resolve_rng(rng, "Embedding")))
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, int) or \
                    not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be an index of the "
                                 f"{num_embeddings} rows, got {padding_idx!r}")
            padding_idx %= num_embeddings
            for v in self.weight[padding_idx]:
                v.data = 0.0
        self.padding_idx = padding_idx

    def forward(self, indices):
        stack, root = [], [None]
        stack.append((indices, root, 0, ()))                # (item, parent list, slot, path)
        while stack:
            item, parent, slot, path = stack.pop()
            if isinstance(item, (list, tuple)):
                out = [None] * len(item)
                parent[slot] = out
                stack.extend((sub, out, k, (*path, k)) for k, sub in enumerate(item))
            else:
                parent[slot] = self._row(item, path)
        return root[0]

    def _row(self, index, path):
        where = f"Embedding({self.num_embeddings}, {self.embedding_dim})" + \
            (f": indices{''.join(f'[{k}]' for k in path)}" if path else "")
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"{where}: an index must be an int, got {type(index).__name__} "
                            f"{index!r}")
        if not 0 <= index < self.num_embeddings:
            raise IndexError(f"{where}: index {index} is out of range 0…{self.num_embeddings - 1}")
        if index == self.padding_idx:                      # constants: no gradient
            return [Value(v.data) for v in self.weight[index]]
        return list(self.weight[index])

    def extra_repr(self):
        padding = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"
