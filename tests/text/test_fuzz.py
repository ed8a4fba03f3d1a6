"""1,500 random and hostile lines through normalize (issue 9): no exception, nothing left
that the voice cannot read, and output of bounded length."""

from __future__ import annotations

import re
import unicodedata

import pytest
from fuzz_lines import lines

from bulletin.text import normalize

LINES = lines(1500)
# a unit's square or cube the reader left after a number it read another way (a phone
# number run into an area): the only digit-like mark tolerated, and only after a unit
_UNIT_MARK = re.compile(r"(?<=м)[²³]")


def leftovers(spoken: str) -> list[str]:
    """Digits, letters other than Cyrillic, and symbols in *spoken*."""
    found = []
    for ch in _UNIT_MARK.sub("", spoken):
        kind = unicodedata.category(ch)
        if (
            ch.isdigit()
            or kind[0] in "SCN"
            and ch not in "\n"
            or (kind[0] == "L" and not "\u0400" <= ch <= "\u04ff")
        ):
            found.append(ch)
    return found


@pytest.mark.parametrize("chunk", range(10))
def test_hostile_lines(chunk: int) -> None:
    for line in LINES[chunk::10]:
        spoken = normalize(line)
        assert spoken.count("\n") == line.count("\n"), line
        assert leftovers(spoken) == [], (line, spoken)
        assert len(spoken) <= 20 * len(line) + 100, line


def test_the_generator_is_hostile() -> None:
    text = "".join(LINES)
    assert len(LINES) == 1500
    for needle in ("\x1b[", "😀", "北京", "\u202e", "\u200b", "ﬁ", "Ⅻ", "5²", "@", "\x00"):
        assert needle in text
    assert any(len(line) > 1000 for line in LINES)
    assert sum(bool(re.search(r"\d{22,}", line)) for line in LINES) > 50
