"""Argument and input checks shared by the layers: messages name the layer and the argument."""

from ..engine import Value
from ..nested import shape_of

__all__ = ["positive_int", "pair", "as_vector", "as_grid"]


def positive_int(layer, name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{layer}: {name} must be an int >= {minimum}, got {value!r}")
    return value


def pair(layer, name, value, minimum=1):
    """An int or a pair of ints, as a pair (PyTorch's kernel_size=3 or (3, 2))."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{layer}: {name} must be an int or a pair, got {value!r}")
        return tuple(positive_int(layer, name, v, minimum) for v in value)
    v = positive_int(layer, name, value, minimum)
    return v, v


def _scalar(layer, x, where):
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return Value(x)
    raise TypeError(f"{layer}: {where} is {type(x).__name__} {x!r}, not a number or a Value")


def as_vector(layer, x, length, what="input"):
    """x as a list of `length` Values, or an error saying what the layer expected."""
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{layer} expected a {what} vector of {length} numbers, got "
                        f"{type(x).__name__}")
    if len(x) != length:
        raise ValueError(f"{layer} expected a {what} vector of {length} numbers, got {len(x)}")
    return [_scalar(layer, v, f"{what}[{i}]") for i, v in enumerate(x)]


def as_grid(layer, x, leading, rank, what="input"):
    """A nested list of rank `rank` whose first size is `leading` (channels), as Values."""
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{layer} expected {what} of shape {_shape_text(leading, rank)}, "
                        f"got {type(x).__name__}")
    shape = shape_of(x)
    if len(shape) != rank or shape[0] != leading or 0 in shape:
        raise ValueError(f"{layer} expected {what} of shape {_shape_text(leading, rank)} "
                         f"(channels first), got shape {list(shape)}")

    def convert(item, index):
        if isinstance(item, (list, tuple)):
            if len(index) >= rank or len(item) != shape[len(index)]:
                raise ValueError(f"{layer}: the {what} is ragged at {list(index)}")
            return [convert(sub, (*index, i)) for i, sub in enumerate(item)]
        if len(index) != rank:
            raise ValueError(f"{layer}: the {what} is ragged at {list(index)}")
        return _scalar(layer, item, f"{what}{''.join(f'[{i}]' for i in index)}")

    return convert(x, ())


def _shape_text(leading, rank):
    names = ["L"] if rank == 2 else ["H", "W"]
    return "[" + ", ".join([str(leading)] + names) + "]"
