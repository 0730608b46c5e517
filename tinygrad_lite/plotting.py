"""Plots for the examples, with matplotlib as an optional extra (pip install -e '.[plot]').

    figure(path, draw)      draw(axes) on a new figure, saved to path; returns what happened
    output_path(out, name)  where an example writes its figure: the folder ``out`` (made if
                            missing) and the file ``name``; examples default to examples/output/
    integer_ticks(axis)     whole-number ticks (layers, epochs)
    legend_beside(axes)     the legend to the right of the plot, off the curves
"""

import os

__all__ = ["figure", "MISSING", "output_path", "integer_ticks", "legend_beside", "EXAMPLES_OUT"]

MISSING = "matplotlib is not installed, so no PNG was written (pip install -e '.[plot]')"

# where the examples put their figures unless told otherwise (--out); ignored by git
EXAMPLES_OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "examples", "output")


def output_path(out, name):
    """``out``/``name``, creating the folder ``out`` if it does not exist yet."""
    os.makedirs(out, exist_ok=True)
    return os.path.join(out, name)


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


def integer_ticks(axis):
    """Ticks at whole numbers only on ``axis`` (axes.xaxis or axes.yaxis)."""
    from matplotlib.ticker import MaxNLocator
    axis.set_major_locator(MaxNLocator(integer=True))


def legend_beside(axes, **options):
    """The legend outside the plot, to its right, where it cannot hide a curve."""
    axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **options)
