"""The laboratory's words, one catalogue per language (English, and Korean, the tutorial's).

    language(requested, environ)   "ko" or "en": --lang first, else LC_ALL / LANG, else English
    say(key, lang, **values)       the message ``key`` in ``lang``, with its placeholders filled
    LANGUAGES                      {"en": catalogue, "ko": catalogue}

Each catalogue (en.py, ko.py) is a dict of key -> text with str.format placeholders; every key
exists in every language with the same placeholders (a test checks it), and English is the
fallback.  The report's names and numbers stay as they are in every language.
"""

import string

from . import en, ko

__all__ = ["language", "say", "LANGUAGES"]

LANGUAGES = {"en": en.MESSAGES, "ko": ko.MESSAGES}


def language(requested=None, environ=None):
    """The language to speak: ``requested`` ("en" or "ko") wins; otherwise Korean when LC_ALL
    (or, if that is empty, LANG) asks for it, as ko_KR.UTF-8 does; otherwise English."""
    if requested is not None:
        if requested not in LANGUAGES:
            raise ValueError(f"--lang must be one of {', '.join(LANGUAGES)}, got {requested!r}")
        return requested
    environ = {} if environ is None else environ
    setting = environ.get("LC_ALL") or environ.get("LANG") or ""
    return "ko" if setting.lower().startswith("ko") else "en"


def say(key, lang="en", **values):
    """The message ``key`` in ``lang`` (English if the language lacks it), filled in."""
    text = LANGUAGES.get(lang, LANGUAGES["en"]).get(key, LANGUAGES["en"][key])
    return text.format(**values)


def placeholders(text):
    """The names a message's placeholders use (for the catalogue test)."""
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name})
