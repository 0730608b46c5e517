"""The Korean words the product uses, and the tutorial's English term for each.

    GLOSSARY               [(Korean term, the tutorial's English term)]
    AVOIDED                words a Korean textbook would not use here, and the term to use
    gloss(text, lang)      a Korean screen with each term glossed at its first use:
                           "손실 함수(loss function)", "기울기(gradient)", "에폭(epoch)"

The tutorial writes these terms in English; a student who meets 기울기 on our screen should see
the word from class beside it once.  docs/ko/glossary.md is the same list for people (a test
keeps the two the same).
"""

__all__ = ["GLOSSARY", "AVOIDED", "gloss"]

GLOSSARY = [
    ("손실 함수", "loss function"),
    ("기울기", "gradient"),
    ("에폭", "epoch"),
    ("활성화 함수", "activation function"),
    ("학습률", "learning rate"),
    ("플레이스홀더", "placeholder"),
    ("역전파", "backpropagation"),
]

AVOIDED = {"그래디언트": "기울기", "그라디언트": "기울기", "에포크": "에폭", "로스": "손실",
           "러닝 레이트": "학습률", "당신": "입력한 식, 계산한 값"}


def gloss(text, lang):
    """``text`` with each glossary term followed by its English term at its first use (Korean
    only; a term already glossed is left as it is)."""
    if lang != "ko":
        return text
    for korean, english in GLOSSARY:
        at = text.find(korean)
        if at < 0:
            continue
        end = at + len(korean)
        if not text.startswith(f"({english})", end):
            text = f"{text[:end]}({english}){text[end:]}"
    return text
