"""Nested lists as tensors: the shape of a nested list, its entries with their indices, and
making one of a given shape.  (The library keeps parameters as nested lists of Values, laid
out like PyTorch's tensors, so that ``torch.tensor(entry)`` of a saved entry just works.)"""

__all__ = ["shape_of", "entries", "full", "index_label", "map_leaves", "leaves_of_shape"]


def shape_of(nested):
    """The shape of a rectangular nested list: [[1, 2, 3], [4, 5, 6]] -> (2, 3); a scalar -> ()."""
    shape = []
    while isinstance(nested, (list, tuple)):
        shape.append(len(nested))
        if not nested:
            break
        nested = nested[0]
    return tuple(shape)


def entries(nested, index=()):
    """Yield (index tuple, leaf) for every leaf of a nested list, in row-major order."""
    stack = [(index, nested)]
    while stack:
        index, item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(((*index, i), sub) for i, sub in reversed(list(enumerate(item))))
        else:
            yield index, item


def leaves_of_shape(nested, shape, name="the value"):
    """The leaves of ``nested`` in row-major order, checking that it is exactly ``shape``: every
    row as long as the first, lists only above the last dimension and no lists below it.
    Raises ValueError naming the first place that differs (``weight[1] has 2 entries, not 3``)."""
    leaves = []
    stack = [((), nested)]
    while stack:
        index, item = stack.pop()
        depth = len(index)
        if depth == len(shape):
            if isinstance(item, (list, tuple)):
                raise ValueError(f"{name}{index_label(index)} is a list where a "
                                 f"number belongs (expected shape {list(shape)})")
            leaves.append(item)
            continue
        if not isinstance(item, (list, tuple)):
            raise ValueError(f"{name}{index_label(index)} is {item!r} where a list of "
                             f"{shape[depth]} belongs (expected shape {list(shape)})")
        if len(item) != shape[depth]:
            raise ValueError(f"{name}{index_label(index)} has {len(item)} entries, "
                             f"not {shape[depth]} (expected shape {list(shape)})")
        stack.extend(((*index, i), sub) for i, sub in reversed(list(enumerate(item))))
    return leaves


def full(shape, make):
    """A nested list of the given shape whose leaf at index i is make(i)."""
    def build(prefix):
        depth = len(prefix)
        if depth == len(shape):
            return make(prefix)
        return [build((*prefix, i)) for i in range(shape[depth])]
    return build(())


def index_label(index):
    """(1, 2) -> '[1][2]': how a scalar inside a tensor is named."""
    return "".join(f"[{i}]" for i in index)


def map_leaves(function, nested):
    """The same nesting with function applied to every leaf (lists of any depth)."""
    if isinstance(nested, (list, tuple)):
        return [map_leaves(function, item) for item in nested]
    return function(nested)
