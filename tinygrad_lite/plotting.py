"""Plots for the examples, with matplotlib as an optional extra (pip install -e '.[plot]').

    figure(path, draw)   draw(axes) on a new figure, saved to path; returns what happened
"""

__all__ = ["figure", "MISSING"]

MISSING = "matplotlib is not installed, so no PNG was written (pip install -e '.[plot]')"


def figure(path, draw, size=(6.5, 4.5)):
    """Call ``draw(axes)`` on a new figure and save it as ``path`` (PNG, without a screen).
    Returns "wrote PATH", or the message saying that matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return MISSING
    fig, axes = plt.subplots(figsize=size)
    try:
        draw(axes)
        fig.savefig(path, dpi=100, bbox_inches="tight")
    finally:
        plt.close(fig)
    return f"wrote {path}"
