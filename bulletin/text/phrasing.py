"""Phrase breaks: where a long sentence may be cut for a breath (rules in data/phrasing.tsv).

A sentence no longer than ``max_chars`` stays whole; a longer one is cut at its best
boundaries (clause ends after converbs and participles, before ``бирок``/``жана``, at
commas; a plain word boundary only when there is nothing better), so that every piece is
at most ``max_chars`` long and at least ``min_chars`` where the text allows.

>>> split_phrases("Министр жыйынга катышып, жаңы мыйзамдын долбоору талкууланып жатканын "
...               "айтты жана ал долбоор жакында парламентке жөнөтүлөрүн билдирди.", 100)
['Министр жыйынга катышып, жаңы мыйзамдын долбоору талкууланып жатканын айтты',
 'жана ал долбоор жакында парламентке жөнөтүлөрүн билдирди.']
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import cache

from bulletin.text.data import DATA_DIR, read_rows

# spoken characters of one phrase: espeak's Kyrgyz voice reads about 14.5 characters a
# second, so 95 characters is about 6.5 s, under the 8 s an announcer reads without a breath
PHRASE_MAX_CHARS = 95
PHRASE_MIN_CHARS = 30
_WORD = re.compile(r"\S+")
_TRIM = "«»\"“”„'()[]"
_FALLBACK = 0.5  # any word boundary


@dataclass(frozen=True)
class _Rules:
    after_mark: dict[str, float]
    before_mark: dict[str, float]
    after_ending: tuple[tuple[re.Pattern[str], float], ...]
    after_pair: tuple[tuple[re.Pattern[str], str, float], ...]
    before_word: dict[tuple[str, ...], float]
    not_after: frozenset[str]
    not_before: frozenset[str]
    not_before_prefix: tuple[str, ...]
    weak_after: tuple[re.Pattern[str], ...]


@cache
def rules() -> _Rules:
    """The phrasing rules of ``data/phrasing.tsv``."""
    after_mark: dict[str, float] = {}
    before_mark: dict[str, float] = {}
    after_ending: list[tuple[re.Pattern[str], float]] = []
    after_pair: list[tuple[re.Pattern[str], str, float]] = []
    before_word: dict[tuple[str, ...], float] = {}
    not_after: set[str] = set()
    not_before: set[str] = set()
    weak_after: list[re.Pattern[str]] = []
    for number, fields in read_rows(DATA_DIR / "phrasing.tsv"):
        kind, value = fields[0], fields[1]
        weight = float(fields[2]) if len(fields) > 2 else 0.0
        if kind == "after_mark":
            after_mark[value] = weight
        elif kind == "before_mark":
            before_mark[value] = weight
        elif kind == "after_ending":
            after_ending.append((re.compile(f"(?:{value})$"), weight))
        elif kind == "after_pair":
            ending, word = value.rsplit(" ", 1)
            after_pair.append((re.compile(f"(?:{ending})$"), word, weight))
        elif kind == "before_word":
            before_word[tuple(value.split())] = weight
        elif kind == "not_after":
            not_after.add(value)
        elif kind == "not_before":
            not_before.add(value)
        elif kind == "weak_after":
            weak_after.append(re.compile(f"(?:{value})$"))
        else:
            raise ValueError(f"phrasing.tsv line {number}: unknown kind {kind!r}")
    return _Rules(
        after_mark,
        before_mark,
        tuple(after_ending),
        tuple(after_pair),
        before_word,
        frozenset(not_after),
        frozenset(w for w in not_before if not w.endswith("*")),
        tuple(w[:-1] for w in not_before if w.endswith("*")),
        tuple(weak_after),
    )


def _core(word: str) -> str:
    return word.strip(_TRIM).lower()


def boundaries(text: str) -> list[tuple[int, float]]:
    """Where a new phrase may start (offsets of words in *text*) and how good a break it is.

    >>> boundaries("Ал келип, сүйлөдү бирок кетти")
    [(3, 0.5), (10, 5.0), (18, 4.0), (24, 0.1)]
    """
    r = rules()
    words = [(m.start(), m.group()) for m in _WORD.finditer(text)]
    cores = [_core(w) for _, w in words]
    result: list[tuple[int, float]] = []
    for i in range(1, len(words)):
        prev, word = words[i - 1][1], words[i][1]
        prev_core, core = cores[i - 1], cores[i]
        weight = _FALLBACK
        mark = prev.rstrip(_TRIM)[-1:]
        if mark in r.after_mark:
            weight = max(weight, r.after_mark[mark])
        if word in r.before_mark:
            weight = max(weight, r.before_mark[word])
        if prev in r.before_mark:
            weight = min(weight, 0.1)  # right after a dash
        if (
            core in r.not_before
            or core.startswith(r.not_before_prefix)
            or (not prev_core and not mark)
        ):
            weight = min(weight, 0.1) if weight < 3 else weight
        elif mark not in r.after_mark and prev_core.isalpha():
            if prev_core not in r.not_after:
                for pattern, w in r.after_ending:
                    if w > weight and pattern.search(prev_core):
                        weight = w
            for pattern, pair_word, w in r.after_pair:
                if prev_core == pair_word and i >= 2 and pattern.search(cores[i - 2]):
                    weight = max(weight, w)
            for key, w in r.before_word.items():
                if w > weight and tuple(cores[i : i + len(key)]) == key:
                    weight = w
            if weight < 2 and any(p.search(prev_core) for p in r.weak_after):
                weight = 0.1
        result.append((words[i][0], weight))
    return result


def split_phrases(
    text: str, max_chars: int = PHRASE_MAX_CHARS, min_chars: int = PHRASE_MIN_CHARS
) -> list[str]:
    """*text* cut at its best boundaries into pieces of at most *max_chars* characters.

    Words are never cut, except one longer than *max_chars*; joining the pieces with
    spaces gives back the words of *text*.
    """
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else []
    found = boundaries(text)
    positions = [pos for pos, _ in found]
    pieces: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        remaining = len(text) - start
        ideal = remaining / math.ceil(remaining / max_chars)
        lo = bisect.bisect_right(positions, start + min(min_chars, max_chars // 2))
        hi = bisect.bisect_right(positions, start + max_chars)
        best, best_score = -1, -math.inf
        for k in range(lo, hi):
            pos, weight = found[k]
            if len(text) - pos < min_chars and k + 1 < len(found):
                weight -= 1.0  # a short last piece
            score = weight - abs(pos - start - ideal) / max_chars
            if score > best_score:
                best, best_score = pos, score
        if best < 0:  # no word boundary in reach: one word longer than max_chars
            nxt = bisect.bisect_right(positions, start)
            best = positions[nxt] if nxt < len(positions) else len(text)
            if best - start > max_chars:
                best = start + max_chars
        pieces.append(text[start:best].strip())
        start = best
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        pieces.append(text[start:].strip())
    return [p for p in pieces if p]
