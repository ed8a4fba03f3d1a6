"""Every shipped acronym and Latin-word entry is read as speakable Kyrgyz.

Each entry of ``data/abbreviations.tsv`` and ``data/latin.tsv`` is normalised bare, with a
dative and with a genitive suffix written onto it (the suffix written for a consonant-final
stem, as a newsroom would write it; the normaliser re-makes it). The output may hold no
Latin letters, no digits and no leftover all-capitals acronym (a word-like acronym such as
ЮНЕСКО, kept as written by design, is allowed).
"""

from __future__ import annotations

import re

import pytest

from bulletin.text import normalize
from bulletin.text.data import mapping, table

UNSPEAKABLE = re.compile(r"[0-9A-Za-z%№$€§@&]")
CAPS_RUN = re.compile(r"(?<![А-ЯӨҮҢЁа-яөүңё])[А-ЯӨҮҢЁ]{2,}")
SUFFIXES = ("", "га", "дын")

ACRONYMS = sorted(table("abbreviations"))
WORD_LIKE = frozenset(k for k, row in table("abbreviations").items() if row[1:2] == ["word"])
LATIN = sorted(k for k, v in mapping("latin").items() if v)
# Latin names said as a Cyrillic word-like acronym (FIFA → ФИФА, NASA → НАСА)
LATIN_WORD_LIKE = frozenset(v for v in mapping("latin").values() if v.isupper())


def _check(written: str, allowed_caps: frozenset[str] = frozenset()) -> None:
    got = normalize(f"Бул {written} жөнүндө.")
    assert not UNSPEAKABLE.search(got), got
    leftovers = [w for w in CAPS_RUN.findall(got) if w not in allowed_caps]
    assert not leftovers, got
    assert normalize(got) == got


@pytest.mark.parametrize("suffix", SUFFIXES, ids=["bare", "dative", "genitive"])
@pytest.mark.parametrize("acronym", ACRONYMS)
def test_acronym_entry_speakable(acronym: str, suffix: str) -> None:
    """ЕАЭБ, ЕАЭБга, ЕАЭБдын: expanded or spelled, never left as capitals."""
    _check(acronym + suffix, WORD_LIKE)


@pytest.mark.parametrize("suffix", SUFFIXES, ids=["bare", "dative", "genitive"])
@pytest.mark.parametrize("word", LATIN)
def test_latin_entry_speakable(word: str, suffix: str) -> None:
    """Google, Googleга, Googleдын: Kyrgyz Cyrillic only."""
    _check(word + suffix, WORD_LIKE | LATIN_WORD_LIKE)


def test_data_sizes() -> None:
    """The shipped tables keep their broad coverage."""
    assert len(ACRONYMS) >= 180
    assert len(LATIN) >= 250
