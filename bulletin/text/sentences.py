"""Abbreviation-aware sentence splitter for Kyrgyz paragraphs.

``split_sentences("Проф. А. Т. Осмонов келди. Ал сүйлөдү.")`` →
``["Проф. А. Т. Осмонов келди.", "Ал сүйлөдү."]``; a quotation closed by a dash stays
with its attribution: ``«Биз даярбыз», - деди ал. Эртең`` splits only after ``ал.``.
"""

from __future__ import annotations

import re
from functools import cache

from bulletin.text.data import table

_CANDIDATE = re.compile(r"([.!?…]+)([»\"”’)\]]*)(\s+)")
_WORD_BEFORE = re.compile(r"(\S+)$")
_STARTS_SENTENCE = re.compile(r"[A-ZА-ЯӨҮҢЁ0-9«\"“„(\[—–\-]")
_ATTRIBUTION = re.compile(r"[—–\-]\s*[а-яөүңё]")
# abbreviations that never end a sentence (they stand before a name or a number)
_TITLES = frozenset(
    {"проф.", "акад.", "доц.", "мис.", "б.а.", "б.з.ч.", "б.з.", "т.", "д-р.", "св.", "№."}
)


# place abbreviations (обл., р-ну, ш., а.) followed by another place name and its own
# place word or abbreviation: the address goes on (Чүй обл. Сокулук р-нунун ...)
_PLACE = frozenset({"обл.", "ш.", "а.", "р-ну", "р-н"})
_PLACE_NEXT = re.compile(
    r"[А-ЯӨҮҢЁ][а-яөүңё]+(?:-[А-ЯӨҮҢЁа-яөүңё][а-яөүңё]+)*\s+"
    r"(?:р-н|ш\.|а\.|м-н|к\.|көч\.|пр\.|район|шаар|айыл|кичи район|көчө)"
)


@cache
def _graphic() -> dict[str, str]:
    return {k: (v[1] if len(v) > 1 else "end") for k, v in table("graphic").items()}


def _is_initial(word: str) -> bool:
    """А. or Т. (a capital initial), also А.Т. written together."""
    core = word.strip('«"“„(')
    return bool(re.fullmatch(r"(?:[A-ZА-ЯӨҮҢЁ]\.)+", core))


def no_split_after(word: str, following: str = "") -> bool:
    """True when a full stop after *word* is an abbreviation's or an initial's, not a sentence end."""
    low = word.lower().lstrip('«"“„(')
    if low in _TITLES:
        return True
    kind = _graphic().get(low)
    if kind == "title":
        return True
    if kind == "end" and following[:1].isdigit():
        return True  # Ленин к. 221 / 2025 ж. 5-майда: an address or a date goes on
    if kind == "end" and low in _PLACE and _PLACE_NEXT.match(following):
        return True  # Чүй обл. Сокулук р-нунун ...: an address goes on
    return _is_initial(word)


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of *paragraph*, each with its original text, stripped."""
    sentences: list[str] = []
    start = 0
    text = paragraph
    for m in _CANDIDATE.finditer(text):
        nxt = m.end()
        if nxt >= len(text):
            break
        if not _STARTS_SENTENCE.match(text, nxt):
            continue
        if _ATTRIBUTION.match(text, nxt):
            continue  # «...», - деди ал. / "...өтөт." - деди
        punct = m.group(1)
        if punct.startswith(".") and not m.group(2):
            word_match = _WORD_BEFORE.search(text, start, m.start() + len(punct))
            word = word_match.group(1) if word_match else ""
            if no_split_after(word, text[nxt : nxt + 40]):
                continue
        piece = text[start : m.start(3)].strip()
        if piece:
            sentences.append(piece)
        start = nxt
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences
