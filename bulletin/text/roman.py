"""Roman numerals (also written with the Cyrillic look-alikes Х and І) read as ordinals.

``read_roman("XXI")`` → ``"жыйырма биринчи"``; ``roman_value("ХІХ")`` → ``19``.
"""

from __future__ import annotations

import re

from bulletin.text.numbers import ordinal

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_FOLD = str.maketrans({"Х": "X", "І": "I", "С": "C", "М": "M"})
_VALID = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
# words after which a Roman numeral is an ordinal even when written with rare letters
CONTEXT = re.compile(
    r"[ \u00a0]*(?:кылым|кк\.|даража|деңгээл|съезд|курултай|сессия|чакырылыш|бөлүм|глава|"
    r"том|класс|категория|топ|жайкы|кышкы|Олимпиада|эл аралык|дүйнөлүк|республикалык|"
    r"фестивал|форум|конгресс|спартакиада|ассамблея|мелдеш|турнир)"
)


def roman_value(text: str) -> int | None:
    """Integer value of a valid Roman numeral, else None."""
    folded = text.translate(_FOLD)
    if not folded or not _VALID.fullmatch(folded):
        return None
    total = 0
    prev = 0
    for ch in reversed(folded):
        value = _VALUES[ch]
        total += -value if value < prev else value
        prev = max(prev, value)
    return total or None


def read_roman(text: str) -> str:
    """Ordinal words for a Roman numeral (the caller checks it is valid)."""
    value = roman_value(text)
    return ordinal(value) if value else text
