"""What a formula reader says when it cannot read: FormulaError, with the column and a caret
under it; below every reader of notation (formula, matrix_formula, expression, notation).

    FormulaError(message, text=None, column=None)   .in_(lang): the message, the column and
                                                    the text with a caret under it
"""

from ..console import visible
from ..messages import Sentence, Translatable, say

__all__ = ["FormulaError"]


class FormulaError(Translatable, ValueError):
    """A formula that cannot be read: the message names the problem and the column."""

    def __init__(self, message, text=None, column=None):
        self.message, self.text, self.column = message, text, column
        super().__init__(self.in_("en"))

    def in_(self, lang):
        """The message, its column and the formula with a caret under it, in ``lang``."""
        message = self.message.in_(lang) if isinstance(self.message, Sentence) else \
            self.message
        where = say("formula.column", lang, column=self.column) if self.column is not None \
            else ""
        detail = ""
        if self.text is not None and self.column is not None:
            shown, caret = _window(self.text, self.column)
            detail = f"\n    {shown}\n    {' ' * caret}^"
        return f"{message}{where}{detail}"


WINDOW = 60   # characters of a long formula shown on each side of the column


def _window(text, column):
    """The part of ``text`` around ``column`` as it can be printed (control characters
    escaped, a long text cut with …), and where the caret goes under it."""
    start = max(0, column - 1 - WINDOW)
    end = min(len(text), column - 1 + WINDOW)
    pieces, caret = ["…"] if start else [], 1 if start else 0
    for i in range(start, end):
        ch = text[i]
        shown = visible(ch)               # control characters and combining marks escaped
        if i < column - 1:
            caret += len(shown)
        pieces.append(shown)
    if end < len(text):
        pieces.append("…")
    return "".join(pieces), caret
