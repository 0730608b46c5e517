"""The product's words, one catalogue per language (English, and Korean, the tutorial's).

It imports nothing of ours, so the library (explain, viz) and the laboratory can both use it.

    language(requested, environ)   "ko" or "en": --lang first, else LC_ALL / LANG, else English
    say(key, lang, **values)       the message ``key`` in ``lang``, with its placeholders filled
    message_of(error)              what an exception says, as a Sentence when it can be translated
    gloss(text, lang)              a Korean screen with the tutorial's English terms beside ours
                                   at their first use (messages.glossary)
    Sentence(key, **values)        a str in English that can be said again in another language
    Translatable                   a mixin for errors whose message is a Sentence: error.in_(lang)
    LANGUAGES                      {"en": catalogue, "ko": catalogue}

Each catalogue (en.py, ko.py) is a dict of key -> text with str.format placeholders; every key
exists in every language with the same placeholders (a test checks it), and English is the
fallback.  The report's names and numbers stay as they are in every language.
"""

import string

from . import en, ko, particles
from .glossary import gloss

__all__ = ["language", "say", "Sentence", "Translatable", "LANGUAGES", "message_of", "gloss"]

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


class _Formatter(string.Formatter):
    """str.format, where a Korean particle as the format spec ({target:가}, {j:로}) is
    attached in the form the value's sound asks for (messages.particles)."""

    def format_field(self, value, spec):
        if spec in particles.KINDS:
            return particles.attach(format(value), spec)
        return super().format_field(value, spec)


FORMATTER = _Formatter()


def say(key, lang="en", /, **values):
    """The message ``key`` in ``lang`` (English if the language lacks it), filled in; in a
    Korean message ``{name:가}`` puts the particle 이/가 after the value as its sound asks."""
    text = LANGUAGES.get(lang, LANGUAGES["en"]).get(key, LANGUAGES["en"][key])
    return FORMATTER.format(text, **{name: _word(v, lang) for name, v in values.items()})


def placeholders(text):
    """The names a message's placeholders use (for the catalogue test)."""
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name})


class Sentence(str):
    """A message that is its English text (so it prints, compares and goes into JSON as plain
    English) and remembers its key and values, so ``in_(lang)`` can say it in another language.
    A value that is a Sentence is translated too; a tuple is a list joined by "and"."""

    def __new__(cls, key, /, **values):
        text = super().__new__(cls, _fill(key, "en", values))
        text.key, text.values = key, values
        return text

    def in_(self, lang):
        return _fill(self.key, lang, self.values)

    def __reduce__(self):                 # copy and pickle rebuild it from its key and values
        return _rebuild, (self.key, self.values)


def _rebuild(key, values):
    return Sentence(key, **values)


def _fill(key, lang, values):
    return say(key, lang, **values)


def _word(value, lang):
    """A value as said in ``lang``: a Sentence or a translatable error translated, a tuple
    joined by "and"."""
    if isinstance(value, (Sentence, Translatable)):
        return value.in_(lang)
    if isinstance(value, tuple):
        return say("word.and", lang).join(_word(v, lang) for v in value)
    return value


def message_of(error):
    """What an exception says, as a Sentence when it was raised with one (so it can be said in
    another language), else as its text."""
    message = error.args[0] if error.args else ""
    return message if isinstance(message, (Sentence, Translatable)) else str(error)


class Translatable:
    """A mixin for exceptions: when the message is a Sentence (or another such error),
    ``in_(lang)`` says it in that language (str() stays English); any other message is said
    as it is."""

    def in_(self, lang):
        message = self.args[0] if self.args else ""
        return message.in_(lang) if isinstance(message, (Sentence, Translatable)) else str(self)
