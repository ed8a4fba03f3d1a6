"""Every corpus release, run through ``bulletin normalize``, is speakable text.

No digits, Latin letters or symbols are left in what the voice reads, for every release
in ``examples/corpus/``, the example release and ``tests/text/releases/``, read as the command reads it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CORPUS = EXAMPLES / "corpus"
RELEASES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md")
RELEASES.append(EXAMPLES / "release.txt")
# releases written for the round-9 check, by a writer who could not see the normaliser
RELEASES += sorted((Path(__file__).parent / "releases").glob("*.txt"))
# what the voice reads: Kyrgyz Cyrillic letters, spaces and the sentence's own punctuation
# (docs/normaliser.md); anything else (a digit, a Latin letter, %, /, °...) is left unread
UNSPEAKABLE = re.compile(r"[^А-ЯЁӨҮҢа-яёөүң\s.,?!:;«»\"“”„'’()—–\-…]")
# a year's or a century's abbreviation left in the spoken text (2024-ж., XVII к.)
LEFT_ABBREVIATION = re.compile(r"(?<![А-ЯӨҮҢЁа-яөүңё.])(?:жж?|кк?|көч|пр)\.(?!\w)|б-ры?\b")


def test_corpus_is_there() -> None:
    """The corpus ships with the repository (16 releases) and holds only releases."""
    assert len(RELEASES) >= 17
    assert all(p.suffix == ".txt" for p in RELEASES)


@pytest.mark.parametrize("release", RELEASES, ids=[p.stem for p in RELEASES])
def test_release_is_speakable(release: Path) -> None:
    """`bulletin normalize RELEASE` leaves nothing the voice cannot read."""
    result = CliRunner().invoke(main, ["normalize", str(release)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    spoken = result.stdout
    assert spoken.count("\n") >= release.read_text(encoding="utf-8").count("\n")
    left = [spoken[max(0, m.start() - 30) : m.end() + 10] for m in UNSPEAKABLE.finditer(spoken)]
    assert not left
    assert not LEFT_ABBREVIATION.findall(spoken)
