"""Abbreviation-aware sentence splitter for Kyrgyz paragraphs.

``split_sentences("Проф. А. Т. Осмонов келди. Ал сүйлөдү.")`` →
``["Проф. А. Т. Осмонов келди.", "Ал сүйлөдү."]``; a quotation closed by a dash stays
with its attribution: ``«Биз даярбыз», - деди ал. Эртең`` splits only after ``ал.``.
A year's ``ж.`` goes on (``2024-ж. 15-июнда башталат`` is one sentence), text without
punctuation ends a sentence before a capitalised sentence opener (``бүттү Эми`` →
``бүттү`` | ``Эми``), and a sentence over ``MAX_SENTENCE_CHARS`` is cut at its best
boundary (:mod:`bulletin.text.phrasing`).
"""

from __future__ import annotations

import re
from functools import cache

from bulletin.text.data import DATA_DIR, read_rows, table
from bulletin.text.phrasing import split_phrases

# the longest sentence one clip and one caption cue may hold, in written characters: the
# longest in the corpus is 261 (304 spoken, about 21 s), so no real sentence is cut, and a
# line of megabytes without punctuation becomes sentences of bounded size
MAX_SENTENCE_CHARS = 300
_MIN_PIECE_CHARS = 60

_CANDIDATE = re.compile(r"([.!?…]+)([»\"”’)\]]*)(\s+)")
_WORD_BEFORE = re.compile(r"(\S+)$")
_STARTS_SENTENCE = re.compile(r"[A-ZА-ЯӨҮҢЁ0-9«\"“„(\[—–\-]")
_ATTRIBUTION = re.compile(r"[—–\-]\s*[а-яөүңё]")
# a name just before an abbreviation of kind "attr" (Ахунбаев ат.)
_NAME_END = re.compile(r"[А-ЯӨҮҢЁ][а-яөүңё]+[\s\u00a0]*$")
# a dash after a place abbreviation, before a figure, a word or a name (a list, a predicate,
# an intersection); a sentence opener after it (Ош обл. — Бул жерде…) starts a sentence
_DASH_AFTER = re.compile(r"[—–\-][ \t\u00a0]*(?=[+\-−–]?[\dА-ЯӨҮҢЁа-яөүңё])")
# abbreviations that never end a sentence (they stand before a name or a number)
_TITLES = frozenset(
    {"проф.", "акад.", "доц.", "мис.", "б.а.", "б.з.ч.", "б.з.", "т.", "д-р.", "св.", "№."}
)


# place abbreviations (обл., р-ну, ш., а.) followed by another place name (of up to four words)
# and its own place word or abbreviation: the address goes on (Чүй обл. Сокулук р-нунун ...,
# Ош ш. Курманжан Датка к. ...)
_PLACE = frozenset({"обл.", "ш.", "а.", "р-ну", "р-н"})
_PLACE_NEXT = re.compile(
    r"[А-ЯӨҮҢЁ][а-яөүңё]+(?:-[А-ЯӨҮҢЁа-яөүңё][а-яөүңё]+| [А-ЯӨҮҢЁ][а-яөүңё]+){0,3}\s+"
    r"(?:р-н|ш\.|а\.|м-н|к\.|көч\.|пр\.|район|шаар|айыл|кичи район|көчө)"
)


# a number or Roman numeral joined to a year or century abbreviation: 2024-ж., 2030-жж.
_NUMBER_PREFIX = re.compile(
    r"^(?:\d+(?:[.\-–]\d+)*|[IVXLCDMХ]+(?:[-–][IVXLCDMХ]+)?)[-–]?(?=[^\W\d])"
)
_NUMBER_BEFORE = re.compile(r"(?:\d|\b[IVXLCDMХ]+)[\s\u00a0]*$")
# what stands before them: a number (or, in spoken text, an ordinal: жыйырма төртүнчү ж.)
_ORDINAL_END = "[ыиуү]?н?ч[ыиуү]"
_YEAR_CENTURY = {
    "ж.": rf"(?:\d|{_ORDINAL_END})",
    "жж.": rf"(?:\d|{_ORDINAL_END})",
    "к.": rf"(?:\b[IVXLCDMХ]+|{_ORDINAL_END})",
    "кк.": rf"(?:\b[IVXLCDMХ]+|{_ORDINAL_END})",
}
# scale words after a number: 7 млн. 200 миң is one number
_SCALES = frozenset({"млн.", "млрд.", "трлн.", "миң."})
_NEXT_WORD = re.compile(r"[«\"“„(]?([^\W\d_]+)")
_OPENER_BREAK = re.compile(r"(?<=[а-яөүңё])[ \t\u00a0]+(?=([А-ЯӨҮҢЁ][а-яөүңё]+)(?![-\w]))")


@cache
def openers() -> frozenset[str]:
    """Common words that open a sentence and are never names (``data/openers.tsv``)."""
    return frozenset(fields[0] for _, fields in read_rows(DATA_DIR / "openers.tsv"))


def _opens_sentence(following: str) -> bool:
    m = _NEXT_WORD.match(following)
    return bool(m) and m.group(1)[:1].isupper() and m.group(1).lower() in openers()


@cache
def _graphic() -> dict[str, str]:
    return {k: (v[1] if len(v) > 1 else "end") for k, v in table("graphic").items()}


def _is_initial(word: str) -> bool:
    """А. or Т. (a capital initial), also А.Т. written together."""
    core = word.strip('«"“„(')
    return bool(re.fullmatch(r"(?:[A-ZА-ЯӨҮҢЁ]\.)+", core))


def no_split_after(word: str, following: str = "", before: str = "") -> bool:
    """True when a full stop after *word* is an abbreviation's or an initial's, not a sentence end.

    *following* is the text after it, *before* the text before the word (a few dozen
    characters are enough): ``no_split_after("2024-ж.", "15-июнда")`` is True.
    """
    low = word.lower().lstrip('«"“„(')
    prefix = _NUMBER_PREFIX.match(word.lstrip('«"“„('))
    core = low[prefix.end() :] if prefix else low
    after = _YEAR_CENTURY.get(core)
    if after and (
        (prefix and re.match(after, prefix.group()))
        or (not prefix and re.search(after + r"[\s\u00a0]*$", before))
    ):
        # Kyrgyz puts the verb last: a sentence hardly ends on "2024-жылы"
        return not _opens_sentence(following)
    if core in _SCALES and following[:1].isdigit() and (prefix or _NUMBER_BEFORE.search(before)):
        return True
    if low in _TITLES:
        return True
    kind = _graphic().get(low)
    if kind == "title":
        return True
    if kind == "end" and following[:1].isdigit():
        return True  # Ленин к. 221 / 2025 ж. 5-майда: an address or a date goes on
    if low == "ж." and _NAME_END.search(before) and not _opens_sentence(following):
        return True  # Бишкек–Ош ж. Төө-Ашуу ашуусу: a road's name goes on
    if kind == "attr" and _NAME_END.search(before):
        return True  # И.К. Ахунбаев ат. КММА: атындагы goes on to what is named
    if kind == "end" and following.startswith("("):
        return True  # 2,71 млрд долл. (+17,8 %): a bracket goes on
    dash = _DASH_AFTER.match(following) if kind == "end" else None
    if dash and not _opens_sentence(following[dash.end() :]):
        return True  # Бишкек ш. – 18; Айтматов пр. – Ахунбаев көчөсү: the dash goes on
    if kind == "end" and low in _PLACE and _PLACE_NEXT.match(following):
        return True  # Чүй обл. Сокулук р-нунун ...: an address goes on
    return _is_initial(word)


def split_sentences(paragraph: str, max_chars: int | None = MAX_SENTENCE_CHARS) -> list[str]:
    """The sentences of *paragraph*, each with its original text, stripped.

    A sentence longer than *max_chars* is cut at its best boundaries (None: never cut).
    """
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
            before = text[
                max(start, m.start() - len(word) - 24) : m.start() + len(punct) - len(word)
            ]
            if no_split_after(word, text[nxt : nxt + 40], before):
                continue
        _add(sentences, text[start : m.start(3)], max_chars)
        start = nxt
    _add(sentences, text[start:], max_chars)
    return sentences


def _add(sentences: list[str], piece: str, max_chars: int | None) -> None:
    """Append *piece*, cut before capitalised openers and to ``MAX_SENTENCE_CHARS``."""
    piece = piece.strip()
    if not piece:
        return
    start = 0
    parts = []
    for m in _OPENER_BREAK.finditer(piece):
        if m.group(1).lower() in openers():
            parts.append(piece[start : m.start()])
            start = m.end()
    parts.append(piece[start:])
    for part in parts:
        if max_chars is None:
            sentences.append(part.strip())
        else:
            sentences.extend(split_phrases(part, max_chars, _MIN_PIECE_CHARS))
