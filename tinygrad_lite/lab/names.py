"""One reader of names: every place a student names an entry (--check, --grad, --explain, the
report's dictionaries) reads it here, in every spelling the report prints or the tutorial uses.

    read_entries(text, names, config=None)   -> [entry names]: one entry (θ12, theta12,
                                                 \\theta_{12}, θ₁₂, w1_12, ∂L/∂θ12, dL/dθ12,
                                                 \\frac{\\partial L}{\\partial \\theta_{12}}) or
                                                 every entry of a block (W1, Θ, b, W2, b1 …)

An unknown name is a FormulaError that names the closest ones.
"""

from .formula import FormulaError, parse_name, unknown_name
from .matrix_formula import block_entries, block_named, blocks_for

__all__ = ["read_entries"]


def read_entries(text, names, config=None, output="L"):
    """The entries ``text`` names, in ``names`` (canonical spellings): a single entry, or a
    whole block of the configured network ``config`` (the tutorial's when None)."""
    if not isinstance(text, str):
        raise FormulaError(unknown_name(repr(text), names))
    try:
        return [parse_name(text, names, output)]
    except FormulaError:
        pass
    n = sum(1 for name in names if name.startswith("X1")) or 1
    blocks = blocks_for(config, n)
    block = block_named(text, blocks) if len(text) <= 200 else None
    if block in blocks.shapes:
        entries = [name for name in block_entries(block, blocks) if name in names]
        if entries:
            return entries
    raise FormulaError(unknown_name(text.strip(), names, blocks=list(blocks.shapes)))
