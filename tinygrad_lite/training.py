"""Training: the tutorial's loop, once — draw a batch, compute the loss, backward, update.

    fit(model, loss_fn, optimizer, loader, epochs)   -> the mean loss of each epoch

Progress on long runs: a tqdm bar with the running loss when tqdm is installed (the optional
``progress`` extra), a plain line per epoch on stderr otherwise, nothing with progress=False.
"""

import sys

__all__ = ["fit"]


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def fit(model, loss_fn, optimizer, loader, epochs=1, progress="auto"):
    """Train ``model`` for ``epochs`` passes over ``loader``; returns each epoch's mean loss.

    Each batch (xs, ys) from the loader: ``optimizer.zero_grad()``, outputs = [model(x) for x
    in xs], loss = ``loss_fn(outputs, ys)`` (a Value), ``loss.backward()``,
    ``optimizer.step()``.  The epoch's loss is the mean over its examples of the batch losses.
    ``progress``: "auto" (tqdm if installed, else a line per epoch on stderr), True (the same),
    or False (silent).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a whole number >= 0, got {epochs!r}")
    if progress not in ("auto", True, False):
        raise ValueError(f"fit: progress must be 'auto', True or False, got {progress!r}")
    tqdm = _tqdm() if progress else None
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
            outputs = [model(x) for x in xs]
            loss = loss_fn(outputs, ys)
            loss.backward()
            optimizer.step()
            total += loss.data * len(xs)
            count += len(xs)
            if bar is not None:
                bar.set_postfix(loss=f"{total / count:.4g}")
        history.append(total / count if count else float("nan"))
        if progress and tqdm is None:
            print(f"epoch {epoch}/{epochs}: loss {history[-1]:.6g}", file=sys.stderr)
    return history
