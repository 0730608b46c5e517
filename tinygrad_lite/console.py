"""What the command line writes: text any console can show, JSON any parser accepts.

    printable(text, encoding)   the text, with characters the encoding lacks spelled in ASCII
    visible(text)               a user's text with control characters and combining marks
                                escaped: the one way user text reaches a terminal
    write(text, stream)         print to a stream whatever its encoding (cp949, ASCII, ...)
    strict_json(document)       the document with NaN and ±inf as null, and where they were
    shorten(text, limit)        one long line cut in the middle with an ellipsis
    rjust(text, width)          right-justified by the columns a console shows (Hangul takes two)

A Korean Windows console (cp949) has θ, δ, ∂ and → but not the minus sign −; an ASCII pipe has
none of them.  Rather than crash with UnicodeEncodeError, each character the stream cannot
encode is replaced by its usual ASCII spelling (− → -, θ → theta, ∂ → d), and anything else by
"?".  Strict JSON has no NaN or Infinity, so a non-finite number is written as null and its
place and value are listed under "nonfinite" (e.g. {"forward.q11": "inf"}).
"""

import math
import unicodedata

__all__ = ["printable", "visible", "write", "strict_json", "shorten", "rjust", "ljust"]

ASCII_SPELLING = {
    "−": "-", "–": "-", "—": "-", "·": "*", "⋅": "*", "×": "x", "÷": "/", "→": "->",
    "←": "<-", "²": "^2", "³": "^3", "½": "1/2", "…": "...", "Σ": "sum", "∑": "sum",
    "∂": "d", "θ": "theta", "Θ": "Theta", "δ": "delta", "Δ": "Delta", "η": "eta",
    "σ": "sigma", "λ": "lambda", "α": "alpha", "β": "beta", "ε": "eps", "≤": "<=", "≥": ">=",
    "≈": "~", "≠": "!=", "⊙": "(.)", "∘": "o", "ᵀ": "^T", "√": "sqrt", "∞": "inf",
}


def printable(text, encoding):
    """``text`` with every character ``encoding`` cannot encode spelled in ASCII (or "?").
    A caret line under a text (spaces and one ^, as a formula error prints) is moved so that it
    still points at the same character of the respelled line above it."""
    encoding = encoding or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:                    # an encoding Python does not know: be safe
        encoding = "ascii"
    lines, out = text.split("\n"), []
    for k, line in enumerate(lines):
        caret = line.rstrip()
        if k and caret.endswith("^") and not caret[:-1].strip():
            above = lines[k - 1][:len(caret) - 1]
            line = " " * len(_respelled(above, encoding)) + "^"
        out.append(_respelled(line, encoding))
    return "\n".join(out)


def _respelled(text, encoding):
    out = []
    for c in text:
        try:
            c.encode(encoding)
            out.append(c)
        except UnicodeEncodeError:
            out.append(ASCII_SPELLING.get(c, "?"))
    return "".join(out)


def visible(text):
    """A user's text as it may be echoed to a terminal: control characters, invisible format
    characters (the right-to-left override), combining marks and unusual spaces spelled as
    escapes (\\x1b, \\u202e, \\u0301), so nothing typed can move the cursor, hide text or
    merge with the quote around it."""
    if text.isprintable() and not any(unicodedata.category(c).startswith("M") for c in text):
        return text
    return "".join(c.encode("unicode_escape").decode("ascii")
                   if (unicodedata.category(c)[0] in "CM" or
                       (unicodedata.category(c)[0] == "Z" and c != " ")) else c
                   for c in text)


def write(text, stream):
    """Write ``text`` and a newline to ``stream``, degrading characters it cannot encode."""
    stream.write(printable(text, getattr(stream, "encoding", None)) + "\n")
    stream.flush()


def strict_json(document):
    """(copy of ``document`` with non-finite floats as None, {path: "nan"/"inf"/"-inf"})."""
    replaced = {}
    root = {"": document}
    stack = [(root, "", "")]          # (container, key in it, path for people)
    while stack:
        container, key, path = stack.pop()
        value = container[key]
        if isinstance(value, float) and not math.isfinite(value):
            container[key] = None
            replaced[path] = repr(value)
        elif isinstance(value, dict):
            copy = dict(value)
            container[key] = copy
            for k in copy:
                stack.append((copy, k, f"{path}.{k}" if path else str(k)))
        elif isinstance(value, (list, tuple)):
            copy = list(value)
            container[key] = copy
            for i in range(len(copy)):
                stack.append((copy, i, f"{path}[{i}]"))
    return root[""], dict(sorted(replaced.items()))


def shorten(text, limit=300):
    """``text`` if at most ``limit`` characters, else its start and end around an ellipsis."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head - 1
    return f"{text[:head]}…{text[-tail:]}" + f" ({len(text):,} characters)"


def columns(text):
    """The console columns ``text`` takes: wide characters (Hangul, CJK) take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def rjust(text, width):
    """``text`` padded on the left to ``width`` console columns, so a Korean column header
    lines up with the numbers under it."""
    return " " * max(0, width - columns(text)) + text


def ljust(text, width):
    """``text`` padded on the right to ``width`` console columns."""
    return text + " " * max(0, width - columns(text))
