"""How a split deals texts out to workers: every text once, longest first, parts shrinking."""

from __future__ import annotations

import pytest

from bulletin.jobs import portions

CORPUS_SENTENCES = [
    "Бишкекте бүгүн жыйырма беш градус жылуу болот.",
    "Шамал.",
    "Түштүктө жаан жаайт, тоолордо кар күтүлөт.",
    "Президент жаңы мектепти ачты.",
    "Жолдо оңдоо иштери жүрүп жатат, айдоочулар этият болушу керек.",
    "Баалар өстү.",
] * 20


@pytest.mark.parametrize("most, ways", [(60, 2), (8, 4), (1, 1), (500, 3)])
def test_every_text_once_longest_first_and_parts_shrink(most, ways):
    parts = portions(CORPUS_SENTENCES, most, ways)
    flat = [text for part in parts for text in part]
    assert sorted(flat) == sorted(CORPUS_SENTENCES)
    assert [len(t) for t in flat] == sorted((len(t) for t in flat), reverse=True)
    assert all(1 <= len(part) <= most for part in parts)
    sizes = [sum(map(len, part)) for part in parts]
    assert sizes[-1] <= sizes[0]
    if most >= 8:  # not capped to a few texts: the tail is small next to the head
        assert sizes[-1] * 4 <= sizes[0]


def test_nothing_to_deal():
    assert portions([], 60, 2) == []
