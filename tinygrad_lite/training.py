"""Training: the tutorial's loop, once — draw a batch, compute the loss, backward, update.

    fit(model, loss_fn, optimizer, loader, epochs)   -> the mean loss of each epoch

Progress on long runs: a tqdm bar with the running loss when tqdm is installed (the optional
``progress`` extra), a plain line per epoch on stderr otherwise, nothing with progress=False.
"""

import sys

from .compiled import GraphError, compile as compile_graph, placeholder
from .nested import map_leaves

__all__ = ["fit"]


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def fit(model, loss_fn, optimizer, loader, epochs=1, progress="auto", compiled=False):
    """Train ``model`` for ``epochs`` passes over ``loader``; returns each epoch's mean loss.

    Each batch (xs, ys) from the loader: ``optimizer.zero_grad()``, outputs = [model(x) for x
    in xs], loss = ``loss_fn(outputs, ys)`` (a Value), ``loss.backward()``,
    ``optimizer.step()``.  The epoch's loss is the mean over its examples of the batch losses.
    ``progress``: "auto" (tqdm if installed, else a line per epoch on stderr), True (the same),
    or False (silent).  ``compiled=True`` records the step once per batch shape with
    placeholders for the inputs and targets (tinygrad_lite.compiled) and reruns it: the same
    numbers to the last bit, several times faster.  (A trace: Python branches and random draws
    such as dropout masks taken while recording are replayed as they were.)
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a whole number >= 0, got {epochs!r}")
    if progress not in ("auto", True, False):
        raise ValueError(f"fit: progress must be 'auto', True or False, got {progress!r}")
    tqdm = _tqdm() if progress else None
    step = _CompiledStep(model, loss_fn) if compiled else None
    history = []
    for epoch in range(1, epochs + 1):
        batches = loader
        bar = None
        if tqdm is not None:
            bar = batches = tqdm(loader, desc=f"epoch {epoch}/{epochs}", leave=False,
                                 file=sys.stderr)
        total, count = 0.0, 0
        for batch in batches:
            if not (isinstance(batch, tuple) and len(batch) == 2):
                raise TypeError("fit: the loader must give (inputs, targets) batches, got "
                                f"{type(batch).__name__}")
            xs, ys = batch
            optimizer.zero_grad()
            if step is not None:
                loss_value = step(xs, ys)
            else:
                outputs = [model(x) for x in xs]
                loss = loss_fn(outputs, ys)
                loss.backward()
                loss_value = loss.data
            optimizer.step()
            total += loss_value * len(xs)
            count += len(xs)
            if bar is not None:
                bar.set_postfix(loss=f"{total / count:.4g}")
        if not count:
            raise ValueError("fit: the loader gave no examples in an epoch (an empty dataset, "
                             "or drop_last with fewer examples than batch_size)")
        history.append(total / count)
        if progress and tqdm is None:
            print(f"epoch {epoch}/{epochs}: loss {history[-1]:.6g}", file=sys.stderr)
    return history


class _CompiledStep:
    """Forward and backward of one batch through a compiled graph, one graph per batch shape."""

    def __init__(self, model, loss_fn):
        self.model, self.loss_fn = model, loss_fn
        self.graphs = {}

    def __call__(self, xs, ys):
        numbers = []
        map_leaves(numbers.append, [list(xs), list(ys)])
        key = repr(map_leaves(lambda v: 0, [list(xs), list(ys)]))   # the batch's shape
        if key not in self.graphs:
            self.graphs[key] = self._record(xs, ys)
        graph = self.graphs[key]
        value = graph.run(numbers)
        graph.backward()
        return value

    def _record(self, xs, ys):
        counter = iter(range(10 ** 12))
        feeds = map_leaves(lambda v: placeholder(f"in{next(counter)}", v), [list(xs), list(ys)])
        try:
            outputs = [self.model(x) for x in feeds[0]]
            loss = self.loss_fn(outputs, feeds[1])
        except TypeError as error:
            raise GraphError(f"fit(compiled=True) feeds inputs and targets as placeholders "
                             f"(Values); the model or loss refused one: {error}.  Use "
                             "compiled=False for targets that must stay Python ints (class "
                             "indices)") from None
        inputs = []
        map_leaves(inputs.append, feeds)
        return compile_graph(loss, inputs=inputs, params=self.model)
