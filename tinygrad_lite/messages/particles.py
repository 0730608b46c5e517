"""Korean particles chosen by the sound of the word before them, as a Korean reader says it.

    final_sound(text)         "none", "rieul" (ㄹ) or "other": how ``text`` ends when read aloud
    particle(text, kind)      the form of 이/가, 은/는, 을/를, 과/와 or 으로/로 that follows ``text``
    attach(text, kind)        ``text`` with it: attach("θ12", "가") == "θ12가"

A symbol is read the way a Korean classroom reads it: digits as Sino-Korean numbers (an index
digit by digit, θ12 = 세타 일이; a number as a number, 10 = 십, 0.25 = 영 점 이오), Latin
letters by their Korean names (L = 엘, f = 에프), Greek letters by name (θ = 세타), Hangul by
its final consonant (받침).  Closing brackets, quotes and primes are not spoken and are skipped.
The rule (as Korean i18n libraries apply it): no final consonant takes 가/는/를/와/로; a final
consonant takes 이/은/을/과/으로, except that ㄹ takes 로.
"""

import re

__all__ = ["final_sound", "particle", "attach", "KINDS"]

# kind -> (after a final consonant, after none); ㄹ takes the second form of 으로/로 only
KINDS = {"이": ("이", "가"), "가": ("이", "가"), "은": ("은", "는"), "는": ("은", "는"),
         "을": ("을", "를"), "를": ("을", "를"), "과": ("과", "와"), "와": ("과", "와"),
         "으로": ("으로", "로"), "로": ("으로", "로")}

# digits read one by one (an index, a decimal's last digit): 영 일 이 삼 사 오 육 칠 팔 구
DIGIT = {"0": "other", "1": "rieul", "2": "none", "3": "other", "4": "none", "5": "none",
         "6": "other", "7": "rieul", "8": "rieul", "9": "none"}
# Latin letters by their Korean names: 엘 엠 엔 알 end in a consonant
LATIN = {"l": "rieul", "m": "other", "n": "other", "r": "rieul"}
# Greek letters by name: 엡실론 오미크론 입실론 end in ㄴ
GREEK = {"ε": "other", "ϵ": "other", "ο": "other", "υ": "other"}
SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹", "01234567890123456789")
SILENT = set(")]}'\"’”`′*.,;:!?… ") | {"\u0302", "\u0301", "\u0300"}
NUMBER = re.compile(r"(?:^|(?<=[\s(=−\-+]))[0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$")


def final_sound(text):
    """How ``text`` ends when read aloud: "none" (no final consonant), "rieul" (ㄹ) or
    "other" (any other final consonant)."""
    text = str(text).translate(SUBSCRIPT_DIGITS)
    end = len(text)
    while end and text[end - 1] in SILENT:
        end -= 1
    if not end:
        return "none"
    text = text[:end]
    last = text[-1]
    if last.isdigit():
        number = NUMBER.search(text)
        if number and "e" not in number.group().lower() and "." not in number.group():
            digits = number.group().replace(",", "")
            if digits.endswith("0") and digits.strip("0"):
                return "other"      # a round number ends on its place: 십 백 천 만 억
        return DIGIT[last]
    if "가" <= last <= "힣":
        batchim = (ord(last) - ord("가")) % 28
        return "none" if batchim == 0 else "rieul" if batchim == 8 else "other"
    if last.isascii() and last.isalpha():
        return LATIN.get(last.lower(), "none")
    return GREEK.get(last.lower(), "none")


def particle(text, kind):
    """The particle ``kind`` (any form of 이/가, 은/는, 을/를, 과/와, 으로/로) after ``text``."""
    consonant, vowel = KINDS[kind]
    sound = final_sound(text)
    if sound == "none" or (sound == "rieul" and consonant == "으로"):
        return vowel
    return consonant


def attach(text, kind):
    """``text`` followed by the particle ``kind`` in the form its sound asks for."""
    return f"{text}{particle(text, kind)}"
