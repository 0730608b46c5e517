"""Notation as people paste it, read into the plain syntax the formula parsers take.

    normalize(text)           -> Normalized: the plain text and, for each of its characters,
                                 the column of the original it came from
    Normalized.locate(error)  the same FormulaError, pointing into the original text

What is read (the KaTeX math-mode subset students copy from notes, and what phones type):

    $…$ $$…$$                      the delimiters are dropped
    \\frac{a}{b} \\dfrac \\tfrac \\frac12  ((a)/(b)); \\frac{\\partial L}{\\partial θ_{12}} is ∂L/∂θ_{12}
    \\left( \\right) \\left[ \\big …   the bracket alone (\\left. and \\right. nothing)
    \\cdot \\times \\ast \\div        * * * /   (and · × ∗ ÷ − as characters)
    \\, \\; \\! \\quad ~ \\limits       space, or nothing
    \\mathrm{d} \\text{…}             their contents
    \\hat{y}                         ŷ, the prediction
    \\partial                        ∂
    \\begin{aligned} … &= … \\\\ &= … \\end{aligned}   the first left side and the last right side
    θ₁₂  q₁ₖ  x²  e⁻¹               θ_{12}  q_{1k}  x^{2}  e^{-1}
    ½ ⅓ ¼ ¾ …                       ((1)/(2)) …

Everything else passes through unchanged, so plain text is its own normal form.  One pass over
the text, each pattern matched where the last one ended: linear time, no recursion.
"""

import re
import unicodedata
from fractions import Fraction

from ..messages import Sentence
from .errors import FormulaError

__all__ = ["normalize", "Normalized"]

SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ₊₋", "0123456789aeoxhklmnpstij+-"))
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿ", "0123456789-+n"))
VULGAR = {ch: Fraction(unicodedata.numeric(ch)).limit_denominator(10)
          for ch in "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅐⅛⅜⅝⅞⅑⅒"}

PARTIAL = r"(?:\\partial(?![A-Za-z])|∂|\\mathrm\s*\{\s*d\s*\}|d)"   # ∂, d or \mathrm{d}
# (pattern, what it becomes); a "{…}" in the replacement column opens a frame (below)
RULES = [
    ("dollar", re.compile(r"\$+"), " "),
    ("environment", re.compile(r"\\(?:begin|end)\s*\{[A-Za-z*]*\}"), " "),
    ("newline", re.compile(r"\\\\"), "\n"),
    ("ampersand", re.compile(r"&"), " "),
    ("derivative", re.compile(r"\\[dt]?frac\s*\{\s*" + PARTIAL + r"\s*(?P<top>[A-Za-z])\s*\}"
                              r"\s*\{\s*" + PARTIAL + r"\s*"), None),
    ("fraction2", re.compile(r"\\[dt]?frac\s*(?P<a>[0-9A-Za-z])\s*(?P<b>[0-9A-Za-z])"), None),
    ("fraction1", re.compile(r"\\[dt]?frac\s*(?P<a>[0-9A-Za-z])\s*\{"), None),
    ("fraction", re.compile(r"\\[dt]?frac\s*\{"), None),
    ("nothing", re.compile(r"\\(?:left|right|[bB]igg?[lr]?)\s*\.|"
                           r"\\(?:left|right|[bB]igg?[lr]?|limits|nolimits|displaystyle|"
                           r"textstyle)(?![A-Za-z])"), ""),
    ("brace", re.compile(r"\\[{}]|\\[lr]brace(?![A-Za-z])"), None),
    ("times", re.compile(r"\\(?:cdot|times|ast)(?![A-Za-z])|∗"), "*"),
    ("divide", re.compile(r"\\div(?![A-Za-z])|÷"), "/"),
    ("space", re.compile(r"\\[,;:! ]|\\q?quad(?![A-Za-z])|~"), " "),
    ("contents", re.compile(r"\\(?:mathrm|mathit|mathsf|operatorname|text|textrm|textit)"
                            r"\s*\{"), None),
    ("hat", re.compile(r"\\hat\s*\{\s*y\s*\}|\\hat\s*y(?![A-Za-z])|y\u0302"), "ŷ"),
    ("partial", re.compile(r"\\partial(?![A-Za-z])"), "∂"),
    ("subscript", re.compile("[" + "".join(SUBSCRIPTS) + "]+"), None),
    ("superscript", re.compile("[" + "".join(SUPERSCRIPTS) + "]+"), None),
]
SPECIAL = "{}$\\&∗÷~" + "".join(SUBSCRIPTS) + "".join(SUPERSCRIPTS) + "".join(VULGAR)
PLAIN_RUN = re.compile("(?:[^y" + re.escape(SPECIAL) + "]|y(?!\u0302))+")  # read as it is


class Normalized:
    """The plain text of a formula and where each of its characters came from."""

    def __init__(self, original, text, origin, aligned):
        self.original, self.text, self.origin = original, text, origin
        self.aligned = aligned        # an aligned environment was read: last right side

    def column(self, column):
        """The original column of the plain text's ``column`` (both counted from 1)."""
        if column is None:
            return None
        if column - 1 < len(self.origin):
            return self.origin[column - 1] + 1
        return len(self.original) + 1

    def locate(self, error):
        """``error`` (a FormulaError about the plain text) pointing into the original."""
        if error.text != self.text or self.text == self.original:
            return error
        return type(error)(error.message, self.original, self.column(error.column))


def normalize(text):
    """The plain text the formula parsers read, from LaTeX or Unicode as pasted (see the module
    docstring); a FormulaError for what cannot be read, with its column."""
    out, origin = [], []
    frames = []                # open braces: "plain", "numerator", "denominator" or "drop"
    aligned = False

    def emit(piece, at):
        out.append(piece)
        origin.extend([at] * len(piece))

    i, size = 0, len(text)
    while i < size:
        run = PLAIN_RUN.match(text, i)
        if run:
            out.append(run.group())
            origin.extend(range(i, run.end()))
            i = run.end()
            continue
        ch = text[i]
        if ch == "{":
            frames.append("plain")
            emit("{", i)
            i += 1
            continue
        if ch == "}":
            i = _close(text, i, frames, emit)
            continue
        if ch in VULGAR:
            if i and text[i - 1] in "0123456789":
                raise FormulaError(Sentence("notation.mixed_number", whole=text[i - 1] + ch,
                                            value=str(float(int(text[i - 1]) + VULGAR[ch]))),
                                   text, i + 1)
            fraction = VULGAR[ch]
            emit(f"(({fraction.numerator})/({fraction.denominator}))", i)
            i += 1
            continue
        for kind, pattern, replacement in RULES:
            match = pattern.match(text, i)
            if match:
                break
        else:
            emit(ch, i)
            i += 1
            continue
        if kind in ("environment", "newline", "ampersand"):
            aligned = True
        if replacement is not None:
            emit(replacement, i)
        elif kind == "derivative":
            emit(f"∂{match.group('top')}/∂", i)
            frames.append("drop")
        elif kind == "fraction2":
            emit(f"(({match.group('a')})/({match.group('b')}))", i)
        elif kind == "fraction1":
            emit(f"(({match.group('a')})/(", i)
            frames.append("denominator")
        elif kind == "fraction":
            emit("((", i)
            frames.append("numerator")
        elif kind == "brace":
            emit("(" if match.group() in ("\\{", "\\lbrace") else ")", i)
        elif kind == "contents":
            frames.append("drop")
        elif kind == "subscript":
            emit("_{" + "".join(SUBSCRIPTS[c] for c in match.group()) + "}", i)
        elif kind == "superscript":
            emit("^{" + "".join(SUPERSCRIPTS[c] for c in match.group()) + "}", i)
        i = match.end()
    plain = "".join(out)
    if aligned:
        plain, origin = _last_right_side(plain, origin)
    plain = plain.replace("\n", " ")
    trailing = re.search(r"\s*[.,;]\s*$", plain)
    if trailing and not NUMBER_END.search(plain, 0, trailing.start()):
        plain, origin = plain[:trailing.start()], origin[:trailing.start()]   # a full stop
    return Normalized(text, plain, origin, aligned)


NUMBER_END = re.compile(r"(?:^|[^A-Za-z_0-9}])[0-9]+$")    # "… = 1." is the number 1.
DENOMINATOR = re.compile(r"\s*(?:(?P<open>\{)|(?P<one>[0-9A-Za-z]))")


def _close(text, i, frames, emit):
    """A '}' at ``i``: close the innermost frame; returns where reading goes on."""
    frame = frames.pop() if frames else "plain"
    if frame == "plain":
        emit("}", i)
    elif frame == "denominator":
        emit("))", i)
    elif frame == "numerator":
        match = DENOMINATOR.match(text, i + 1)
        if match is None:
            raise FormulaError(Sentence("notation.frac_needs_two"), text, i + 1)
        if match.group("open"):
            emit(")/(", i)
            frames.append("denominator")
        else:
            emit(f")/({match.group('one')}))", i)
        return match.end()
    return i + 1


def _last_right_side(plain, origin):
    """In an aligned derivation (L &= a \\\\ &= b), the first left side = the last right side."""
    depth, equals = 0, []
    for k, ch in enumerate(plain):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == "=" and depth == 0:
            equals.append(k)
    if len(equals) < 2:
        return plain, origin
    first, last = equals[0], equals[-1]
    return plain[:first] + plain[last:], list(origin[:first]) + list(origin[last:])
