"""Every corpus release normalises to speakable text: no digits, Latin letters or symbols."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulletin.text import normalize

CORPUS = Path(__file__).resolve().parents[2] / "examples" / "corpus"
RELEASES = sorted(CORPUS.glob("*.txt"))
# what the voice cannot read: digits, Latin letters, symbols and superscripts
UNSPEAKABLE = re.compile(r"[0-9A-Za-z%№$€§@&²³°‰#*^_|\\<>=+~≈±×™®©£¥₽₸₺]")
# a year's or a century's abbreviation left in the spoken text (2024-ж., XVII к.)
LEFT_ABBREVIATION = re.compile(r"(?<![А-ЯӨҮҢЁа-яөүңё.])(?:жж?|кк?|көч|пр)\.(?!\w)|б-ры?\b")


def test_corpus_is_there() -> None:
    """The corpus ships with the repository (16 releases)."""
    assert len(RELEASES) >= 16


@pytest.mark.parametrize("release", RELEASES, ids=[p.stem for p in RELEASES])
def test_release_is_speakable(release: Path) -> None:
    """normalize(release) leaves nothing the voice cannot read."""
    spoken = normalize(release.read_text(encoding="utf-8"))
    left = [spoken[max(0, m.start() - 30) : m.end() + 10] for m in UNSPEAKABLE.finditer(spoken)]
    assert not left
    assert not LEFT_ABBREVIATION.findall(spoken)
